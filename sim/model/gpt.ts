// A GPT-2-family transformer (token + position embeddings, pre-LayerNorm blocks with causal
// multi-head attention and a GELU MLP, final LayerNorm, output head tied to the token embedding),
// trained with explicit forward/backward passes over flat arrays.
//
// The output head runs only on the "scored" rows the caller names (the positions that predict
// completion tokens): for RL on long prompts with short completions that skips most of the
// vocabulary matmul.
import type { Arr } from './cpu/kernels.ts';
import { CPU_KERNELS, type KernelSet, type Kernels } from './kernel-set.ts';
import { numParams, paramOffsets, validateConfig, type ModelConfig, type ParamName } from './config.ts';
import { initParams } from './init.ts';

export type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
type Views = Record<ParamName, Arr>;

function views(buf: Arr, cfg: ModelConfig): Views {
  const off = paramOffsets(cfg);
  const out = {} as Views;
  for (const [name, [a, b]] of Object.entries(off) as [ParamName, [number, number]][]) out[name] = buf.subarray(a, b);
  return out;
}

/** Activations for one (B, T, M) shape; allocated once and reused while shapes fit. */
class Activations {
  readonly encoded: Arr;
  readonly ln1: Arr; readonly ln1Mean: Arr; readonly ln1Rstd: Arr;
  readonly qkv: Arr; readonly atty: Arr; readonly preatt: Arr; readonly att: Arr;
  readonly attproj: Arr; readonly residual2: Arr;
  readonly ln2: Arr; readonly ln2Mean: Arr; readonly ln2Rstd: Arr;
  readonly fch: Arr; readonly fchGelu: Arr; readonly fcproj: Arr; readonly residual3: Arr;
  readonly sel: Arr; readonly lnf: Arr; readonly lnfMean: Arr; readonly lnfRstd: Arr;
  readonly logits: Arr; readonly probs: Arr; readonly logprobs: Arr;

  constructor(ctor: FloatCtor, cfg: ModelConfig, readonly B: number, readonly T: number, readonly M: number) {
    const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = cfg;
    const BT = B * T;
    this.encoded = new ctor(BT * C);
    this.ln1 = new ctor(L * BT * C);
    this.ln1Mean = new ctor(L * BT);
    this.ln1Rstd = new ctor(L * BT);
    this.qkv = new ctor(L * BT * 3 * C);
    this.atty = new ctor(L * BT * C);
    this.preatt = new ctor(L * B * NH * T * T);
    this.att = new ctor(L * B * NH * T * T);
    this.attproj = new ctor(L * BT * C);
    this.residual2 = new ctor(L * BT * C);
    this.ln2 = new ctor(L * BT * C);
    this.ln2Mean = new ctor(L * BT);
    this.ln2Rstd = new ctor(L * BT);
    this.fch = new ctor(L * BT * 4 * C);
    this.fchGelu = new ctor(L * BT * 4 * C);
    this.fcproj = new ctor(L * BT * C);
    this.residual3 = new ctor(L * BT * C);
    this.sel = new ctor(M * C);
    this.lnf = new ctor(M * C);
    this.lnfMean = new ctor(M);
    this.lnfRstd = new ctor(M);
    this.logits = new ctor(M * V);
    this.probs = new ctor(M * V);
    this.logprobs = new ctor(M);
  }

  fits(B: number, T: number, M: number): boolean {
    return B === this.B && T === this.T && M <= this.M;
  }

  zero(): void {
    for (const v of Object.values(this)) if (v instanceof Float32Array || v instanceof Float64Array) v.fill(0);
  }
}

export interface ScoreOptions {
  /** Allowed tokens per scored row, [M·V] of 0/1 (constrained decoding); default: all. */
  mask?: Uint8Array;
  /** Sampling temperature the scored tokens were drawn at (default 1). */
  temperature?: number;
}

export interface ForwardResult<A extends Arr> {
  /** log π(target) for each scored row. */
  logprobs: A;
  /** Entropy (nats) of the predicted distribution at each scored row. */
  entropy: A;
}

