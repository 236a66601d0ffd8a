// Every WebAssembly SIMD kernel (sim/model/wasm/kernels.wat) against the reference kernels
// (sim/model/cpu/kernels.ts) in float32, on random inputs whose sizes are not multiples of the
// kernels' blocks (4 rows × 8 columns in the matmul, 4 lanes elsewhere; odd head sizes).
// Agreement: max |wasm − ref| ≤ 1e-5 · max |ref| per output tensor (normwise relative error;
// elementwise relative error is meaningless where a sum cancels to ~0).
import { describe, expect, test } from 'bun:test';
import { Rng } from '../../../sim/crafter/rng.ts';
import * as K from '../../../sim/model/cpu/kernels.ts';
import { normal } from '../../../sim/model/init.ts';
import { Arena } from '../../../sim/model/wasm/arena.ts';
import { attentionBackward, attentionForward, attentionScratchBytes } from '../../../sim/model/wasm/attention.ts';
import { gemmScratchBytes, matmul } from '../../../sim/model/wasm/module.ts';
import { relErr } from '../../helpers/close.ts';

const TOL = 1e-5;
const rng = new Rng(3);
const randn = (n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * normal(rng));

/** Copies arrays into a fresh kernel instance's memory; returns their byte offsets. */
function load(arena: Arena, ...arrays: (Float32Array | Int32Array)[]): number[] {
  return arrays.map((x) => {
    const ptr = arena.alloc(x.length);
    if (x instanceof Int32Array) arena.i32.set(x, ptr >> 2);
    else arena.f32.set(x, ptr >> 2);
    return ptr;
  });
}

const read = (arena: Arena, ptr: number, n: number) => Float32Array.from(arena.view(ptr, n));

/** A[N,K] row-major, or its transpose stored [K,N]. */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c] as number;
  return out;
}

describe('wasm matmul (gemm) against the reference', () => {
  // out[N,M] = cin + bias + A·B for every operand layout, sizes off the 4×8 blocking.
  const shapes: [number, number, number][] = [[37, 19, 23], [5, 64, 9], [1, 7, 3], [64, 33, 40], [3, 1, 17]];
  for (const [N, Kd, M] of shapes) {
    for (const [aT, bT] of [[0, 1], [0, 0], [1, 0], [1, 1]] as const) {
      test(`N=${N} K=${Kd} M=${M} aT=${aT} bT=${bT}, with cin and bias`, () => {
        const A = randn(N * Kd), W = randn(M * Kd), bias = randn(M), cin = randn(N * M);
        const want = new Float32Array(N * M);
        K.matmulForward(want, A, W, bias, N, Kd, M); // want = A·Wᵀ + bias
        for (let i = 0; i < want.length; i++) want[i] = (want[i] as number) + (cin[i] as number);
        const arena = new Arena();
        const aMem = aT ? transpose(A, N, Kd) : A;
        const bMem = bT ? W : transpose(W, M, Kd); // B = Wᵀ [K,M]; bT=1 stores it as W [M,K]
        const [pa, pb, pbias, pcin, pout] = load(arena, aMem, bMem, bias, cin, new Float32Array(N * M));
        const scratch = arena.alloc(gemmScratchBytes(N, Kd, M) / 4);
        matmul(arena.k, pout as number, pcin as number, pbias as number, pa as number, aT === 1, pb as number, bT === 1, N, Kd, M, scratch);
        expect(relErr(read(arena, pout as number, N * M), want)).toBeLessThan(TOL);
        // no cin, no bias: plain product
        matmul(arena.k, pout as number, 0, 0, pa as number, aT === 1, pb as number, bT === 1, N, Kd, M, scratch);
        const plain = new Float32Array(N * M);
        K.matmulForward(plain, A, W, null, N, Kd, M);
        expect(relErr(read(arena, pout as number, N * M), plain)).toBeLessThan(TOL);
      });
    }
  }

  test('backward as two forward-shaped products (dinp = dout·W, dW += doutᵀ·inp) and the bias gradient', () => {
    const N = 45, C = 27, OC = 29;
    const inp = randn(N * C), w = randn(OC * C), dout = randn(N * OC);
    const dinp0 = randn(N * C), dw0 = randn(OC * C), db0 = randn(OC);
    const dinp = dinp0.slice(), dw = dw0.slice(), db = db0.slice();
    K.matmulBackward(dinp, dw, db, dout, inp, w, N, C, OC);
    const arena = new Arena();
    const [pinp, pw, pdout, pdinp, pdw, pdb] = load(arena, inp, w, dout, dinp0, dw0, db0) as [number, number, number, number, number, number];
    const scratch = arena.alloc(Math.max(gemmScratchBytes(N, OC, C), gemmScratchBytes(OC, N, C)) / 4);
    matmul(arena.k, pdinp, pdinp, 0, pdout, false, pw, false, N, OC, C, scratch);
    matmul(arena.k, pdw, pdw, 0, pdout, true, pinp, false, OC, N, C, scratch);
    arena.k.bias_backward(pdb, pdout, N, OC);
    expect(relErr(read(arena, pdinp, N * C), dinp)).toBeLessThan(TOL);
    expect(relErr(read(arena, pdw, OC * C), dw)).toBeLessThan(TOL);
    expect(relErr(read(arena, pdb, OC), db)).toBeLessThan(TOL);
  });
});

