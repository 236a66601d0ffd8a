// Episode metrics and aggregates (docs/crafter.md §4.3, §8.5): unique achievements, native return,
// steps, end reason; per-achievement success rates and the Crafter score.

import { ACHIEVEMENTS, NUM_ACHIEVEMENTS, type AchievementName } from './constants.ts';
import { achievementNames, type CrafterEnv } from './env.ts';

/** Why a rollout stopped: the env's own reasons, plus caps a caller (task app, trainer) imposes. */
export type EpisodeEndReason = 'died' | 'max_steps' | 'decision_cap' | 'step_cap' | 'aborted' | 'running';

export interface EpisodeMetrics {
  seed: number;
  steps: number;
  /** Sum of Crafter's per-step rewards. */
  nativeReturn: number;
  endReason: EpisodeEndReason;
  /** Unlocked achievement names, Crafter order. */
  achievements: AchievementName[];
  /** Number of unique achievements unlocked (nanohorizon's outcome reward). */
  achievementCount: number;
  /** How often each achievement happened. */
  achievementCounts: Record<AchievementName, number>;
}

function popcount(mask: number): number {
  let m = mask >>> 0;
  let n = 0;
  while (m) {
    m &= m - 1;
    n++;
  }
  return n;
}

/**
 * Metrics of the env's current episode. `endReason` overrides the env's own (e.g. a task app that
 * stopped at its decision cap); by default it is the env's, or 'running'.
 */
export function episodeMetrics(env: CrafterEnv, endReason?: EpisodeEndReason): EpisodeMetrics {
  return {
    seed: env.seed,
    steps: env.stepCount,
    nativeReturn: env.totalReward,
    endReason: endReason ?? env.endReason,
    achievements: achievementNames(env.unlockedMask),
    achievementCount: popcount(env.unlockedMask),
    achievementCounts: env.achievementCountRecord(),
  };
}

export interface AggregateMetrics {
  episodes: number;
  meanLength: number;
  meanReturn: number;
  /** Mean number of unique achievements per episode. */
  meanAchievements: number;
  /** Percent of episodes (0–100) in which each achievement was unlocked. */
  successRates: Record<AchievementName, number>;
  /** Crafter score in percent (docs/crafter.md §4.3). */
  crafterScore: number;
  /** craftaxlm leaderboard score: Σ ln(1 + p_i) / (22 · ln 2) with p_i in [0, 1], as a fraction. */
  craftaxlmScore: number;
  endReasons: Partial<Record<EpisodeEndReason, number>>;
}

/**
 * Crafter score S = exp(mean_i ln(1 + s_i)) − 1 with success rates s_i in percent; result in
 * percent. Accepts the 22 rates in Crafter order or a name-keyed record (missing names count 0).
 */
export function crafterScore(successRatesPercent: readonly number[] | Readonly<Partial<Record<AchievementName, number>>>): number {
  const rates = ratesArray(successRatesPercent);
  let sum = 0;
  for (const s of rates) {
    if (!(s >= 0 && s <= 100)) throw new RangeError(`success rate must be a percentage in [0, 100], got ${s}`);
    sum += Math.log(1 + s);
  }
  return Math.exp(sum / NUM_ACHIEVEMENTS) - 1;
}

/** craftaxlm's score from success probabilities in [0, 1]: Σ ln(1 + p_i) / (22 · ln 2). */
export function craftaxlmScore(probabilities: readonly number[] | Readonly<Partial<Record<AchievementName, number>>>): number {
  let sum = 0;
  for (const p of ratesArray(probabilities)) sum += Math.log(1 + p);
  return sum / (NUM_ACHIEVEMENTS * Math.LN2);
}

function ratesArray(rates: readonly number[] | Readonly<Partial<Record<AchievementName, number>>>): number[] {
  if (Array.isArray(rates)) {
    if (rates.length !== NUM_ACHIEVEMENTS) throw new RangeError(`need ${NUM_ACHIEVEMENTS} rates, got ${rates.length}`);
    return [...(rates as readonly number[])];
  }
  const record = rates as Readonly<Partial<Record<AchievementName, number>>>;
  return ACHIEVEMENTS.map((name) => record[name] ?? 0);
}

/** Streams episodes into aggregates without keeping them (cheap enough for millions of episodes). */
export class MetricsAccumulator {
  private episodes = 0;
  private lengthSum = 0;
  private returnSum = 0;
  private uniqueSum = 0;
  private readonly unlockCounts = new Float64Array(NUM_ACHIEVEMENTS);
  private readonly reasons: Partial<Record<EpisodeEndReason, number>> = {};

  /** Adds a finished (or stopped) episode straight from an env. */
  addEnv(env: CrafterEnv, endReason?: EpisodeEndReason): void {
    this.addRaw(env.unlockedMask, env.stepCount, env.totalReward, endReason ?? env.endReason);
  }

  add(m: EpisodeMetrics): void {
    let mask = 0;
    for (const name of m.achievements) mask |= 1 << ACHIEVEMENTS.indexOf(name);
    this.addRaw(mask, m.steps, m.nativeReturn, m.endReason);
  }

  private addRaw(mask: number, steps: number, ret: number, reason: EpisodeEndReason): void {
    this.episodes++;
    this.lengthSum += steps;
    this.returnSum += ret;
    this.uniqueSum += popcount(mask);
    for (let i = 0; i < NUM_ACHIEVEMENTS; i++) if ((mask >>> i) & 1) this.unlockCounts[i]!++;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
  }

  summary(): AggregateMetrics {
    const n = this.episodes;
    const successRates = {} as Record<AchievementName, number>;
    const percents: number[] = [];
    for (let i = 0; i < NUM_ACHIEVEMENTS; i++) {
      const pct = n === 0 ? 0 : (100 * this.unlockCounts[i]!) / n;
      successRates[ACHIEVEMENTS[i]!] = pct;
      percents.push(pct);
    }
    return {
      episodes: n,
      meanLength: n === 0 ? 0 : this.lengthSum / n,
      meanReturn: n === 0 ? 0 : this.returnSum / n,
      meanAchievements: n === 0 ? 0 : this.uniqueSum / n,
      successRates,
      crafterScore: crafterScore(percents),
      craftaxlmScore: craftaxlmScore(percents.map((p) => p / 100)),
      endReasons: { ...this.reasons },
    };
  }
}

/** Aggregates a list of episode metrics. */
export function aggregateMetrics(episodes: readonly EpisodeMetrics[]): AggregateMetrics {
  const acc = new MetricsAccumulator();
  for (const m of episodes) acc.add(m);
  return acc.summary();
}
