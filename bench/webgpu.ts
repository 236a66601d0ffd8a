// WebGPU figures for bench:engine (`--device webgpu`): train tokens/s (forward + backward + AdamW,
// everything resident), matmul GFLOP/s through the tiled WGSL kernel, and the two sampling routes
// (weights copied to a CPU copy of the policy vs. batched forwards on the device).
import { Rng } from '../sim/crafter/rng.ts';
import { matmulForward as cpuMatmul } from '../sim/model/cpu/kernels.ts';
import type { ModelConfig } from '../sim/model/config.ts';
import type { DeviceInit, PolicyDevice, RowBatch, SampleRequest } from '../sim/model/device.ts';
import { WebGpuDevice } from '../sim/model/webgpu/device.ts';
import { GpuOps } from '../sim/model/webgpu/ops.ts';
import { GpuRuntime } from '../sim/model/webgpu/runtime.ts';
import { sampleToken } from '../sim/model/sample.ts';
import { grammarMask, type GrammarTokens } from '../sim/policy/generate.ts';
import { acquireGpu, type AdapterChoice, type GpuHandle } from '../src/runtime/webgpu.ts';

/** The adapter the bench runs on: the one asked for, else (bench only) the software one, said so. */
export async function benchGpu(choice: AdapterChoice | undefined): Promise<{ gpu: GpuHandle; note: string } | { error: string }> {
  const first = await acquireGpu(choice ?? 'hardware');
  if (first.ok) return { gpu: first.gpu, note: '' };
  if (choice !== undefined) return { error: first.reason };
  const soft = await acquireGpu('software');
  if (!soft.ok) return { error: `${first.reason}; ${soft.reason}` };
  return { gpu: soft.gpu, note: `no hardware adapter (${first.reason}): measured on the software adapter` };
}

function timeAsync(fn: () => Promise<void>, minMs: number, minRuns = 2, warmup = true): Promise<number> {
  return (async () => {
    if (warmup) await fn();
    let n = 0;
    const t0 = performance.now();
    while (n < minRuns || performance.now() - t0 < minMs) {
      await fn();
      n++;
    }
    return (performance.now() - t0) / n;
  })();
}

export function benchInit(cfg: ModelConfig): DeviceInit {
  return { model: cfg, seed: 1, optimizer: { lr: 1e-3, weightDecay: 0.01 }, withReference: false, grammar: { vocabSize: cfg.vocabSize, actionIds: [3, 4, 5], endId: 6 } };
}

export function benchBatch(cfg: ModelConfig, B: number, T: number, scoredPerRow: number, seed = 1): RowBatch {
  const rng = new Rng(seed);
  const tokens = Int32Array.from({ length: B * T }, () => rng.below(cfg.vocabSize));
  const pos = Int32Array.from({ length: B * scoredPerRow }, (_, i) => Math.floor(i / scoredPerRow) * T + T - scoredPerRow - 1 + (i % scoredPerRow));
  const targets = Int32Array.from({ length: pos.length }, () => rng.below(cfg.vocabSize));
  return { tokens, B, T, pos, targets, temperature: 1 };
}

/** Milliseconds per full update (forward, backward, clip + AdamW) of `dev` on `batch`; disposes `dev`. */
async function updateMs(dev: PolicyDevice, batch: RowBatch, minMs: number, runs: number): Promise<number> {
  const dlp = new Float32Array(batch.pos.length).fill(1 / batch.pos.length);
  const ms = await timeAsync(async () => {
    await dev.forward(batch, 'policy');
    await dev.backward(dlp);
    await dev.step({ maxGradNorm: 1 });
  }, minMs, runs, runs > 1);
  dev.dispose();
  return ms;
}

/** One full update (forward, backward, clip + AdamW) per call on the GPU; returns milliseconds per update. */
export async function trainStepMs(gpu: GpuHandle, cfg: ModelConfig, batch: RowBatch, minMs: number, runs = 2): Promise<number> {
  return updateMs(new WebGpuDevice(new GpuRuntime(gpu), benchInit(cfg)), batch, minMs, runs);
}

