#!/usr/bin/env bun
// The training engine's speed through the device seam, side by side in one run: the reference
// device (plain-TS kernels, one thread) and the fast device on 1 thread and on all threads, at the
// default simulator size and a larger one. Train tokens/s = B·T tokens per (forward + backward +
// clip + AdamW); matmul GFLOP/s per core for the reference kernels and the wasm kernels.
//   bun run bench:engine [--device cpu] [--threads N] [--seconds S]
//   bun run bench:engine --device webgpu [--webgpu-adapter hardware|software] [--large-batch N]
//     (WebGPU beside the cpu device at the default and a large size: bench/webgpu.ts)
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Rng } from '../sim/crafter/rng.ts';
import { matmulBackward, matmulForward } from '../sim/model/cpu/kernels.ts';
import { numParams, type ModelConfig } from '../sim/model/config.ts';
import type { DeviceInit, RowBatch } from '../sim/model/device.ts';
import { createDevice, defaultThreads, isDeviceChoice, DEVICE_CHOICES, type DeviceChoice } from '../sim/model/devices/factory.ts';
import { Arena } from '../sim/model/wasm/arena.ts';
import { gemmScratchBytes, matmul } from '../sim/model/wasm/module.ts';

const { values: args } = parseArgs({ options: {
  device: { type: 'string', default: 'cpu' }, threads: { type: 'string' }, seconds: { type: 'string', default: '1.5' },
  'webgpu-adapter': { type: 'string' }, 'large-batch': { type: 'string' },
} });
if (!isDeviceChoice(args.device)) {
  console.error(`bench:engine: --device must be one of ${DEVICE_CHOICES.join(', ')}, got ${JSON.stringify(args.device)}`);
  process.exit(2);
}
if (args.device === 'webgpu') {
  await (await import('./webgpu.ts')).webgpuColumn(process.argv);
  process.exit(0);
}
const FAST: DeviceChoice = args.device;
const ALL = args.threads === undefined ? defaultThreads() : Number(args.threads);
if (!Number.isInteger(ALL) || ALL < 1) {
  console.error(`bench:engine: --threads must be a positive integer, got ${args.threads}`);
  process.exit(2);
}
const MIN_MS = 1000 * Number(args.seconds);

interface Size { name: string; cfg: ModelConfig; B: number; T: number; scoredPerRow: number }
const SIZES: Size[] = [
  { name: 'default', cfg: { vocabSize: 160, maxSeqLen: 128, nLayer: 2, nHead: 2, dModel: 64 }, B: 16, T: 128, scoredPerRow: 8 },
  { name: 'large', cfg: { vocabSize: 160, maxSeqLen: 256, nLayer: 4, nHead: 4, dModel: 256 }, B: 4, T: 256, scoredPerRow: 8 },
];

/** Columns: a device and its thread count. The WebGPU device adds its own with --device webgpu. */
const COLUMNS: { label: string; device: DeviceChoice; threads: number }[] = [
  { label: 'reference ×1', device: 'reference', threads: 1 },
  { label: `${FAST} ×1`, device: FAST, threads: 1 },
  ...(ALL > 1 ? [{ label: `${FAST} ×${ALL}`, device: FAST, threads: ALL }] : []),
];

/** This process's CPU milliseconds so far, all threads (Workers included). */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU ms per call of the last time() measurement: on a loaded machine, wall time over-counts. */
let lastCpuMs = 0;

/** Mean ms per call: one warm-up, then repeats for at least MIN_MS (one call if a call is slower). */
async function time(fn: () => Promise<void> | void): Promise<number> {
  let t0 = performance.now();
  let c0 = cpuMs();
  await fn();
  const first = performance.now() - t0;
  lastCpuMs = cpuMs() - c0;
  if (first > MIN_MS) return first;
  let n = 0;
  t0 = performance.now();
  c0 = cpuMs();
  while (performance.now() - t0 < MIN_MS || n < 2) {
    await fn();
    n++;
  }
  lastCpuMs = (cpuMs() - c0) / n;
  return (performance.now() - t0) / n;
}

function rlBatch(s: Size): RowBatch {
  const rng = new Rng(1);
  const { B, T, scoredPerRow: k } = s;
  const V = s.cfg.vocabSize;
  const tokens = Int32Array.from({ length: B * T }, () => rng.below(V));
  const pos = Int32Array.from({ length: B * k }, (_, i) => Math.floor(i / k) * T + T - k - 1 + (i % k));
  return { tokens, B, T, pos, targets: Int32Array.from(pos, () => rng.below(V)), temperature: 1 };
}

async function trainTokensPerS(s: Size, device: DeviceChoice, threads: number): Promise<{ tps: number; perCpuS: number; description: string }> {
  const init: DeviceInit = { model: s.cfg, seed: 1, optimizer: { lr: 1e-4, weightDecay: 0 }, withReference: false, grammar: { vocabSize: s.cfg.vocabSize, actionIds: [1], endId: 2 } };
  const d = await createDevice(device, init, { threads });
  try {
    const batch = rlBatch(s);
    const dl = new Float32Array(batch.pos.length).fill(1 / batch.pos.length);
    const ms = await time(async () => {
      await d.forward(batch, 'policy');
      await d.backward(dl);
      await d.step({ maxGradNorm: 1 });
    });
    return { tps: (s.B * s.T) / (ms / 1000), perCpuS: (s.B * s.T) / (lastCpuMs / 1000), description: d.description };
  } finally {
    d.dispose();
  }
}

