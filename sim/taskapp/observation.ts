// The observation dict the task app returns over HTTP (docs/wire-contract.md §4.7): the public state
// plus the private reward/termination fields. Arrays the reference serialises as numpy descriptors
// stay descriptors, so (as there) the semantic map is not available to remote clients. The toy
// engine renders no pixels, so there is no observation_image (docs/crafter.md §9.14).
import { DIR_X, DIR_Y } from '../crafter/constants.ts';
import { textObservation, type CrafterEnv, type ToolCallLike } from '../crafter/index.ts';
import type { EnvConfig } from './env-config.ts';

export interface LastStep {
  /** The step's own reward (Crafter's native reward for that step). */
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

export const NO_STEP: LastStep = { reward: 0, terminated: false, truncated: false };

/** The reward a client sees for a step: its own, or the running total in 'cumulative' mode (docs/reference-client.md §2.24). */
export function reportedReward(env: CrafterEnv, config: EnvConfig, last: LastStep): number {
  return config.rewardMode === 'cumulative' ? env.totalReward : last.reward;
}

export function observationDict(env: CrafterEnv, config: EnvConfig, last: LastStep): Record<string, unknown> {
  const n = env.size;
  return {
    inventory: env.inventoryRecord(),
    achievements_status: env.achievementStatus(),
    player_position: [env.playerX, env.playerY],
    player_direction: [DIR_X[env.facing] ?? 0, DIR_Y[env.facing] ?? 0],
    semantic_map: `<ndarray shape=(${n}, ${n}) dtype=uint8>`,
    world_material_map: `<ndarray shape=(${n}, ${n}) dtype=uint8>`,
    num_steps_taken: env.stepCount,
    max_steps_episode: env.maxSteps,
    reward_last_step: round(reportedReward(env, config, last)),
    total_reward_episode: round(env.totalReward),
    terminated: last.terminated,
    truncated: last.truncated,
    daylight: round(env.daylight),
    sleeping: env.sleeping,
  };
}

/** Rewards are tenths; drop float noise (0.30000000000000004) from what goes over the wire. */
export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The docs/wire-contract.md §4.7 user message for the env, with the previous tool calls (most recent first). */
export function promptText(env: CrafterEnv, config: EnvConfig, previous: readonly ToolCallLike[]): string {
  return textObservation(env, { format: config.observationFormat, previousToolCalls: previous });
}