describe('wasm elementwise and row kernels against the reference', () => {
  test('GELU forward and backward (exp-based, no tanh), n off the vector width', () => {
    const n = 1003;
    const x = Float32Array.from({ length: n }, (_, i) => (i < 20 ? [-30, -12, -6, -3, -1e-3, 0, 1e-3, 3, 6, 12, 30][i % 11] as number : 8 * normal(rng)));
    const dout = randn(n);
    const want = new Float32Array(n), dwant = new Float32Array(n);
    K.geluForward(want, x, n);
    K.geluBackward(dwant, x, dout, n);
    const arena = new Arena();
    const [px, pd, pout, pdx] = load(arena, x, dout, new Float32Array(n), new Float32Array(n)) as [number, number, number, number];
    arena.k.gelu_forward(pout, px, n);
    arena.k.gelu_backward(pdx, px, pd, n);
    expect(relErr(read(arena, pout, n), want)).toBeLessThan(TOL);
    expect(relErr(read(arena, pdx, n), dwant)).toBeLessThan(TOL);
    // elementwise too, where values are not tiny: the exp-based form has no cancellation
    const got = read(arena, pout, n);
    for (let i = 0; i < n; i++) if (Math.abs(want[i] as number) > 1e-3) expect(Math.abs((got[i] as number) - (want[i] as number)) / Math.abs(want[i] as number)).toBeLessThan(TOL);
    // The training pair: forward keeps σ(2u), backward uses it instead of recomputing.
    const [pout2, psig, pdx2] = load(arena, new Float32Array(n), new Float32Array(n), new Float32Array(n)) as [number, number, number];
    arena.k.gelu_forward_keep(pout2, psig, px, n);
    arena.k.gelu_backward_kept(pdx2, px, psig, pd, n);
    expect(relErr(read(arena, pout2, n), want)).toBeLessThan(TOL);
    expect(relErr(read(arena, pdx2, n), dwant)).toBeLessThan(TOL);
  });

  test('layer norm forward and backward, C off the vector width', () => {
    const N = 11, C = 23;
    const inp = randn(N * C, 3), w = randn(C), b = randn(C), dout = randn(N * C);
    const out = new Float32Array(N * C), mean = new Float32Array(N), rstd = new Float32Array(N);
    K.layernormForward(out, mean, rstd, inp, w, b, N, C);
    const dinp = randn(N * C), dw = randn(C), db = randn(C);
    const [dinp0, dw0, db0] = [dinp.slice(), dw.slice(), db.slice()];
    K.layernormBackward(dinp, dw, db, dout, inp, w, mean, rstd, N, C);
    const arena = new Arena();
    const [pin, pw, pb, pout, pm, pr, pd, pdinp, pdw, pdb] = load(arena, inp, w, b, new Float32Array(N * C), new Float32Array(N), new Float32Array(N), dout, dinp0, dw0, db0) as number[] as [number, number, number, number, number, number, number, number, number, number];
    arena.k.layernorm_forward(pout, pm, pr, pin, pw, pb, N, C);
    expect(relErr(read(arena, pout, N * C), out)).toBeLessThan(TOL);
    expect(relErr(read(arena, pm, N), mean)).toBeLessThan(TOL);
    expect(relErr(read(arena, pr, N), rstd)).toBeLessThan(TOL);
    arena.k.layernorm_backward(pdinp, pdw, pdb, pd, pin, pw, pm, pr, N, C);
    expect(relErr(read(arena, pdinp, N * C), dinp)).toBeLessThan(TOL);
    expect(relErr(read(arena, pdw, C), dw)).toBeLessThan(TOL);
    expect(relErr(read(arena, pdb, C), db)).toBeLessThan(TOL);
  });

  test('encoder forward and backward, C off the vector width', () => {
    const B = 2, T = 7, C = 13, V = 11;
    const inp = Int32Array.from({ length: B * T }, () => rng.below(V));
    inp[3] = inp[9] = 4; // a repeated token: its gradient rows add up
    const wte = randn(V * C), wpe = randn(T * C), dout = randn(B * T * C);
    const out = new Float32Array(B * T * C);
    K.encoderForward(out, inp, wte, wpe, B, T, C);
    const dwte = randn(V * C), dwpe = randn(T * C);
    const [dwte0, dwpe0] = [dwte.slice(), dwpe.slice()];
    K.encoderBackward(dwte, dwpe, dout, inp, B, T, C);
    const arena = new Arena();
    const [pinp, pwte, pwpe, pout, pd, pdwte, pdwpe] = load(arena, inp, wte, wpe, new Float32Array(B * T * C), dout, dwte0, dwpe0) as [number, number, number, number, number, number, number];
    arena.k.encoder_forward(pout, pinp, pwte, pwpe, B, T, C);
    arena.k.encoder_backward(pdwte, pdwpe, pd, pinp, B, T, C);
    expect(relErr(read(arena, pout, B * T * C), out)).toBeLessThan(TOL);
    expect(relErr(read(arena, pdwte, V * C), dwte)).toBeLessThan(TOL);
    expect(relErr(read(arena, pdwpe, T * C), dwpe)).toBeLessThan(TOL);
  });

  test('residual add, n off the vector width', () => {
    const n = 37;
    const a = randn(n), b = randn(n), want = new Float32Array(n);
    K.residualForward(want, a, b, n);
    const arena = new Arena();
    const [pa, pb, pout] = load(arena, a, b, new Float32Array(n)) as [number, number, number];
    arena.k.add(pout, pa, pb, n);
    expect(relErr(read(arena, pout, n), want)).toBeLessThan(TOL);
  });
});

