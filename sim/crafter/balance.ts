// Per-chunk creature balancing, run every 10 steps (docs/crafter.md §2.6). Chunks are visited in
// row-major order (Crafter: dict insertion order) and only once an object has been in them; inside a
// chunk the order is zombie, skeleton, cow. Tile and creature picks are uniform, scanning the chunk
// x-outer / y-inner (Crafter's mask order) and creatures in creation order (Crafter: set order).

import {
  CHUNK_SIZE,
  COW_HEALTH,
  K_COW,
  K_SKELETON,
  K_ZOMBIE,
  M_GRASS,
  M_PATH,
  SKELETON_HEALTH,
  ZOMBIE_HEALTH,
} from './constants.ts';
import type { CrafterEnv } from './env.ts';

export function balanceChunks(env: CrafterEnv): void {
  const w = env.world;
  const light = env.daylight;
  const zombieTarget = 3.5 - 3 * light;
  const cowMax = 1.5 + light;
  for (let c = 0; c < w.numChunks; c++) {
    if (w.chunkSeen[c] === 0) continue;
    const grass = w.chunkGrass[c]!;
    const path = w.chunkPath[c]!;
    balanceKind(env, c, K_ZOMBIE, M_GRASS, grass, grass < 50 ? 0 : zombieTarget, zombieTarget, 6, 0, 0.3, 0.4, ZOMBIE_HEALTH);
    balanceKind(env, c, K_SKELETON, M_PATH, path, path < 6 ? 0 : 1, 2, 7, 7, 0.1, 0.1, SKELETON_HEALTH);
    balanceKind(env, c, K_COW, M_GRASS, grass, grass < 30 ? 0 : 1, cowMax, 5, 5, 0.01, 0.1, COW_HEALTH);
  }
}

function balanceKind(
  env: CrafterEnv,
  chunk: number,
  kind: number,
  material: number,
  space: number,
  targetMin: number,
  targetMax: number,
  spawnDist: number,
  despawnDist: number,
  spawnProb: number,
  despawnProb: number,
  health: number,
): void {
  const w = env.world;
  const count = w.countInChunk(chunk, kind);
  // Python's int() truncates toward zero; all targets here are ≥ 0.
  if (count < Math.trunc(targetMin)) {
    if (env.rng.uniform() >= spawnProb) return;
    spawn(env, chunk, kind, material, env.rng.below(space), spawnDist, health);
    return;
  }
  if (count > Math.trunc(targetMax)) {
    if (env.rng.uniform() >= despawnProb) return;
    despawn(env, chunk, kind, env.rng.below(count), despawnDist);
  }
}

/** Spawns on the `pick`-th tile of `material` in the chunk if it is empty and far enough away. */
function spawn(env: CrafterEnv, chunk: number, kind: number, material: number, pick: number, minDist: number, health: number): void {
  const w = env.world;
  const xmin = (chunk % w.chunksX) * CHUNK_SIZE;
  const ymin = ((chunk / w.chunksX) | 0) * CHUNK_SIZE;
  const xmax = Math.min(xmin + CHUNK_SIZE, w.size);
  const ymax = Math.min(ymin + CHUNK_SIZE, w.size);
  let seen = 0;
  for (let x = xmin; x < xmax; x++) {
    for (let y = ymin; y < ymax; y++) {
      const i = w.idx(x, y);
      if (w.mat[i] !== material) continue;
      if (seen++ !== pick) continue;
      if (w.objAt[i] !== 0) return;
      if (Math.abs(x - w.ox[0]!) + Math.abs(y - w.oy[0]!) < minDist) return;
      w.add(kind, x, y, health);
      return;
    }
  }
}

/** Removes the `pick`-th creature of `kind` in the chunk (creation order) if it is far enough away. */
function despawn(env: CrafterEnv, chunk: number, kind: number, pick: number, minDist: number): void {
  const w = env.world;
  let seen = 0;
  for (let r = 0; r < w.orderLen; r++) {
    const s = w.order[r]!;
    if (w.kind[s] !== kind) continue;
    const x = w.ox[s]!;
    const y = w.oy[s]!;
    if (w.chunkOf(x, y) !== chunk) continue;
    if (seen++ !== pick) continue;
    if (Math.abs(x - w.ox[0]!) + Math.abs(y - w.oy[0]!) >= minDist) w.remove(s);
    return;
  }
}
