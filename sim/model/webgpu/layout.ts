// Where every activation and activation gradient of one (B, T, M) batch lives in the device's A
// and D buffers (element offsets), mirroring the Activations class of sim/model/gpt.ts.
import type { ModelConfig } from '../config.ts';
import { NORM_GROUPS } from './wgsl.ts';

class Packer {
  size = 0;
  take(n: number): number {
    const at = this.size;
    this.size += Math.max(0, n);
    return at;
  }
}

/** Per-layer activations: offset of layer l's slice is base + l·per. */
export interface Stacked { base: number; per: number }
const stack = (p: Packer, L: number, per: number): Stacked => ({ base: p.take(L * per), per });
export const at = (s: Stacked, l: number): number => s.base + l * s.per;

export function activationLayout(cfg: ModelConfig, B: number, T: number, M: number) {
  const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = cfg;
  const BT = B * T;
  const p = new Packer();
  const a = {
    tokens: p.take(BT), csr: p.take(V + 1), list: p.take(BT), pos: p.take(M), targets: p.take(M), mask: p.take(M * V),
    encoded: p.take(BT * C),
    ln1: stack(p, L, BT * C), ln1Mean: stack(p, L, BT), ln1Rstd: stack(p, L, BT),
    qkv: stack(p, L, BT * 3 * C), atty: stack(p, L, BT * C), att: stack(p, L, B * NH * T * T),
    attproj: stack(p, L, BT * C), residual2: stack(p, L, BT * C),
    ln2: stack(p, L, BT * C), ln2Mean: stack(p, L, BT), ln2Rstd: stack(p, L, BT),
    fch: stack(p, L, BT * 4 * C), fchGelu: stack(p, L, BT * 4 * C), fcproj: stack(p, L, BT * C), residual3: stack(p, L, BT * C),
    sel: p.take(M * C), lnf: p.take(M * C), lnfMean: p.take(M), lnfRstd: p.take(M),
    logits: p.take(M * V), probs: p.take(M * V),
    // logprobs then entropy, adjacent: one readback returns both.
    logprobs: p.take(M), entropy: p.take(M),
  };
  return { ...a, size: p.size };
}

/**
 * Activation gradients: the residual stream's gradient per layer boundary (index 0: the
 * embeddings, l+1: after block l), one set of per-block scratch reused by every block (zeroed
 * between blocks: [scratchStart, scratchEnd)), the head, and the gradient-norm scratch.
 */
export function gradientLayout(cfg: ModelConfig, B: number, T: number, M: number) {
  const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = cfg;
  const BT = B * T;
  const p = new Packer();
  const dres = stack(p, L + 1, BT * C);
  const scratchStart = p.size;
  const d = {
    dres,
    residual2: p.take(BT * C), fcproj: p.take(BT * C), fchGelu: p.take(BT * 4 * C), fch: p.take(BT * 4 * C),
    ln2: p.take(BT * C), attproj: p.take(BT * C), atty: p.take(BT * C), qkv: p.take(BT * 3 * C), ln1: p.take(BT * C),
    scratchStart, scratchEnd: 0,
    attScratch: p.take(B * NH * T * T),
    sel: p.take(M * C), lnf: p.take(M * C), logits: p.take(M * V), dlogp: p.take(M),
    partials: p.take(NORM_GROUPS), norm: p.take(1),
  };
  d.scratchEnd = d.attScratch;
  return { ...d, size: p.size };
}

export type ActivationLayout = ReturnType<typeof activationLayout>;
export type GradientLayout = ReturnType<typeof gradientLayout>;