/**
 * Validates one forward call's inputs against the model (every model class takes the same
 * arguments) and returns the inverse sampling temperature.
 */
export function checkForwardInputs(cfg: ModelConfig, tokens: Int32Array, B: number, T: number, pos: Int32Array, targets: Int32Array, opts: ScoreOptions): number {
  const { vocabSize: V, maxSeqLen } = cfg;
  if (T > maxSeqLen) throw new Error(`sequence length ${T} exceeds the model's ${maxSeqLen}`);
  if (tokens.length !== B * T) throw new Error(`tokens has ${tokens.length} ids, expected B·T = ${B * T}`);
  if (pos.length !== targets.length) throw new Error('pos and targets differ in length');
  for (let i = 0; i < tokens.length; i++) if ((tokens[i] as number) < 0 || (tokens[i] as number) >= V) throw new Error(`token id ${tokens[i]} out of range`);
  const M = pos.length;
  const invT = 1 / (opts.temperature ?? 1);
  if (!(invT > 0 && Number.isFinite(invT))) throw new Error(`temperature must be positive, got ${opts.temperature}`);
  if (opts.mask !== undefined && opts.mask.length !== M * V) throw new Error(`mask has ${opts.mask.length} entries, expected M·V = ${M * V}`);
  for (let r = 0; r < M; r++) if ((pos[r] as number) < 0 || (pos[r] as number) >= B * T) throw new Error(`scored position ${pos[r]} outside B·T = ${B * T}`);
  return invT;
}

export class GPT<A extends Arr = Float32Array> {
  readonly cfg: ModelConfig;
  readonly params: A;
  readonly grads: A;
  readonly p: Views;
  readonly g: Views;
  private readonly ctor: FloatCtor;
  /** The kernels the layers run with (the CPU reference unless another set is given). */
  readonly kernelSet: KernelSet;
  private acts: Activations | undefined;
  private dacts: Activations | undefined;
  private last: { tokens: Int32Array; B: number; T: number; pos: Int32Array; targets: Int32Array; invT: number } | undefined;

  /**
   * `params` (and `grads`) may be views on memory others share (a device's SharedArrayBuffer):
   * the model then reads its weights from, and writes its gradients into, that memory directly.
   */
  constructor(cfg: ModelConfig, opts: { seed?: number; params?: A; grads?: A; ctor?: FloatCtor; kernelSet?: KernelSet } = {}) {
    validateConfig(cfg);
    this.kernelSet = opts.kernelSet ?? CPU_KERNELS;
    this.cfg = cfg;
    this.ctor = opts.ctor ?? Float32Array;
    const n = numParams(cfg);
    if (opts.params !== undefined && opts.params.length !== n) throw new Error(`expected ${n} parameters, got ${opts.params.length}`);
    this.params = (opts.params ?? new this.ctor(n)) as A;
    if (opts.params === undefined) initParams(this.params, cfg, opts.seed ?? 0);
    if (opts.grads !== undefined && opts.grads.length !== n) throw new Error(`expected ${n} gradients, got ${opts.grads.length}`);
    this.grads = opts.grads ?? (new this.ctor(n) as A);
    this.p = views(this.params, cfg);
    this.g = views(this.grads, cfg);
  }

  get numParams(): number {
    return this.params.length;
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }

