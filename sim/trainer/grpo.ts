// GRPO's arithmetic, separate from I/O so it can be checked against hand-computed values.
// Names follow TRL's GRPOConfig (docs/trainer.md §2): scale_rewards, epsilon_low/high, beta, loss_type.

export type ScaleRewards = 'group' | 'batch' | 'none';
export type LossType = 'grpo' | 'dapo' | 'dr_grpo';

/** Added to the standard deviation before dividing (as TRL). */
export const STD_EPS = 1e-4;

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

/** Sample standard deviation (n − 1), as torch.std, which TRL uses; 0 for fewer than 2 values. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export interface Advantages {
  advantages: number[];
  /** Groups whose rewards are all equal (no learning signal). */
  zeroStdGroups: Set<number>;
  fracZeroStd: number;
}

/**
 * Group-relative advantages. group: (r − mean_g)/(std_g + ε); batch: (r − mean_g)/(std_batch + ε)
 * ("Lite PPO"); none: r − mean_g (Dr. GRPO).
 */
export function computeAdvantages(rewards: readonly number[], groups: readonly number[], scale: ScaleRewards): Advantages {
  const byGroup = new Map<number, number[]>();
  rewards.forEach((r, i) => {
    const g = groups[i] as number;
    byGroup.set(g, [...(byGroup.get(g) ?? []), r]);
  });
  const stats = new Map([...byGroup].map(([g, rs]) => [g, { mean: mean(rs), std: std(rs) }]));
  const batchStd = std(rewards);
  const zeroStdGroups = new Set([...stats].filter(([, s]) => s.std === 0).map(([g]) => g));
  const advantages = rewards.map((r, i) => {
    const s = stats.get(groups[i] as number) as { mean: number; std: number };
    const centred = r - s.mean;
    if (scale === 'group') return centred / (s.std + STD_EPS);
    if (scale === 'batch') return centred / (batchStd + STD_EPS);
    return centred;
  });
  return { advantages, zeroStdGroups, fracZeroStd: byGroup.size === 0 ? 0 : zeroStdGroups.size / byGroup.size };
}

export interface TokenBatch {
  /** log π_θ(token) now. */
  logp: ArrayLike<number>;
  /** log π at sampling time (the behaviour policy). */
  oldLogp: ArrayLike<number>;
  /** log π_ref(token); omitted when beta = 0. */
  refLogp?: ArrayLike<number>;
  /** Advantage of the sequence each token belongs to. */
  adv: ArrayLike<number>;
  /** Sequence index of each token (0..numSeqs−1). */
  seq: ArrayLike<number>;
  numSeqs: number;
}

export interface LossOptions {
  epsilonLow: number;
  epsilonHigh: number;
  beta: number;
  lossType: LossType;
  /** dr_grpo's constant: the longest completion allowed. */
  maxCompletionLength: number;
}

export interface LossResult {
  /** The whole objective: clipped surrogate + β·KL (what the gradient is of). */
  loss: number;
  /** The clipped surrogate alone (equals loss when β = 0 or there is no reference). */
  policyLoss: number;
  /** ∂loss/∂logp for each token: what the model's backward pass takes. */
  dlogp: Float64Array;
  /** Mean over tokens of the k3 KL estimate. */
  kl: number;
  clipLow: number;
  clipHigh: number;
}

/** Schulman's k3 estimator of KL(π_θ ‖ π_ref) from one sample: e^{ref−logp} − (ref−logp) − 1 ≥ 0. */
export function k3(logp: number, refLogp: number): number {
  const d = refLogp - logp;
  return Math.exp(d) - d - 1;
}

/**
 * Clipped surrogate + β·KL per token, −min(r·A, clip(r, 1−ε_low, 1+ε_high)·A) + β·k3, aggregated:
 * grpo = mean over sequences of each sequence's token mean; dapo = sum / all tokens;
 * dr_grpo = sum / (maxCompletionLength · numSeqs).
 */
export function grpoLoss(b: TokenBatch, o: LossOptions): LossResult {
  const n = b.logp.length;
  const seqLen = new Array<number>(b.numSeqs).fill(0);
  for (let i = 0; i < n; i++) seqLen[b.seq[i] as number] = (seqLen[b.seq[i] as number] as number) + 1;
  const weight = (i: number): number => {
    if (o.lossType === 'grpo') return 1 / ((seqLen[b.seq[i] as number] as number) * b.numSeqs);
    if (o.lossType === 'dapo') return 1 / Math.max(1, n);
    return 1 / (o.maxCompletionLength * b.numSeqs);
  };
  const dlogp = new Float64Array(n);
  let loss = 0;
  let policyLoss = 0;
  let kl = 0;
  let clipLow = 0;
  let clipHigh = 0;
  for (let i = 0; i < n; i++) {
    const lp = b.logp[i] as number;
    const ratio = Math.exp(lp - (b.oldLogp[i] as number));
    const a = b.adv[i] as number;
    const clipped = Math.min(Math.max(ratio, 1 - o.epsilonLow), 1 + o.epsilonHigh);
    const unclippedTerm = ratio * a;
    const clippedTerm = clipped * a;
    // The min picks the clipped term only when clipping made it smaller; there its gradient is 0.
    const useClipped = clippedTerm < unclippedTerm;
    const surrogate = -(useClipped ? clippedTerm : unclippedTerm);
    let term = surrogate;
    let grad = useClipped ? 0 : -a * ratio;
    if (useClipped && ratio < 1 - o.epsilonLow) clipLow++;
    if (useClipped && ratio > 1 + o.epsilonHigh) clipHigh++;
    if (o.beta > 0 && b.refLogp !== undefined) {
      const ref = b.refLogp[i] as number;
      const k = k3(lp, ref);
      kl += k;
      term += o.beta * k;
      grad += o.beta * (1 - Math.exp(ref - lp));
    }
    const w = weight(i);
    loss += w * term;
    policyLoss += w * surrogate;
    dlogp[i] = w * grad;
  }
  return { loss, policyLoss, dlogp, kl: n ? kl / n : 0, clipLow: n ? clipLow / n : 0, clipHigh: n ? clipHigh / n : 0 };
}
