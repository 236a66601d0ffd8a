// AdamW and global-norm gradient clipping on a WasmGPT's parameters and gradients in wasm memory:
// the same update as sim/model/adamw.ts (AdamW, clipGradNorm), computed in float32 SIMD, with the
// moments kept beside the parameters (no copies per step). Tests check it against the reference.
import { DECAYED, paramOffsets, PARAM_NAMES } from '../config.ts';
import type { AdamWOptions } from '../adamw.ts';
import type { WasmGPT } from './model.ts';

export class WasmAdamW {
  readonly opts: Required<AdamWOptions>;
  t = 0;
  private readonly mPtr: number;
  private readonly vPtr: number;

  constructor(readonly model: WasmGPT, opts: AdamWOptions) {
    this.opts = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, ...opts };
    this.mPtr = model.arena.alloc(model.numParams);
    this.vPtr = model.arena.alloc(model.numParams);
  }

  /** First moments: a view into wasm memory (re-read after the model grows its memory). */
  get m(): Float32Array {
    return this.model.arena.view(this.mPtr, this.model.numParams);
  }

  get v(): Float32Array {
    return this.model.arena.view(this.vPtr, this.model.numParams);
  }

  /** One update of the model's parameters from its gradients (already clipped). */
  step(lr = this.opts.lr): void {
    const { beta1, beta2, eps, weightDecay } = this.opts;
    this.t++;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    const off = paramOffsets(this.model.cfg);
    const k = this.model.arena.k;
    for (const name of PARAM_NAMES) {
      const [a, b] = off[name];
      const wd = DECAYED.includes(name) ? weightDecay : 0;
      const at = (base: number) => base + 4 * a;
      k.adamw(this.model.pp[name], this.model.gp[name], at(this.mPtr), at(this.vPtr), b - a, lr, beta1, beta2, 1 - beta1, 1 - beta2, eps, wd, bc1, bc2);
    }
  }
}

/** Scales the model's gradients so their global L2 norm is at most `maxNorm`; returns the norm before. */
export function clipGradNormWasm(model: WasmGPT, maxNorm: number): number {
  const k = model.arena.k;
  const grads = model.gp.wte; // the gradient buffer starts at the first tensor
  const norm = Math.sqrt(k.sumsq(grads, model.numParams));
  if (maxNorm > 0 && norm > maxNorm) k.scale(grads, maxNorm / (norm + 1e-6), model.numParams);
  return norm;
}