  /**
   * tokens[B·T] (pad the tail of short rows with any valid id: causal attention keeps padding out
   * of earlier positions). Row r of the output is the prediction at flat position pos[r] scored
   * against targets[r].
   */
  forward(tokens: Int32Array, B: number, T: number, pos: Int32Array, targets: Int32Array, opts: ScoreOptions = {}): ForwardResult<A> {
    const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = this.cfg;
    const invT = checkForwardInputs(this.cfg, tokens, B, T, pos, targets, opts);
    const M = pos.length;
    const K: Kernels = this.kernelSet.kernels;
    if (this.acts === undefined || !this.acts.fits(B, T, M)) this.acts = new Activations(this.ctor, this.cfg, B, T, Math.max(M, 1));
    const a = this.acts;
    const p = this.p;
    const BT = B * T;
    K.encoderForward(a.encoded, tokens, p.wte, p.wpe, B, T, C);
    for (let l = 0; l < L; l++) {
      const residual = l === 0 ? a.encoded : a.residual3.subarray((l - 1) * BT * C, l * BT * C);
      const s = (buf: Arr, per: number) => buf.subarray(l * per, (l + 1) * per);
      const ln1 = s(a.ln1, BT * C);
      const qkv = s(a.qkv, BT * 3 * C);
      const atty = s(a.atty, BT * C);
      const attproj = s(a.attproj, BT * C);
      const residual2 = s(a.residual2, BT * C);
      const ln2 = s(a.ln2, BT * C);
      const fch = s(a.fch, BT * 4 * C);
      const fchGelu = s(a.fchGelu, BT * 4 * C);
      const fcproj = s(a.fcproj, BT * C);
      K.layernormForward(ln1, s(a.ln1Mean, BT), s(a.ln1Rstd, BT), residual, s(p.ln1w, C), s(p.ln1b, C), BT, C);
      K.matmulForward(qkv, ln1, s(p.qkvw, 3 * C * C), s(p.qkvb, 3 * C), BT, C, 3 * C);
      K.attentionForward(atty, s(a.preatt, B * NH * T * T), s(a.att, B * NH * T * T), qkv, B, T, C, NH);
      K.matmulForward(attproj, atty, s(p.attprojw, C * C), s(p.attprojb, C), BT, C, C);
      K.residualForward(residual2, residual, attproj, BT * C);
      K.layernormForward(ln2, s(a.ln2Mean, BT), s(a.ln2Rstd, BT), residual2, s(p.ln2w, C), s(p.ln2b, C), BT, C);
      K.matmulForward(fch, ln2, s(p.fcw, 4 * C * C), s(p.fcb, 4 * C), BT, C, 4 * C);
      K.geluForward(fchGelu, fch, BT * 4 * C);
      K.matmulForward(fcproj, fchGelu, s(p.fcprojw, 4 * C * C), s(p.fcprojb, C), BT, 4 * C, C);
      K.residualForward(s(a.residual3, BT * C), residual2, fcproj, BT * C);
    }
    const last = a.residual3.subarray((L - 1) * BT * C, L * BT * C);
    for (let r = 0; r < M; r++) {
      const at = pos[r] as number;
      if (at < 0 || at >= BT) throw new Error(`scored position ${at} outside B·T = ${BT}`);
      a.sel.set(last.subarray(at * C, at * C + C), r * C);
    }
    K.layernormForward(a.lnf, a.lnfMean, a.lnfRstd, a.sel, p.lnfw, p.lnfb, M, C);
    K.matmulForward(a.logits, a.lnf, p.wte, null, M, C, V);
    K.logprobForward(a.logprobs, a.probs, a.logits, targets, M, V, opts.mask ?? null, invT);
    const entropy = new this.ctor(M) as A;
    K.rowEntropy(entropy, a.probs, M, V);
    this.last = { tokens, B, T, pos, targets, invT };
    return { logprobs: a.logprobs.slice(0, M) as A, entropy };
  }

  /** Raw logits [M·V] at the scored rows of the last forward, copied out (sampling reads them). */
  lastLogits(): A {
    if (this.acts === undefined || this.last === undefined) throw new Error('lastLogits() needs a forward() first');
    return this.acts.logits.slice(0, this.last.pos.length * this.cfg.vocabSize) as A;
  }

