// Typed launchers for the WGSL kernels in wgsl.ts: sizes and element offsets in, one queued
// dispatch out. Offsets name where each tensor lives in the buffer the kernel reads it from
// (see the comment above each shader for which buffer that is).
import { GpuRuntime, grid } from './runtime.ts';
import { NORM_GROUPS, SOURCES } from './wgsl.ts';

type Four = readonly [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer];

export class GpuOps {
  constructor(readonly rt: GpuRuntime) {}

  private run(name: string, bufs: Four, groups: [number, number], ints: readonly number[], floats: readonly number[] = []): void {
    const src = SOURCES[name];
    if (src === undefined) throw new Error(`no WGSL kernel named ${name}`);
    this.rt.enqueue(this.rt.pipeline(name, src.code, src.kind), src.kind, bufs, groups, ints, floats);
  }

  private each(name: string, bufs: Four, n: number, ints: readonly number[], floats: readonly number[] = []): void {
    if (n <= 0) return;
    this.run(name, bufs, grid(Math.ceil(n / 64)), ints, floats);
  }

  encoderForward(b: Four, out: number, tokens: number, wte: number, wpe: number, B: number, T: number, C: number): void {
    this.each('encoder_fwd', b, B * T * C, [B * T * C, C, T, out, tokens, wte, wpe]);
  }

  /** csr: V+1 start indices into list (positions grouped by token id), both stored in A. */
  encoderBackward(b: Four, dwte: number, dwpe: number, dout: number, csr: number, list: number, B: number, T: number, C: number, V: number): void {
    this.each('encoder_bwd_wte', b, V * C, [V * C, C, dout, dwte, csr, list]);
    this.each('encoder_bwd_wpe', b, T * C, [T * C, C, T, B, dout, dwpe]);
  }

  layernormForward(b: Four, out: number, mean: number, rstd: number, inp: number, w: number, bias: number, N: number, C: number): void {
    if (N > 0) this.run('layernorm_fwd', b, grid(N), [N, C, out, mean, rstd, inp, w, bias]);
  }

  layernormBackward(b: Four, dinp: number, dw: number, db: number, dout: number, inp: number, w: number, mean: number, rstd: number, N: number, C: number): void {
    if (N === 0) return;
    this.run('layernorm_bwd_dx', b, grid(N), [N, C, dinp, dout, inp, w, mean, rstd]);
    this.each('layernorm_bwd_dw', b, C, [N, C, dw, db, dout, inp, mean, rstd]);
  }

  /** out[N,OC] = inp[N,C]·w[OC,C]ᵀ + bias (A ← A·Pᵀ); bias < 0: none. */
  matmulForward(b: Four, out: number, inp: number, w: number, bias: number, N: number, C: number, OC: number): void {
    this.mm('matmul_fwd', b, N, OC, C, inp, C, 1, w, 1, C, out, OC, false, bias);
  }

  /** dinp += dout·w (D ← D·P), dw += doutᵀ·inp (G ← Dᵀ·A), dbias += column sums of dout. */
  matmulBackward(b: Four, dinp: number, dw: number, dbias: number, dout: number, inp: number, w: number, N: number, C: number, OC: number): void {
    this.mm('matmul_dx', b, N, C, OC, dout, OC, 1, w, C, 1, dinp, C, true, -1);
    this.mm('matmul_dw', b, OC, C, N, dout, 1, OC, inp, C, 1, dw, C, true, -1);
    if (dbias >= 0) this.each('bias_bwd', b, OC, [N, OC, dbias, dout]);
  }

  private mm(name: string, b: Four, M: number, N: number, K: number, aoff: number, sam: number, sak: number, boff: number, sbk: number, sbn: number, coff: number, ldc: number, acc: boolean, bias: number): void {
    if (M === 0 || N === 0) return;
    this.run(name, b, [Math.ceil(N / 32), Math.ceil(M / 32)], [M, N, K, aoff, sam, sak, boff, sbk, sbn, coff, ldc, acc ? 1 : 0, Math.max(bias, 0), bias >= 0 ? 1 : 0]);
  }