/** GFLOP/s of out[N,OC] = a[N,C]·w[OC,C]ᵀ, `reps` dispatches per submit, one readback to finish. */
export async function matmulGflops(gpu: GpuHandle, N: number, C: number, OC: number, minMs: number): Promise<number> {
  const rt = new GpuRuntime(gpu);
  const ops = new GpuOps(rt);
  const rng = new Rng(3);
  const P = rt.buffer(OC * C); const G = rt.buffer(1); const A = rt.buffer(N * C + N * OC); const D = rt.buffer(1);
  rt.write(P, 0, Float32Array.from({ length: OC * C }, () => rng.uniform() - 0.5));
  rt.write(A, 0, Float32Array.from({ length: N * C }, () => rng.uniform() - 0.5));
  const reps = 8;
  const ms = await timeAsync(async () => {
    for (let i = 0; i < reps; i++) ops.matmulForward([P, G, A, D], N * C, 0, 0, -1, N, C, OC);
    await rt.read(A, N * C, 1);
  }, minMs);
  rt.destroy();
  return (2 * N * C * OC * reps) / (ms / 1000) / 1e9;
}

/**
 * The sampling decision: per GRPO iteration the CPU route pays one weight copy plus KV-cache
 * decoding on the CPU; the device route pays one batched full forward (and a logits readback) per
 * sampled token. Returns ms for `requests` completions by each route.
 */
export async function samplingRoutesMs(gpu: GpuHandle, cfg: ModelConfig, requests: SampleRequest[]): Promise<{ copyMs: number; cpuMs: number; deviceMs: number }> {
  const dev = new WebGpuDevice(new GpuRuntime(gpu), benchInit(cfg));
  const t0 = performance.now();
  await dev.exportState();
  const copyMs = performance.now() - t0;
  const cpuMs = await timeAsync(async () => { dev.invalidateSampler(); await dev.sample(requests); }, 500, 1);
  const g = { vocabSize: cfg.vocabSize, actionIds: Int32Array.from([3, 4, 5]), endId: 6 };
  const deviceMs = await timeAsync(async () => { await sampleOnDevice(dev, requests, g); }, 500, 1);
  dev.dispose();
  return { copyMs, cpuMs, deviceMs };
}

/** The device route: every live request's next token from one batched forward (no KV cache). */
async function sampleOnDevice(dev: WebGpuDevice, requests: SampleRequest[], g: GrammarTokens): Promise<number[][]> {
  const rngs = requests.map((r) => new Rng(r.seed));
  const out = requests.map(() => [] as number[]);
  const done = requests.map(() => false);
  for (let step = 0; ; step++) {
    const live = requests.map((_, i) => i).filter((i) => !done[i] && step < (requests[i] as SampleRequest).maxActions);
    if (live.length === 0) return out;
    const logits = await dev.lastLogits(live.map((i) => [...(requests[i] as SampleRequest).prompt, ...(out[i] as number[])]));
    const V = g.vocabSize;
    live.forEach((i, k) => {
      const r = requests[i] as SampleRequest;
      const s = sampleToken(logits.subarray(k * V, (k + 1) * V), { temperature: r.temperature, topP: r.topP, allowed: grammarMask(step, r.maxActions, g) }, rngs[i] as Rng);
      (out[i] as number[]).push(s.token);
      if (s.token === g.endId) done[i] = true;
    });
  }
}

interface Size { name: string; cfg: ModelConfig; B: number; T: number; scored: number }

/** Train tokens/s of the cpu device on the same batch (forward, backward, clip + AdamW). */
async function cpuTrainMs(size: Size, minMs: number, runs: number): Promise<number> {
  const { createDevice } = await import('../sim/model/devices/factory.ts');
  return updateMs(await createDevice('cpu', benchInit(size.cfg)), benchBatch(size.cfg, size.B, size.T, size.scored), minMs, runs);
}

function cpuMatmulGflops(N: number, C: number, OC: number, minMs: number): number {
  const rng = new Rng(3);
  const a = Float32Array.from({ length: N * C }, () => rng.uniform() - 0.5);
  const w = Float32Array.from({ length: OC * C }, () => rng.uniform() - 0.5);
  const out = new Float32Array(N * OC);
  let n = 0;
  const t0 = performance.now();
  while (n < 2 || performance.now() - t0 < minMs) {
    cpuMatmul(out, a, w, null, N, C, OC);
    n++;
  }
  return (2 * N * C * OC * n) / ((performance.now() - t0) / 1000) / 1e9;
}

/**
 * `bun run bench:engine --device webgpu`: the default and a large size, cpu device and WebGPU side
 * by side. --webgpu-adapter hardware|software picks the adapter (default: hardware, else software,
 * said so); --large-batch N sets the large size's batch (default 2; 1 on a software adapter).
 */
