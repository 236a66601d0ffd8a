// The effective settings the client commands use, and where each may come from.
// Precedence for every setting: flag > environment (.env fills only unset vars) > TOML file > default.
// Plain data, no imports but the limits table: the CLI reads it for --help without loading the
// config machinery.
import { JOB_LIMITS } from '../api/limits.ts';

export type SettingType = 'string' | 'url' | 'int' | 'number' | 'boolean' | 'path';
export type SettingValue = string | number | boolean;

export interface SettingDef {
  /** Key in the effective config (snake_case, as in the reference's "Effective config" JSON). */
  readonly key: string;
  readonly type: SettingType;
  readonly description: string;
  /** Long flag name without dashes. */
  readonly flag?: string;
  /** Environment variables, first set wins. */
  readonly env?: readonly string[];
  /** Dotted TOML key paths, first present wins (e.g. "trainer.batch_size"). */
  readonly file?: readonly string[];
  readonly default?: SettingValue;
  /** Never printed; shown as redacted. */
  readonly secret?: boolean;
  /** Short placeholder for help, e.g. URL, N, PATH. */
  readonly placeholder?: string;
  /** The value must be > 0 (a usage error naming its source otherwise). */
  readonly positive?: boolean;
  /** Upper bound (README "Limits"); a usage error naming its source and the limit otherwise. */
  readonly max?: number;
}

/** Production API root of the hosted service (docs/wire-contract.md §2.1). `/api` is appended by the client. */
export const PROD_BACKEND_URL_DEFAULT = 'https://agent-learning.onrender.com';
export const DEFAULT_CONFIG_PATH = 'examples/rl/config.toml';
export const DEFAULT_MODEL = 'Qwen/Qwen3-0.6B';

