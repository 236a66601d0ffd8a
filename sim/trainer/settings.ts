// Everything the GRPO trainer reads from a job: the forwarded TOML, with defaults that make the
// small CPU model learn. TRL names (anchors §2.2) where the TOML has them.
import type { JobParams } from '../backend/trainer.ts';
import { defaultThreads, type DeviceChoice } from '../model/devices/factory.ts';
import type { LossType, ScaleRewards } from './grpo.ts';

export interface GrpoSettings {
  seed: number;
  preset: 'micro' | 'small' | 'classic';
  iterations: number;
  iterationsPerEpoch: number;
  batchSize: number;
  groupSize: number;
  maxStepsPerEpisode: number;
  concurrency: number;
  temperature: number;
  topP: number;
  maxActions: number;
  lr: number;
  /** [training].learning_rate when given: it is for the real base model, not the small stand-in. */
  requestedLr: number | undefined;
  weightDecay: number;
  maxGradNorm: number;
  beta: number;
  epsilonLow: number;
  epsilonHigh: number;
  scaleRewards: ScaleRewards;
  lossType: LossType;
  innerSteps: number;
  skipZeroVarianceGroups: boolean;
  reward: 'achievements' | 'native_return';
  evalEvery: number;
  evalSeeds: number[];
  evalRolloutsPerSeed: number;
  checkpointInterval: number;
  keepLastN: number;
  checkpointsEnabled: boolean;
  model: { nLayer: number; nHead: number; dModel: number; maxSeqLen: number };
  rolloutTimeoutS: number;
  /** [sim] resume: continue after a simulator crash (default true). */
  resume: boolean;
  /** Where the model trains and samples: [sim] device, else the simulator's default. */
  device: DeviceChoice;
  /** Threads of the cpu device: [sim] threads, else the simulator's default (every core). */
  threads: number;
  /** [sim] webgpu_adapter: "software" lets webgpu/auto use Mesa llvmpipe (CI); default hardware only. */
  webgpuAdapter: 'hardware' | 'software' | undefined;
  /** Episodes recorded step by step per iteration and per evaluation ([sim] record_rollouts_per_iteration). */
  recordRollouts: number;
}

/** The simulator's defaults for jobs that do not say (`synth-rl sim --device/--threads`). */
export interface DeviceDefaults {
  device?: DeviceChoice;
  threads?: number;
}

/** The small model's default learning rate: tuned for a ~100k-parameter transformer from scratch. */
export const DEFAULT_SIM_LR = 3e-3;

/** Two default groups (2 × 4 episodes of ~10 steps) per iteration: ~0.6 MB for 100 iterations. */
export const DEFAULT_RECORD_ROLLOUTS = 8;

export function grpoSettings(job: JobParams, defaults: DeviceDefaults = {}): GrpoSettings {
  const c = job.config;
  const sim = c.sim ?? {};
  const hp = c.hyperparams ?? {};
  const epsilonLow = hp.epsilon_low ?? hp.clip_epsilon ?? 0.2;
  const evalSeeds = c.evaluation?.seeds ?? [0, 1, 2, 3, 4, 5, 6, 7];
  return {
    seed: sim.seed ?? (typeof c.model === 'object' ? c.model.seed : undefined) ?? 0,
    preset: sim.preset ?? 'micro',
    iterations: job.epochs * job.iterationsPerEpoch,
    iterationsPerEpoch: job.iterationsPerEpoch,
    batchSize: job.batchSize,
    groupSize: job.groupSize,
    maxStepsPerEpisode: c.env?.max_steps_per_episode ?? c.rollout?.max_steps_per_episode ?? 10,
    concurrency: Math.max(1, c.rollout?.max_concurrent_rollouts ?? 8),
    temperature: c.rollout?.sampling_temperature ?? 1,
    topP: c.rollout?.sampling_top_p ?? 1,
    maxActions: sim.max_actions ?? 1,
    lr: sim.learning_rate ?? DEFAULT_SIM_LR,
    requestedLr: c.training?.learning_rate,
    weightDecay: sim.weight_decay ?? 0,
    maxGradNorm: c.training?.max_grad_norm ?? 1,
    beta: hp.beta ?? 0,
    epsilonLow,
    epsilonHigh: hp.epsilon_high ?? epsilonLow,
    scaleRewards: hp.scale_rewards ?? 'group',
    lossType: hp.loss_type ?? 'dapo',
    innerSteps: Math.max(1, hp.num_inner_steps ?? 1),
    skipZeroVarianceGroups: hp.skip_zero_variance_groups ?? true,
    reward: hp.reward ?? 'achievements',
    evalEvery: c.evaluation?.every_n_iters ?? job.evalEvery,
    evalSeeds,
    evalRolloutsPerSeed: Math.max(1, c.evaluation?.rollouts_per_seed ?? 1),
    checkpointInterval: Math.max(1, c.checkpoint?.interval ?? job.checkpointInterval),
    keepLastN: c.checkpoint?.keep_last_n ?? 3,
    checkpointsEnabled: c.checkpoint?.enabled ?? true,
    model: {
      nLayer: sim.model?.n_layer ?? 2,
      nHead: sim.model?.n_head ?? 2,
      dModel: sim.model?.d_model ?? 64,
      maxSeqLen: sim.model?.n_ctx ?? 128,
    },
    rolloutTimeoutS: 120,
    resume: sim.resume ?? true,
    device: sim.device ?? defaults.device ?? 'cpu',
    threads: sim.threads ?? defaults.threads ?? defaultThreads(),
    webgpuAdapter: sim.webgpu_adapter,
    recordRollouts: sim.record_rollouts_per_iteration ?? DEFAULT_RECORD_ROLLOUTS,
  };
}
