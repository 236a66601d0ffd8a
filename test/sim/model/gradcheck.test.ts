// Every layer's backward pass, and the whole model's, against finite differences in float64.
// Loss = Σ c·out with random c, so ∂loss/∂out = c is what each backward receives.
// Numeric gradient: the 5-point stencil (8(f(x+h) − f(x−h)) − (f(x+2h) − f(x−2h))) / 12h with
// h = 1e-4, whose O(h⁴) truncation error (~1e-16·f⁽⁵⁾) is far below the bound; plain central
// differences were measured to be off by ~h²·f''' ≈ 1e-8 on the whole model, which would hide bugs
// of that size. Bound, for every checked element: |a − n| ≤ 1e-6·(|a| + |n|) + 1e-9.
import { describe, expect, test } from 'bun:test';
import { Rng } from '../../../sim/crafter/rng.ts';
import * as K from '../../../sim/model/cpu/kernels.ts';
import { numParams, type ModelConfig } from '../../../sim/model/config.ts';
import { GPT } from '../../../sim/model/gpt.ts';
import { normal } from '../../../sim/model/init.ts';

const H = 1e-4;
const BOUND = 1e-6;
const rng = new Rng(7);
const randn = (n: number, scale = 1) => Float64Array.from({ length: n }, () => scale * normal(rng));

const ABS_FLOOR = 1e-9;

/** Error relative to the allowed tolerance: ≤ BOUND passes. */
function relErr(a: number, n: number): number {
  return Math.abs(a - n) / (Math.abs(a) + Math.abs(n) + ABS_FLOOR / BOUND);
}

