#!/usr/bin/env bun
// The CPU engine's speed: forward+backward tokens/s of the default simulator model on an RL-shaped
// batch, decode tokens/s with the KV cache, and matmul GFLOP/s (one core; JS typed arrays).
//   bun run bench:engine [--device webgpu [--webgpu-adapter hardware|software] [--large-batch N]]
import { Rng } from '../sim/crafter/rng.ts';
import { matmulForward } from '../sim/model/cpu/kernels.ts';
import { numParams, type ModelConfig } from '../sim/model/config.ts';
import { Decoder } from '../sim/model/decode.ts';
import { GPT } from '../sim/model/gpt.ts';

const cfg: ModelConfig = { vocabSize: 160, maxSeqLen: 256, nLayer: 2, nHead: 2, dModel: 64 };
const B = 16;
const T = 128;
const SCORED_PER_ROW = 8;
const rng = new Rng(1);

function time(fn: () => void, minMs = 1500): number {
  fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return (performance.now() - t0) / n;
}

const model = new GPT(cfg, { seed: 1 });
const tokens = Int32Array.from({ length: B * T }, () => rng.below(cfg.vocabSize));
const pos = Int32Array.from({ length: B * SCORED_PER_ROW }, (_, i) => Math.floor(i / SCORED_PER_ROW) * T + T - SCORED_PER_ROW - 1 + (i % SCORED_PER_ROW));
const targets = Int32Array.from({ length: pos.length }, () => rng.below(cfg.vocabSize));
const dlp = new Float32Array(pos.length).fill(1 / pos.length);
const fwdMs = time(() => model.forward(tokens, B, T, pos, targets));
const stepMs = time(() => {
  model.forward(tokens, B, T, pos, targets);
  model.zeroGrad();
  model.backward(dlp);
});
const trainTps = (B * T) / (stepMs / 1000);

const dec = new Decoder(model);
const prompt = Array.from({ length: 120 }, () => rng.below(cfg.vocabSize));
const decodeMs = time(() => {
  dec.reset();
  dec.feed(prompt);
  for (let i = 0; i < 8; i++) dec.feed([rng.below(cfg.vocabSize)]);
});
const decodeTps = (prompt.length + 8) / (decodeMs / 1000);

const N = 512, C = 256, OC = 256;
const a = Float32Array.from({ length: N * C }, () => rng.uniform() - 0.5);
const w = Float32Array.from({ length: OC * C }, () => rng.uniform() - 0.5);
const out = new Float32Array(N * OC);
const mmMs = time(() => matmulForward(out, a, w, null, N, C, OC));
const gflops = (2 * N * C * OC) / (mmMs / 1000) / 1e9;

console.log(`model: ${numParams(cfg).toLocaleString()} params (L=${cfg.nLayer}, H=${cfg.nHead}, C=${cfg.dModel}, V=${cfg.vocabSize}); batch ${B}×${T}, ${pos.length} scored rows`);
console.log(`forward ${fwdMs.toFixed(1)} ms, forward+backward ${stepMs.toFixed(1)} ms → ${trainTps.toFixed(0)} tokens/s`);
console.log(`decode (KV cache, 120-token prompt + 8 tokens): ${decodeMs.toFixed(2)} ms → ${decodeTps.toFixed(0)} tokens/s`);
console.log(`matmul ${N}×${C}·${C}×${OC}: ${mmMs.toFixed(2)} ms → ${gflops.toFixed(2)} GFLOP/s`);
console.log(`BENCH engine.train_tokens_per_s ${trainTps.toFixed(0)} tokens/s`);
console.log(`BENCH engine.decode_tokens_per_s ${decodeTps.toFixed(0)} tokens/s`);
console.log(`BENCH engine.matmul_gflops ${gflops.toFixed(2)} GFLOP/s`);

// The WebGPU column (default and large size beside the cpu device): bench/webgpu.ts.
if (process.argv.includes('webgpu') && process.argv.includes('--device')) {
  await (await import('./webgpu.ts')).webgpuColumn(process.argv);
  process.exit(0);
}
