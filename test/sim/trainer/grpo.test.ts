// GRPO arithmetic against values computed by hand.
import { describe, expect, test } from 'bun:test';
import { computeAdvantages, grpoLoss, k3, std, STD_EPS, type LossOptions, type TokenBatch } from '../../../sim/trainer/grpo.ts';
import { grammarMask } from '../../../sim/policy/generate.ts';

const OPTS: LossOptions = { epsilonLow: 0.2, epsilonHigh: 0.28, beta: 0, lossType: 'dapo', maxCompletionLength: 4 };
const one = (logp: number, oldLogp: number, adv: number, extra: Partial<TokenBatch> = {}): TokenBatch => ({
  logp: [logp], oldLogp: [oldLogp], adv: [adv], seq: [0], numSeqs: 1, ...extra,
});

describe('advantages', () => {
  // Two groups: {1, 3} and {2, 2}.
  const rewards = [1, 3, 2, 2];
  const groups = [0, 0, 1, 1];

  test('sample standard deviation (n − 1), as torch.std', () => {
    expect(std([1, 3])).toBeCloseTo(Math.SQRT2, 12);
    expect(std([1, 3, 2, 2])).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(std([5])).toBe(0);
  });

  test('scale_rewards = group: (r − mean_g) / (std_g + ε); equal-reward groups get 0', () => {
    const a = computeAdvantages(rewards, groups, 'group');
    const s = Math.SQRT2 + STD_EPS;
    expect(a.advantages[0]).toBeCloseTo(-1 / s, 12);
    expect(a.advantages[1]).toBeCloseTo(1 / s, 12);
    expect(a.advantages.slice(2)).toEqual([0, 0]);
    expect([...a.zeroStdGroups]).toEqual([1]);
    expect(a.fracZeroStd).toBe(0.5);
  });

  test('scale_rewards = batch: group mean, batch std', () => {
    const a = computeAdvantages(rewards, groups, 'batch');
    const s = Math.sqrt(2 / 3) + STD_EPS;
    expect(a.advantages[0]).toBeCloseTo(-1 / s, 12);
    expect(a.advantages[1]).toBeCloseTo(1 / s, 12);
  });

  test('scale_rewards = none: r − mean_g only (Dr. GRPO)', () => {
    expect(computeAdvantages(rewards, groups, 'none').advantages).toEqual([-1, 1, 0, 0]);
  });
});

describe('clipped surrogate', () => {
  test('on-policy (ratio 1): loss −A, gradient −A', () => {
    const r = grpoLoss(one(-0.7, -0.7, 2), OPTS);
    expect(r.loss).toBeCloseTo(-2, 12);
    expect(r.dlogp[0]).toBeCloseTo(-2, 12);
    expect(r.clipLow + r.clipHigh).toBe(0);
  });

  test('upper bound: A > 0 and ratio 1.5 > 1 + ε_high → loss −(1+ε_high)·A and no gradient', () => {
    const r = grpoLoss(one(Math.log(1.5), 0, 1), OPTS);
    expect(r.loss).toBeCloseTo(-1.28, 12);
    expect(r.dlogp[0]).toBe(0);
    expect(r.clipHigh).toBe(1);
  });

  test('lower bound: A < 0 and ratio 0.5 < 1 − ε_low → loss (1−ε_low)·|A| and no gradient', () => {
    const r = grpoLoss(one(Math.log(0.5), 0, -1), OPTS);
    expect(r.loss).toBeCloseTo(0.8, 12);
    expect(r.dlogp[0]).toBe(0);
    expect(r.clipLow).toBe(1);
  });

  test('outside the range but on the pessimistic side the gradient still flows', () => {
    // A > 0, ratio 0.5: min(0.5·1, 0.8·1) = 0.5 (unclipped) → gradient −A·ratio = −0.5
    const a = grpoLoss(one(Math.log(0.5), 0, 1), OPTS);
    expect(a.loss).toBeCloseTo(-0.5, 12);
    expect(a.dlogp[0]).toBeCloseTo(-0.5, 12);
    // A < 0, ratio 1.5: min(−1.5, −1.28) = −1.5 (unclipped) → loss 1.5, gradient −A·ratio = 1.5
    const b = grpoLoss(one(Math.log(1.5), 0, -1), OPTS);
    expect(b.loss).toBeCloseTo(1.5, 12);
    expect(b.dlogp[0]).toBeCloseTo(1.5, 12);
  });
});

