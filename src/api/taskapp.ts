// The task-app contract (docs/wire-contract.md §4): rollout request/response, the /env routes,
// health, info and task_info. The simulator validates requests with these (422 naming the field);
// the client parses responses leniently (unknown fields pass through).
import { z } from 'zod';

const table = z.record(z.string(), z.unknown());

/** Crafter's 17 action names in index order (docs/wire-contract.md §4.7), as the task app advertises them. */
export const CRAFTER_ACTIONS = [
  'noop', 'move_left', 'move_right', 'move_up', 'move_down', 'do', 'sleep', 'place_stone', 'place_table', 'place_furnace',
  'place_plant', 'make_wood_pickaxe', 'make_stone_pickaxe', 'make_iron_pickaxe', 'make_wood_sword', 'make_stone_sword',
  'make_iron_sword',
] as const;

/** Crafter's 22 achievements in its (alphabetical) order (docs/wire-contract.md §4.7 `achievements_status`). */
export const CRAFTER_ACHIEVEMENTS = [
  'collect_coal', 'collect_diamond', 'collect_drink', 'collect_iron', 'collect_sapling', 'collect_stone', 'collect_wood',
  'defeat_skeleton', 'defeat_zombie', 'eat_cow', 'eat_plant', 'make_iron_pickaxe', 'make_iron_sword', 'make_stone_pickaxe',
  'make_stone_sword', 'make_wood_pickaxe', 'make_wood_sword', 'place_furnace', 'place_plant', 'place_stone', 'place_table',
  'wake_up',
] as const;

/** Rollout ops: "agent"/"env" strings, or objects naming the op in `type` or `op` (docs/wire-contract.md §4.1 grpo form). */
export const RolloutOp = z.union([z.string(), z.looseObject({ type: z.string().optional(), op: z.string().optional() })]);
export type RolloutOp = z.infer<typeof RolloutOp>;

/** Op names the task app accepts and what each means (S26 aliases included). */
export const AGENT_OPS = ['agent', 'policy', 'model'] as const;
export const ENV_OPS = ['env', 'environment', 'step'] as const;

export const RolloutEnvSpec = z.looseObject({
  env_id: z.string().nullable().optional(),
  env_name: z.string().nullable().optional(),
  config: table.default({}),
  seed: z.number().int().nullable().optional(),
});
export type RolloutEnvSpec = z.infer<typeof RolloutEnvSpec>;

export const RolloutPolicySpec = z.looseObject({
  policy_id: z.string().nullable().optional(),
  policy_name: z.string().nullable().optional(),
  config: table.default({}),
});
export type RolloutPolicySpec = z.infer<typeof RolloutPolicySpec>;

export const RolloutRecordConfig = z.looseObject({
  trajectories: z.boolean().default(true),
  logprobs: z.boolean().default(false),
  value: z.boolean().default(false),
  return_trace: z.boolean().default(false),
  trace_format: z.enum(['compact', 'full']).default('compact'),
});

export const RolloutSafetyConfig = z.looseObject({
  max_ops: z.number().int().positive().default(100_000),
  max_time_s: z.number().positive().default(3600),
});

export const RolloutRequest = z.looseObject({
  run_id: z.string().min(1).max(256),
  env: RolloutEnvSpec.prefault({}),
  policy: RolloutPolicySpec.prefault({}),
  ops: z.array(RolloutOp).max(100_000),
  record: RolloutRecordConfig.prefault({}),
  on_done: z.enum(['reset', 'terminate']).default('reset'),
  safety: RolloutSafetyConfig.prefault({}),
  training_session_id: z.string().nullable().optional(),
  synth_base_url: z.string().nullable().optional(),
});
export type RolloutRequest = z.infer<typeof RolloutRequest>;
/** What a caller sends (defaults may be left out). */
export type RolloutRequestInput = z.input<typeof RolloutRequest>;

/** A tool call as the task app records it: the name and the model's JSON-string arguments. */
export const RecordedToolCall = z.looseObject({ tool_name: z.string(), arguments: z.unknown() });
export type RecordedToolCall = z.infer<typeof RecordedToolCall>;

export const RolloutStep = z.looseObject({
  obs: table,
  tool_calls: z.array(RecordedToolCall),
  reward: z.number().nullable(),
  done: z.boolean(),
  truncated: z.boolean().nullable().optional(),
  info: table.nullable().optional(),
});
export type RolloutStep = z.infer<typeof RolloutStep>;

export const RolloutTrajectory = z.looseObject({
  env_id: z.string(),
  policy_id: z.string(),
  steps: z.array(RolloutStep),
  final: z.looseObject({ observation: table }).nullable().optional(),
  length: z.number().int(),
  decision_samples: z.array(table).optional(),
});
export type RolloutTrajectory = z.infer<typeof RolloutTrajectory>;

