// The GPT of sim/model/gpt.ts on the WebAssembly SIMD kernels, float32 only. Parameters,
// gradients and activations all live in the kernels' linear memory, so kernels take byte offsets
// and nothing is copied per call. Same surface and semantics as GPT (forward scores the named rows,
// backward accumulates into `grads`); tests check both against GPT.
//
// Differences that are implementation only: attention keeps just the softmax (no pre-softmax
// buffer), the residual adds are fused into the projection matmuls, and backward keeps one layer's
// worth of activation gradients (the residual-stream gradient flows through one buffer).
import { checkForwardInputs, type ForwardResult, type ScoreOptions } from '../gpt.ts';
import { initParams } from '../init.ts';
import { numParams, paramOffsets, PARAM_NAMES, validateConfig, type ModelConfig, type ParamName } from '../config.ts';
import { Arena, Layout, type Region } from './arena.ts';
import { attentionBackward, attentionForward, attentionScratchBytes } from './attention.ts';
import { gemmScratchBytes, matmul } from './module.ts';
import { logprobBackward32, logprobForward32, rowEntropy32 } from './logprob.ts';

type Ptrs = Record<ParamName, number>;

/** Byte offsets of the activations for one (B, T, M) shape. */
interface Acts {
  B: number; T: number; M: number;
  tokens: number; encoded: number;
  ln1: number; ln1Mean: number; ln1Rstd: number; qkv: number; atty: number; att: number;
  res2: number; ln2: number; ln2Mean: number; ln2Rstd: number; fch: number; fchSig: number; fchGelu: number; res3: number;
  sel: number; lnf: number; lnfMean: number; lnfRstd: number; logits: number; probs: number;
  // backward (one layer's worth, reused)
  dres: number; dln: number; dqkv: number; datty: number; dfch: number; dfchGelu: number;
  dsel: number; dlnf: number; dlogits: number; gemmScratch: number;
}

export class WasmGPT {
  readonly cfg: ModelConfig;
  readonly arena: Arena;
  readonly numParams: number;
  /** Byte offsets of each parameter tensor and its gradient. */
  readonly pp: Ptrs;
  readonly gp: Ptrs;
  private readonly paramsPtr: number;
  private readonly gradsPtr: number;
  private region: Region | undefined;
  private acts: Acts | undefined;
  private last: { pos: Int32Array; targets: Int32Array; invT: number } | undefined;

  constructor(cfg: ModelConfig, opts: { seed?: number; params?: ArrayLike<number> } = {}) {
    validateConfig(cfg);
    this.cfg = cfg;
    this.numParams = numParams(cfg);
    if (opts.params !== undefined && opts.params.length !== this.numParams) throw new Error(`expected ${this.numParams} parameters, got ${opts.params.length}`);
    this.arena = new Arena();
    this.paramsPtr = this.arena.alloc(this.numParams);
    this.gradsPtr = this.arena.alloc(this.numParams);
    const off = paramOffsets(cfg);
    this.pp = {} as Ptrs;
    this.gp = {} as Ptrs;
    for (const name of PARAM_NAMES) {
      this.pp[name] = this.paramsPtr + 4 * off[name][0];
      this.gp[name] = this.gradsPtr + 4 * off[name][0];
    }
    if (opts.params !== undefined) this.params.set(opts.params);
    else initParams(this.params, cfg, opts.seed ?? 0);
  }

  /** The parameters: a view into wasm memory. Re-read after forward() (memory growth detaches views). */
  get params(): Float32Array {
    return this.arena.view(this.paramsPtr, this.numParams);
  }

  /** The gradients: a view into wasm memory, like `params`. */
  get grads(): Float32Array {
    return this.arena.view(this.gradsPtr, this.numParams);
  }

  /** Named parameter views (as GPT.p). */
  get p(): Record<ParamName, Float32Array> {
    return this.named(this.paramsPtr);
  }

  get g(): Record<ParamName, Float32Array> {
    return this.named(this.gradsPtr);
  }

