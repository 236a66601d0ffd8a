// The whole RL job TOML as zod schemas: every section and key of the reference config
// (docs/wire-contract.md §6.2), the script sections [job] [trainer] [env] [runner] [services], and
// [sim] for the simulator. Part of the wire contract: the parsed file travels in the job request as
// data.config, so the client's loader (src/config) and the simulator read this one schema. Sections
// are loose: unknown keys pass through and are reported as warnings by the loader.
import { z } from 'zod';
import { JOB_LIMITS as L } from './limits.ts';

const int = z.number().int();
const num = z.number();
const str = z.string();
const bool = z.boolean();
const strList = z.array(z.string());
const intList = z.array(z.number().int());
const table = z.record(z.string(), z.unknown());
/** A size with a documented upper bound (README "Limits"); the message names the limit. */
const upTo = (max: number, min = 0) => int.min(min).max(max, { message: `must be at most ${max} (limit, see README "Limits")` });
const count = upTo(L.small_count);

/** A TOML table whose keys are all optional and whose unknown keys are kept. */
function section<T extends z.ZodRawShape>(shape: T) {
  return z.looseObject(shape).partial();
}

export const AlgorithmSection = section({ type: str, method: str, variety: str });

export const ServicesSection = section({
  task_url: str, trainer_start_url: str, judge_url: str,
  /** Our extension: the backend root, so a config file can pin a simulator or staging URL. */
  backend_url: str,
});

export const ModelSection = section({
  name: str, dtype: str, seed: int, trainer_mode: str, base: str, source: str, label: str,
});

export const LoraSection = section({ r: int, alpha: int, dropout: num, target_modules: strList });

export const RdmaSection = section({
  enabled: bool, ifname: str, ip_type: str, p2p_disable: int, shm_disable: int, fast_nccl: bool,
  gid_index: int, cross_nic: int, collnet_enable: int, net_gdr_level: int, nsocks_perthread: int,
  socket_nthreads: int, algo: str, proto: str, p2p_level: str, debug: str,
});

export const TopologySection = section({
  type: str, gpu_type: str, use_rdma: bool, gpus_for_vllm: int, gpus_for_training: int,
  tensor_parallel: int, gpus_for_ref: int,
});

export const ComputeSection = section({ gpu_type: str, gpu_count: int, topology: TopologySection });

export const VllmSection = section({
  tensor_parallel_size: int, gpu_memory_utilization: num, max_model_len: int, max_num_seqs: int,
  enforce_eager: bool, max_parallel_generations: int,
});

export const ReferenceSection = section({
  placement: str, gpu_index: int, port: int, tp: int, health_max_wait_s: int, health_interval_ms: int,
  model_id: str,
});

export const WeightSyncSection = section({
  enable: bool, targets: strList, mode: str, direct: bool, verify_every_k: int,
});

export const TrainingSection = section({
  num_epochs: upTo(L.num_epochs), iterations_per_epoch: upTo(L.iterations_per_epoch), batch_size: upTo(L.batch_size, 1), group_size: upTo(L.group_size, 1), learning_rate: num,
  max_grad_norm: num, log_interval: int, update_reference_interval: int, weight_sync_interval: int,
  max_turns: count, ops: strList, reward_positive: num, reward_negative_no_tool: num,
  reward_negative_no_answer: num, gradient_accumulation_steps: count, max_accumulated_minibatch: count,
  event_rewards_kind: str, weight_sync: WeightSyncSection, lora: table, rewards: table,
});

export const RolloutSection = section({
  env_name: str, policy_name: str, env_config: table, max_steps_per_episode: upTo(L.max_steps_per_episode),
  sampling_temperature: num, sampling_top_p: num, max_tokens: upTo(L.max_tokens), max_concurrent_rollouts: upTo(L.max_concurrent_rollouts),
  ops_per_rollout: count, on_done: str, thinking_mode: str, thinking_budget: upTo(L.max_tokens), max_turns: count,
  episodes_per_batch: count, task_app_origin_rewards_only: bool, policy_config: table,
  batches_per_step: count, ops: strList,
});

export const PolicySection = section({
  config: table, model: str, inference_url: str, max_tokens: upTo(L.max_tokens), temperature: num, top_p: num,
  headers: z.record(z.string(), z.string()), extra_headers: z.record(z.string(), z.string()),
});

export const EvaluationSection = section({
  seeds: intList.max(L.eval_seeds, { message: `must have at most ${L.eval_seeds} seeds (limit, see README "Limits")` }),
  rollouts_per_seed: upTo(L.rollouts_per_seed), max_concurrent_rollouts: upTo(L.max_concurrent_rollouts), thinking_mode: str,
  every_n_iters: count, instances: count,
});

