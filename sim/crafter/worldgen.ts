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
import { WorldRepair, type ResourceCounts } from './repair.ts';
import type { World } from './world.ts';

export { REPAIR_MINIMUMS, SAFE_SPAWN_RADIUS, type ResourceCounts } from './repair.ts';

const MAX_ATTEMPTS = 32;

/**
 * Crafter's noise layer (its `z`) behind each sampler used by the material pass, in the order the
 * pass destructures them: start, water ×2, mountain ×2, caves, tunnels ×2, coal, iron, lava, sand,
 * trees. Samplers of one layer share seed and offset, so they are one field at two frequencies.
 */
const NOISE_SAMPLERS: readonly number[] = [8, 3, 3, 0, 0, 6, 7, 7, 1, 2, 6, 4, 5];

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
  private readonly fixer: WorldRepair;

  constructor(world: World) {
    this.world = world;
    this.k = Math.max(0.35, world.size / 64);
    this.spawnX = world.size >> 1;
    this.spawnY = world.size >> 1;
    this.layers = NOISE_SAMPLERS.map(() => new NoiseLayer());
    this.tunnel = new Uint8Array(world.stride * world.stride);
    this.fixer = new WorldRepair(world, this.spawnX, this.spawnY, this.tunnel);
  }

  /** Counts what the achievements need, as reachable from spawn (see REPAIR_MINIMUMS). */
  countResources(): ResourceCounts {
    return this.fixer.countResources();
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
      this.fixer.makeSpawnSafe();
      if (this.fixer.check()) break; // most worlds need no repair
      this.fixer.repair(rng);
      // A world that still fails after repair is rare (spawn walled in, water splitting the map);
      // the last attempt is kept regardless so generation always terminates.
      if (this.fixer.check()) break;
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
