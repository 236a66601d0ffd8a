// Seeded GPT-2-style initialisation: N(0, 0.02) weights, residual projections scaled by
// 1/sqrt(2·nLayer) so the residual stream's variance does not grow with depth, zero biases,
// unit layer-norm gains. Same seed → the same parameters, bit for bit.
import { Rng } from '../crafter/rng.ts';
import type { Arr } from './cpu/kernels.ts';
import { paramOffsets, type ModelConfig } from './config.ts';

/** Standard normal by Box–Muller (one value per call; the pair's twin is discarded for simplicity). */
export function normal(rng: Rng): number {
  const u1 = Math.max(rng.uniform(), 1e-12);
  const u2 = rng.uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export function initParams(params: Arr, cfg: ModelConfig, seed: number): void {
  const rng = new Rng(seed);
  const off = paramOffsets(cfg);
  const fill = (name: keyof typeof off, f: () => number) => {
    const [a, b] = off[name];
    for (let i = a; i < b; i++) params[i] = f();
  };
  const residualStd = 0.02 / Math.sqrt(2 * cfg.nLayer);
  fill('wte', () => 0.02 * normal(rng));
  fill('wpe', () => 0.01 * normal(rng));
  for (const n of ['ln1w', 'ln2w', 'lnfw'] as const) fill(n, () => 1);
  for (const n of ['ln1b', 'ln2b', 'lnfb', 'qkvb', 'attprojb', 'fcb', 'fcprojb'] as const) fill(n, () => 0);
  fill('qkvw', () => 0.02 * normal(rng));
  fill('fcw', () => 0.02 * normal(rng));
  fill('attprojw', () => residualStd * normal(rng));
  fill('fcprojw', () => residualStd * normal(rng));
}
