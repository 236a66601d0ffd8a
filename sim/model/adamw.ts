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

export class AdamW {
  readonly m: Float32Array;
  readonly v: Float32Array;
  t = 0;
  private readonly decay: Uint8Array;
  readonly opts: Required<AdamWOptions>;

  constructor(cfg: ModelConfig, n: number, opts: AdamWOptions) {
    this.opts = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, ...opts };
    this.m = new Float32Array(n);
    this.v = new Float32Array(n);
    this.decay = new Uint8Array(n);
    const off = paramOffsets(cfg);
    for (const name of DECAYED) this.decay.fill(1, off[name][0], off[name][1]);
  }

  /** One update of `params` from `grads` (already clipped). `lr` overrides the configured rate. */
  step(params: Arr, grads: Arr, lr = this.opts.lr): void {
    const { beta1, beta2, eps, weightDecay } = this.opts;
    this.t++;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    const m = this.m;
    const v = this.v;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i] as number;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      const wd = this.decay[i] === 1 ? weightDecay * (params[i] as number) : 0;
      params[i] = (params[i] as number) - lr * ((mi / bc1) / (Math.sqrt(vi / bc2) + eps) + wd);
    }
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