  private named(base: number): Record<ParamName, Float32Array> {
    const off = paramOffsets(this.cfg);
    const out = {} as Record<ParamName, Float32Array>;
    for (const name of PARAM_NAMES) out[name] = this.arena.view(base + 4 * off[name][0], off[name][1] - off[name][0]);
    return out;
  }

  zeroGrad(): void {
    this.arena.zero(this.gradsPtr, this.numParams);
  }

  private layout(B: number, T: number, M: number): Acts {
    const a = this.acts;
    if (a !== undefined && a.B === B && a.T === T && a.M >= M) return a;
    const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = this.cfg;
    const BT = B * T;
    const lay = new Layout();
    const al = (n: number) => lay.take(n);
    const shapes: [number, number, number][] = [
      [BT, C, 4 * C], [BT, 4 * C, C], [4 * C, BT, C], [C, BT, 4 * C], [M, C, V], [M, V, C], [V, M, C],
    ];
    const scratch = Math.max(attentionScratchBytes(T, C / NH), ...shapes.map(([n, kk, m]) => gemmScratchBytes(n, kk, m)));
    const rel: Acts = {
      B, T, M,
      tokens: al(BT), encoded: al(BT * C),
      ln1: al(L * BT * C), ln1Mean: al(L * BT), ln1Rstd: al(L * BT), qkv: al(L * BT * 3 * C), atty: al(L * BT * C),
      att: al(L * B * NH * T * T), res2: al(L * BT * C), ln2: al(L * BT * C), ln2Mean: al(L * BT), ln2Rstd: al(L * BT),
      fch: al(L * BT * 4 * C), fchSig: al(L * BT * 4 * C), fchGelu: al(L * BT * 4 * C), res3: al(L * BT * C),
      sel: al(M * C), lnf: al(M * C), lnfMean: al(M), lnfRstd: al(M), logits: al(M * V), probs: al(M * V),
      dres: al(BT * C), dln: al(BT * C), dqkv: al(BT * 3 * C), datty: al(BT * C), dfch: al(BT * 4 * C), dfchGelu: al(BT * 4 * C),
      dsel: al(M * C), dlnf: al(M * C), dlogits: al(M * V), gemmScratch: al(Math.ceil(scratch / 4)),
    };
    this.region = this.arena.fit(this.region, lay.bytes);
    const base = this.region.ptr;
    const acts = { ...rel };
    for (const key of Object.keys(acts) as (keyof Acts)[]) if (key !== 'B' && key !== 'T' && key !== 'M') acts[key] = rel[key] + base;
    this.acts = acts;
    return acts;
  }

