#!/usr/bin/env bun
// Task-app throughput through HTTP: rollouts/s and env steps/s with 64 rollouts in flight against
// the built-in sim:random policy, and a check that no rollout was lost or duplicated under load.
//   bun run bench:taskapp [--rollouts 2560] [--concurrency 64] [--steps 20]
// `synth-rl sim --ephemeral --port 0` runs in its own process (task app + inference server, one
// event loop); this process is the client, so the two share the machine's cores. Every rollout is
// POST /rollout → per decision one POST {sim}/inference/v1/chat/completions → the env steps.
import { resolve } from 'node:path';
import { runOneRollout, runRollouts, type RolloutPlan } from '../src/client/taskapp-rollout.ts';
import { HttpClient } from '../src/client/http.ts';
import { numberArg } from './args.ts';

const ROLLOUTS = numberArg('rollouts', 2560);
const CONCURRENCY = numberArg('concurrency', 64);
const STEPS = numberArg('steps', 20);
const ENV_KEY = 'sk-bench-env';
const MAIN = resolve(import.meta.dir, '../src/cli/main.ts');
// Bound the whole run: a wedged server must not hang a CI job.
const DEADLINE_MS = 120_000;

async function startSim(): Promise<{ proc: Bun.Subprocess; taskAppUrl: string; inferenceUrl: string }> {
  const proc = Bun.spawn([process.execPath, MAIN, 'sim', '--ephemeral', '--port', '0'], {
    stdout: 'pipe', stderr: 'inherit', env: { ...process.env, ENVIRONMENT_API_KEY: ENV_KEY },
  });
  const reader = proc.stdout.getReader();
  let banner = '';
  while (!banner.includes('Ctrl-C stops')) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`simulator exited before its banner:\n${banner}`);
    banner += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const taskAppUrl = /task app\s+(http:\/\/[\d.]+:\d+)/.exec(banner)?.[1];
  const inferenceUrl = /inference\s+(http:\/\/[\d.]+:\d+\/inference)/.exec(banner)?.[1];
  if (!taskAppUrl || !inferenceUrl) throw new Error(`no task app / inference URL in the banner:\n${banner}`);
  return { proc, taskAppUrl, inferenceUrl };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const sim = await startSim();
const watchdog = setTimeout(() => {
  console.error(`bench:taskapp: gave up after ${DEADLINE_MS / 1000} s`);
  sim.proc.kill('SIGTERM');
  process.exit(1);
}, DEADLINE_MS);
try {
  const plan: RolloutPlan = {
    taskAppUrl: sim.taskAppUrl, inferenceUrl: sim.inferenceUrl, model: 'sim:random', envKey: ENV_KEY, numRollouts: ROLLOUTS,
    maxStepsEach: STEPS, timeoutSeconds: 60, concurrency: CONCURRENCY, seed: 0, preset: 'micro', runPrefix: 'bench',
  };
  // Warm-up: JIT and connection pools, not timed.
  await runRollouts({ ...plan, numRollouts: CONCURRENCY, runPrefix: 'warmup' });

  const t0 = performance.now();
  const outcomes = await runRollouts(plan);
  const seconds = (performance.now() - t0) / 1000;

  const failed = outcomes.filter((o) => !o.ok);
  const runIds = outcomes.map((o) => o.response?.run_id);
  const unique = new Set(runIds.filter((r) => r !== undefined));
  const expected = new Set(Array.from({ length: ROLLOUTS }, (_, i) => `bench-${i}`));
  const lost = [...expected].filter((r) => !unique.has(r));
  const duplicated = runIds.length - unique.size - failed.length;
  const mismatched = outcomes.filter((o) => o.response !== undefined && o.response.run_id !== o.runId).length;
  const envIds = new Set(outcomes.map((o) => o.response?.trajectories[0]?.env_id).filter((e) => e !== undefined));
  const steps = outcomes.reduce((s, o) => s + o.steps, 0);
  const decisions = outcomes.reduce((s, o) => s + Number(o.response?.metrics.details.decisions ?? 0), 0);
  const latencies = outcomes.map((o) => o.elapsedMs).sort((a, b) => a - b);
  const info = await new HttpClient({ baseUrl: sim.taskAppUrl, headers: { 'x-api-key': ENV_KEY } }).json<{ envs: { live: number } }>({ path: '/info' });
  // A last single rollout shows the unloaded latency for comparison.
  const single = await runOneRollout(new HttpClient({ baseUrl: sim.taskAppUrl, headers: { 'x-api-key': ENV_KEY } }), plan, 0, 'bench-single');

  const rps = ROLLOUTS / seconds;
  const sps = steps / seconds;
  console.log(`bench:taskapp — ${ROLLOUTS} rollouts of sim:random on micro, ${STEPS} env steps each, ${CONCURRENCY} in flight, through HTTP`);
  console.log(`  (synth-rl sim in its own process: task app + inference; client here; loopback)`);
  console.log('');
  console.log(`  rollouts/s            ${rps.toFixed(1)}`);
  console.log(`  env steps/s           ${sps.toFixed(0)}`);
  console.log(`  inference calls/s     ${(decisions / seconds).toFixed(0)}   (${decisions} decisions)`);
  console.log(`  rollout latency       p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p95 ${percentile(latencies, 0.95).toFixed(1)} ms under load; ${single.elapsedMs.toFixed(1)} ms alone`);
  console.log(`  wall time             ${seconds.toFixed(2)} s`);
  console.log(`  integrity             ${outcomes.length}/${ROLLOUTS} answered, ${failed.length} failed, ${lost.length} lost, ${duplicated} duplicated, ${mismatched} run_id mismatches, ${envIds.size} distinct envs, ${info.envs.live} envs left live`);
  console.log('');
  console.log(`BENCH taskapp.rollouts_per_s ${rps.toFixed(1)} rollouts/s`);
  console.log(`BENCH taskapp.env_steps_per_s ${sps.toFixed(0)} steps/s`);
  const broken = failed.length + lost.length + duplicated + mismatched + (envIds.size === ROLLOUTS ? 0 : 1) + info.envs.live;
  if (broken > 0) {
    for (const f of failed.slice(0, 5)) console.error(`  failed: ${f.runId}: ${f.error}`);
    console.error('bench:taskapp: rollouts were lost, duplicated or failed under load');
    process.exitCode = 1;
  }
} finally {
  clearTimeout(watchdog);
  sim.proc.kill('SIGTERM');
  await sim.proc.exited;
}
