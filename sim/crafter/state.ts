// What the per-step rules (player, creatures, chunk balancing) read and write of an episode: the
// world, the shared RNG and the player's counters. CrafterEnv implements it; the rule modules depend
// on this interface instead of on the env class, so env.ts can import them without a cycle.
import type { Rng } from './rng.ts';
import type { World } from './world.ts';

export interface EpisodeState {
  readonly world: World;
  readonly rng: Rng;
  /** Current daylight in [0, 1] (docs/crafter.md §1.4). */
  readonly daylight: number;
  readonly inventory: Int16Array;
  /** Facing direction index (0 left, 1 right, 2 up, 3 down). */
  facing: number;
  sleeping: boolean;
  hunger: number;
  thirst: number;
  fatigue: number;
  recover: number;
  /** Health at the end of the player's previous update (wake-on-damage). */
  lastPlayerHealth: number;
  /** Counts achievement `index` (ACHIEVEMENTS order) for this step and episode. */
  unlock(index: number): void;
}
