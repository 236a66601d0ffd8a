// CrafterEnv: one environment = one World, one PRNG, the player's state, and the step loop of
// docs/crafter.md §2.1. step() allocates nothing: it returns the same StepResult object every call.

import {
  ACHIEVEMENTS,
  BALANCE_EVERY,
  D_DOWN,
  DAY_LENGTH,
  DEFAULT_MAX_STEPS,
  I_HEALTH,
  ITEM_INITIAL,
  ITEM_NAMES,
  K_ARROW,
  K_COW,
  K_NONE,
  K_PLANT,
  K_SKELETON,
  K_ZOMBIE,
  NUM_ACHIEVEMENTS,
  NUM_ACTIONS,
  NUM_ITEMS,
  UPDATE_RADIUS,
  type AchievementName,
  type ItemName,
} from './constants.ts';
import { balanceChunks } from './balance.ts';
import { updateArrow, updateCow, updatePlant, updateSkeleton, updateZombie } from './creatures.ts';
import { updatePlayer } from './player.ts';
import { Rng, combineSeeds } from './rng.ts';
import { WorldGenerator } from './worldgen.ts';
import { World } from './world.ts';

export type Preset = 'micro' | 'small' | 'classic';

/** Map sizes of docs/crafter.md §8.2; all keep Crafter's 12 × 12 chunks, 9 × 7 view and update radius. */
export const PRESETS: Readonly<Record<Preset, { readonly size: number }>> = {
  micro: { size: 16 },
  small: { size: 32 },
  classic: { size: 64 },
};

export interface CrafterConfig {
  /** Map preset; default 'small'. */
  preset?: Preset;
  /** Map side length, overriding the preset's (8..255). */
  size?: number;
  /** World seed of the first episode; default 0. */
  seed?: number;
  /** Episode length cap (Crafter's `length`); default 10 000. */
  maxSteps?: number;
}

/** Why an episode is over: health reached 0, or the step cap. */
export type EndReason = 'running' | 'died' | 'max_steps';

/** Result of one step. The env reuses one instance; copy fields you need to keep. */
export interface StepResult {
  /** Crafter's reward: health delta / 10, plus 1 if any achievement was unlocked this step. */
  reward: number;
  done: boolean;
  /** Died (Crafter's discount 0). */
  terminated: boolean;
  /** Hit the step cap without dying. */
  truncated: boolean;
  endReason: EndReason;
  /** Bit i set when ACHIEVEMENTS[i] was unlocked (first count) this step. */
  unlockedMask: number;
}

/** daylight(t) = 1 − |cos(π·((t/300) mod 1 + 0.3))|³, tabulated over one day (docs/crafter.md §1.4). */
export const DAYLIGHT: Float64Array = (() => {
  const table = new Float64Array(DAY_LENGTH);
  for (let t = 0; t < DAY_LENGTH; t++) {
    table[t] = 1 - Math.abs(Math.cos(Math.PI * (t / DAY_LENGTH + 0.3))) ** 3;
  }
  return table;
})();

export class CrafterEnv {
  readonly preset: Preset | 'custom';
  readonly size: number;
  readonly maxSteps: number;
  readonly world: World;
  readonly rng: Rng;
  readonly generator: WorldGenerator;

  /** Seed given to the constructor; reset() without a seed derives episode seeds from it. */
  readonly baseSeed: number;
  /** Seed of the current episode's world. */
  seed = 0;
  /** Episodes started so far (1 after the constructor). */
  episode = 0;

  stepCount = 0;
  daylight = DAYLIGHT[0]!;
  done = false;
  endReason: EndReason = 'running';
  /** Sum of rewards this episode (Crafter's native return). */
  totalReward = 0;

  // Player state (docs/crafter.md §2.2). Position is the player object's: world.ox[0], world.oy[0].
  readonly inventory = new Int16Array(NUM_ITEMS);
  /** How often each achievement happened this episode, Crafter order. */
  readonly achievementCounts = new Uint32Array(NUM_ACHIEVEMENTS);
  /** Facing direction index (0 left, 1 right, 2 up, 3 down); Crafter starts facing down. */
  facing = D_DOWN;
  sleeping = false;
  hunger = 0;
  thirst = 0;
  fatigue = 0;
  recover = 0;
  /** Health at the end of the player's previous update (wake-on-damage). */
  lastPlayerHealth = 9;
  /** Bit i set once ACHIEVEMENTS[i] has been unlocked this episode. */
  unlockedMask = 0;
  private stepUnlocks = 0;
  private lastHealth = 9;
  private readonly result: StepResult = {
    reward: 0,
    done: false,
    terminated: false,
    truncated: false,
    endReason: 'running',
    unlockedMask: 0,
  };

