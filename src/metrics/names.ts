// Metric names as viewers know them. The backend's names are dotted (`train.reward_mean`);
// TensorBoard, W&B and friends group scalars by the part before a slash, and RL dashboards
// conventionally show `train/reward`, `eval/reward` and the losses under `loss/`.

const KNOWN: Readonly<Record<string, string>> = {
  'train.reward_mean': 'train/reward',
  'train.reward_std': 'train/reward_std',
  'train.episode_length_mean': 'train/episode_length',
  'train.frac_reward_zero_std': 'train/frac_reward_zero_std',
  'eval.reward_mean': 'eval/reward',
  'eval.reward_std': 'eval/reward_std',
  'eval.reward_mean_initial': 'eval/reward_initial',
  'train.loss': 'loss/total',
  'train.policy_loss': 'loss/policy',
  'train.value_loss': 'loss/value',
  'train.kl': 'loss/kl',
  'train.entropy': 'loss/entropy',
  'train.grad_norm': 'loss/grad_norm',
  'train.clip_ratio': 'loss/clip_ratio',
  'train.clip_ratio_low': 'loss/clip_ratio_low',
  'train.clip_ratio_high': 'loss/clip_ratio_high',
  'train.tokens': 'perf/tokens',
  'train.step_seconds': 'perf/step_seconds',
  'train.rollouts_per_s': 'perf/rollouts_per_s',
};

/** The viewer tag of a backend metric name: a known mapping, else dots become slashes. */
export function viewerTag(name: string): string {
  return KNOWN[name] ?? name.replaceAll('.', '/');
}