describe('wasm causal attention against the reference', () => {
  for (const [B, T, C, NH] of [[2, 13, 15, 3], [1, 9, 14, 2], [3, 5, 8, 1], [1, 1, 12, 4], [2, 40, 64, 2], [1, 35, 51, 1]] as const) {
    test(`B=${B} T=${T} C=${C} NH=${NH} (head size ${C / NH}): forward output and softmax, backward dqkv`, () => {
      const qkv = randn(B * T * 3 * C), dout = randn(B * T * C);
      const out = new Float32Array(B * T * C), pre = new Float32Array(B * NH * T * T), att = new Float32Array(B * NH * T * T);
      K.attentionForward(out, pre, att, qkv, B, T, C, NH);
      const dqkv = randn(B * T * 3 * C);
      const dqkv0 = dqkv.slice();
      K.attentionBackward(dqkv, new Float32Array(B * NH * T * T), new Float32Array(B * NH * T * T), dout, qkv, att, B, T, C, NH);
      const arena = new Arena();
      const [pq, pd, pout, patt, pdq] = load(arena, qkv, dout, new Float32Array(B * T * C), new Float32Array(B * NH * T * T), dqkv0) as [number, number, number, number, number];
      const scratch = arena.alloc(attentionScratchBytes(T, C / NH) / 4);
      attentionForward(arena.k, pout, patt, pq, B, T, C, NH, scratch);
      expect(relErr(read(arena, pout, B * T * C), out)).toBeLessThan(TOL);
      // Only the causal half of the softmax is written (the rest is never read).
      const gotAtt = read(arena, patt, B * NH * T * T);
      const causal = (x: Float32Array) => x.filter((_, i) => i % T <= Math.floor(i / T) % T);
      expect(relErr(causal(gotAtt), causal(att))).toBeLessThan(TOL);
      // Backward overwrites dqkv (each block is written once): compare against the reference's
      // accumulation minus what was there before.
      attentionBackward(arena.k, pdq, pd, pq, patt, B, T, C, NH, scratch);
      expect(relErr(read(arena, pdq, B * T * 3 * C), dqkv.map((v, i) => v - (dqkv0[i] as number)))).toBeLessThan(TOL);
    });
  }
});