export const RolloutMetrics = z.looseObject({
  episode_returns: z.array(z.number()),
  /** Not a mean: the number of achievements unlocked at the end (docs/wire-contract.md §4.4). */
  mean_return: z.number(),
  num_steps: z.number().int(),
  num_episodes: z.number().int(),
  outcome_score: z.number().nullable().optional(),
  events_score: z.number().nullable().optional(),
  details: table.default({}),
});
export type RolloutMetrics = z.infer<typeof RolloutMetrics>;

export const RolloutResponse = z.looseObject({
  run_id: z.string(),
  trajectories: z.array(RolloutTrajectory),
  branches: table.default({}),
  metrics: RolloutMetrics,
  aborted: z.boolean().default(false),
  ops_executed: z.number().int(),
  trace: z.unknown().optional(),
});
export type RolloutResponse = z.infer<typeof RolloutResponse>;

/** Why the simulated task app ended a rollout (metrics.details.end_reason). */
export const ROLLOUT_END_REASONS = [
  'ops_exhausted', 'max_steps', 'died', 'env_max_steps', 'policy_terminated', 'no_tool_calls', 'invalid_tool_call',
  'max_ops', 'max_time', 'cancelled',
] as const;
export type RolloutEndReason = (typeof ROLLOUT_END_REASONS)[number];

// --- /env/{name}/... -------------------------------------------------------------------------------

export const EnvInitializeRequest = z.looseObject({
  env_name: z.string().nullable().optional(),
  env_config: table.nullable().optional(),
  /** Accepted as a synonym of env_config. */
  config: table.nullable().optional(),
  seed: z.number().int().nullable().optional(),
});
export type EnvInitializeRequest = z.infer<typeof EnvInitializeRequest>;

export const EnvInitializeResponse = z.looseObject({ env_id: z.string(), observation: table });
export type EnvInitializeResponse = z.infer<typeof EnvInitializeResponse>;

export const EnvStepRequest = z.looseObject({
  env_id: z.string().min(1),
  /** An action name (aliases accepted) or its index 0..16. */
  action: z.union([z.string().min(1), z.number().int()]),
});
export type EnvStepRequest = z.infer<typeof EnvStepRequest>;

export const EnvStepResponse = z.looseObject({ observation: table, reward: z.number(), done: z.boolean(), info: table.nullable() });
export type EnvStepResponse = z.infer<typeof EnvStepResponse>;

export const EnvTerminateRequest = z.looseObject({ env_id: z.string().min(1) });
export const EnvTerminateResponse = z.looseObject({ ok: z.boolean() });

// --- health, info ----------------------------------------------------------------------------------

/** `/health` and `/health/rollout`: 200 either way once a key is configured; `authorized` tells. */
export const TaskAppHealth = z.looseObject({
  healthy: z.boolean().optional(),
  ok: z.boolean().optional(),
  status: z.string().optional(),
  authorized: z.boolean(),
  expected_api_key_prefix: z.string().optional(),
});
export type TaskAppHealth = z.infer<typeof TaskAppHealth>;

export const ActionsResponse = z.looseObject({ actions: z.array(z.string()) });

export const TaskAppInfo = z.looseObject({
  service: z.looseObject({ task: z.unknown(), version: z.string() }),
  dataset: table,
  rubrics: z.unknown().nullable(),
  inference: table,
  capabilities: z.array(z.string()),
  limits: table,
});
export type TaskAppInfo = z.infer<typeof TaskAppInfo>;

export const TaskInfo = z.looseObject({
  task: table,
  environment: z.string(),
  action_space: table,
  observation: table,
  dataset: table,
  rubric: z.unknown().nullable(),
  inference: table,
  limits: table,
  task_metadata: table,
});
export type TaskInfo = z.infer<typeof TaskInfo>;

/**
 * The `interact` tool of the Crafter task app (docs/wire-contract.md §4.6). `actionNames` fills the enum and the
 * description when the caller knows them (the task app does; a client may not).
 */
export function interactTool(actionNames?: readonly string[]) {
  const list = actionNames?.join(', ');
  return {
    type: 'function',
    function: {
      name: 'interact',
      description: 'Perform actions in the Crafter environment.',
      parameters: {
        type: 'object',
        properties: {
          actions: {
            type: 'array',
            items: actionNames ? { type: 'string', enum: [...actionNames] } : { type: 'string' },
            description: `List of actions to perform in sequence (e.g., ['move_right', 'move_right', 'do']).${list ? ` Available actions: ${list}` : ''}`,
          },
          reasoning: { type: 'string', description: 'Reasoning for these actions' },
        },
        required: ['actions', 'reasoning'],
      },
    },
  } as const;
}
