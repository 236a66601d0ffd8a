// WebGPU figures for bench:engine (`--device webgpu`): train tokens/s (forward + backward + AdamW,
// everything resident), matmul GFLOP/s through the tiled WGSL kernel, and the two sampling routes
// (weights copied to the CPU KV-cache decoder vs. batched full forwards on the device).
import { Rng } from '../sim/crafter/rng.ts';
import type { ModelConfig } from '../sim/model/config.ts';
import type { DeviceInit, RowBatch, SampleRequest } from '../sim/model/device.ts';
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

function timeAsync(fn: () => Promise<void>, minMs: number, minRuns = 2): Promise<number> {
  return (async () => {
    await fn();
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

/** One full update (forward, backward, clip + AdamW) per call; returns milliseconds per update. */
export async function trainStepMs(gpu: GpuHandle, cfg: ModelConfig, batch: RowBatch, minMs: number): Promise<number> {
  const dev = new WebGpuDevice(new GpuRuntime(gpu), benchInit(cfg));
  const dlp = new Float32Array(batch.pos.length).fill(1 / batch.pos.length);
  const ms = await timeAsync(async () => {
    await dev.forward(batch, 'policy');
    await dev.backward(dlp);
    await dev.step({ maxGradNorm: 1 });
  }, minMs);
  dev.dispose();
  return ms;
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
