// What an env config may say (rollout `env.config`, initialize `env_config`): the map preset, the
// episode caps, the observation text format, the reward semantics. Unknown keys are ignored, as the
// reference app passes the rest to env init.
import { z } from 'zod';
import type { Preset, TextFormat } from '../crafter/index.ts';

export type RewardMode = 'step' | 'cumulative';

export interface EnvConfig {
  preset: Preset;
  /** Env steps a rollout may take (the reference's `max_steps_per_episode`, default 10). */
  maxStepsPerEpisode: number;
  /** The engine's own episode length (Crafter's `length`). */
  maxSteps: number;
  observationFormat: TextFormat;
  /**
   * 'step' (default): each step's reward is that step's own reward. 'cumulative' reproduces the
   * reference engine's docs/reference-client.md §2.24 (`reward_last_step` = running total) for clients that rely on it.
   */
  rewardMode: RewardMode;
  seed: number | undefined;
}

export interface EnvDefaults {
  preset: Preset;
  rewardMode: RewardMode;
}

export const DEFAULT_MAX_STEPS_PER_EPISODE = 10;
export const DEFAULT_ENGINE_MAX_STEPS = 10_000;

export const EnvConfigInput = z.looseObject({
  preset: z.enum(['micro', 'small', 'classic']).optional(),
  max_steps_per_episode: z.number().int().min(1).max(100_000).optional(),
  max_steps: z.number().int().min(1).max(1_000_000).optional(),
  observation_format: z.enum(['synth', 'grid']).optional(),
  reward_mode: z.enum(['step', 'cumulative']).optional(),
  /** Boolean form of reward_mode = "cumulative" (compatibility flag for docs/reference-client.md §2.24). */
  legacy_cumulative_reward: z.boolean().optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
});
export type EnvConfigInput = z.infer<typeof EnvConfigInput>;

export function resolveEnvConfig(input: EnvConfigInput, defaults: EnvDefaults, seed?: number | null): EnvConfig {
  const rewardMode = input.reward_mode ?? (input.legacy_cumulative_reward === true ? 'cumulative' : defaults.rewardMode);
  return {
    preset: input.preset ?? defaults.preset,
    maxStepsPerEpisode: input.max_steps_per_episode ?? DEFAULT_MAX_STEPS_PER_EPISODE,
    maxSteps: input.max_steps ?? DEFAULT_ENGINE_MAX_STEPS,
    observationFormat: input.observation_format ?? 'synth',
    rewardMode,
    seed: seed ?? input.seed ?? undefined,
  };
}

/** Env names this task app serves (case-insensitive); `CrafterClassic` is the route name (docs/wire-contract.md §4.1). */
export const ENV_NAME = 'CrafterClassic';
const ENV_NAMES = new Set(['crafterclassic', 'crafter', 'crafter_classic']);

export function isCrafterEnvName(name: string | null | undefined): boolean {
  return name === undefined || name === null || ENV_NAMES.has(name.toLowerCase());
}
