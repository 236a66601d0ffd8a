// Seeded world generation: Crafter's decision tree (docs/crafter.md §1.3) over hash noise with all
// noise sizes and the start radius scaled by k = max(0.35, size / 64) (docs/crafter.md §8.2), then the repair pass
// of docs/crafter.md §8.2 so small maps hold what the achievements need, then Crafter's initial creatures.
//
// RNG order (fixed, documented): per attempt, reseed; one draw seeds the noise layers; the material
// pass draws `uniform()` in x-outer / y-inner order only where the preceding noise condition of a
// rule holds (Crafter's short-circuit); the repair pass draws for each random pick it makes; after
// the accepted attempt, the object pass draws in x-outer / y-inner order, again short-circuited.

import {
  K_COW,
  K_PLAYER,
  K_SKELETON,
  K_ZOMBIE,
  COW_HEALTH,
  M_COAL,
  M_DIAMOND,
  M_GRASS,
  M_IRON,
  M_LAVA,
  M_PATH,
  M_SAND,
  M_STONE,
  M_TREE,
  M_WATER,
  SKELETON_HEALTH,
  ZOMBIE_HEALTH,
} from './constants.ts';
import { NoiseLayer } from './noise.ts';
import { combineSeeds, type Rng } from './rng.ts';
import type { World } from './world.ts';

/** What the repair pass guarantees (docs/crafter.md §8.2). */
export const REPAIR_MINIMUMS = {
  trees: 4,
  water: 1,
  stone: 8,
  coal: 2,
  iron: 2,
  diamond: 1,
  path: 6,
} as const;

/** No lava within this L1 distance of spawn. */
export const SAFE_SPAWN_RADIUS = 3;
const MAX_ATTEMPTS = 32;

/**
 * Crafter's noise layer (its `z`) behind each sampler used by the material pass, in the order the
 * pass destructures them: start, water ×2, mountain ×2, caves, tunnels ×2, coal, iron, lava, sand,
 * trees. Samplers of one layer share seed and offset, so they are one field at two frequencies.
 */
const NOISE_SAMPLERS: readonly number[] = [8, 3, 3, 0, 0, 6, 7, 7, 1, 2, 6, 4, 5];

const bit = (m: number): number => 1 << m;
/** Reach by walking and cutting trees (wood comes before any pickaxe). */
const PASS_WALK_WOOD = bit(M_GRASS) | bit(M_SAND) | bit(M_PATH) | bit(M_TREE);
/** Reach by walking plus mining anything minable. */
const PASS_MINING = PASS_WALK_WOOD | bit(M_STONE) | bit(M_COAL) | bit(M_IRON) | bit(M_DIAMOND);

export interface ResourceCounts {
  trees: number;
  water: number;
  stone: number;
  coal: number;
  iron: number;
  diamond: number;
  path: number;
}

export class WorldGenerator {
  readonly world: World;
  /** Feature scale k of docs/crafter.md §8.2. */
  readonly k: number;
  readonly spawnX: number;
  readonly spawnY: number;
  /** Attempts the last generate() needed (1 = the first world passed the checks). */
  lastAttempts = 0;
  /** Noise instances: one per (Crafter layer z, sampling frequency); see NOISE_SAMPLERS. */
  private readonly layers: NoiseLayer[];
  private readonly tunnel: Uint8Array;
  private readonly seen: Uint8Array;
  private readonly mark: Uint8Array;
  private readonly queue: Int32Array;
  private readonly queue2: Int32Array;
  private readonly cand: Int32Array;
  private reached = 0;

  constructor(world: World) {
    this.world = world;
    this.k = Math.max(0.35, world.size / 64);
    this.spawnX = world.size >> 1;
    this.spawnY = world.size >> 1;
    this.layers = NOISE_SAMPLERS.map(() => new NoiseLayer());
    const cells = world.stride * world.stride;
    this.tunnel = new Uint8Array(cells);
    this.seen = new Uint8Array(cells);
    this.mark = new Uint8Array(cells);
    this.queue = new Int32Array(cells);
    this.queue2 = new Int32Array(cells);
    this.cand = new Int32Array(cells);
  }

