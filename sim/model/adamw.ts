// AdamW (decoupled weight decay, Loshchilov & Hutter) with global-norm gradient clipping.
import type { Arr } from './cpu/kernels.ts';
import { DECAYED, paramOffsets, type ModelConfig } from './config.ts';

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/** 1 where a parameter gets weight decay (the weight matrices), 0 elsewhere. */
export function decayMask(cfg: ModelConfig, n: number): Uint8Array {
  const decay = new Uint8Array(n);
  const off = paramOffsets(cfg);
  for (const name of DECAYED) decay.fill(1, off[name][0], off[name][1]);
  return decay;
}

/**
 * AdamW on the elements [lo, hi) at step t (1-based): a device that shards the optimiser runs it
 * per slice, and the result is the same as one call over everything.
 */
export function adamwRange(params: Arr, grads: Arr, m: Float32Array, v: Float32Array, decay: Uint8Array, lo: number, hi: number, t: number, o: Required<AdamWOptions>, lr: number): void {
  const { beta1, beta2, eps, weightDecay } = o;
  const bc1 = 1 - beta1 ** t;
  const bc2 = 1 - beta2 ** t;
  for (let i = lo; i < hi; i++) {
    const g = grads[i] as number;
    const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
    const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const wd = decay[i] === 1 ? weightDecay * (params[i] as number) : 0;
    params[i] = (params[i] as number) - lr * ((mi / bc1) / (Math.sqrt(vi / bc2) + eps) + wd);
  }
}

export function adamwDefaults(opts: AdamWOptions): Required<AdamWOptions> {
  return { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, ...opts };
}

export class AdamW {
  readonly m: Float32Array;
  readonly v: Float32Array;
  t = 0;
  private readonly decay: Uint8Array;
  readonly opts: Required<AdamWOptions>;

  constructor(cfg: ModelConfig, n: number, opts: AdamWOptions) {
    this.opts = adamwDefaults(opts);
    this.m = new Float32Array(n);
    this.v = new Float32Array(n);
    this.decay = decayMask(cfg, n);
  }

  /** One update of `params` from `grads` (already clipped). `lr` overrides the configured rate. */
  step(params: Arr, grads: Arr, lr = this.opts.lr): void {
    this.t++;
    adamwRange(params, grads, this.m, this.v, this.decay, 0, params.length, this.t, this.opts, lr);
  }
}

/** Scales `grads` so their global L2 norm is at most `maxNorm`; returns the norm before clipping. */
export function clipGradNorm(grads: Arr, maxNorm: number): number {
  let ss = 0;
  for (let i = 0; i < grads.length; i++) ss += (grads[i] as number) * (grads[i] as number);
  const norm = Math.sqrt(ss);
  if (maxNorm > 0 && norm > maxNorm) {
    const k = maxNorm / (norm + 1e-6);
    for (let i = 0; i < grads.length; i++) grads[i] = (grads[i] as number) * k;
  }
  return norm;
}
