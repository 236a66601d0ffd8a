// Causal multi-head self-attention on the wasm kernels, head by head as matmuls: S = Q·Kᵀ (tiles
// above the diagonal skipped), P = causal softmax of S (kept for backward; no pre-softmax buffer:
// S is overwritten in place), out = P·V (the k-loop stops at the diagonal). Backward:
// dP = dout·Vᵀ, dS = softmax backward, dQ = dS·K, dK = dSᵀ·Q, dV = Pᵀ·dout, each block of dqkv
// written once (no zeroing, no read-modify-write). Q, K, V are read in place inside qkv[B,T,3C]
// through strides. Same semantics as attentionForward/attentionBackward of the reference kernels
// (sim/model/cpu/kernels.ts), except that backward overwrites dqkv instead of accumulating.
import type { KernelExports } from './module.ts';

// gemm modes (kernels.wat): 1 skip tiles above the diagonal, 2 A lower triangular, 3 A upper.
const CAUSAL_OUT = 1;
const LOWER_A = 2;
const UPPER_A = 3;

/** Scratch bytes attentionBackward needs: dP (T·T) and the gemm's scratch for T×T·T×hs products. */
export function attentionScratchBytes(T: number, hs: number): number {
  return 4 * T * T + 128 + 4 * ((T + 1) * T + T * Math.ceil(Math.max(T, hs) / 16) * 16);
}

/** qkv[B,T,3C] → out[B,T,C]; att[B,NH,T,T] receives the softmax (causal half, plus a 0 past it). */
export function attentionForward(k: KernelExports, out: number, att: number, qkv: number, B: number, T: number, C: number, NH: number, scratch: number): void {
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const q = qkv + 4 * (b * T * 3 * C + h * hs);
      const S = att + 4 * (b * NH + h) * T * T;
      k.gemm(S, T, 0, 0, q, 3 * C, 1, q + 4 * C, 1, 3 * C, T, hs, T, CAUSAL_OUT, scratch);
      k.softmax_causal(S, T, scale);
      k.gemm(out + 4 * (b * T * C + h * hs), C, 0, 0, S, T, 1, q + 8 * C, 3 * C, 1, T, T, hs, LOWER_A, scratch);
    }
  }
}

/** Overwrites dqkv[B,T,3C] with the gradient of out given dout[B,T,C] and forward's att. */
export function attentionBackward(k: KernelExports, dqkv: number, dout: number, qkv: number, att: number, B: number, T: number, C: number, NH: number, scratch: number): void {
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  const dS = scratch;
  const gemmScratch = scratch + 4 * T * T;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const q = qkv + 4 * (b * T * 3 * C + h * hs);
      const dq = dqkv + 4 * (b * T * 3 * C + h * hs);
      const dO = dout + 4 * (b * T * C + h * hs);
      const P = att + 4 * (b * NH + h) * T * T;
      k.gemm(dS, T, 0, 0, dO, C, 1, q + 8 * C, 1, 3 * C, T, hs, T, CAUSAL_OUT, gemmScratch); // dP = dO·Vᵀ
      k.softmax_causal_backward(dS, P, T, scale);
      k.gemm(dq, 3 * C, 0, 0, dS, T, 1, q + 4 * C, 3 * C, 1, T, T, hs, LOWER_A, gemmScratch); // dQ = dS·K
      k.gemm(dq + 4 * C, 3 * C, 0, 0, dS, 1, T, q, 3 * C, 1, T, T, hs, UPPER_A, gemmScratch); // dK = dSᵀ·Q
      k.gemm(dq + 8 * C, 3 * C, 0, 0, P, 1, T, dO, C, 1, T, T, hs, UPPER_A, gemmScratch); // dV = Pᵀ·dO
    }
  }
}