  /** Same contract as GPT.forward. */
  forward(tokens: Int32Array, B: number, T: number, pos: Int32Array, targets: Int32Array, opts: ScoreOptions = {}): ForwardResult<Float32Array> {
    const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = this.cfg;
    const invT = checkForwardInputs(this.cfg, tokens, B, T, pos, targets, opts);
    const M = pos.length;
    const BT = B * T;
    const a = this.layout(B, T, Math.max(M, 1));
    const k = this.arena.k;
    const p = this.pp;
    this.arena.i32.set(tokens, a.tokens >> 2);
    k.encoder_forward(a.encoded, a.tokens, p.wte, p.wpe, B, T, C);
    const S = a.gemmScratch;
    for (let l = 0; l < L; l++) {
      const at = (base: number, per: number) => base + 4 * l * per;
      const resIn = l === 0 ? a.encoded : at(a.res3, BT * C) - 4 * BT * C;
      const ln1 = at(a.ln1, BT * C), qkv = at(a.qkv, BT * 3 * C), atty = at(a.atty, BT * C), res2 = at(a.res2, BT * C);
      const ln2 = at(a.ln2, BT * C), fch = at(a.fch, BT * 4 * C), fchGelu = at(a.fchGelu, BT * 4 * C), res3 = at(a.res3, BT * C);
      k.layernorm_forward(ln1, at(a.ln1Mean, BT), at(a.ln1Rstd, BT), resIn, at(p.ln1w, C), at(p.ln1b, C), BT, C);
      matmul(k, qkv, 0, at(p.qkvb, 3 * C), ln1, false, at(p.qkvw, 3 * C * C), true, BT, C, 3 * C, S);
      attentionForward(k, atty, at(a.att, B * NH * T * T), qkv, B, T, C, NH, S);
      matmul(k, res2, resIn, at(p.attprojb, C), atty, false, at(p.attprojw, C * C), true, BT, C, C, S);
      k.layernorm_forward(ln2, at(a.ln2Mean, BT), at(a.ln2Rstd, BT), res2, at(p.ln2w, C), at(p.ln2b, C), BT, C);
      matmul(k, fch, 0, at(p.fcb, 4 * C), ln2, false, at(p.fcw, 4 * C * C), true, BT, C, 4 * C, S);
      k.gelu_forward_keep(fchGelu, at(a.fchSig, BT * 4 * C), fch, BT * 4 * C);
      matmul(k, res3, res2, at(p.fcprojb, C), fchGelu, false, at(p.fcprojw, 4 * C * C), true, BT, 4 * C, C, S);
    }
    const f = this.arena.f32;
    const last = a.res3 + 4 * (L - 1) * BT * C;
    for (let r = 0; r < M; r++) f.copyWithin((a.sel >> 2) + r * C, (last >> 2) + (pos[r] as number) * C, (last >> 2) + (pos[r] as number) * C + C);
    k.layernorm_forward(a.lnf, a.lnfMean, a.lnfRstd, a.sel, p.lnfw, p.lnfb, M, C);
    matmul(k, a.logits, 0, 0, a.lnf, false, p.wte, true, M, C, V, S);
    const logprobs = new Float32Array(M);
    const probs = this.arena.view(a.probs, M * V);
    logprobForward32(logprobs, probs, this.arena.view(a.logits, M * V), targets, M, V, opts.mask ?? null, invT);
    const entropy = new Float32Array(M);
    rowEntropy32(entropy, probs, M, V);
    this.last = { pos: Int32Array.from(pos), targets: Int32Array.from(targets), invT };
    return { logprobs, entropy };
  }

  /** Raw logits [M·V] at the scored rows of the last forward, copied out (as GPT.lastLogits; sampling reads them). */
  lastLogits(): Float32Array {
    if (this.acts === undefined || this.last === undefined) throw new Error('lastLogits() needs a forward() first');
    return this.arena.view(this.acts.logits, this.last.pos.length * this.cfg.vocabSize).slice();
  }

  /** Accumulates ∂(Σ dlogprobs[r]·logprob[r])/∂θ into `grads` for the last forward (as GPT.backward). */
  backward(dlogprobs: ArrayLike<number>): void {
    const last = this.last;
    const a = this.acts;
    if (last === undefined || a === undefined) throw new Error('backward() needs a forward() first');
    const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = this.cfg;
    const { B, T } = a;
    const { pos, targets, invT } = last;
    const M = pos.length;
    const BT = B * T;
    if (dlogprobs.length !== M) throw new Error(`dlogprobs has ${dlogprobs.length} values, expected ${M}`);
    const k = this.arena.k;
    const p = this.pp;
    const g = this.gp;
    const S = a.gemmScratch;
    logprobBackward32(this.arena.view(a.dlogits, M * V), dlogprobs, this.arena.view(a.probs, M * V), targets, M, V, invT);
    // logits = lnf·wteᵀ: dlnf = dlogits·wte, dwte += dlogitsᵀ·lnf
    matmul(k, a.dlnf, 0, 0, a.dlogits, false, p.wte, false, M, V, C, S);
    matmul(k, g.wte, g.wte, 0, a.dlogits, true, a.lnf, false, V, M, C, S);
    this.arena.zero(a.dsel, M * C);
    k.layernorm_backward(a.dsel, g.lnfw, g.lnfb, a.dlnf, a.sel, p.lnfw, a.lnfMean, a.lnfRstd, M, C);
    this.arena.zero(a.dres, BT * C);
    const f = this.arena.f32;
    for (let r = 0; r < M; r++) {
      const to = (a.dres >> 2) + (pos[r] as number) * C;
      const from = (a.dsel >> 2) + r * C;
      for (let i = 0; i < C; i++) f[to + i] = (f[to + i] as number) + (f[from + i] as number);
    }
    for (let l = L - 1; l >= 0; l--) this.layerBackward(l, a, S);
    k.encoder_backward(g.wte, g.wpe, a.dres, a.tokens, B, T, C);
    void NH;
  }

