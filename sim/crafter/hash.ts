// A 32-bit digest of everything that determines an environment's future: map, objects in update
// order, player state, step, and the PRNG state. Equal digests after equal actions are how the
// determinism tests check "same seed + same actions → same trajectory, bit for bit".

import type { CrafterEnv } from './env.ts';

function fold(h: number, v: number): number {
  return Math.imul(h ^ (v | 0), 0x01000193) ^ ((v / 4294967296) | 0);
}

export function stateHash(env: CrafterEnv): number {
  const w = env.world;
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < w.mat.length; i++) h = Math.imul(h ^ w.mat[i]!, 0x01000193);
  h = fold(h, w.orderLen);
  for (let r = 0; r < w.orderLen; r++) {
    const s = w.order[r]!;
    h = fold(h, w.kind[s]!);
    h = fold(h, w.ox[s]!);
    h = fold(h, w.oy[s]!);
    h = fold(h, w.health[s]!);
    h = fold(h, w.timer[s]!);
    h = fold(h, w.dir[s]!);
  }
  for (let i = 0; i < env.inventory.length; i++) h = fold(h, env.inventory[i]!);
  for (let i = 0; i < env.achievementCounts.length; i++) h = fold(h, env.achievementCounts[i]!);
  // The hidden counters move in steps of 0.5, so doubling keeps them exact integers.
  h = fold(h, env.hunger * 2);
  h = fold(h, env.thirst * 2);
  h = fold(h, env.fatigue * 2);
  h = fold(h, env.recover * 2);
  h = fold(h, env.facing);
  h = fold(h, env.sleeping ? 1 : 0);
  h = fold(h, env.stepCount);
  for (const word of env.rng.state()) h = fold(h, word);
  return h >>> 0;
}

/** Folds a sequence of digests/numbers into one (for whole-trajectory hashes). */
export function combineHash(h: number, v: number): number {
  return fold(h | 0, v) >>> 0;
}