/** GFLOP/s of out[N,OC] = inp[N,C]·Wᵀ (forward) and of its backward (dinp and dW: twice the flops). */
async function matmulGflops(): Promise<{ ref: [number, number]; wasm: [number, number] }> {
  const N = 512, C = 256, OC = 256;
  const rng = new Rng(2);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform() - 0.5);
  const [inp, w, dout] = [rand(N * C), rand(OC * C), rand(N * OC)];
  const out = new Float32Array(N * OC), dinp = new Float32Array(N * C), dw = new Float32Array(OC * C);
  const gf = (flops: number, ms: number) => flops / (ms / 1000) / 1e9;
  const refF = await time(() => matmulForward(out, inp, w, null, N, C, OC));
  const refB = await time(() => matmulBackward(dinp, dw, null, dout, inp, w, N, C, OC));
  const a = new Arena();
  const put = (x: Float32Array) => {
    const at = a.alloc(x.length);
    a.f32.set(x, at >> 2);
    return at;
  };
  const p = { inp: put(inp), w: put(w), out: put(out), dout: put(dout), dinp: put(dinp), dw: put(dw) };
  const S = a.alloc(Math.ceil(Math.max(gemmScratchBytes(N, C, OC), gemmScratchBytes(N, OC, C), gemmScratchBytes(OC, N, C)) / 4));
  const k = a.k;
  const wasmF = await time(() => matmul(k, p.out, 0, 0, p.inp, false, p.w, true, N, C, OC, S));
  // Backward as two forward-shaped products: dinp = dout·W, dW += doutᵀ·inp.
  const wasmB = await time(() => {
    matmul(k, p.dinp, 0, 0, p.dout, false, p.w, false, N, OC, C, S);
    matmul(k, p.dw, p.dw, 0, p.dout, true, p.inp, false, OC, N, C, S);
  });
  const f = 2 * N * C * OC;
  return { ref: [gf(f, refF), gf(2 * f, refB)], wasm: [gf(f, wasmF), gf(2 * f, wasmB)] };
}

const pad = (x: string, n: number) => x.padStart(n);
const results = new Map<string, number>();
console.log(`bench:engine — ${ALL} thread(s) available to "all threads"; ${MIN_MS / 1000} s per figure; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`);
console.log('(tokens per CPU-second: throughput per busy core, less sensitive to other processes than wall time)');
for (const s of SIZES) {
  console.log(`\n${s.name}: ${numParams(s.cfg).toLocaleString('en-US')} params (L=${s.cfg.nLayer}, H=${s.cfg.nHead}, C=${s.cfg.dModel}, V=${s.cfg.vocabSize}); batch ${s.B}×${s.T}, ${s.B * s.scoredPerRow} scored rows`);
  const cells: string[] = [];
  for (const c of COLUMNS) {
    const r = await trainTokensPerS(s, c.device, c.threads);
    results.set(`${s.name}/${c.device}/${c.threads}`, r.tps);
    cells.push(`${pad(c.label, 14)} ${pad(r.tps.toFixed(0), 8)} tokens/s   ${pad(r.perCpuS.toFixed(0), 8)} per CPU-second   (${r.description})`);
  }
  for (const line of cells) console.log(`  train ${line}`);
}
const mm = await matmulGflops();
console.log('\nmatmul 512×256·256×256, one core:');
console.log(`  forward   reference ${mm.ref[0].toFixed(2)} GFLOP/s   wasm ${mm.wasm[0].toFixed(2)} GFLOP/s`);
console.log(`  backward  reference ${mm.ref[1].toFixed(2)} GFLOP/s   wasm ${mm.wasm[1].toFixed(2)} GFLOP/s`);
console.log('\ntargets (2 cores): ≥ 48,000 train tokens/s at the default size (goal 95,000), ≥ 4,000 at the large size, matmul ≥ 40 GFLOP/s per core');
const headline = (size: string) => results.get(`${size}/${FAST}/${ALL}`) ?? results.get(`${size}/${FAST}/1`) ?? 0;
console.log(`BENCH engine.train_tokens_per_s ${headline('default').toFixed(0)} tokens/s`);
console.log(`BENCH engine.large.train_tokens_per_s ${headline('large').toFixed(0)} tokens/s`);
console.log(`BENCH engine.reference.train_tokens_per_s ${(results.get('default/reference/1') ?? 0).toFixed(0)} tokens/s`);
console.log(`BENCH engine.matmul_fwd_gflops ${mm.wasm[0].toFixed(2)} GFLOP/s`);
console.log(`BENCH engine.matmul_bwd_gflops ${mm.wasm[1].toFixed(2)} GFLOP/s`);
