#!/usr/bin/env bun
// The GRPO loop's speed, as `synth-rl demo` runs it (micro preset, 4 seeds × 8 rollouts of 10
// steps, 16 in flight): rollouts/s while training (sampling batched on the device), seconds per
// update, and the job's wall time, for the fast device on all threads beside the reference device
// on one thread, in one run. Also the backend's status latency meanwhile (it must stay responsive).
//   bun run bench:grpo [--iterations 6] [--device cpu] [--threads N] [--no-reference]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { decodeBase64Strict, encodeBase64, seal } from '../src/crypto/sealedbox.ts';
import { defaultThreads, DEVICE_CHOICES, isDeviceChoice, type DeviceChoice } from '../sim/model/devices/factory.ts';
import { startSimulator } from '../sim/server.ts';
import { followWithStatusProbe } from './follow-job.ts';

const { values: args } = parseArgs({
  options: { iterations: { type: 'string', default: '6' }, device: { type: 'string', default: 'cpu' }, threads: { type: 'string' }, 'no-reference': { type: 'boolean', default: false } },
});
if (!isDeviceChoice(args.device)) {
  console.error(`bench:grpo: --device must be one of ${DEVICE_CHOICES.join(', ')}, got ${JSON.stringify(args.device)}`);
  process.exit(2);
}
const ITERATIONS = Number(args.iterations);
const THREADS = args.threads === undefined ? defaultThreads() : Number(args.threads);
if (!Number.isInteger(ITERATIONS) || ITERATIONS < 1 || !Number.isInteger(THREADS) || THREADS < 1) {
  console.error('bench:grpo: --iterations and --threads must be positive integers');
  process.exit(2);
}
const KEY = 'sk-bench-grpo';

interface Run { wall: number; cpuS: number; batchMean: number; rolloutsPerS: number; updateS: number; trainS: number; p99: number; reward: number[] }

/** This process's CPU seconds (all threads): the work done, whatever else runs on the machine. */
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function runJob(device: DeviceChoice, threads: number): Promise<Run> {
  const sim = await startSimulator({ port: 0, apiKeys: [KEY], taskApp: { port: 0 }, defaultTrainer: 'grpo', queueDelayMs: 10, device: { device, threads } });
  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${sim.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers } });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  try {
    const envKey = sim.taskApp?.taskApp.environmentApiKey ?? '';
    const { public_key } = await api<{ public_key: string }>('/v1/crypto/public-key');
    await api('/v1/env-keys', { method: 'POST', body: JSON.stringify({ name: 'ENVIRONMENT_API_KEY', ciphertext_b64: encodeBase64(seal(new TextEncoder().encode(envKey), decodeBase64Strict(public_key) as Uint8Array)) }) });
    const config = {
      training: { num_epochs: 1, iterations_per_epoch: ITERATIONS },
      trainer: { batch_size: 4, group_size: 8 },
      env: { max_steps_per_episode: 10 },
      evaluation: { seeds: [0, 1, 2, 3], rollouts_per_seed: 2, every_n_iters: ITERATIONS },
      rollout: { max_concurrent_rollouts: 16, sampling_temperature: 1.0 },
      hyperparams: { loss_type: 'dapo', scale_rewards: 'group' },
      checkpoint: { enabled: false },
      sim: { trainer: 'grpo', preset: 'micro', seed: 0 },
    };
    const t0 = performance.now();
    const c0 = cpuS();
    const { job_id } = await api<{ job_id: string }>('/rl/jobs', { method: 'POST', body: JSON.stringify({ job_type: 'rl', data: { model: 'Qwen/Qwen3-0.6B', endpoint_base_url: sim.taskApp?.url, config } }) });
    const steps: Record<string, number>[] = [];
    const { result, statusLatencies: latencies } = await followWithStatusProbe(sim.apiUrl, KEY, job_id, {
      onEvent: (e) => void (e.type === 'rl.train.step' && steps.push(e.data as Record<string, number>)),
    });
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuS() - c0;
    if (result.outcome !== 'succeeded') throw new Error(`job ${result.status ?? result.outcome}: ${result.reason}`);
    const sum = (k: string) => steps.reduce((a, d) => a + (d[k] ?? 0), 0);
    latencies.sort((a, b) => a - b);
    return {
      wall, cpuS: cpu, batchMean: sum('sample_batch_mean') / steps.length, rolloutsPerS: (steps.length * 32) / sum('rollout_seconds'), updateS: sum('update_seconds') / steps.length,
      trainS: sum('step_seconds'), p99: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN, reward: steps.map((d) => d.reward_mean ?? 0),
    };
  } finally {
    await sim.stop();
  }
}

const columns: [string, DeviceChoice, number][] = [[`${args.device} ×${THREADS}`, args.device, THREADS], ...(args['no-reference'] ? [] : [['reference ×1', 'reference', 1] as [string, DeviceChoice, number]])];
console.log(`bench:grpo — ${ITERATIONS} GRPO iterations of 32 rollouts (micro, 10 steps each, 16 in flight), as the demo runs them; load average ${loadavg()[0]?.toFixed(1)}`);
const runs: Run[] = [];
for (const [label, device, threads] of columns) {
  const r = await runJob(device, threads);
  runs.push(r);
  console.log(`  ${label.padEnd(14)} rollouts/s ${r.rolloutsPerS.toFixed(1).padStart(6)} (${r.batchMean.toFixed(1)} samples per device call)   update ${r.updateS.toFixed(2)} s   training ${r.trainS.toFixed(1)} s   job ${r.wall.toFixed(1)} s (${r.cpuS.toFixed(1)} CPU-s)   status p99 ${r.p99.toFixed(1)} ms`);
}
const fast = runs[0] as Run;
console.log(`BENCH grpo.rollouts_per_s ${fast.rolloutsPerS.toFixed(1)} rollouts/s`);
console.log(`BENCH grpo.update_s ${fast.updateS.toFixed(3)} s`);
console.log(`BENCH grpo.train_s_per_iteration ${(fast.trainS / ITERATIONS).toFixed(2)} s`);
console.log(`BENCH grpo.job_cpu_s ${fast.cpuS.toFixed(1)} s`);
console.log(`BENCH grpo.status_p99_ms ${fast.p99.toFixed(1)} ms`);