export const HyperparamsSection = section({
  epsilon_low: num, epsilon_high: num, delta: num, beta: num, kl_penalty: num,
  advantage_normalization: bool, group_normalization: bool, num_inner_steps: upTo(64), clip_epsilon: num,
  completion_only: bool,
  // TRL-named GRPO knobs the simulator's trainer reads (docs/trainer.md §2).
  scale_rewards: z.enum(['group', 'batch', 'none']), loss_type: z.enum(['grpo', 'dapo', 'dr_grpo']),
  skip_zero_variance_groups: bool, reward: z.enum(['achievements', 'native_return']),
});

export const StepRewardsSection = section({ enabled: bool, mode: str, step_beta: num, indicator_lambda: num });

export const TrainerSection = section({ allow_ref_fallback: bool, batch_size: upTo(L.batch_size, 1), group_size: upTo(L.group_size, 1) });

export const CheckpointSection = section({
  interval: count, directory: str, keep_last_n: count, save_optimizer: bool, save_scheduler: bool, enabled: bool,
});

export const DataSection = section({
  split: str, seed_start: int, episodes_per_iteration: count, evaluation_split: str, evaluation_episodes: count,
});

export const JudgeSection = section({
  type: str, timeout_s: num, enabled: bool, reward_blend: table, rubric: table, options: table,
});

export const JobSection = section({ model: str });
export const EnvSection = section({ max_steps_per_episode: upTo(L.max_steps_per_episode) });
export const RunnerSection = section({ stream_seconds: num, empty_polls_threshold: int, startup_deadline_s: num });

// Bounded: a CPU simulator, and one job request must not be able to ask for gigabytes.
export const SimModelSection = section({
  n_layer: int.positive().max(12), n_head: int.positive().max(16), d_model: int.positive().max(512), n_ctx: int.positive().max(1024),
});

export const SimReplaySection = section({
  /** success: the recorded stream to the end; failure: rl.job.failed at fail_at_iteration. */
  scenario: z.enum(['success', 'failure']),
  iterations: upTo(L.replay_iterations, 1),
  /** Seconds between replayed iterations (before the simulator's time scale). */
  step_seconds: num.min(0).max(L.replay_step_seconds),
  fail_at_iteration: upTo(L.replay_iterations, 1),
});

export const SimSection = section({
  trainer: z.enum(['replay', 'grpo']),
  preset: z.enum(['micro', 'small', 'classic']),
  seed: int,
  /** Where the GRPO trainer's model runs (see sim/model/devices/factory.ts). */
  device: z.enum(['cpu', 'reference', 'webgpu', 'auto']),
  /** Threads of the cpu device (default: every core). */
  threads: int.positive().max(256),
  /** Which WebGPU adapters count: "hardware" (a real GPU) or "software" (Mesa llvmpipe; for CI). Env SYNTH_RL_WEBGPU_ADAPTER overrides. */
  webgpu_adapter: z.enum(['hardware', 'software']),
  time_scale: num.positive(),
  host: str,
  port: int,
  task_app_port: int,
  state_dir: str,
  observation: z.enum(['synth', 'grid']),
  /** Split the job in two records: the outer one carries linked_job_id, the trainer's events live under it. */
  linked_job: bool,
  /** The small model's own learning rate ([training].learning_rate is for the real base model). */
  learning_rate: num.positive(),
  weight_decay: num.min(0),
  /** Actions per interact call the policy may write (1..8). */
  max_actions: upTo(L.max_actions, 1),
  /** Episodes per iteration (and per evaluation) recorded step by step for the Studio (0: none). */
  record_rollouts_per_iteration: int.min(0).max(1000),
  model: SimModelSection,
  replay: SimReplaySection,
  /** Continue the job from its last resume checkpoint when the simulator restarts after a crash (default true). */
  resume: bool,
});

export const RlConfigFile = z.looseObject({
  type: str, provider: str, task_app_url: str, split: str, num_episodes: count, seed_start: int,
  // `model` is a table in training configs and a model id string in eval configs.
  model: z.union([str, ModelSection]),
  algorithm: AlgorithmSection, services: ServicesSection, lora: LoraSection, rdma: RdmaSection,
  topology: TopologySection, compute: ComputeSection, vllm: VllmSection, reference: ReferenceSection,
  training: TrainingSection, rollout: RolloutSection, policy: PolicySection, evaluation: EvaluationSection,
  hyperparams: HyperparamsSection, step_rewards: StepRewardsSection, trainer: TrainerSection,
  checkpoint: CheckpointSection, data: DataSection, tags: table, judge: JudgeSection, rubric: table,
  smoke: table, job: JobSection, env: EnvSection, runner: RunnerSection, sim: SimSection,
}).partial();

export type RlConfigFile = z.infer<typeof RlConfigFile>;
