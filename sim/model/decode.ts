// Incremental inference with a key/value cache: each new token costs one pass through the blocks
// plus attention over the cached positions, instead of re-running the whole prefix. The same
// kernels as training, so the decoder and the training forward agree to float rounding.
import type { GPT } from './gpt.ts';

/** What generation needs of a decoder (this one, or a slot of sim/model/wasm/decoder.ts). */
export interface TokenDecoder {
  reset(): void;
  /** Feeds tokens in order; returns the logits after the last one. */
  feed(tokens: ArrayLike<number>): Float32Array;
  readonly length: number;
}

export class Decoder implements TokenDecoder {
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  /** Tokens fed so far. */
  length = 0;
  private readonly x: Float32Array;
  private readonly ln: Float32Array;
  private readonly mean = new Float32Array(1);
  private readonly rstd = new Float32Array(1);
  private readonly qkv: Float32Array;
  private readonly atty: Float32Array;
  private readonly proj: Float32Array;
  private readonly fch: Float32Array;
  private readonly fchGelu: Float32Array;
  private readonly scores: Float32Array;
  readonly logits: Float32Array;

  constructor(readonly model: GPT) {
    const { nLayer: L, dModel: C, maxSeqLen: T, vocabSize: V } = model.cfg;
    this.keys = Array.from({ length: L }, () => new Float32Array(T * C));
    this.values = Array.from({ length: L }, () => new Float32Array(T * C));
    this.x = new Float32Array(C);
    this.ln = new Float32Array(C);
    this.qkv = new Float32Array(3 * C);
    this.atty = new Float32Array(C);
    this.proj = new Float32Array(C);
    this.fch = new Float32Array(4 * C);
    this.fchGelu = new Float32Array(4 * C);
    this.scores = new Float32Array(T);
    this.logits = new Float32Array(V);
  }

  reset(): void {
    this.length = 0;
  }

  /** Feeds tokens in order; returns the logits after the last one (a view, overwritten next call). */
  feed(tokens: ArrayLike<number>): Float32Array {
    for (let i = 0; i < tokens.length; i++) this.step(tokens[i] as number);
    return this.logits;
  }

  private step(token: number): void {
    const m = this.model;
    const { nLayer: L, dModel: C, nHead: NH, maxSeqLen, vocabSize: V } = m.cfg;
    const t = this.length;
    if (t >= maxSeqLen) throw new Error(`context full: the model takes at most ${maxSeqLen} tokens`);
    if (token < 0 || token >= V) throw new Error(`token id ${token} out of range`);
    const K = m.kernelSet.kernels;
    const p = m.p;
    const x = this.x;
    for (let i = 0; i < C; i++) x[i] = (p.wte[token * C + i] as number) + (p.wpe[t * C + i] as number);
    const hs = C / NH;
    const scale = 1 / Math.sqrt(hs);
    for (let l = 0; l < L; l++) {
      const s = (buf: Float32Array | Float64Array, per: number) => buf.subarray(l * per, (l + 1) * per);
      K.layernormForward(this.ln, this.mean, this.rstd, x, s(p.ln1w, C), s(p.ln1b, C), 1, C);
      K.matmulForward(this.qkv, this.ln, s(p.qkvw, 3 * C * C), s(p.qkvb, 3 * C), 1, C, 3 * C);
      const kc = this.keys[l] as Float32Array;
      const vc = this.values[l] as Float32Array;
      kc.set(this.qkv.subarray(C, 2 * C), t * C);
      vc.set(this.qkv.subarray(2 * C, 3 * C), t * C);
      for (let h = 0; h < NH; h++) {
        const q = h * hs;
        let maxv = -Infinity;
        for (let t2 = 0; t2 <= t; t2++) {
          let v = 0;
          for (let i = 0; i < hs; i++) v += (this.qkv[q + i] as number) * (kc[t2 * C + q + i] as number);
          v *= scale;
          this.scores[t2] = v;
          if (v > maxv) maxv = v;
        }
        let sum = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const e = Math.exp((this.scores[t2] as number) - maxv);
          this.scores[t2] = e;
          sum += e;
        }
        for (let i = 0; i < hs; i++) this.atty[q + i] = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const a = (this.scores[t2] as number) / sum;
          for (let i = 0; i < hs; i++) this.atty[q + i] = (this.atty[q + i] as number) + a * (vc[t2 * C + q + i] as number);
        }
      }
      K.matmulForward(this.proj, this.atty, s(p.attprojw, C * C), s(p.attprojb, C), 1, C, C);
      K.residualForward(x, x, this.proj, C);
      K.layernormForward(this.ln, this.mean, this.rstd, x, s(p.ln2w, C), s(p.ln2b, C), 1, C);
      K.matmulForward(this.fch, this.ln, s(p.fcw, 4 * C * C), s(p.fcb, 4 * C), 1, C, 4 * C);
      K.geluForward(this.fchGelu, this.fch, 4 * C);
      K.matmulForward(this.proj, this.fchGelu, s(p.fcprojw, 4 * C * C), s(p.fcprojb, C), 1, 4 * C, C);
      K.residualForward(x, x, this.proj, C);
    }
    K.layernormForward(this.ln, this.mean, this.rstd, x, p.lnfw, p.lnfb, 1, C);
    K.matmulForward(this.logits, this.ln, p.wte, null, 1, C, V);
    this.length = t + 1;
  }
}