  /** Accumulates ∂(Σ dlogprobs[r]·logprob[r])/∂θ into `grads` for the last forward. */
  backward(dlogprobs: ArrayLike<number>): void {
    const f = this.last;
    const a = this.acts;
    if (f === undefined || a === undefined) throw new Error('backward() needs a forward() first');
    const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = this.cfg;
    const { B, T, tokens, pos, targets, invT } = f;
    const K: Kernels = this.kernelSet.kernels;
    const M = pos.length;
    const BT = B * T;
    if (dlogprobs.length !== M) throw new Error(`dlogprobs has ${dlogprobs.length} values, expected ${M}`);
    if (this.dacts === undefined || !this.dacts.fits(B, T, a.M)) this.dacts = new Activations(this.ctor, this.cfg, B, T, a.M);
    const d = this.dacts;
    d.zero();
    const p = this.p;
    const g = this.g;
    for (let r = 0; r < M; r++) d.logprobs[r] = dlogprobs[r] as number;
    K.logprobBackward(d.logits, d.logprobs, a.probs, targets, M, V, invT);
    K.matmulBackward(d.lnf, g.wte, null, d.logits, a.lnf, p.wte, M, C, V);
    K.layernormBackward(d.sel, g.lnfw, g.lnfb, d.lnf, a.sel, p.lnfw, a.lnfMean, a.lnfRstd, M, C);
    const dlast = d.residual3.subarray((L - 1) * BT * C, L * BT * C);
    for (let r = 0; r < M; r++) {
      const at = (pos[r] as number) * C;
      for (let i = 0; i < C; i++) dlast[at + i] = (dlast[at + i] as number) + (d.sel[r * C + i] as number);
    }
    for (let l = L - 1; l >= 0; l--) {
      const s = (buf: Arr, per: number) => buf.subarray(l * per, (l + 1) * per);
      const residual = l === 0 ? a.encoded : a.residual3.subarray((l - 1) * BT * C, l * BT * C);
      const dresidual = l === 0 ? d.encoded : d.residual3.subarray((l - 1) * BT * C, l * BT * C);
      K.residualBackward(s(d.residual2, BT * C), s(d.fcproj, BT * C), s(d.residual3, BT * C), BT * C);
      K.matmulBackward(s(d.fchGelu, BT * 4 * C), s(g.fcprojw, 4 * C * C), s(g.fcprojb, C), s(d.fcproj, BT * C), s(a.fchGelu, BT * 4 * C), s(p.fcprojw, 4 * C * C), BT, 4 * C, C);
      K.geluBackward(s(d.fch, BT * 4 * C), s(a.fch, BT * 4 * C), s(d.fchGelu, BT * 4 * C), BT * 4 * C);
      K.matmulBackward(s(d.ln2, BT * C), s(g.fcw, 4 * C * C), s(g.fcb, 4 * C), s(d.fch, BT * 4 * C), s(a.ln2, BT * C), s(p.fcw, 4 * C * C), BT, C, 4 * C);
      K.layernormBackward(s(d.residual2, BT * C), s(g.ln2w, C), s(g.ln2b, C), s(d.ln2, BT * C), s(a.residual2, BT * C), s(p.ln2w, C), s(a.ln2Mean, BT), s(a.ln2Rstd, BT), BT, C);
      K.residualBackward(dresidual, s(d.attproj, BT * C), s(d.residual2, BT * C), BT * C);
      K.matmulBackward(s(d.atty, BT * C), s(g.attprojw, C * C), s(g.attprojb, C), s(d.attproj, BT * C), s(a.atty, BT * C), s(p.attprojw, C * C), BT, C, C);
      K.attentionBackward(s(d.qkv, BT * 3 * C), s(d.preatt, B * NH * T * T), s(d.att, B * NH * T * T), s(d.atty, BT * C), s(a.qkv, BT * 3 * C), s(a.att, B * NH * T * T), B, T, C, NH);
      K.matmulBackward(s(d.ln1, BT * C), s(g.qkvw, 3 * C * C), s(g.qkvb, 3 * C), s(d.qkv, BT * 3 * C), s(a.ln1, BT * C), s(p.qkvw, 3 * C * C), BT, C, 3 * C);
      K.layernormBackward(dresidual, s(g.ln1w, C), s(g.ln1b, C), s(d.ln1, BT * C), residual, s(p.ln1w, C), s(a.ln1Mean, BT), s(a.ln1Rstd, BT), BT, C);
    }
    K.encoderBackward(g.wte, g.wpe, d.encoded, tokens, B, T, C);
  }
}