describe('KL (k3)', () => {
  test('value and gradient by hand: logp −1, ref −1.5', () => {
    const expected = Math.exp(-0.5) + 0.5 - 1; // 0.10653…
    expect(k3(-1, -1.5)).toBeCloseTo(expected, 12);
    expect(k3(-1, -1)).toBe(0);
    const r = grpoLoss(one(-1, -1, 0, { refLogp: [-1.5] }), { ...OPTS, beta: 0.04 });
    expect(r.kl).toBeCloseTo(expected, 12);
    expect(r.loss).toBeCloseTo(0.04 * expected, 12);
    expect(r.dlogp[0]).toBeCloseTo(0.04 * (1 - Math.exp(-0.5)), 12);
  });

  test('policyLoss is the clipped surrogate alone; loss = policyLoss + β·KL', () => {
    const r = grpoLoss(one(-1, -1, 2, { refLogp: [-1.5] }), { ...OPTS, beta: 0.04 });
    expect(r.policyLoss).toBeCloseTo(-2, 12); // on-policy: −r·A = −A
    expect(r.loss).toBeCloseTo(-2 + 0.04 * r.kl, 12);
    const noRef = grpoLoss(one(-1, -1, 2), { ...OPTS, beta: 0.04 });
    expect(noRef.policyLoss).toBe(noRef.loss);
  });
});

describe('loss aggregation', () => {
  // Sequence 0 has 1 token, sequence 1 has 3; every token on-policy with A = 1 → per-token loss −1.
  const batch: TokenBatch = { logp: [0, 0, 0, 0], oldLogp: [0, 0, 0, 0], adv: [1, 1, 1, 1], seq: [0, 1, 1, 1], numSeqs: 2 };

  test('grpo: mean of per-sequence means → weights 1/2 and 1/6', () => {
    const r = grpoLoss(batch, { ...OPTS, lossType: 'grpo' });
    expect(r.loss).toBeCloseTo(-1, 12);
    expect(Array.from(r.dlogp)).toEqual([-0.5, -1 / 6, -1 / 6, -1 / 6].map((v) => expect.closeTo(v, 12) as unknown as number));
  });

  test('dapo: sum over tokens / all tokens → weights 1/4', () => {
    const r = grpoLoss(batch, { ...OPTS, lossType: 'dapo' });
    expect(r.loss).toBeCloseTo(-1, 12);
    expect(Array.from(r.dlogp)).toEqual([-0.25, -0.25, -0.25, -0.25]);
  });

  test('dr_grpo: sum / (max_completion_length · sequences) → weights 1/8', () => {
    const r = grpoLoss(batch, { ...OPTS, lossType: 'dr_grpo' });
    expect(r.loss).toBeCloseTo(-0.5, 12);
    expect(Array.from(r.dlogp)).toEqual([-0.125, -0.125, -0.125, -0.125]);
  });

  test('dlogp is the derivative of the loss (finite differences away from the clip kinks)', () => {
    const b: TokenBatch = { logp: [-0.1, -1.2, -0.3], oldLogp: [-0.12, -1.1, -0.31], refLogp: [-0.5, -1.0, -0.2], adv: [0.7, -1.3, 0.4], seq: [0, 0, 1], numSeqs: 2 };
    for (const lossType of ['grpo', 'dapo', 'dr_grpo'] as const) {
      const o = { ...OPTS, beta: 0.1, lossType };
      const r = grpoLoss(b, o);
      for (let i = 0; i < 3; i++) {
        const h = 1e-6;
        const up = Array.from(b.logp);
        const dn = Array.from(b.logp);
        up[i] = (up[i] as number) + h;
        dn[i] = (dn[i] as number) - h;
        const numeric = (grpoLoss({ ...b, logp: up }, o).loss - grpoLoss({ ...b, logp: dn }, o).loss) / (2 * h);
        expect(Math.abs((r.dlogp[i] as number) - numeric)).toBeLessThan(1e-8);
      }
    }
  });
});

describe('interact grammar', () => {
  const g = { vocabSize: 10, actionIds: Int32Array.from([3, 4, 5]), endId: 9 };
  test('first token must be an action; then action or [END]; nothing else ever', () => {
    expect(Array.from(grammarMask(0, 3, g))).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(grammarMask(1, 3, g))).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 1]);
    expect(Array.from(grammarMask(3, 3, g))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });
});