export const SETTINGS = [
  {
    key: 'config_path', type: 'path', flag: 'config-path', env: ['RL_CONFIG_PATH'], placeholder: 'PATH',
    description: `TOML config file (default ${DEFAULT_CONFIG_PATH} when it exists)`,
  },
  {
    key: 'backend_url', type: 'url', flag: 'backend-url', env: ['PROD_BACKEND_URL', 'SYNTH_BACKEND_URL'],
    file: ['services.backend_url'], default: PROD_BACKEND_URL_DEFAULT, placeholder: 'URL',
    description: "Synth's backend API: the hosted service or a `synth-rl sim` (root or API base, with or without /api)",
  },
  {
    key: 'api_key', type: 'string', flag: 'api-key', env: ['SYNTH_API_KEY'], secret: true, placeholder: 'KEY',
    description: 'Synth API key (Bearer token for the backend)',
  },
  {
    key: 'task_app_url', type: 'url', flag: 'task-app-url', env: ['TASK_APP_BASE_URL', 'TASK_APP_URL'],
    file: ['services.task_url', 'task_app_url'], placeholder: 'URL',
    description: 'Base URL of the task app the trainer calls for rollouts',
  },
  {
    key: 'environment_api_key', type: 'string', env: ['ENVIRONMENT_API_KEY'], secret: true,
    description: 'Key the trainer sends to the task app as X-API-Key',
  },
  {
    key: 'trainer_id', type: 'string', flag: 'trainer-id', env: ['TRAINER_ID'], placeholder: 'ID',
    description: 'Trainer service id (older flow; the backend picks one when unset)',
  },
  {
    key: 'model', type: 'string', flag: 'model', env: ['QWEN_MODEL'], file: ['job.model', 'model.name', 'model.base', 'model'],
    default: DEFAULT_MODEL, placeholder: 'ID', description: 'Base model to train (or the model to use)',
  },
  {
    key: 'batch_size', type: 'int', positive: true, max: JOB_LIMITS.batch_size, flag: 'batch-size', file: ['trainer.batch_size', 'training.batch_size'],
    default: 2, placeholder: 'N', description: 'Seeds per training iteration',
  },
  {
    key: 'group_size', type: 'int', positive: true, max: JOB_LIMITS.group_size, flag: 'group-size', file: ['trainer.group_size', 'training.group_size'],
    default: 4, placeholder: 'N', description: 'Rollouts per seed (the GRPO group)',
  },
  {
    key: 'job_config_id', type: 'string', flag: 'job-config-id', env: ['JOB_CONFIG_ID'], placeholder: 'ID',
    description: 'Server-side job config id to use instead of an inline config',
  },
  {
    key: 'job_id', type: 'string', flag: 'job-id', env: ['RL_JOB_ID'], placeholder: 'ID',
    description: 'Attach to this existing job instead of creating one',
  },
  {
    key: 'idempotency_key', type: 'string', flag: 'idempotency-key', env: ['RL_IDEMPOTENCY_KEY'], placeholder: 'KEY',
    description: 'Idempotency-Key for job creation (default: a fresh one per invocation)',
  },
  {
    key: 'max_steps_per_episode', type: 'int', max: JOB_LIMITS.max_steps_per_episode, file: ['env.max_steps_per_episode', 'rollout.max_steps_per_episode'],
    description: 'Steps per Crafter episode (display; the trainer reads the config)',
  },
  {
    key: 'stream_seconds', type: 'number', flag: 'stream-seconds', env: ['RL_CLIENT_SSE_SECONDS'],
    file: ['runner.stream_seconds'], default: 0, placeholder: 'S',
    description: 'Seconds to keep the SSE stream open (0: until the job ends)',
  },
  {
    key: 'timeout', type: 'number', positive: true, flag: 'timeout', env: ['HTTP_TIMEOUT'], default: 600, placeholder: 'S',
    description: 'Per-request HTTP timeout in seconds',
  },
  {
    key: 'poll_interval', type: 'number', positive: true, flag: 'poll-interval', env: ['RL_CLIENT_POLL_INTERVAL'], default: 1,
    placeholder: 'S', description: 'Seconds between status/event polls',
  },
  {
    key: 'empty_polls_threshold', type: 'int', flag: 'empty-polls', file: ['runner.empty_polls_threshold'],
    default: 60, placeholder: 'N', description: 'Consecutive polls with nothing new before the job counts as stalled (0: never)',
  },
  {
    key: 'startup_deadline_s', type: 'number', flag: 'startup-deadline-s', file: ['runner.startup_deadline_s'],
    default: 45, placeholder: 'S', description: 'Seconds for the job to show progress after creation',
  },
  {
    key: 'max_seconds', type: 'number', flag: 'max-seconds', env: ['RL_CLIENT_MAX_POLL_SECONDS'], default: 0,
    placeholder: 'S', description: 'Watchdog: give up after this many seconds (0: off)',
  },
  {
    key: 'metrics_jsonl', type: 'path', flag: 'metrics-jsonl', placeholder: 'FILE',
    description: "Also write the job's metrics to FILE as JSON lines, one object per step (train/reward, loss/kl, …)",
  },
  {
    key: 'tensorboard_dir', type: 'path', flag: 'tensorboard', placeholder: 'DIR',
    description: "Also write the job's metrics as a TensorBoard event file in DIR (tensorboard --logdir DIR)",
  },
  {
    key: 'inference_url', type: 'url', flag: 'inference-url', env: ['INFERENCE_URL'], file: ['policy.inference_url'],
    placeholder: 'URL', description: 'OpenAI-compatible inference base URL',
  },
  {
    key: 'openai_api_key', type: 'string', env: ['OPENAI_API_KEY'], secret: true,
    description: 'OpenAI key for rollouts against OpenAI models',
  },
  {
    key: 'rl_weights_path', type: 'path', flag: 'weights', env: ['RL_WEIGHTS_PATH'], placeholder: 'PATH',
    description: 'Local checkpoint tarball for offline inference',
  },
  // [sim] trainer and [sim] preset are no client settings: the simulator reads them from the
  // forwarded config (sim/backend/config-use.ts lists who reads each key).
] as const satisfies readonly SettingDef[];

export type SettingKey = (typeof SETTINGS)[number]['key'];

const BY_KEY = new Map<string, SettingDef>(SETTINGS.map((s) => [s.key, s]));

export function settingDef(key: SettingKey): SettingDef {
  const def = BY_KEY.get(key);
  if (def === undefined) throw new Error(`unknown setting ${key}`);
  return def;
}
