// The WebGPU device against the CPU reference arithmetic (GPT forward/backward, global-norm clip,
// AdamW) over three full GRPO updates: loss, per-row log-probabilities and every gradient tensor
// within 1e-4 of the tensor's max |value| at each step (gradients compared before AdamW), and
// the parameters afterwards within a tolerance derived from the learning rate (below).
import { describe, expect, test } from 'bun:test';
import { AdamW, clipGradNorm } from '../../../sim/model/adamw.ts';
import { PARAM_NAMES, paramOffsets, type ModelConfig } from '../../../sim/model/config.ts';
import type { DeviceInit, RowBatch } from '../../../sim/model/device.ts';
import { GPT } from '../../../sim/model/gpt.ts';
import { tokenIndex, WebGpuDevice } from '../../../sim/model/webgpu/device.ts';
import { activationLayout } from '../../../sim/model/webgpu/layout.ts';
import { GpuRuntime } from '../../../sim/model/webgpu/runtime.ts';
import { grpoLoss } from '../../../sim/trainer/grpo.ts';
import { gpu, noGpu, relErr } from '../../helpers/webgpu.ts';

// Sizes chosen off the 32×32 matmul tile and the 64-wide workgroups.
const cfg: ModelConfig = { vocabSize: 29, maxSeqLen: 24, nLayer: 2, nHead: 2, dModel: 20 };
const LR = 1e-2;
const STEPS = 3;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

function makeBatch(seed: number): { batch: RowBatch; adv: number[]; seq: number[]; oldLogp: number[] } {
  const r = lcg(seed);
  const [B, T, V] = [4, 17, cfg.vocabSize];
  const tokens = Int32Array.from({ length: B * T }, () => Math.floor(r() * V));
  const pos: number[] = []; const targets: number[] = []; const seq: number[] = [];
  for (let b = 0; b < B; b++) for (let t = T - 6; t < T - 1; t++) { pos.push(b * T + t); targets.push(tokens[b * T + t + 1] as number); seq.push(b); }
  const M = pos.length;
  const mask = Uint8Array.from({ length: M * V }, () => (r() < 0.6 ? 1 : 0));
  targets.forEach((y, i) => { mask[i * V + y] = 1; });
  const adv = seq.map((b) => [1.2, -0.7, 0.4, -0.9][b] as number);
  const oldLogp = targets.map(() => -2 - r());
  return { batch: { tokens, B, T, pos: Int32Array.from(pos), targets: Int32Array.from(targets), mask, temperature: 0.8 }, adv, seq, oldLogp };
}

const init: DeviceInit = {
  model: cfg, seed: 7, optimizer: { lr: LR, weightDecay: 0.1 }, withReference: true,
  grammar: { vocabSize: cfg.vocabSize, actionIds: [3, 4, 5], endId: 6 },
};
const lossOpts = { epsilonLow: 0.2, epsilonHigh: 0.28, beta: 0.04, lossType: 'grpo' as const, maxCompletionLength: 6 };

