#!/usr/bin/env bun
// Does the simulator's GRPO trainer really learn? A fresh job on the micro preset through the
// simulator's public API (env key sealed and uploaded, POST /api/rl/jobs, metrics polled), and
// meanwhile GET /api/learning/jobs/{id} latency sampled every 20 ms (must stay responsive).
//   bun run bench:learn [--iterations 30] [--seed 0]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBase64Strict, encodeBase64, seal } from '../src/crypto/sealedbox.ts';
import { startSimulator } from '../sim/server.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ITERATIONS = arg('iterations', 30);
const SEED = arg('seed', 0);
const KEY = 'sk-bench-learn';
const EVAL_SEEDS = Array.from({ length: 16 }, (_, i) => i);

const stateDir = mkdtempSync(join(tmpdir(), 'synth-rl-learn-'));
const sim = await startSimulator({ port: 0, apiKeys: [KEY], stateDir, taskApp: { port: 0 }, defaultTrainer: 'grpo', queueDelayMs: 10 });
const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
  const res = await fetch(`${sim.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers } });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};
try {
  const envKey = sim.taskApp?.taskApp.environmentApiKey ?? '';
  if (envKey === '') throw new Error('the simulator started no task app');
  const { public_key } = await api<{ public_key: string }>('/v1/crypto/public-key');
  await api('/v1/env-keys', { method: 'POST', body: JSON.stringify({ name: 'ENVIRONMENT_API_KEY', ciphertext_b64: encodeBase64(seal(new TextEncoder().encode(envKey), decodeBase64Strict(public_key) as Uint8Array)) }) });
  const config = {
    training: { num_epochs: 1, iterations_per_epoch: ITERATIONS },
    trainer: { batch_size: 4, group_size: 8 },
    env: { max_steps_per_episode: 10 },
    evaluation: { seeds: EVAL_SEEDS, rollouts_per_seed: 2, every_n_iters: 5 },
    rollout: { max_concurrent_rollouts: 16, sampling_temperature: 1.0 },
    hyperparams: { beta: 0, loss_type: 'dapo', scale_rewards: 'group' },
    checkpoint: { interval: 10, keep_last_n: 1 },
    sim: { trainer: 'grpo', preset: 'micro', seed: SEED },
  };
  const t0 = performance.now();
  const { job_id } = await api<{ job_id: string }>('/rl/jobs', {
    method: 'POST', body: JSON.stringify({ job_type: 'rl', data: { model: 'Qwen/Qwen3-0.6B', endpoint_base_url: sim.taskApp?.url, config } }),
  });
  const latencies: number[] = [];
  let status = 'queued';
  while (!['succeeded', 'failed', 'cancelled'].includes(status)) {
    const s0 = performance.now();
    status = (await api<{ status: string }>(`/learning/jobs/${job_id}`)).status;
    latencies.push(performance.now() - s0);
    await Bun.sleep(20);
  }
  const wall = (performance.now() - t0) / 1000;
  const { points } = await api<{ points: { name: string; step: number; value: number }[] }>(`/learning/jobs/${job_id}/metrics?limit=5000`);
  const initial = points.find((p) => p.name === 'eval.reward_mean_initial')?.value ?? Number.NaN;
  const evals = points.filter((p) => p.name === 'eval.reward_mean');
  const train = points.filter((p) => p.name === 'train.reward_mean');
  const final = evals.at(-1)?.value ?? Number.NaN;
  const firstDouble = evals.find((p) => p.value >= 2 * initial)?.step;
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN;
  const p50 = latencies[Math.floor(latencies.length * 0.5)] ?? Number.NaN;
  if (status !== 'succeeded') {
    const { events } = await api<{ events: { type: string; message: string }[] }>(`/learning/jobs/${job_id}/events?limit=1000`);
    console.error(`job ${status}: ${events.at(-1)?.message}`);
    process.exitCode = 1;
  }
  console.log(`job ${job_id}: ${status} after ${wall.toFixed(1)} s; job seed ${SEED}, eval seeds 0..${EVAL_SEEDS.length - 1} × 2 rollouts, micro preset, 10 steps/episode`);
  console.log(`eval.reward_mean (achievements unlocked per episode): iteration 0 → ${initial.toFixed(3)}`);
  for (const p of evals) console.log(`  iteration ${String(p.step).padStart(2)} → ${p.value.toFixed(3)}  (${(p.value / initial).toFixed(2)}×)`);
  console.log(`train.reward_mean by iteration: ${train.map((p) => p.value.toFixed(2)).join(' ')}`);
  console.log(`first eval at ≥ 2× the initial value: ${firstDouble === undefined ? 'never' : `iteration ${firstDouble}`}; final ratio ${(final / initial).toFixed(2)}×`);
  console.log(`GET /api/learning/jobs/{id} while training: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms over ${latencies.length} requests (target p99 ≤ 50 ms)`);
  console.log(`BENCH learn.reward_ratio ${(final / initial).toFixed(2)} x`);
  console.log(`BENCH learn.wall_s ${wall.toFixed(1)} s`);
  console.log(`BENCH learn.status_p99_ms ${p99.toFixed(2)} ms`);
} finally {
  await sim.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
