// What the simulator does with each key of the job TOML (src/api/rl-config.ts): read (by whom and
// where), or ignored (and why). A job whose config sets an ignored key gets one `rl.job.warning`
// per reason naming the keys, so no key is silently ignored (docs/wire-contract.md §6.2).
// test/config/examples.test.ts fails when a schema key is missing here, and checks that each
// "read" entry's file mentions the key.
import type { RlConfigFile } from '../../src/api/rl-config.ts';

/**
 * client: read by the synth-rl client (and forwarded); the simulator has no use for it.
 * job: read by the simulator for every job. grpo / replay: read only by that trainer.
 */
export type Reader = 'client' | 'job' | 'grpo' | 'replay';
export type KeyUse = { read: Reader; by: string } | { ignored: string };

const CLIENT_SETTINGS = 'src/config/settings.ts';
const RUNNER = 'sim/backend/runner.ts';
const JOB_PARAMS = 'sim/backend/job-params.ts';
const GRPO = 'sim/trainer/settings.ts';
const REPLAY = 'sim/backend/replay.ts';

const read = (who: Reader, file: string): KeyUse => ({ read: who, by: file });
const ignored = (why: string): KeyUse => ({ ignored: why });

const REAL_CLUSTER = "they configure the real backend's GPU cluster and inference engine; forwarded, not used by the simulator (it trains a small CPU/WebGPU model)";
const REAL_TRAINER = "they are for the real backend's trainer; forwarded, not used by the simulated trainer";
const EVAL_CONFIG = 'they belong to eval configs for the real backend; forwarded, not used by the simulator';
const SIM_PROCESS = 'they are settings of the `synth-rl sim` process (use its flags: --host, --port, --task-app-port, --state-dir, --time-scale); a job cannot change a running simulator';
const NO_KL_PENALTY = "the simulated trainer's KL coefficient is [hyperparams] beta, and it has no separate KL penalty";
const NO_DELTA = 'the simulated trainer clips the ratio with epsilon_low/epsilon_high only (no δ upper bound on the ratio for negative advantages)';
const OBSERVATION = "the observation format is the task app's ([rollout.env_config] observation_format is forwarded to it by the real backend; the simulated trainer asks for the default text format)";

/** Exact dotted paths, or "section.*" for every key of a section. */
export const CONFIG_KEYS: Readonly<Record<string, KeyUse>> = {
  type: ignored(EVAL_CONFIG), provider: ignored(EVAL_CONFIG), split: ignored(EVAL_CONFIG),
  num_episodes: ignored(EVAL_CONFIG), seed_start: ignored(EVAL_CONFIG),
  task_app_url: read('client', CLIENT_SETTINGS),
  model: read('job', JOB_PARAMS), 'model.name': read('job', JOB_PARAMS), 'model.base': read('job', JOB_PARAMS),
  'model.seed': read('grpo', GRPO),
  'model.dtype': ignored(REAL_TRAINER), 'model.trainer_mode': ignored(REAL_TRAINER), 'model.source': ignored(REAL_TRAINER),
  'model.label': ignored(REAL_TRAINER),
  'algorithm.*': ignored(REAL_TRAINER),
  'services.task_url': read('client', CLIENT_SETTINGS), 'services.backend_url': read('client', CLIENT_SETTINGS),
  'services.trainer_start_url': ignored(REAL_CLUSTER), 'services.judge_url': ignored(REAL_CLUSTER),
  'lora.*': ignored(REAL_TRAINER), 'rdma.*': ignored(REAL_CLUSTER), 'topology.*': ignored(REAL_CLUSTER),
  'compute.*': ignored(REAL_CLUSTER), 'vllm.*': ignored(REAL_CLUSTER), 'reference.*': ignored(REAL_CLUSTER),
  'training.*': ignored(REAL_TRAINER),
  'training.num_epochs': read('job', JOB_PARAMS), 'training.iterations_per_epoch': read('job', JOB_PARAMS),
  'training.batch_size': read('job', JOB_PARAMS), 'training.group_size': read('job', JOB_PARAMS),
  'training.learning_rate': read('grpo', GRPO), 'training.max_grad_norm': read('grpo', GRPO),
  'rollout.*': ignored(REAL_TRAINER),
  'rollout.max_steps_per_episode': read('grpo', GRPO), 'rollout.sampling_temperature': read('grpo', GRPO),
  'rollout.sampling_top_p': read('grpo', GRPO), 'rollout.max_concurrent_rollouts': read('grpo', GRPO),
  'policy.*': ignored(REAL_TRAINER), 'policy.inference_url': read('client', CLIENT_SETTINGS),
  'evaluation.*': ignored(REAL_TRAINER),
  'evaluation.seeds': read('grpo', GRPO), 'evaluation.rollouts_per_seed': read('grpo', GRPO),
  'evaluation.every_n_iters': read('job', JOB_PARAMS),
  'hyperparams.*': ignored(REAL_TRAINER),
  'hyperparams.delta': ignored(NO_DELTA), 'hyperparams.kl_penalty': ignored(NO_KL_PENALTY),
  'hyperparams.epsilon_low': read('grpo', GRPO), 'hyperparams.epsilon_high': read('grpo', GRPO), 'hyperparams.clip_epsilon': read('grpo', GRPO),
  'hyperparams.beta': read('grpo', GRPO), 'hyperparams.num_inner_steps': read('grpo', GRPO), 'hyperparams.scale_rewards': read('grpo', GRPO),
  'hyperparams.loss_type': read('grpo', GRPO), 'hyperparams.skip_zero_variance_groups': read('grpo', GRPO), 'hyperparams.reward': read('grpo', GRPO),
  'step_rewards.*': ignored(REAL_TRAINER), 'judge.*': ignored(REAL_TRAINER), rubric: ignored(REAL_TRAINER),
  tags: ignored('tags label jobs on the real backend; forwarded, not used by the simulator'), smoke: ignored(REAL_TRAINER),
  'data.*': ignored(REAL_TRAINER),
  'trainer.allow_ref_fallback': ignored(REAL_TRAINER), 'trainer.batch_size': read('job', JOB_PARAMS), 'trainer.group_size': read('job', JOB_PARAMS),
  'checkpoint.*': ignored(REAL_TRAINER),
  'checkpoint.interval': read('job', JOB_PARAMS), 'checkpoint.keep_last_n': read('grpo', GRPO), 'checkpoint.enabled': read('grpo', GRPO),
  'job.model': read('job', JOB_PARAMS),
  'env.max_steps_per_episode': read('grpo', GRPO),
  'runner.*': read('client', CLIENT_SETTINGS),
  'sim.trainer': read('job', RUNNER), 'sim.linked_job': read('job', RUNNER),
  'sim.preset': read('grpo', GRPO), 'sim.seed': read('grpo', GRPO), 'sim.device': read('grpo', GRPO), 'sim.threads': read('grpo', GRPO),
  'sim.webgpu_adapter': read('grpo', GRPO), 'sim.learning_rate': read('grpo', GRPO), 'sim.weight_decay': read('grpo', GRPO),
  'sim.max_actions': read('grpo', GRPO), 'sim.record_rollouts_per_iteration': read('grpo', GRPO), 'sim.resume': read('grpo', GRPO),
  'sim.model.*': read('grpo', GRPO),
  'sim.replay.*': read('replay', REPLAY),
  'sim.time_scale': ignored(SIM_PROCESS), 'sim.host': ignored(SIM_PROCESS), 'sim.port': ignored(SIM_PROCESS),
  'sim.task_app_port': ignored(SIM_PROCESS), 'sim.state_dir': ignored(SIM_PROCESS),
  'sim.observation': ignored(OBSERVATION),
};

