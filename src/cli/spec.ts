// The catalogue of commands and their flags: plain data. The modules that run them are loaded by
// name in commands.ts, so the help (which reads this table) and the commands never import each other.
import type { FlagSpec } from './args.ts';
import { settingDef, type SettingKey } from '../config/settings.ts';

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage?: string;
  readonly details?: string;
  readonly flags: readonly FlagSpec[];
  readonly examples?: readonly string[];
}

/** The flag for a config setting, with its env vars and default taken from the settings table. */
export function settingFlag(key: SettingKey): FlagSpec {
  const def = settingDef(key);
  if (def.flag === undefined) throw new Error(`setting ${key} has no flag`);
  const type = def.type === 'int' || def.type === 'number' || def.type === 'boolean' ? def.type : 'string';
  return {
    name: def.flag,
    type,
    description: def.description,
    ...(def.placeholder !== undefined && { placeholder: def.placeholder }),
    ...(def.default !== undefined && { default: def.default }),
    ...(def.env !== undefined && { env: def.env }),
    setting: key,
  };
}

const HELP: FlagSpec = { name: 'help', short: 'h', type: 'boolean', description: 'Show this help' };
const JSON_OUT: FlagSpec = { name: 'json', type: 'boolean', description: 'Machine-readable JSON output' };
const ENV_FILE: FlagSpec = {
  name: 'env-file', type: 'string', repeatable: true, placeholder: 'PATH',
  description: 'Extra .env file (repeatable; fills only unset variables; default: ./.env and examples/rl/.env)',
};
const CONFIG = [settingFlag('config_path'), ENV_FILE];
const BACKEND = [settingFlag('backend_url'), settingFlag('api_key'), settingFlag('timeout')];
const JOB = [
  settingFlag('task_app_url'), settingFlag('trainer_id'), settingFlag('model'), settingFlag('batch_size'),
  settingFlag('group_size'), settingFlag('job_config_id'), settingFlag('job_id'), settingFlag('idempotency_key'),
  settingFlag('stream_seconds'), settingFlag('poll_interval'), settingFlag('empty_polls_threshold'),
  settingFlag('startup_deadline_s'), settingFlag('max_seconds'), settingFlag('metrics_jsonl'), settingFlag('tensorboard_dir'),
  { name: 'cancel-on-interrupt', type: 'boolean', description: 'Cancel the job on Ctrl-C (default: leave it running and print how to re-attach)' },
] satisfies FlagSpec[];

/** Where the simulator's GRPO trainer computes (a job's [sim] device / threads override these). */
const DEVICE_FLAGS: FlagSpec[] = [
  { name: 'device', type: 'string', default: 'cpu', placeholder: 'KIND', description: 'Training device for jobs that do not pick one with [sim] device: cpu | reference | webgpu | auto' },
  { name: 'threads', type: 'int', placeholder: 'N', description: 'Threads of the cpu device for jobs that do not set [sim] threads (default: every core)' },
];