export async function webgpuColumn(argv: readonly string[]): Promise<void> {
  const flag = (name: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
  const adapterFlag = flag('webgpu-adapter');
  if (adapterFlag !== undefined && adapterFlag !== 'hardware' && adapterFlag !== 'software') throw new Error(`--webgpu-adapter must be hardware or software, got ${adapterFlag}`);
  const got = await benchGpu(adapterFlag);
  if ('error' in got) {
    console.log(`webgpu: not usable here: ${got.error}`);
    return;
  }
  const { gpu } = got;
  console.log(`\nwebgpu adapter: ${gpu.adapterName}${got.note ? ` (${got.note})` : ''}`);
  const largeB = Number(flag('large-batch') ?? (gpu.software ? 1 : 2));
  const sizes: Size[] = [
    { name: 'default', cfg: { vocabSize: 160, maxSeqLen: 256, nLayer: 2, nHead: 2, dModel: 64 }, B: 16, T: 128, scored: 8 },
    { name: 'large', cfg: { vocabSize: 160, maxSeqLen: 256, nLayer: 8, nHead: 8, dModel: 512 }, B: largeB, T: 256, scored: 8 },
  ];
  const minMs = gpu.software ? 1 : 2000;
  for (const s of sizes) {
    const tokens = s.B * s.T;
    // On a software adapter one large update takes minutes: time a single one (pipeline builds included).
    const runs = gpu.software && s.name === 'large' ? 1 : 2;
    const gpuMs = await trainStepMs(gpu, s.cfg, benchBatch(s.cfg, s.B, s.T, s.scored), minMs, runs);
    const cpuMs = await cpuTrainMs(s, minMs, runs);
    const suffix = s.name === 'default' ? '' : `_${s.name}`;
    console.log(`train ${s.name} (L=${s.cfg.nLayer}, H=${s.cfg.nHead}, C=${s.cfg.dModel}, batch ${s.B}×${s.T}): cpu device ${(tokens / (cpuMs / 1000)).toFixed(0)} tokens/s, webgpu ${(tokens / (gpuMs / 1000)).toFixed(0)} tokens/s (${(cpuMs / gpuMs).toFixed(2)}× the cpu)`);
    console.log(`BENCH engine.cpu.train_tokens_per_s${suffix} ${(tokens / (cpuMs / 1000)).toFixed(1)} tokens/s`);
    console.log(`BENCH engine.webgpu.train_tokens_per_s${suffix} ${(tokens / (gpuMs / 1000)).toFixed(1)} tokens/s`);
    console.log(`BENCH engine.webgpu.speedup_vs_cpu${suffix} ${(cpuMs / gpuMs).toFixed(3)} x`);
  }
  for (const [name, N, C, OC] of [['default', 512, 256, 256], ['large', 512, 512, 2048]] as const) {
    const g = await matmulGflops(gpu, N, C, OC, gpu.software ? 500 : 1500);
    const c = cpuMatmulGflops(N, C, OC, 500);
    const suffix = name === 'default' ? '' : `_${name}`;
    console.log(`matmul ${N}×${C}·${C}×${OC}: cpu kernel ${c.toFixed(2)} GFLOP/s, webgpu ${g.toFixed(2)} GFLOP/s`);
    console.log(`BENCH engine.webgpu.matmul_gflops${suffix} ${g.toFixed(3)} GFLOP/s`);
  }
  const rng = new Rng(5);
  const cfg = sizes[0]!.cfg;
  const requests = Array.from({ length: 32 }, (_, i) => ({ prompt: Array.from({ length: 100 }, () => rng.below(cfg.vocabSize)), seed: i, temperature: 1, topP: 1, maxActions: 2 }));
  const r = await samplingRoutesMs(gpu, cfg, requests);
  console.log(`sampling 32 completions (100-token prompts, 2 actions): weights to the cpu ${r.copyMs.toFixed(1)} ms + batched forwards on the cpu ${r.cpuMs.toFixed(0)} ms; batched forwards on the device ${r.deviceMs.toFixed(0)} ms`);
  console.log(`BENCH engine.webgpu.sample_cpu_route_ms ${(r.copyMs + r.cpuMs).toFixed(1)} ms`);
  console.log(`BENCH engine.webgpu.sample_device_route_ms ${r.deviceMs.toFixed(1)} ms`);
}
