// The repair pass of world generation (docs/crafter.md §8.2): flood fills from spawn count what the
// achievements need within reach, and missing stone, ores, path, trees and water are placed with the
// generator's PRNG; plus the spawn-safety rules. Scratch buffers are allocated once per map size.

import { M_COAL, M_DIAMOND, M_GRASS, M_IRON, M_LAVA, M_PATH, M_SAND, M_STONE, M_TREE, M_WATER } from './constants.ts';
import type { Rng } from './rng.ts';
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
export const SAFE_SPAWN_RADIUS = 3;const bit = (m: number): number => 1 << m;
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

export class WorldRepair {
  private readonly world: World;
  private readonly spawnX: number;
  private readonly spawnY: number;
  /** The generator's tunnel mask: path grown by the repair is tunnel (skeletons spawn there). */
  private readonly tunnel: Uint8Array;
  private readonly seen: Uint8Array;
  private readonly mark: Uint8Array;
  private readonly queue: Int32Array;
  private readonly queue2: Int32Array;
  private readonly cand: Int32Array;
  private reached = 0;

  constructor(world: World, spawnX: number, spawnY: number, tunnel: Uint8Array) {
    this.world = world;
    this.spawnX = spawnX;
    this.spawnY = spawnY;
    this.tunnel = tunnel;
    const cells = world.stride * world.stride;
    this.seen = new Uint8Array(cells);
    this.mark = new Uint8Array(cells);
    this.queue = new Int32Array(cells);
    this.queue2 = new Int32Array(cells);
    this.cand = new Int32Array(cells);
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

  /** Whether the world holds REPAIR_MINIMUMS within reach. */
  check(): boolean {
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
  makeSpawnSafe(): void {
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
  repair(rng: Rng): void {
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
}
