// Learning guarded at the level of one update: the GRPO objective's direction (advantages, clip
// bounds, KL) checked on the loss's gradient and on a real parameter update through the trainer's
// compute. scripts/mutations.ts breaks each of these on purpose and expects this file to go red.
import { afterEach, describe, expect, test } from 'bun:test';
import { grpoLoss, type LossOptions } from '../../../sim/trainer/grpo.ts';
import { LEARNING_DEVICES, tinyPolicy, type Seq, type TinyPolicy } from '../../helpers/update.ts';

const OPTS: LossOptions = { epsilonLow: 0.2, epsilonHigh: 0.2, beta: 0, lossType: 'dapo', maxCompletionLength: 2 };
const P1 = [0, 1, 9];
const P2 = [10, 11, 0, 9];
/** For each prompt one action rewarded above its group's mean and one below. */
const MIXED: Seq[] = [
  { prompt: P1, action: 3, advantage: 1 }, { prompt: P1, action: 5, advantage: -1 },
  { prompt: P2, action: 6, advantage: 1 }, { prompt: P2, action: 2, advantage: -1 },
];

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] as number))), 0);

describe('the loss gradient (sim/trainer/grpo.ts)', () => {
  test('loss gradient: descending it raises log π where A > 0 and lowers it where A < 0', () => {
    const r = grpoLoss({ logp: [-1, -1], oldLogp: [-1, -1], adv: [1.5, -0.5], seq: [0, 1], numSeqs: 2 }, OPTS);
    expect(r.dlogp[0]).toBeLessThan(0);
    expect(r.dlogp[1]).toBeGreaterThan(0);
  });

  test('loss: with A > 0 the surrogate stops rewarding a ratio past 1 + ε_high (zero gradient); with A < 0, below 1 − ε_low', () => {
    for (const ratio of [0.5, 0.9, 1, 1.1, 1.19, 1.21, 1.5, 3]) {
      const pos = grpoLoss({ logp: [Math.log(ratio)], oldLogp: [0], adv: [1], seq: [0], numSeqs: 1 }, OPTS);
      expect(pos.loss).toBeCloseTo(-Math.min(ratio, 1.2), 12);
      if (ratio > 1.2) expect(pos.dlogp[0]).toBe(0);
      else expect(pos.dlogp[0]).toBeCloseTo(-ratio, 12);
      const neg = grpoLoss({ logp: [Math.log(ratio)], oldLogp: [0], adv: [-1], seq: [0], numSeqs: 1 }, OPTS);
      expect(neg.loss).toBeCloseTo(Math.max(ratio, 0.8), 12);
      if (ratio < 0.8) expect(neg.dlogp[0]).toBe(0);
      else expect(neg.dlogp[0]).toBeCloseTo(ratio, 12);
    }
  });

  test('loss: with β > 0 the gradient points log π back toward the reference, harder for larger β; β = 0 adds nothing', () => {
    const at = (logp: number, beta: number) => grpoLoss({ logp: [logp], oldLogp: [logp], refLogp: [-1], adv: [0], seq: [0], numSeqs: 1 }, { ...OPTS, beta }).dlogp[0] as number;
    expect(at(-0.5, 0.1)).toBeGreaterThan(0); // above the reference: descent lowers it
    expect(at(-1.5, 0.1)).toBeLessThan(0); // below: descent raises it
    expect(at(-1, 0.1)).toBeCloseTo(0, 12);
    expect(at(-0.5, 0.4)).toBeCloseTo(4 * at(-0.5, 0.1), 12);
    expect(at(-0.5, 0)).toBeCloseTo(0, 15);
  });
});