  constructor(config: CrafterConfig = {}) {
    const preset = config.preset ?? 'small';
    if (!(preset in PRESETS)) throw new RangeError(`unknown preset ${String(preset)}`);
    this.size = config.size ?? PRESETS[preset].size;
    this.preset = config.size === undefined || config.size === PRESETS[preset].size ? preset : 'custom';
    this.maxSteps = config.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!(this.maxSteps >= 1)) throw new RangeError(`maxSteps must be ≥ 1, got ${this.maxSteps}`);
    this.baseSeed = config.seed ?? 0;
    this.world = new World(this.size);
    this.rng = new Rng(this.baseSeed);
    this.generator = new WorldGenerator(this.world);
    this.reset(this.baseSeed);
  }

  /**
   * Starts a new episode. With a seed, the world is a pure function of (size, seed); without one,
   * the next seed of this env's sequence is used (like Crafter: hash of base seed and episode).
   */
  reset(seed?: number): this {
    this.episode++;
    const s = seed ?? combineSeeds(this.baseSeed, this.episode);
    if (!Number.isSafeInteger(s)) throw new RangeError(`seed must be a safe integer, got ${s}`);
    this.seed = s;
    this.generator.generate(s, this.rng);
    this.stepCount = 0;
    this.daylight = DAYLIGHT[0]!;
    this.done = false;
    this.endReason = 'running';
    this.totalReward = 0;
    for (let i = 0; i < NUM_ITEMS; i++) this.inventory[i] = ITEM_INITIAL[i]!;
    this.achievementCounts.fill(0);
    this.facing = D_DOWN;
    this.sleeping = false;
    this.hunger = 0;
    this.thirst = 0;
    this.fatigue = 0;
    this.recover = 0;
    this.lastPlayerHealth = this.inventory[I_HEALTH]!;
    this.lastHealth = this.inventory[I_HEALTH]!;
    this.unlockedMask = 0;
    this.stepUnlocks = 0;
    const r = this.result;
    r.reward = 0;
    r.done = false;
    r.terminated = false;
    r.truncated = false;
    r.endReason = 'running';
    r.unlockedMask = 0;
    return this;
  }

  /** Advances one step with an action index 0..16 (ACTION_NAMES order). */
  step(action: number): StepResult {
    if (this.done) throw new Error('episode is over; call reset() first');
    if ((action | 0) !== action || action < 0 || action >= NUM_ACTIONS) {
      throw new RangeError(`action must be an integer in [0, ${NUM_ACTIONS - 1}], got ${action}`);
    }
    const w = this.world;
    this.stepCount++;
    this.daylight = DAYLIGHT[this.stepCount % DAY_LENGTH]!;
    this.stepUnlocks = 0;

    // Snapshot semantics: objects created during this loop (arrows, plants) first act next step.
    const n = w.orderLen;
    updatePlayer(this, action);
    const px = w.ox[0]!;
    const py = w.oy[0]!;
    const order = w.order;
    const kinds = w.kind;
    for (let r = 1; r < n; r++) {
      const s = order[r]!;
      const k = kinds[s]!;
      if (k === K_NONE) continue;
      if (Math.abs(w.ox[s]! - px) + Math.abs(w.oy[s]! - py) >= UPDATE_RADIUS) continue;
      if (k === K_COW) updateCow(this, s);
      else if (k === K_ZOMBIE) updateZombie(this, s);
      else if (k === K_PLANT) updatePlant(this, s);
      else if (k === K_ARROW) updateArrow(this, s);
      else if (k === K_SKELETON) updateSkeleton(this, s);
    }
    if (this.stepCount % BALANCE_EVERY === 0) balanceChunks(this);
    w.compact();

    const health = this.inventory[I_HEALTH]!;
    let reward = (health - this.lastHealth) / 10;
    this.lastHealth = health;
    if (this.stepUnlocks !== 0) reward += 1;
    this.totalReward += reward;
    const died = health <= 0;
    const capped = this.stepCount >= this.maxSteps;
    const r = this.result;
    r.reward = reward;
    r.unlockedMask = this.stepUnlocks;
    r.terminated = died;
    r.truncated = capped && !died;
    r.done = died || capped;
    r.endReason = died ? 'died' : capped ? 'max_steps' : 'running';
    this.done = r.done;
    this.endReason = r.endReason;
    return r;
  }

  /** Counts an achievement; the first count of the episode unlocks it. */
  unlock(achievement: number): void {
    const c = this.achievementCounts[achievement]! + 1;
    this.achievementCounts[achievement] = c;
    if (c !== 1) return;
    const bit = 1 << achievement;
    this.unlockedMask |= bit;
    this.stepUnlocks |= bit;
  }

  get playerX(): number {
    return this.world.ox[0]!;
  }

  get playerY(): number {
    return this.world.oy[0]!;
  }

  get health(): number {
    return this.inventory[I_HEALTH]!;
  }

  /** Names of the achievements unlocked this episode, Crafter order. */
  get achievements(): AchievementName[] {
    return achievementNames(this.unlockedMask);
  }

  /** Inventory as a name → count record in Crafter's item order (16 entries). */
  inventoryRecord(): Record<ItemName, number> {
    const out = {} as Record<ItemName, number>;
    for (let i = 0; i < NUM_ITEMS; i++) out[ITEM_NAMES[i]!] = this.inventory[i]!;
    return out;
  }

  /** Unlocked-or-not per achievement, Crafter order (the task app's `achievements_status`). */
  achievementStatus(): Record<AchievementName, boolean> {
    const out = {} as Record<AchievementName, boolean>;
    for (let i = 0; i < NUM_ACHIEVEMENTS; i++) out[ACHIEVEMENTS[i]!] = ((this.unlockedMask >>> i) & 1) === 1;
    return out;
  }

  /** Achievement counts as a name → count record, Crafter order (22 entries). */
  achievementCountRecord(): Record<AchievementName, number> {
    const out = {} as Record<AchievementName, number>;
    for (let i = 0; i < NUM_ACHIEVEMENTS; i++) out[ACHIEVEMENTS[i]!] = this.achievementCounts[i]!;
    return out;
  }
}

/** Achievement names of a bit mask (bit i = ACHIEVEMENTS[i]). */
export function achievementNames(mask: number): AchievementName[] {
  const out: AchievementName[] = [];
  for (let i = 0; i < NUM_ACHIEVEMENTS; i++) if ((mask >>> i) & 1) out.push(ACHIEVEMENTS[i]!);
  return out;
}