/** The entry for a dotted path: exact, else the nearest "section.*". */
export function keyUse(path: string): KeyUse | undefined {
  const exact = CONFIG_KEYS[path];
  if (exact !== undefined) return exact;
  const parts = path.split('.');
  for (let n = parts.length - 1; n >= 1; n--) {
    const wild = CONFIG_KEYS[`${parts.slice(0, n).join('.')}.*`];
    if (wild !== undefined) return wild;
  }
  return undefined;
}

/** Dotted paths of the keys set in a config, down to the tables the schema treats as one value. */
export function setKeys(config: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(config).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    const isTable = v !== null && typeof v === 'object' && !Array.isArray(v);
    // A table the registry names as one key (tags, rubric, training.rewards …) is one value.
    if (!isTable || (CONFIG_KEYS[path] !== undefined && !hasChildEntries(path))) return [path];
    return setKeys(v as Record<string, unknown>, path);
  });
}

function hasChildEntries(path: string): boolean {
  return Object.keys(CONFIG_KEYS).some((k) => k.startsWith(`${path}.`));
}

/** Why the keys a trainer does not read are ignored, keyed by reason; unknown keys are left to the client's loader. */
export function ignoredKeys(config: RlConfigFile, trainer: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (why: string, key: string) => out.set(why, [...(out.get(why) ?? []), key]);
  for (const key of setKeys(config as Record<string, unknown>)) {
    const use = keyUse(key);
    if (use === undefined) continue;
    if ('ignored' in use) add(use.ignored, key);
    else if ((use.read === 'grpo' || use.read === 'replay') && use.read !== trainer) add(`they are read only by the ${use.read} trainer and this job runs the ${trainer} trainer`, key);
  }
  return out;
}

/** One warning per reason, naming the keys: "config keys ignored by the simulator: [sim] port, [sim] host (they are settings of …)". */
export function configWarnings(config: RlConfigFile, trainer: string): string[] {
  return [...ignoredKeys(config, trainer)].map(([why, keys]) => `config keys ignored by the simulator: ${keys.map(shown).join(', ')} (${why})`);
}

function shown(path: string): string {
  const i = path.lastIndexOf('.');
  return i < 0 ? path : `[${path.slice(0, i)}] ${path.slice(i + 1)}`;
}