const SIM_FLAGS: FlagSpec[] = [
  { name: 'host', type: 'string', default: '127.0.0.1', placeholder: 'HOST', description: 'Address to bind' },
  { name: 'port', type: 'int', default: 8787, placeholder: 'N', description: "Port of the simulated backend API (the client's --backend-url; also serves /inference, /studio, /_sim)" },
  { name: 'task-app-port', type: 'int', default: 8001, placeholder: 'N', description: 'Task app port' },
  { name: 'task-app', type: 'boolean', default: true, description: 'Also start the Crafter task app (--no-task-app to skip)' },
  { name: 'state-dir', type: 'string', default: '.synth-rl', placeholder: 'DIR', description: 'Where jobs, events, keys and checkpoints persist' },
  { name: 'ephemeral', type: 'boolean', description: 'Keep all state in memory' },
  { name: 'resume', type: 'boolean', default: true, description: 'Resume jobs a crashed simulator left running, from their last iteration (--no-resume: fail them with the reason)' },
  { name: 'api-key', type: 'string', env: ['SYNTH_API_KEY'], placeholder: 'KEY', description: 'API key to accept (default: generated once and persisted)' },
  { name: 'faults', type: 'string', placeholder: 'PATH|JSON', description: 'Fault-injection rules to load at start' },
  { name: 'trainer', type: 'string', default: 'grpo', placeholder: 'NAME', description: 'Trainer for jobs that do not pick one with [sim] trainer: grpo (a small GPT really trained with GRPO) or replay (a scripted stream)' },
  { name: 'time-scale', type: 'number', default: 1, placeholder: 'X', description: 'Run simulated time X times faster (replay pacing, queue delay)' },
  ...DEVICE_FLAGS,
];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'run',
    summary: 'Create or attach to an RL job, stream its events and metrics, exit with its outcome',
    flags: [...CONFIG, ...BACKEND, ...JOB, JSON_OUT, HELP],
    examples: ['synth-rl run --task-app-url http://127.0.0.1:8001', 'synth-rl run --job-id job_0123456789abcdef012'],
  },
  {
    name: 'check',
    summary: 'Diagnose the backend, task app and inference endpoint (auth included)',
    flags: [...CONFIG, ...BACKEND, settingFlag('task_app_url'), settingFlag('inference_url'), JSON_OUT, HELP],
  },
  {
    name: 'env-key',
    summary: "Seal ENVIRONMENT_API_KEY with the backend's public key and upload it",
    flags: [
      ...CONFIG, ...BACKEND,
      { name: 'token', type: 'string', placeholder: 'TOKEN', description: 'Key to upload (default: $ENVIRONMENT_API_KEY)' },
      { name: 'mint', type: 'boolean', description: 'Mint a new random key (printed once) and upload it' },
      JSON_OUT, HELP,
    ],
  },
  {
    name: 'rollout',
    summary: 'Drive task-app rollouts with any OpenAI-compatible model',
    flags: [
      ...CONFIG, settingFlag('task_app_url'), settingFlag('model'), settingFlag('inference_url'),
      { name: 'num-rollouts', type: 'int', default: 1, placeholder: 'N', description: 'Rollouts to run' },
      { name: 'max-steps-each', type: 'int', default: 10, placeholder: 'N', description: 'Env steps per rollout' },
      { name: 'timeout-seconds', type: 'number', default: 120, placeholder: 'S', description: 'Per-rollout timeout' },
      { name: 'concurrency', type: 'int', default: 1, placeholder: 'N', description: 'Rollouts in flight' },
      { name: 'seed', type: 'int', default: 0, placeholder: 'N', description: 'First seed' },
      { name: 'out', type: 'string', placeholder: 'PATH', description: 'Write trajectories as JSONL' },
      { name: 'preset', type: 'string', placeholder: 'NAME', description: "Crafter map preset for the simulated task app: micro | small | classic (default: the task app's)" },
      { name: 'via-backend', type: 'boolean', description: "Go through the backend's /api/rl/tests/openai/direct (uses --backend-url and --api-key)" },
      settingFlag('backend_url'), settingFlag('api_key'),
      JSON_OUT, HELP,
    ],
    details: 'Needs ENVIRONMENT_API_KEY (sent as X-API-Key; with --via-backend the backend uses the uploaded one). Offline, `synth-rl sim` serves the models sim:random and sim:heuristic at http://127.0.0.1:8787/inference. Exit 0 when every rollout answered, 1 otherwise.',
    examples: [
      'synth-rl rollout --task-app-url http://127.0.0.1:8001 --inference-url http://127.0.0.1:8787/inference --model sim:heuristic --num-rollouts 20 --max-steps-each 50',
      'synth-rl rollout --task-app-url http://127.0.0.1:8001 --inference-url https://api.openai.com --model gpt-4o-mini --out rollouts.jsonl',
    ],
  },
  {
    name: 'train',
    summary: 'End to end: check, upload the env key if needed, create the job, stream, report',
    flags: [...CONFIG, ...BACKEND, ...JOB, JSON_OUT, HELP],
  },
  {
    name: 'infer',
    summary: 'Chat with an RL-trained checkpoint (rl:…), via the backend or a local tarball',
    flags: [
      ...CONFIG, ...BACKEND, settingFlag('model'), settingFlag('rl_weights_path'),
      { name: 'prompt', type: 'string', placeholder: 'TEXT', description: 'User message (default: a Crafter observation from the task app)' },
      { name: 'temperature', type: 'number', placeholder: 'T', description: 'Sample at this temperature (default: greedy)' },
      JSON_OUT, HELP,
    ],
    details: 'Offline: --weights PATH.tar.gz (or RL_WEIGHTS_PATH naming a local file) loads the checkpoint with transformers.js and ONNX Runtime, no backend needed. Otherwise: --model rl:<base>:<job_id>:checkpoint-epoch-N through the backend (weights found from artifacts, models or registry; promote; ensure; chat).',
    examples: ['synth-rl infer --weights .synth-rl/checkpoints/job_…/checkpoint-epoch-1.tar.gz', 'synth-rl infer --model rl:Qwen-Qwen3-0.6B:job_…:checkpoint-epoch-1'],
  },
  {
    name: 'sim',
    summary: 'Run the local simulator: backend API, trainer, inference and the Crafter task app',
    flags: [...SIM_FLAGS, HELP],
    examples: ['synth-rl sim', 'synth-rl sim --ephemeral --port 0', 'synth-rl sim --faults faults.json'],
  },
  {
    name: 'task-app',
    summary: 'Serve the Crafter task app on its own',
    flags: [
      { name: 'host', type: 'string', default: '127.0.0.1', placeholder: 'HOST', description: 'Address to bind' },
      { name: 'port', type: 'int', default: 8001, placeholder: 'N', description: 'Port' },
      { name: 'preset', type: 'string', default: 'micro', placeholder: 'NAME', description: 'Crafter map preset when a request does not choose one: micro | small | classic' },
      { name: 'max-envs', type: 'int', default: 256, placeholder: 'N', description: 'Live environments at most (429 past it)' },
      { name: 'cumulative-rewards', type: 'boolean', description: "Report each step's reward as the running total, like the reference engine (bug 24 compatibility)" },
      HELP,
    ],
    details: 'Keys from ENVIRONMENT_API_KEY (+ ENVIRONMENT_API_KEY_ALIASES, comma list); OPENAI_API_KEY enables OpenAI inference URLs and /proxy.',
    examples: ['ENVIRONMENT_API_KEY=sk-env synth-rl task-app', 'synth-rl task-app --port 0 --preset small'],
  },
  {
    name: 'studio',
    summary: 'Open the Studio (web dashboard: jobs, live curves, rollouts, playground, compare) for any backend',
    flags: [
      ...CONFIG, ...BACKEND,
      { name: 'host', type: 'string', default: '127.0.0.1', placeholder: 'HOST', description: 'Address to bind (loopback only)' },
      { name: 'port', type: 'int', default: 8788, placeholder: 'N', description: 'Port (0: a free one)' },
      HELP,
    ],
    details: 'Serves the same pages as `synth-rl sim` at /studio, reading the backend through its public API with your key. Prints a one-time sign-in URL; without an API key the page asks for one.',
    examples: ['synth-rl studio', 'synth-rl studio --backend-url https://agent-learning.onrender.com --api-key $SYNTH_API_KEY'],
  },
  {
    name: 'demo',
    summary: 'One command, fully offline: simulator, training job, live progress, chat with the result',
    flags: [
      { name: 'iterations', type: 'int', default: 20, placeholder: 'N', description: 'GRPO iterations to train' },
      { name: 'seed', type: 'int', default: 0, placeholder: 'N', description: 'Seed of the small model and the training worlds' },
      { name: 'keep', type: 'boolean', description: 'Leave the simulator and the Studio up after the run, until Ctrl-C' },
      settingFlag('metrics_jsonl'), settingFlag('tensorboard_dir'),
      ...DEVICE_FLAGS,
      HELP,
    ],
    details: 'Starts the simulator in this process (memory-only state, free ports), then runs env-key, run and infer against it. Takes a few minutes on a laptop CPU.',
  },
  {
    name: 'config',
    summary: 'Show the effective configuration and where each value came from',
    usage: 'synth-rl config [flags]',
    details: 'Precedence: flag > environment (.env fills only unset variables) > TOML file > default.',
    flags: [
      ...CONFIG, settingFlag('backend_url'), settingFlag('api_key'), settingFlag('timeout'),
      ...JOB.filter((f) => f.name !== 'cancel-on-interrupt'), settingFlag('inference_url'), settingFlag('rl_weights_path'),
      { name: 'show-file', type: 'boolean', description: 'Also list every value of the TOML file' },
      JSON_OUT, HELP,
    ],
    examples: ['synth-rl config --config-path examples/rl/config.toml --batch-size 8', 'synth-rl config --json'],
  },
  {
    name: 'selftest',
    summary: 'Load a tiny ONNX model through transformers.js + ONNX Runtime and generate (packaging check)',
    flags: [
      { name: 'model-dir', type: 'string', placeholder: 'DIR', description: 'Use this model folder instead of the embedded one' },
      JSON_OUT, HELP,
    ],
  },
  {
    name: 'version',
    summary: 'Print the version',
    flags: [JSON_OUT, HELP],
  },
  {
    name: 'help',
    summary: 'Show help for a command',
    usage: 'synth-rl help [command]',
    flags: [HELP],
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