describe.skipIf(gpu === undefined)(`WebGPU device vs the CPU reference${noGpu ? ` (skipped: ${noGpu})` : ''}`, () => {
  test('tokenIndex groups positions by token id', () => {
    expect(Array.from(tokenIndex(Int32Array.from([2, 0, 2, 1]), 3))).toEqual([0, 1, 2, 4, 1, 3, 0, 2]);
  });

  test('a batch cut by sequence to fit the binding limit gives the same log-probs and gradients', async () => {
    const { batch } = makeBatch(5);
    const full = activationLayout(cfg, batch.B, batch.T, batch.pos.length).size;
    const dev = new WebGpuDevice(new GpuRuntime(gpu!, false, Math.floor(full * 0.6)), { ...init, withReference: false });
    const ref = new GPT(cfg, { seed: 7 });
    const fc = ref.forward(batch.tokens, batch.B, batch.T, batch.pos, batch.targets, { mask: batch.mask!, temperature: batch.temperature });
    const fg = await dev.forward(batch, 'policy');
    expect(relErr(fg.logprobs, fc.logprobs)).toBeLessThan(1e-4);
    const dlp = Float32Array.from(fc.logprobs, (_, i) => ((i % 7) - 3) / 10);
    ref.zeroGrad();
    ref.backward(dlp);
    await dev.backward(dlp);
    expect(relErr(await dev.readGradients(), ref.grads)).toBeLessThan(1e-4);
    expect(() => new WebGpuDevice(new GpuRuntime(gpu!, false, 100), init)).toThrow("this adapter's largest storage binding holds 100 floats");
    dev.dispose();
  });

  test('a device resumed from exported state continues exactly as the original', async () => {
    const { batch } = makeBatch(9);
    const dlp = Float32Array.from({ length: batch.pos.length }, (_, i) => ((i % 5) - 2) / 7);
    const update = async (d: WebGpuDevice) => { await d.forward(batch, 'policy'); await d.backward(dlp); await d.step({ maxGradNorm: 1 }); };
    const a = new WebGpuDevice(new GpuRuntime(gpu!), init);
    await update(a);
    const state = await a.exportState();
    const b = new WebGpuDevice(new GpuRuntime(gpu!), { ...init, state, referenceParams: new GPT(cfg, { seed: 7 }).params });
    await update(a);
    await update(b);
    const [sa, sb] = [await a.exportState(), await b.exportState()];
    expect(sb.adamT).toBe(2);
    expect(relErr(sb.params, sa.params)).toBe(0);
    expect(relErr(sb.adamV, sa.adamV)).toBe(0);
    expect(relErr((await b.forward(batch, 'reference')).logprobs, (await a.forward(batch, 'reference')).logprobs)).toBe(0);
    a.dispose();
    b.dispose();
  });

  test('three GRPO updates match: loss, log-probs, every gradient (before AdamW), parameters after', async () => {
    const dev = new WebGpuDevice(new GpuRuntime(gpu!), init);
    const ref = new GPT(cfg, { seed: 7 });
    const frozen = new GPT(cfg, { params: Float32Array.from(ref.params) });
    const opt = new AdamW(cfg, ref.numParams, { lr: LR, weightDecay: 0.1 });
    const start = await dev.exportState();
    expect(relErr(start.params, ref.params)).toBe(0);
    const off = paramOffsets(cfg);
    for (let step = 0; step < STEPS; step++) {
      const { batch, adv, seq, oldLogp } = makeBatch(100 + step);
      const score = { mask: batch.mask!, temperature: batch.temperature };
      const refLogpCpu = frozen.forward(batch.tokens, batch.B, batch.T, batch.pos, batch.targets, score).logprobs;
      const refLogpGpu = (await dev.forward(batch, 'reference')).logprobs;
      expect(relErr(refLogpGpu, refLogpCpu)).toBeLessThan(1e-4);
      const fc = ref.forward(batch.tokens, batch.B, batch.T, batch.pos, batch.targets, score);
      const fg = await dev.forward(batch, 'policy');
      expect(relErr(fg.logprobs, fc.logprobs)).toBeLessThan(1e-4);
      expect(relErr(fg.entropy, fc.entropy)).toBeLessThan(1e-4);
      const lc = grpoLoss({ logp: fc.logprobs, oldLogp, adv, seq, numSeqs: batch.B, refLogp: refLogpCpu }, lossOpts);
      const lg = grpoLoss({ logp: fg.logprobs, oldLogp, adv, seq, numSeqs: batch.B, refLogp: refLogpGpu }, lossOpts);
      expect(Math.abs(lg.loss - lc.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lc.loss)));
      ref.zeroGrad();
      ref.backward(lc.dlogp);
      const normGpu = await dev.backward(Float32Array.from(lg.dlogp));
      const gradsGpu = await dev.readGradients();
      for (const name of PARAM_NAMES) {
        const [a, b] = off[name];
        const e = relErr(gradsGpu.subarray(a, b), ref.grads.subarray(a, b));
        if (!(e <= 1e-4)) throw new Error(`step ${step + 1}: gradient ${name} relative error ${e}`);
      }
      const normCpu = clipGradNorm(ref.grads, 1.0);
      expect(Math.abs(normGpu - normCpu) / normCpu).toBeLessThan(1e-4);
      opt.step(ref.params, ref.grads);
      await dev.step({ maxGradNorm: 1.0 });
    }
    // AdamW moves each parameter by at most about lr·(1 + wd·|θ|) per step, whatever the gradient's
    // size (m̂/√v̂ is bounded by ~1 in the first steps). So even an element whose tiny gradient
    // differed in sign between the devices can differ by at most 2·lr per step: tolerance 2·lr·steps.
    // Typical elements agree far more closely; the mean difference is held to lr/100.
    const end = await dev.exportState();
    let maxDiff = 0; let sumDiff = 0;
    for (let i = 0; i < end.params.length; i++) {
      const dd = Math.abs((end.params[i] as number) - (ref.params[i] as number));
      maxDiff = Math.max(maxDiff, dd); sumDiff += dd;
    }
    console.log("param maxDiff", maxDiff, "mean", sumDiff / end.params.length);
    expect(maxDiff).toBeLessThanOrEqual(2 * LR * STEPS);
    expect(sumDiff / end.params.length).toBeLessThan(LR / 100);
    expect(end.adamT).toBe(STEPS);
    expect(relErr(end.adamM, opt.m)).toBeLessThan(1e-3);
    dev.dispose();
  });
});
