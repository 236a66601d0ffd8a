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
import type { EpisodeState } from './state.ts';

/** How one creature kind is kept within bounds in a chunk (Crafter's `_balance_object` arguments). */
interface KindBalance {
  kind: number;
  /** The material it spawns on, and how many tiles of it the chunk has. */
  material: number;
  space: number;
  targetMin: number;
  targetMax: number;
  /** Minimum player distance to spawn / to despawn. */
  spawnDist: number;
  despawnDist: number;
  spawnProb: number;
  despawnProb: number;
  health: number;
}

export function balanceChunks(env: EpisodeState): void {
  const w = env.world;
  const light = env.daylight;
  const zombieTarget = 3.5 - 3 * light;
  const cowMax = 1.5 + light;
  for (let c = 0; c < w.numChunks; c++) {
    if (w.chunkSeen[c] === 0) continue;
    const grass = w.chunkGrass[c]!;
    const path = w.chunkPath[c]!;
    balanceKind(env, c, {
      kind: K_ZOMBIE, material: M_GRASS, space: grass, targetMin: grass < 50 ? 0 : zombieTarget, targetMax: zombieTarget,
      spawnDist: 6, despawnDist: 0, spawnProb: 0.3, despawnProb: 0.4, health: ZOMBIE_HEALTH,
    });
    balanceKind(env, c, {
      kind: K_SKELETON, material: M_PATH, space: path, targetMin: path < 6 ? 0 : 1, targetMax: 2,
      spawnDist: 7, despawnDist: 7, spawnProb: 0.1, despawnProb: 0.1, health: SKELETON_HEALTH,
    });
    balanceKind(env, c, {
      kind: K_COW, material: M_GRASS, space: grass, targetMin: grass < 30 ? 0 : 1, targetMax: cowMax,
      spawnDist: 5, despawnDist: 5, spawnProb: 0.01, despawnProb: 0.1, health: COW_HEALTH,
    });
  }
}

function balanceKind(env: EpisodeState, chunk: number, b: KindBalance): void {
  const count = env.world.countInChunk(chunk, b.kind);
  // Python's int() truncates toward zero; all targets here are ≥ 0.
  if (count < Math.trunc(b.targetMin)) {
    if (env.rng.uniform() >= b.spawnProb) return;
    spawn(env, chunk, b.kind, b.material, env.rng.below(b.space), b.spawnDist, b.health);
    return;
  }
  if (count > Math.trunc(b.targetMax)) {
    if (env.rng.uniform() >= b.despawnProb) return;
    despawn(env, chunk, b.kind, env.rng.below(count), b.despawnDist);
  }
}

/** Spawns on the `pick`-th tile of `material` in the chunk if it is empty and far enough away. */
function spawn(env: EpisodeState, chunk: number, kind: number, material: number, pick: number, minDist: number, health: number): void {
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
function despawn(env: EpisodeState, chunk: number, kind: number, pick: number, minDist: number): void {
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