  /** One block's backward; a.dres holds ∂/∂residual3 on entry and ∂/∂(block input) on exit. */
  private layerBackward(l: number, a: Acts, S: number): void {
    const { dModel: C, nHead: NH } = this.cfg;
    const { B, T } = a;
    const BT = B * T;
    const k = this.arena.k;
    const at = (base: number, per: number) => base + 4 * l * per;
    const p = this.pp;
    const g = this.gp;
    const resIn = l === 0 ? a.encoded : at(a.res3, BT * C) - 4 * BT * C;
    const ln1 = at(a.ln1, BT * C), qkv = at(a.qkv, BT * 3 * C), atty = at(a.atty, BT * C), res2 = at(a.res2, BT * C);
    const ln2 = at(a.ln2, BT * C), fch = at(a.fch, BT * 4 * C), fchGelu = at(a.fchGelu, BT * 4 * C);
    // res3 = res2 + fchGelu·fcprojwᵀ + b
    matmul(k, a.dfchGelu, 0, 0, a.dres, false, at(p.fcprojw, 4 * C * C), false, BT, C, 4 * C, S);
    matmul(k, at(g.fcprojw, 4 * C * C), at(g.fcprojw, 4 * C * C), 0, a.dres, true, fchGelu, false, C, BT, 4 * C, S);
    k.bias_backward(at(g.fcprojb, C), a.dres, BT, C);
    k.gelu_backward_kept(a.dfch, fch, at(a.fchSig, BT * 4 * C), a.dfchGelu, BT * 4 * C);
    // fch = ln2·fcwᵀ + b
    matmul(k, a.dln, 0, 0, a.dfch, false, at(p.fcw, 4 * C * C), false, BT, 4 * C, C, S);
    matmul(k, at(g.fcw, 4 * C * C), at(g.fcw, 4 * C * C), 0, a.dfch, true, ln2, false, 4 * C, BT, C, S);
    k.bias_backward(at(g.fcb, 4 * C), a.dfch, BT, 4 * C);
    k.layernorm_backward(a.dres, at(g.ln2w, C), at(g.ln2b, C), a.dln, res2, at(p.ln2w, C), at(a.ln2Mean, BT), at(a.ln2Rstd, BT), BT, C);
    // res2 = resIn + atty·attprojwᵀ + b
    matmul(k, a.datty, 0, 0, a.dres, false, at(p.attprojw, C * C), false, BT, C, C, S);
    matmul(k, at(g.attprojw, C * C), at(g.attprojw, C * C), 0, a.dres, true, atty, false, C, BT, C, S);
    k.bias_backward(at(g.attprojb, C), a.dres, BT, C);
    attentionBackward(k, a.dqkv, a.datty, qkv, at(a.att, B * NH * T * T), B, T, C, NH, S);
    // qkv = ln1·qkvwᵀ + b
    matmul(k, a.dln, 0, 0, a.dqkv, false, at(p.qkvw, 3 * C * C), false, BT, 3 * C, C, S);
    matmul(k, at(g.qkvw, 3 * C * C), at(g.qkvw, 3 * C * C), 0, a.dqkv, true, ln1, false, 3 * C, BT, C, S);
    k.bias_backward(at(g.qkvb, 3 * C), a.dqkv, BT, 3 * C);
    k.layernorm_backward(a.dres, at(g.ln1w, C), at(g.ln1b, C), a.dln, resIn, at(p.ln1w, C), at(a.ln1Mean, BT), at(a.ln1Rstd, BT), BT, C);
  }
}

/** A WasmGPT with seeded parameters, or the given ones (copied into wasm memory). */
export function createWasmGPT(cfg: ModelConfig, opts: { seed?: number; params?: ArrayLike<number> } = {}): WasmGPT {
  return new WasmGPT(cfg, opts);
}