/** Checks `analytic` (the gradient of loss() w.r.t. x) at up to `limit` elements of x. */
function check(name: string, x: Float64Array, analytic: Float64Array, loss: () => number, limit = 400): number {
  let worst = 0;
  const stride = Math.max(1, Math.floor(x.length / limit));
  for (let i = 0; i < x.length; i += stride) {
    const keep = x[i] as number;
    const f = (d: number) => {
      x[i] = keep + d;
      const v = loss();
      x[i] = keep;
      return v;
    };
    const numeric = (8 * (f(H) - f(-H)) - (f(2 * H) - f(-2 * H))) / (12 * H);
    const err = relErr(analytic[i] as number, numeric);
    if (err > worst) worst = err;
    if (err > BOUND) throw new Error(`${name}[${i}]: analytic ${analytic[i]} vs numeric ${numeric} (rel err ${err})`);
  }
  return worst;
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

// One random stream feeds every check in file order, so the describe blocks below keep that order.
describe('layer gradient checks (float64): encoder, layernorm, matmul, attention', () => {
  test('encoder: wte, wpe', () => {
    const B = 2, T = 3, C = 4, V = 5;
    const inp = Int32Array.from([1, 4, 1, 0, 2, 4]);
    const wte = randn(V * C), wpe = randn(T * C), c = randn(B * T * C);
    const out = new Float64Array(B * T * C);
    const loss = () => (K.encoderForward(out, inp, wte, wpe, B, T, C), dot(out, c));
    const dwte = new Float64Array(V * C), dwpe = new Float64Array(T * C);
    K.encoderBackward(dwte, dwpe, c, inp, B, T, C);
    check('dwte', wte, dwte, loss);
    check('dwpe', wpe, dwpe, loss);
  });

  test('layernorm: input, weight, bias', () => {
    const N = 5, C = 7;
    const inp = randn(N * C, 2), w = randn(C), b = randn(C), c = randn(N * C);
    const out = new Float64Array(N * C), mean = new Float64Array(N), rstd = new Float64Array(N);
    const loss = () => (K.layernormForward(out, mean, rstd, inp, w, b, N, C), dot(out, c));
    loss();
    const dinp = new Float64Array(N * C), dw = new Float64Array(C), db = new Float64Array(C);
    K.layernormBackward(dinp, dw, db, c, inp, w, mean, rstd, N, C);
    check('dinp', inp, dinp, loss);
    check('dw', w, dw, loss);
    check('db', b, db, loss);
  });

  test('matmul: input, weight, bias (OC not a multiple of 4, and one that is)', () => {
    for (const [N, C, OC] of [[3, 5, 7], [4, 6, 8]] as const) {
      const inp = randn(N * C), w = randn(OC * C), bias = randn(OC), c = randn(N * OC);
      const out = new Float64Array(N * OC);
      const loss = () => (K.matmulForward(out, inp, w, bias, N, C, OC), dot(out, c));
      const dinp = new Float64Array(N * C), dw = new Float64Array(OC * C), db = new Float64Array(OC);
      K.matmulBackward(dinp, dw, db, c, inp, w, N, C, OC);
      check('dinp', inp, dinp, loss);
      check('dw', w, dw, loss);
      check('dbias', bias, db, loss);
    }
  });

  test('causal attention: qkv', () => {
    const B = 2, T = 4, C = 6, NH = 2;
    const qkv = randn(B * T * 3 * C), c = randn(B * T * C);
    const out = new Float64Array(B * T * C), pre = new Float64Array(B * NH * T * T), att = new Float64Array(B * NH * T * T);
    const loss = () => (K.attentionForward(out, pre, att, qkv, B, T, C, NH), dot(out, c));
    loss();
    const dqkv = new Float64Array(qkv.length);
    K.attentionBackward(dqkv, new Float64Array(pre.length), new Float64Array(att.length), c, qkv, att, B, T, C, NH);
    check('dqkv', qkv, dqkv, loss);
  });

  test('attention is causal: changing a later position never changes an earlier output', () => {
    const B = 1, T = 5, C = 4, NH = 2;
    const qkv = randn(B * T * 3 * C);
    const out1 = new Float64Array(B * T * C), out2 = new Float64Array(B * T * C);
    const pre = new Float64Array(B * NH * T * T), att = new Float64Array(B * NH * T * T);
    K.attentionForward(out1, pre, att, qkv, B, T, C, NH);
    for (let i = 3 * 3 * C; i < qkv.length; i++) qkv[i] = (qkv[i] as number) + 1;
    K.attentionForward(out2, pre, att, qkv, B, T, C, NH);
    expect(Array.from(out2.subarray(0, 3 * C))).toEqual(Array.from(out1.subarray(0, 3 * C)));
  });
});

describe('layer gradient checks (float64): gelu, residual, log-softmax', () => {
  test('gelu and residual', () => {
    const N = 50;
    const inp = randn(N, 3), c = randn(N), out = new Float64Array(N);
    const loss = () => (K.geluForward(out, inp, N), dot(out, c));
    const dinp = new Float64Array(N);
    K.geluBackward(dinp, inp, c, N);
    check('gelu', inp, dinp, loss);
    const a = randn(N), b = randn(N);
    const rl = () => (K.residualForward(out, a, b, N), dot(out, c));
    const da = new Float64Array(N), db = new Float64Array(N);
    K.residualBackward(da, db, c, N);
    check('residual a', a, da, rl);
    check('residual b', b, db, rl);
  });

  test('log-softmax of the targets', () => {
    const M = 4, V = 9;
    const logits = randn(M * V, 2), c = randn(M);
    const targets = Int32Array.from([0, 8, 3, 3]);
    const lp = new Float64Array(M), probs = new Float64Array(M * V);
    const loss = () => (K.logprobForward(lp, probs, logits, targets, M, V), dot(lp, c));
    loss();
    const dlogits = new Float64Array(M * V);
    K.logprobBackward(dlogits, c, probs, targets, M, V);
    check('dlogits', logits, dlogits, loss);
    loss(); // check() leaves lp from a perturbed evaluation
    // and the values are real log-probabilities
    for (let m = 0; m < M; m++) {
      const row = logits.subarray(m * V, m * V + V);
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      expect(lp[m] as number).toBeCloseTo((row[targets[m] as number] as number) - lse, 12);
    }
  });

  test('log-softmax with a token mask and a temperature', () => {
    const M = 3, V = 6;
    const logits = randn(M * V, 2), c = randn(M);
    const targets = Int32Array.from([1, 4, 0]);
    const mask = Uint8Array.from([0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0]);
    const invT = 1 / 0.7;
    const lp = new Float64Array(M), probs = new Float64Array(M * V);
    const loss = () => (K.logprobForward(lp, probs, logits, targets, M, V, mask, invT), dot(lp, c));
    loss();
    const dlogits = new Float64Array(M * V);
    K.logprobBackward(dlogits, c, probs, targets, M, V, invT);
    check('dlogits (masked, tempered)', logits, dlogits, loss);
    loss();
    for (let i = 0; i < M * V; i++) if (mask[i] === 0) {
      expect(probs[i]).toBe(0);
      expect(dlogits[i]).toBe(0);
    }
    for (let m = 0; m < M; m++) expect(probs.subarray(m * V, m * V + V).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(() => K.logprobForward(lp, probs, logits, Int32Array.from([0, 4, 0]), M, V, mask, invT)).toThrow('not allowed');
  });
});

describe('whole-model gradient check (float64)', () => {
  const cfg: ModelConfig = { vocabSize: 11, maxSeqLen: 8, nLayer: 2, nHead: 2, dModel: 8 };

  test(`every parameter of a ${numParams(cfg)}-parameter GPT`, () => {
    const model = new GPT<Float64Array>(cfg, { seed: 3, ctor: Float64Array });
    // Larger-than-init weights so every path carries signal.
    for (let i = 0; i < model.params.length; i++) model.params[i] = (model.params[i] as number) * 10 + 0.05 * normal(rng);
    const B = 2, T = 6;
    const tokens = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % cfg.vocabSize);
    const pos = Int32Array.from([1, 3, 4, 7, 10, 11]);
    const targets = Int32Array.from([2, 5, 0, 9, 10, 1]);
    const c = randn(pos.length);
    const loss = () => dot(model.forward(tokens, B, T, pos, targets).logprobs, c);
    loss();
    model.zeroGrad();
    model.backward(c);
    const analytic = Float64Array.from(model.grads);
    const worst = check('params', model.params, analytic, loss, model.params.length);
    expect(worst).toBeLessThan(BOUND);
    // Parameters that cannot influence the scored rows get exactly zero gradient (e.g. positions ≥ T).
    expect(Array.from(model.g.wpe.subarray(T * cfg.dModel)).every((v) => v === 0)).toBe(true);
  });

  test('float32 forward matches float64 closely', () => {
    const m64 = new GPT<Float64Array>(cfg, { seed: 5, ctor: Float64Array });
    const m32 = new GPT(cfg, { params: Float32Array.from(m64.params) });
    const tokens = Int32Array.from([1, 2, 3, 4, 5, 6]);
    const pos = Int32Array.from([0, 2, 5]);
    const targets = Int32Array.from([3, 4, 7]);
    const a = m64.forward(tokens, 1, 6, pos, targets).logprobs;
    const b = m32.forward(tokens, 1, 6, pos, targets).logprobs;
    for (let i = 0; i < 3; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(1e-5);
  });
});
