#!/usr/bin/env bun
// Does the simulator's GRPO trainer learn, and how far does it get against the built-in baselines?
// Per preset: `sim:random` and `sim:heuristic` rolled out on the evaluation's seeds (the trainer's
// own rollout code, same requests as its evaluation), then a fresh GRPO job through the simulator's
// public API (env key sealed and uploaded, POST /api/rl/jobs, followed like `run` does), cancelled when its
// time budget is spent (it records when the goal was first reached, and runs on). Meanwhile GET /api/learning/jobs/{id} every 20 ms
// (the API must stay responsive while training).
//   micro, 10 steps/episode: goal = sim:heuristic's reward within 5 minutes
//   small, 30 steps/episode: goal = 2 × sim:random's reward within 10 minutes
//   bun run bench:learn [--preset micro|small|all] [--seed 0] [--micro-minutes 5] [--small-minutes 10]
//                       [--lr <[sim] learning_rate>] [--max-actions <[sim] max_actions>]   (default: the job defaults)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBase64Strict, encodeBase64, seal } from '../src/crypto/sealedbox.ts';
import { startSimulator, type Simulator } from '../sim/server.ts';
import { followWithStatusProbe } from './follow-job.ts';
import { rolloutReward, runRollouts, type RolloutSpec } from '../sim/trainer/rollouts.ts';
import { stringArg } from './args.ts';

const SEED = Number(stringArg('seed', '0'));
const WHICH = stringArg('preset', 'all');
const KEY = 'sk-bench-learn';
const EVAL_SEEDS = Array.from({ length: 16 }, (_, i) => i);
const EVAL_ROLLOUTS_PER_SEED = 2;
const EVAL_EVERY = 5;
const LR = stringArg('lr', '');
const MAX_ACTIONS = stringArg('max-actions', '');
/** [sim] overrides from the flags; none by default, so the bench measures the defaults users get. */
const SIM_OVERRIDES = { ...(LR !== '' && { learning_rate: Number(LR) }), ...(MAX_ACTIONS !== '' && { max_actions: Number(MAX_ACTIONS) }) };

interface Run {
  preset: 'micro' | 'small';
  steps: number;
  minutes: number;
  /** The eval reward to reach, from the baselines. */
  goal: (b: Baselines) => number;
  goalText: string;
}

const RUNS: Run[] = [
  { preset: 'micro', steps: 10, minutes: Number(stringArg('micro-minutes', '5')), goal: (b) => b.heuristic, goalText: 'sim:heuristic\'s reward' },
  { preset: 'small', steps: 30, minutes: Number(stringArg('small-minutes', '10')), goal: (b) => 2 * b.random, goalText: '2 × sim:random\'s reward' },
];

interface Baselines {
  random: number;
  heuristic: number;
}

interface Outcome {
  run: Run;
  base: Baselines;
  initial: number;
  final: number;
  evals: { step: number; value: number; atS: number }[];
  iterations: number;
  wallS: number;
  goalAtS: number | undefined;
  status: string;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const latencies: number[] = [];

/** The evaluation's rollouts (seeds × rollouts per seed) with a built-in policy. */
async function baseline(sim: Simulator, envKey: string, run: Run, model: string): Promise<number> {
  const specs: RolloutSpec[] = EVAL_SEEDS.flatMap((seed) => Array.from({ length: EVAL_ROLLOUTS_PER_SEED }, (_, r) => ({ traceId: `bench.${model}.${seed}.${r}`, seed })));
  const results = await runRollouts(specs, {
    taskAppUrl: sim.taskApp?.url as string, envKey, inferenceBaseUrl: sim.inferenceUrl, policyModel: model, preset: run.preset,
    maxSteps: run.steps, temperature: 1, topP: 1, timeoutS: 120, signal: new AbortController().signal,
  }, 16);
  return mean(results.map((r) => rolloutReward(r, 'achievements')));
}

function jobConfig(run: Run): Record<string, unknown> {
  return {
    training: { num_epochs: 1, iterations_per_epoch: 1000 },
    trainer: { batch_size: 4, group_size: 8 },
    env: { max_steps_per_episode: run.steps },
    evaluation: { seeds: EVAL_SEEDS, rollouts_per_seed: EVAL_ROLLOUTS_PER_SEED, every_n_iters: EVAL_EVERY },
    rollout: { max_concurrent_rollouts: 16, sampling_temperature: 1.0 },
    hyperparams: { beta: 0, loss_type: 'dapo', scale_rewards: 'group' },
    checkpoint: { enabled: false },
    sim: { trainer: 'grpo', preset: run.preset, seed: SEED, ...SIM_OVERRIDES },
  };
}

async function train(sim: Simulator, run: Run, base: Baselines): Promise<Outcome> {
  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${sim.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers } });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const t0 = performance.now();
  const { job_id } = await api<{ job_id: string }>('/rl/jobs', {
    method: 'POST', body: JSON.stringify({ job_type: 'rl', data: { model: 'Qwen/Qwen3-0.6B', endpoint_base_url: sim.taskApp?.url, config: jobConfig(run) } }),
  });
  type Point = { name: string; step: number; value: number };
  const metrics = async (name: string) => (await api<{ points: Point[] }>(`/learning/jobs/${job_id}/metrics?limit=5000&name=${name}`)).points;
  const evals: Outcome['evals'] = [];
  let goalAtS: number | undefined;
  let cancelled = false;
  // The time budget: cancel the job; what it has learnt by then is the result.
  const budget = setTimeout(() => {
    cancelled = true;
    void api(`/rl/jobs/${job_id}/cancel`, { method: 'POST' }).catch(() => {});
  }, run.minutes * 60_000);
  const followed = await followWithStatusProbe(sim.apiUrl, KEY, job_id, {
    pollIntervalMs: 1000,
    onItem: (i) => {
      if (i.kind !== 'metric' || i.metric.name !== 'eval.reward_mean' || cancelled) return;
      const atS = (performance.now() - t0) / 1000;
      evals.push({ step: i.metric.step ?? 0, value: i.metric.value, atS });
      if (goalAtS === undefined && i.metric.value >= run.goal(base)) goalAtS = atS;
    },
  }).finally(() => clearTimeout(budget));
  latencies.push(...followed.statusLatencies);
  const status = followed.result.status ?? followed.result.outcome;
  const wallS = (performance.now() - t0) / 1000;
  const initial = (await metrics('eval.reward_mean_initial'))[0]?.value ?? Number.NaN;
  const iterations = Math.max(0, ...(await metrics('train.reward_mean')).map((p) => p.step));
  return { run, base, initial, final: evals.at(-1)?.value ?? initial, evals, iterations, wallS, goalAtS, status };
}