  /** Builds a fresh world for `seed` into the World, adds the player (slot 0) and creatures. */
  generate(seed: number, rng: Rng): void {
    const world = this.world;
    let attempt = 0;
    for (; attempt < MAX_ATTEMPTS; attempt++) {
      rng.seed(attempt === 0 ? seed : combineSeeds(seed, attempt));
      world.clear();
      this.tunnel.fill(0);
      const noiseSeed = rng.nextU32();
      for (let i = 0; i < NOISE_SAMPLERS.length; i++) this.layers[i]!.reseed(noiseSeed, NOISE_SAMPLERS[i]!);
      this.materialPass(rng);
      this.makeSpawnSafe();
      if (this.check()) break; // most worlds need no repair
      this.repair(rng);
      // A world that still fails after repair is rare (spawn walled in, water splitting the map);
      // the last attempt is kept regardless so generation always terminates.
      if (this.check()) break;
    }
    this.lastAttempts = Math.min(attempt + 1, MAX_ATTEMPTS);
    world.recountChunkMaterials();
    world.add(K_PLAYER, this.spawnX, this.spawnY, 0);
    this.objectPass(rng);
  }

  private materialPass(rng: Rng): void {
    const w = this.world;
    const size = w.size;
    const k = this.k;
    const [start3, water15, water5, mount15, mount5, cave7, tunnelH, tunnelV, coal8, iron6, lava5, sand9, tree7] = this
      .layers as [
      NoiseLayer, NoiseLayer, NoiseLayer, NoiseLayer, NoiseLayer, NoiseLayer, NoiseLayer,
      NoiseLayer, NoiseLayer, NoiseLayer, NoiseLayer, NoiseLayer, NoiseLayer,
    ];
    const s3 = 3 * k;
    const s5 = 5 * k;
    const s6 = 6 * k;
    const s7 = 7 * k;
    const s8 = 8 * k;
    const s9 = 9 * k;
    const s15 = 15 * k;
    const radius = 4 * k;
    const sx = this.spawnX;
    const sy = this.spawnY;
    const mat = w.mat;
    const tunnel = this.tunnel;
    for (let x = 0; x < size; x++) {
      for (let y = 0; y < size; y++) {
        const i = w.idx(x, y);
        const dx = x - sx;
        const dy = y - sy;
        const d = Math.sqrt(dx * dx + dy * dy);
        const start = 1 / (1 + Math.exp(-(radius - d + 2 * start3.at(x / s3, y / s3))));
        const water = water15.at(x / s15, y / s15) + 0.15 * water5.at(x / s5, y / s5) + 0.1 - 2 * start;
        const mountain = (mount15.at(x / s15, y / s15) + 0.3 * mount5.at(x / s5, y / s5)) / 1.3 - 4 * start - 0.3 * water;
        let m: number;
        if (start > 0.5) {
          m = M_GRASS;
        } else if (mountain > 0.15) {
          if (cave7.at(x / s7, y / s7) > 0.15 && mountain > 0.3) {
            m = M_PATH;
          } else if (tunnelH.at((2 * x) / s3, y / 5 / s3) > 0.4 || tunnelV.at(x / 5 / s3, (2 * y) / s3) > 0.4) {
            m = M_PATH;
            tunnel[i] = 1;
          } else if (coal8.at(x / s8, y / s8) > 0 && rng.uniform() > 0.85) {
            m = M_COAL;
          } else if (iron6.at(x / s6, y / s6) > 0.4 && rng.uniform() > 0.75) {
            m = M_IRON;
          } else if (mountain > 0.18 && rng.uniform() > 0.994) {
            m = M_DIAMOND;
          } else if (mountain > 0.3 && lava5.at(x / s5, y / s5) > 0.35) {
            m = M_LAVA;
          } else {
            m = M_STONE;
          }
        } else if (water > 0.25 && water <= 0.35 && sand9.at(x / s9, y / s9) > -0.2) {
          m = M_SAND;
        } else if (water > 0.3) {
          m = M_WATER;
        } else if (tree7.at(x / s7, y / s7) > 0 && rng.uniform() > 0.8) {
          m = M_TREE;
        } else {
          m = M_GRASS;
        }
        mat[i] = m;
      }
    }
  }

  private l1FromSpawn(i: number): number {
    const stride = this.world.stride;
    const x = (i % stride) - 1;
    const y = ((i / stride) | 0) - 1;
    return Math.abs(x - this.spawnX) + Math.abs(y - this.spawnY);
  }