// The same update through the trainer's compute on each device: the reference kernels and the
// default fast one (its data-parallel shards included).
for (const on of LEARNING_DEVICES) {
  describe(`one GRPO update on the ${on.device} device`, () => {
    const open: TinyPolicy[] = [];
    const policy = async (lr = 1e-2): Promise<TinyPolicy> => {
      const p = await tinyPolicy({ seed: 7, lr, ...on });
      open.push(p);
      return p;
    };
    afterEach(() => {
      for (const p of open.splice(0)) p.close();
    });

    test('one update raises the log-probability of positive-advantage completions and lowers negative ones', async () => {
      const p = await policy();
      const before = await p.logp(MIXED);
      const u = await p.update(MIXED);
      const after = await p.logp(MIXED);
      expect(u.gradNorm).toBeGreaterThan(0);
      MIXED.forEach((s, i) => {
        const delta = (after[i] as number) - (before[i] as number);
        // A step of lr = 1e-2 on a 16-channel model moves log π by a few hundredths: well clear of 0.
        if (s.advantage > 0) expect(delta).toBeGreaterThan(5e-3);
        else expect(delta).toBeLessThan(-5e-3);
      });
    });

    test('all-zero advantages carry no signal: the parameters stay where they were', async () => {
      const p = await policy();
      const before = await p.params();
      const u = await p.update(MIXED.map((s) => ({ ...s, advantage: 0 })));
      expect(u.gradNorm).toBe(0);
      expect(maxAbsDiff(await p.params(), before)).toBe(0);
    });

    test('update: tokens already past the bound get no gradient, so the parameters do not move; a looser bound lets them', async () => {
      // π_θ/π_old = 2 for A > 0 and 0.5 for A < 0: both outside [0.8, 1.2] on the side the clip guards.
      const p = await policy();
      const now = await p.logp(MIXED);
      const offPolicy = MIXED.map((s, i) => ({ ...s, oldLogp: (now[i] as number) + (s.advantage > 0 ? -Math.LN2 : Math.LN2) }));
      const before = await p.params();
      const clipped = await p.update(offPolicy);
      expect(clipped.gradNorm).toBe(0);
      expect(clipped.clipHigh).toBeCloseTo(0.5, 12);
      expect(clipped.clipLow).toBeCloseTo(0.5, 12);
      expect(maxAbsDiff(await p.params(), before)).toBe(0);
      // The same batch with ε = 2 (bounds 0 and 3, not binding): the update goes through.
      const loose = await p.update(offPolicy, { epsilonLow: 2, epsilonHigh: 2 });
      expect(loose.gradNorm).toBeGreaterThan(0);
      const after = await p.logp(MIXED);
      MIXED.forEach((s, i) => expect(Math.sign((after[i] as number) - (now[i] as number))).toBe(Math.sign(s.advantage)));
    });

    test('update: over many inner steps on one batch the ratio stops growing near 1 + ε_high', async () => {
      const batch: Seq[] = [{ prompt: P1, action: 3, advantage: 1 }, { prompt: P1, action: 5, advantage: -1 }];
      const ratioAfter = async (epsilon: number) => {
        const p = await policy(1e-2);
        const [old] = await p.logp(batch);
        await p.update(batch, { innerSteps: 8, epsilonLow: epsilon, epsilonHigh: epsilon });
        const [now] = await p.logp(batch);
        return Math.exp((now as number) - (old as number));
      };
      const bounded = await ratioAfter(0.2);
      const unbounded = await ratioAfter(100);
      // Measured: 1.42 clipped (past 1.2 the gradient is 0; AdamW's momentum coasts a little further)
      // vs 4.23 unclipped (it saturates at 1/π_old ≈ 6.2).
      expect(bounded).toBeGreaterThan(1);
      expect(bounded).toBeLessThan(1.6);
      expect(unbounded).toBeGreaterThan(2 * bounded);
    });

    test('update: after the policy has moved, β > 0 with zero advantages pulls it back toward the reference; β = 0 does not', async () => {
      const drift: Seq[] = [{ prompt: P1, action: 3, advantage: 1 }, { prompt: P1, action: 5, advantage: -1 }];
      const moved = async () => {
        const p = await policy(3e-2);
        const ref = await p.logp(drift);
        for (let i = 0; i < 4; i++) await p.update(drift);
        return { p, ref };
      };
      const zero = drift.map((s) => ({ ...s, advantage: 0 }));
      const gap = (a: number[], b: number[]) => a.reduce((s, x, i) => s + Math.abs(x - (b[i] as number)), 0);

      const withKl = await moved();
      const start = await withKl.p.logp(drift);
      expect(gap(start, withKl.ref)).toBeGreaterThan(0.2);
      const u = await withKl.p.update(zero, { beta: 0.5, innerSteps: 4 });
      expect(u.kl).toBeGreaterThan(0);
      expect(gap(await withKl.p.logp(drift), withKl.ref)).toBeLessThan(0.9 * gap(start, withKl.ref));

      // β = 0: no gradient at all; AdamW's momentum carries the policy further away. Measured total
      // |log π − log π_ref| over the two completions: 3.60 before, 2.56 after with β > 0, 6.61 with β = 0.
      const noKl = await moved();
      const v = await noKl.p.update(zero, { beta: 0, innerSteps: 4 });
      expect(v.gradNorm).toBe(0);
      expect(v.kl).toBe(0);
      expect(gap(await noKl.p.logp(drift), noKl.ref)).toBeGreaterThan(gap(start, withKl.ref));
    });
  });
}