function report(o: Outcome): void {
  const { run, base } = o;
  const name = `${run.preset}/${run.steps} steps`;
  console.log(`\n${name}: job seed ${SEED}, eval seeds 0..${EVAL_SEEDS.length - 1} × ${EVAL_ROLLOUTS_PER_SEED}, batch 4 × group 8, budget ${run.minutes} min${Object.keys(SIM_OVERRIDES).length ? `, [sim] ${JSON.stringify(SIM_OVERRIDES)}` : ''}; job ${o.status} after ${o.iterations} iterations, ${o.wallS.toFixed(0)} s`);
  console.log(`  eval reward (achievements per episode): sim:random ${base.random.toFixed(3)}, sim:heuristic ${base.heuristic.toFixed(3)}; trained: iteration 0 → ${o.initial.toFixed(3)}`);
  for (const e of o.evals) console.log(`    iteration ${String(e.step).padStart(3)} → ${e.value.toFixed(3)}   (${e.atS.toFixed(0)} s)`);
  console.log(`  goal (${run.goalText} = ${run.goal(base).toFixed(3)} within ${run.minutes} min): ${o.goalAtS === undefined ? 'not reached' : `reached at ${o.goalAtS.toFixed(0)} s`}`);
  const p = `learn.${run.preset}`;
  console.log(`BENCH ${p}.initial_reward ${o.initial.toFixed(3)} achievements`);
  console.log(`BENCH ${p}.trained_reward ${o.final.toFixed(3)} achievements`);
  console.log(`BENCH ${p}.random_reward ${base.random.toFixed(3)} achievements`);
  console.log(`BENCH ${p}.heuristic_reward ${base.heuristic.toFixed(3)} achievements`);
  console.log(`BENCH ${p}.trained_vs_heuristic ${(o.final / base.heuristic).toFixed(3)} x`);
  console.log(`BENCH ${p}.trained_vs_random ${(o.final / base.random).toFixed(2)} x`);
  console.log(`BENCH ${p}.iterations ${o.iterations} iterations`);
  console.log(`BENCH ${p}.wall_s ${o.wallS.toFixed(1)} s`);
  console.log(`BENCH ${p}.time_to_goal_s ${o.goalAtS === undefined ? 'NaN' : o.goalAtS.toFixed(0)} s`);
}

const selected = RUNS.filter((r) => WHICH === 'all' || r.preset === WHICH);
if (selected.length === 0) {
  console.error(`--preset must be micro, small or all, got ${WHICH}`);
  process.exit(2);
}
const stateDir = mkdtempSync(join(tmpdir(), 'synth-rl-learn-'));
const sim = await startSimulator({ port: 0, apiKeys: [KEY], stateDir, taskApp: { port: 0 }, defaultTrainer: 'grpo', queueDelayMs: 10 });
try {
  const envKey = sim.taskApp?.taskApp.environmentApiKey ?? '';
  if (envKey === '') throw new Error('the simulator started no task app');
  const pk = await (await fetch(`${sim.apiUrl}/v1/crypto/public-key`, { headers: { authorization: `Bearer ${KEY}` } })).json() as { public_key: string };
  const sealed = encodeBase64(seal(new TextEncoder().encode(envKey), decodeBase64Strict(pk.public_key) as Uint8Array));
  await fetch(`${sim.apiUrl}/v1/env-keys`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ENVIRONMENT_API_KEY', ciphertext_b64: sealed }) });
  const t0 = performance.now();
  const outcomes: Outcome[] = [];
  for (const run of selected) {
    const base = { random: await baseline(sim, envKey, run, 'sim:random'), heuristic: await baseline(sim, envKey, run, 'sim:heuristic') };
    const o = await train(sim, run, base);
    report(o);
    outcomes.push(o);
    if (o.status === 'failed') process.exitCode = 1;
  }
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN;
  console.log(`\nGET /api/learning/jobs/{id} while training: p99 ${p99.toFixed(2)} ms over ${latencies.length} requests (target ≤ 50 ms)`);
  // Headlines: micro against the scripted agent, small/30 against random (the issue's two goals).
  const micro = outcomes.find((o) => o.run.preset === 'micro');
  const small = outcomes.find((o) => o.run.preset === 'small');
  if (micro) console.log(`BENCH learn.trained_vs_heuristic ${(micro.final / micro.base.heuristic).toFixed(3)} x`);
  if (small ?? micro) console.log(`BENCH learn.trained_vs_random ${(((small ?? micro) as Outcome).final / ((small ?? micro) as Outcome).base.random).toFixed(2)} x`);
  console.log(`BENCH learn.wall_s ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`BENCH learn.status_p99_ms ${p99.toFixed(2)} ms`);
} finally {
  await sim.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