  /** Flood fill from spawn over materials in `passMask`; reached tiles are queue[0..reached). */
  private flood(passMask: number): void {
    const w = this.world;
    const mat = w.mat;
    const seen = this.seen;
    const q = this.queue;
    const stride = w.stride;
    seen.fill(0);
    const start = w.idx(this.spawnX, this.spawnY);
    seen[start] = 1;
    q[0] = start;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const i = q[head++]!;
      const n0 = i - 1;
      const n1 = i + 1;
      const n2 = i - stride;
      const n3 = i + stride;
      if (!seen[n0] && (passMask >>> mat[n0]!) & 1) { seen[n0] = 1; q[tail++] = n0; }
      if (!seen[n1] && (passMask >>> mat[n1]!) & 1) { seen[n1] = 1; q[tail++] = n1; }
      if (!seen[n2] && (passMask >>> mat[n2]!) & 1) { seen[n2] = 1; q[tail++] = n2; }
      if (!seen[n3] && (passMask >>> mat[n3]!) & 1) { seen[n3] = 1; q[tail++] = n3; }
    }
    this.reached = tail;
  }

  /** Counts what the achievements need, as reachable from spawn (see REPAIR_MINIMUMS). */
  countResources(): ResourceCounts {
    const w = this.world;
    const mat = w.mat;
    const stride = w.stride;
    const out: ResourceCounts = { trees: 0, water: 0, stone: 0, coal: 0, iron: 0, diamond: 0, path: 0 };
    this.flood(PASS_WALK_WOOD);
    for (let r = 0; r < this.reached; r++) {
      const i = this.queue[r]!;
      if (mat[i] === M_TREE) out.trees++;
    }
    // Water is drunk from an adjacent tile, so it counts when it touches the reached area.
    for (let y = 0; y < w.size; y++) {
      for (let x = 0; x < w.size; x++) {
        const i = w.idx(x, y);
        if (mat[i] !== M_WATER) continue;
        if (this.seen[i - 1] || this.seen[i + 1] || this.seen[i - stride] || this.seen[i + stride]) out.water++;
      }
    }
    this.flood(PASS_MINING);
    for (let r = 0; r < this.reached; r++) {
      const m = mat[this.queue[r]!]!;
      if (m === M_STONE) out.stone++;
      else if (m === M_COAL) out.coal++;
      else if (m === M_IRON) out.iron++;
      else if (m === M_DIAMOND) out.diamond++;
    }
    // Skeleton balancing counts path anywhere in a chunk, reachable or not.
    for (let y = 0; y < w.size; y++) {
      for (let x = 0; x < w.size; x++) if (mat[w.idx(x, y)] === M_PATH) out.path++;
    }
    return out;
  }

  private check(): boolean {
    const c = this.countResources();
    const min = REPAIR_MINIMUMS;
    return (
      c.trees >= min.trees &&
      c.water >= min.water &&
      c.stone >= min.stone &&
      c.coal >= min.coal &&
      c.iron >= min.iron &&
      c.diamond >= min.diamond &&
      c.path >= min.path
    );
  }

  /**
   * Collects reached tiles of material `m` at L1 ≥ minDist from spawn into cand[]; returns the count.
   * Call after flood().
   */
  private collect(m: number, minDist: number): number {
    const mat = this.world.mat;
    let n = 0;
    for (let r = 0; r < this.reached; r++) {
      const i = this.queue[r]!;
      if (mat[i] === m && this.l1FromSpawn(i) >= minDist) this.cand[n++] = i;
    }
    return n;
  }

  /** Turns up to `count` random candidates (cand[0..n)) into material `into`; returns how many. */
  private convertRandom(rng: Rng, n: number, count: number, into: number): number {
    let done = 0;
    while (done < count && n > 0) {
      const j = rng.below(n);
      const i = this.cand[j]!;
      this.cand[j] = this.cand[--n]!;
      this.world.mat[i] = into;
      done++;
    }
    return done;
  }

  /**
   * Grows connected blobs of `into` over tiles of material `from` (at L1 ≥ 2 from spawn), each
   * started at a random reachable `from` tile, until `count` tiles changed or none are left.
   */
  private growBlobs(rng: Rng, from: number, into: number, count: number, markTunnel: boolean): number {
    const w = this.world;
    const mat = w.mat;
    const stride = w.stride;
    let changed = 0;
    while (changed < count) {
      this.flood(PASS_MINING);
      let n = this.collect(from, 4);
      if (n === 0) n = this.collect(from, 2);
      if (n === 0) break;
      const seedTile = this.cand[rng.below(n)]!;
      this.mark.fill(0);
      const q = this.queue2;
      q[0] = seedTile;
      this.mark[seedTile] = 1;
      let head = 0;
      let tail = 1;
      while (head < tail && changed < count) {
        const i = q[head++]!;
        mat[i] = into;
        if (markTunnel) this.tunnel[i] = 1;
        changed++;
        for (let k = 0; k < 4; k++) {
          const nb = k === 0 ? i - 1 : k === 1 ? i + 1 : k === 2 ? i - stride : i + stride;
          if (this.mark[nb] || mat[nb] !== from || this.l1FromSpawn(nb) < 2) continue;
          this.mark[nb] = 1;
          q[tail++] = nb;
        }
      }
    }
    return changed;
  }

  /** docs/crafter.md §8.2: grass under the spawn, no lava within L1 ≤ 3, no water right beside it. */
  private makeSpawnSafe(): void {
    const w = this.world;
    const mat = w.mat;
    const size = w.size;
    const sx = this.spawnX;
    const sy = this.spawnY;
    for (let y = Math.max(0, sy - SAFE_SPAWN_RADIUS); y <= Math.min(size - 1, sy + SAFE_SPAWN_RADIUS); y++) {
      for (let x = Math.max(0, sx - SAFE_SPAWN_RADIUS); x <= Math.min(size - 1, sx + SAFE_SPAWN_RADIUS); x++) {
        const i = w.idx(x, y);
        if (Math.abs(x - sx) + Math.abs(y - sy) > SAFE_SPAWN_RADIUS) continue;
        if (mat[i] === M_LAVA) mat[i] = M_GRASS;
      }
    }
    const spawn = w.idx(sx, sy);
    mat[spawn] = M_GRASS;
    for (const nb of [spawn - 1, spawn + 1, spawn - w.stride, spawn + w.stride]) {
      if (mat[nb] === M_WATER) mat[nb] = M_GRASS;
    }
  }

  /** docs/crafter.md §8.2 repair: enough reachable stone, ores, path, trees and water, placed with the PRNG. */
  private repair(rng: Rng): void {
    const min = REPAIR_MINIMUMS;
    let c = this.countResources();
    const deficit = (have: number, need: number): number => Math.max(0, need - have);
    const oreDeficit = deficit(c.coal, min.coal) + deficit(c.iron, min.iron) + deficit(c.diamond, min.diamond);
    const pathDeficit = deficit(c.path, min.path);
    const stoneNeeded = min.stone + oreDeficit + pathDeficit;
    if (c.stone < stoneNeeded) this.growBlobs(rng, M_GRASS, M_STONE, stoneNeeded - c.stone, false);
    if (oreDeficit > 0) {
      c = this.countResources(); // leaves the mining flood in queue[]
      this.convertRandom(rng, this.collect(M_STONE, 2), deficit(c.coal, min.coal), M_COAL);
      this.convertRandom(rng, this.collect(M_STONE, 2), deficit(c.iron, min.iron), M_IRON);
      // Diamonds sit deep in mountains in Crafter; the farthest reachable stone is the closest match.
      if (c.diamond < min.diamond) this.placeFarthest(M_STONE, M_DIAMOND);
    }
    if (pathDeficit > 0) this.growBlobs(rng, M_STONE, M_PATH, pathDeficit, true);

    c = this.countResources(); // leaves the mining flood; trees and water need the walking one
    if (c.trees < min.trees || c.water < min.water) {
      this.flood(PASS_WALK_WOOD);
      this.convertRandom(rng, this.collect(M_GRASS, 2), deficit(c.trees, min.trees), M_TREE);
      if (c.water < min.water) {
        let n = this.collect(M_GRASS, 3);
        if (n === 0) n = this.collect(M_GRASS, 2);
        this.convertRandom(rng, n, min.water - c.water, M_WATER);
      }
    }
  }

  private placeFarthest(from: number, into: number): void {
    this.flood(PASS_MINING);
    let best = -1;
    let bestDist = -1;
    for (let r = 0; r < this.reached; r++) {
      const i = this.queue[r]!;
      if (this.world.mat[i] !== from) continue;
      const d = this.l1FromSpawn(i);
      if (d > bestDist) {
        bestDist = d;
        best = i;
      }
    }
    if (best >= 0) this.world.mat[best] = into;
  }

  private objectPass(rng: Rng): void {
    const w = this.world;
    const size = w.size;
    const mat = w.mat;
    const sx = this.spawnX;
    const sy = this.spawnY;
    for (let x = 0; x < size; x++) {
      for (let y = 0; y < size; y++) {
        const i = w.idx(x, y);
        const m = mat[i]!;
        if (m !== M_GRASS && m !== M_SAND && m !== M_PATH) continue;
        if (w.objAt[i] !== 0) continue;
        const dx = x - sx;
        const dy = y - sy;
        const d = Math.sqrt(dx * dx + dy * dy);
        if (d > 3 && m === M_GRASS && rng.uniform() > 0.985) {
          w.add(K_COW, x, y, COW_HEALTH);
        } else if (d > 10 && rng.uniform() > 0.993) {
          w.add(K_ZOMBIE, x, y, ZOMBIE_HEALTH);
        } else if (m === M_PATH && this.tunnel[i] && rng.uniform() > 0.95) {
          w.add(K_SKELETON, x, y, SKELETON_HEALTH);
        }
      }
    }
  }
}