  attentionForward(b: Four, out: number, att: number, qkv: number, B: number, T: number, C: number, NH: number): void {
    this.each('attention_fwd', b, B * T * NH, [B, T, C, NH, out, att, qkv], [1 / Math.sqrt(C / NH)]);
  }

  /** scratch: B·NH·T·T floats in D. */
  attentionBackward(b: Four, dqkv: number, scratch: number, dout: number, qkv: number, att: number, B: number, T: number, C: number, NH: number): void {
    const ints = [B, T, C, NH, dqkv, scratch, dout, qkv, att];
    this.each('attention_bwd_q', b, B * T * NH, ints, [1 / Math.sqrt(C / NH)]);
    this.each('attention_bwd_kv', b, B * T * NH, ints);
  }

  geluForward(b: Four, out: number, inp: number, n: number): void {
    this.each('gelu_fwd', b, n, [n, out, inp]);
  }

  geluBackward(b: Four, dinp: number, inp: number, dout: number, n: number): void {
    this.each('gelu_bwd', b, n, [n, dinp, inp, dout]);
  }

  residualForward(b: Four, out: number, x: number, y: number, n: number): void {
    this.each('residual_fwd', b, n, [n, out, x, y]);
  }

  residualBackward(b: Four, dx: number, dy: number, dout: number, n: number): void {
    this.each('residual_bwd', b, n, [n, dx, dy, dout]);
  }

  gatherRows(b: Four, sel: number, last: number, pos: number, M: number, C: number): void {
    this.each('gather_rows', b, M * C, [M * C, C, sel, last, pos]);
  }

  scatterRows(b: Four, dlast: number, dsel: number, pos: number, M: number, C: number): void {
    if (M > 0) this.each('scatter_rows', b, C, [M, C, dlast, dsel, pos]);
  }

  /** mask < 0: every token allowed. */
  logprobForward(b: Four, logprobs: number, entropy: number, probs: number, logits: number, targets: number, mask: number, M: number, V: number, invT: number): void {
    this.each('logprob_fwd', b, M, [M, V, logits, probs, targets, Math.max(mask, 0), mask >= 0 ? 1 : 0, logprobs, entropy], [invT]);
  }

  logprobBackward(b: Four, dlogits: number, dlogprobs: number, probs: number, targets: number, M: number, V: number, invT: number): void {
    this.each('logprob_bwd', b, M * V, [M * V, V, dlogits, dlogprobs, probs, targets], [invT]);
  }

  fill(b: Four, which: 'D' | 'G' | 'A', off: number, n: number, value = 0): void {
    this.each('fill', b, n, [n, off, which === 'D' ? 0 : which === 'G' ? 1 : 2], [value]);
  }

  /** D[out] = ‖G[g .. g+n)‖₂, through NORM_GROUPS partial sums at D[partials]. */
  gradNorm(b: Four, g: number, n: number, partials: number, out: number): void {
    this.run('sumsq_partial', b, [NORM_GROUPS, 1], [n, g, partials]);
    this.run('sumsq_final', b, [1, 1], [partials, out]);
  }

  /** bufs: [P (written), G, M, V]; clip: the factor the gradients are scaled by (1: no clipping). */
  adamw(bufs: Four, n: number, decayed: readonly [number, number][], f: { lr: number; beta1: number; beta2: number; eps: number; wd: number; bc1: number; bc2: number; clip: number }): void {
    if (decayed.length > 5) throw new Error('adamw takes at most 5 decayed ranges');
    const ranges = [...decayed.flat(), ...new Array<number>(10 - 2 * decayed.length).fill(0)];
    this.each('adamw', bufs, n, [n, ...ranges], [f.lr, f.beta1, f.beta2, f.eps, f.wd, f.bc1, f.bc2, f.clip]);
  }
}
