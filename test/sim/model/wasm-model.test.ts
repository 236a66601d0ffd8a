// WasmGPT (the model on the WebAssembly SIMD kernels) against GPT (the reference kernels), both
// float32: forward log-probabilities and entropies, and every parameter's gradient after a full
// backward, within 1e-5 normwise relative error (see wasm-kernels.test.ts), on a small model with
// odd sizes (head size 5, C = 15, vocabulary 29) under a mask and a temperature.
import { describe, expect, test } from 'bun:test';
import { Rng } from '../../../sim/crafter/rng.ts';
import { PARAM_NAMES, paramOffsets, type ModelConfig } from '../../../sim/model/config.ts';
import { GPT } from '../../../sim/model/gpt.ts';
import { AdamW, clipGradNorm } from '../../../sim/model/adamw.ts';
import { clipGradNormWasm, WasmAdamW } from '../../../sim/model/wasm/adamw.ts';
import { WasmGPT } from '../../../sim/model/wasm/model.ts';
import { relErr } from '../../helpers/close.ts';

const TOL = 1e-5;
const cfg: ModelConfig = { vocabSize: 29, maxSeqLen: 16, nLayer: 2, nHead: 3, dModel: 15 };

function batch(seed: number, B: number, T: number, perRow: number) {
  const rng = new Rng(seed);
  const tokens = Int32Array.from({ length: B * T }, () => rng.below(cfg.vocabSize));
  const pos: number[] = [];
  for (let b = 0; b < B; b++) for (let i = 0; i < perRow; i++) pos.push(b * T + T - perRow - 1 + i);
  const M = pos.length;
  const mask = new Uint8Array(M * cfg.vocabSize);
  const targets = new Int32Array(M);
  for (let r = 0; r < M; r++) {
    for (let v = 0; v < cfg.vocabSize; v++) mask[r * cfg.vocabSize + v] = v % 3 === r % 3 || v === 7 ? 1 : 0;
    targets[r] = 7;
  }
  const dlogp = Float32Array.from({ length: M }, () => rng.uniform() - 0.5);
  return { tokens, pos: Int32Array.from(pos), targets, mask, dlogp };
}

describe('WasmGPT matches GPT (float32)', () => {
  test('forward log-probabilities and entropy; every gradient after backward; grads accumulate', () => {
    const ref = new GPT(cfg, { seed: 5 });
    const fast = new WasmGPT(cfg, { params: ref.params });
    // Perturb the biases and gains away from their 0/1 init so their gradients are exercised.
    const rng = new Rng(9);
    for (let i = 0; i < ref.params.length; i++) ref.params[i] = (ref.params[i] as number) + 0.05 * (rng.uniform() - 0.5);
    fast.params.set(ref.params);
    const B = 3, T = 11;
    const { tokens, pos, targets, mask, dlogp } = batch(1, B, T, 3);
    const opts = { mask, temperature: 0.7 };
    const a = ref.forward(tokens, B, T, pos, targets, opts);
    const b = fast.forward(tokens, B, T, pos, targets, opts);
    expect(relErr(b.logprobs, a.logprobs)).toBeLessThan(TOL);
    expect(relErr(b.entropy, a.entropy)).toBeLessThan(TOL);
    ref.zeroGrad();
    fast.zeroGrad();
    ref.backward(dlogp);
    fast.backward(dlogp);
    const off = paramOffsets(cfg);
    for (const name of PARAM_NAMES) {
      const [s, e] = off[name];
      const err = relErr(fast.grads.subarray(s, e), ref.grads.subarray(s, e));
      if (!(err < TOL)) throw new Error(`gradient of ${name}: normwise relative error ${err}`);
    }
    // A second backward accumulates (as GPT): the gradients double.
    const once = Float32Array.from(fast.grads);
    fast.backward(dlogp);
    expect(relErr(fast.grads, once.map((v) => 2 * v))).toBeLessThan(1e-6);
  });

  test('a second shape re-lays out the activations; results still match', () => {
    const ref = new GPT(cfg, { seed: 8 });
    const fast = new WasmGPT(cfg, { params: ref.params });
    for (const [B, T, per] of [[2, 7, 2], [4, 16, 5], [1, 3, 1]] as const) {
      const { tokens, pos, targets, dlogp } = batch(B * T, B, T, per);
      const a = ref.forward(tokens, B, T, pos, targets);
      const b = fast.forward(tokens, B, T, pos, targets);
      expect(relErr(b.logprobs, a.logprobs)).toBeLessThan(TOL);
      ref.zeroGrad();
      fast.zeroGrad();
      ref.backward(dlogp);
      fast.backward(dlogp);
      expect(relErr(fast.grads, ref.grads)).toBeLessThan(TOL);
    }
  });

  test('seeded init equals GPT’s; bad input is refused as GPT refuses it', () => {
    const ref = new GPT(cfg, { seed: 3 });
    const fast = new WasmGPT(cfg, { seed: 3 });
    expect(Array.from(fast.params)).toEqual(Array.from(ref.params));
    expect(() => new WasmGPT(cfg, { params: new Float32Array(3) })).toThrow(/expected \d+ parameters/);
    expect(() => fast.backward([1])).toThrow(/needs a forward/);
    expect(() => fast.forward(new Int32Array(4), 1, 4, Int32Array.from([9]), Int32Array.from([0]))).toThrow(/outside B·T/);
    expect(() => fast.forward(Int32Array.from([99]), 1, 1, Int32Array.from([0]), Int32Array.from([0]))).toThrow(/out of range/);
  });

  test('AdamW with weight decay and gradient clipping: parameters and moments match the reference', () => {
    const ref = new GPT(cfg, { seed: 2 });
    const fast = new WasmGPT(cfg, { params: ref.params });
    const opts = { lr: 1e-2, weightDecay: 0.1 };
    const refOpt = new AdamW(cfg, ref.numParams, opts);
    const fastOpt = new WasmAdamW(fast, opts);
    const rng = new Rng(4);
    for (let step = 0; step < 3; step++) {
      const g = Float32Array.from({ length: ref.numParams }, () => rng.uniform() - 0.5);
      ref.grads.set(g);
      fast.grads.set(g);
      // maxNorm below the norm on the first step (clips), above it later (does not)
      const maxNorm = step === 0 ? 1 : 1e6;
      const n1 = clipGradNorm(ref.grads, maxNorm);
      const n2 = clipGradNormWasm(fast, maxNorm);
      expect(Math.abs(n2 - n1) / n1).toBeLessThan(1e-6);
      expect(relErr(fast.grads, ref.grads)).toBeLessThan(1e-6);
      refOpt.step(ref.params, ref.grads);
      fastOpt.step();
    }
    expect(fastOpt.t).toBe(3);
    expect(relErr(fastOpt.m, refOpt.m)).toBeLessThan(TOL);
    expect(relErr(fastOpt.v, refOpt.v)).toBeLessThan(TOL);
    // AdamW's normalised steps have size ~lr whatever the gradient: compare the parameter change.
    const init = new GPT(cfg, { seed: 2 }).params;
    const dRef = ref.params.map((p, i) => p - (init[i] as number));
    const dFast = fast.params.map((p, i) => p - (init[i] as number));
    expect(relErr(dFast, dRef)).toBeLessThan(1e-4);
  });
});
