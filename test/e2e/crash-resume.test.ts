// Issue 14, acceptance 2: `kill -9` of a real `synth-rl sim` process at three moments of a GRPO job
// (during rollouts, during an update, right after a checkpoint), then a restart on the same state
// dir and port. The job resumes and succeeds, seq is gapless, no step appears twice, and a
// `synth-rl run` attached through the outage prints every event once and exits 0. A crash right
// after a checkpoint ends with the same weights as an uninterrupted job with the same seed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseTar } from 'nanotar';
import type { JobEvent, MetricPoint } from '../../src/api/jobs.ts';
import { startTaskApp, type RunningTaskApp } from '../../sim/taskapp/index.ts';
import { cli, tempDir, type CliRun } from '../helpers/cli.ts';
import { bannerUrl, startServer, type ServerProcess } from '../helpers/process.ts';

const KEY = 'sk-crash-resume';
const ENV_KEY = 'env-crash-resume';
const ITERATIONS = 3;

// Small and fast; beta > 0 so the KL reference must survive the crash too; a checkpoint every
// iteration, an evaluation at iterations 2 and 3. Seed 4 with native returns updates the weights
// at every iteration (sparse achievement rewards often give equal-reward groups and no update).
const CONFIG = `
[training]
num_epochs = 1
iterations_per_epoch = ${ITERATIONS}
[trainer]
batch_size = 2
group_size = 4
[env]
max_steps_per_episode = 8
[evaluation]
seeds = [0, 1]
every_n_iters = 2
[checkpoint]
interval = 1
keep_last_n = 5
[hyperparams]
beta = 0.05
reward = "native_return"
[sim]
preset = "micro"
seed = 4
[sim.model]
n_layer = 1
n_head = 2
d_model = 16
n_ctx = 96
`;

let taskApp: RunningTaskApp;
beforeAll(async () => {
  // The task app lives outside the simulator (as a user's would) and outlives its crash.
  taskApp = await startTaskApp({ port: 0, environmentApiKey: ENV_KEY });
});
afterAll(() => taskApp.stop());

interface Sim extends ServerProcess {
  url: string;
}

async function startSim(stateDir: string, port: number, extra: string[] = []): Promise<Sim> {
  const p = await startServer(['sim', '--port', String(port), '--no-task-app', '--state-dir', stateDir, '--api-key', KEY, ...extra]);
  return { ...p, url: bannerUrl(p.banner, 'backend') };
}

async function api<T>(sim: Sim, path: string): Promise<T> {
  const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function waitForHold(sim: Sim): Promise<string> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const { held } = await api<{ held: { job_id: string }[] }>(sim, '/_sim/faults');
    if (held.length > 0) return (held[0] as { job_id: string }).job_id;
    await Bun.sleep(20);
  }
  throw new Error('the trainer never reached the hold point');
}

/** synth_rl/weights.f32 and the AdamW moments of a checkpoint tarball. */
async function checkpointState(stateDir: string, jobId: string, label: string): Promise<Record<string, Uint8Array>> {
  const tar = Bun.gunzipSync(await Bun.file(join(stateDir, 'checkpoints', jobId, `${label}.tar.gz`)).bytes());
  const files = parseTar(tar);
  const pick = (name: string) => files.find((f) => f.name === name)?.data as Uint8Array;
  return { weights: pick('synth_rl/weights.f32'), adam_m: pick('synth_rl/adam_m.f32'), adam_v: pick('synth_rl/adam_v.f32') };
}

interface Crash {
  jobId: string;
  stateDir: string;
  sim: Sim;
  run: CliRun;
  events: JobEvent[];
  env: Record<string, string>;
  cwd: string;
}

/** Runs a job under `synth-rl run`, kills the simulator with SIGKILL at the hold point, restarts it. */
async function crashAt(at: 'rollouts' | 'update' | 'checkpoint', iteration: number, then: (c: Crash) => Promise<void>): Promise<void> {
  const cwd = tempDir({ 'job.toml': CONFIG });
  const stateDir = join(cwd, 'state');
  const first = await startSim(stateDir, 0, ['--faults', JSON.stringify({ trainer: { hold: { at, iteration } } })]);
  const env = { PROD_BACKEND_URL: first.url, SYNTH_API_KEY: KEY, ENVIRONMENT_API_KEY: ENV_KEY, TASK_APP_BASE_URL: taskApp.url };
  let second: Sim | undefined;
  try {
    expect((await cli(['env-key'], { env, cwd })).code).toBe(0);
    const running = cli(['run', '--config-path', 'job.toml', '--poll-interval', '0.2'], { env, cwd });
    const jobId = await waitForHold(first);
    first.proc.kill('SIGKILL');
    await first.proc.exited;
    // Same state dir, same port: the attached client just sees an outage.
    second = await startSim(stateDir, Number(new URL(first.url).port));
    expect(second.banner).toContain('resumed    1 job(s)');
    const run = await running;
    const { events } = await api<{ events: JobEvent[] }>(second, `/api/learning/jobs/${jobId}/events?limit=1000`);
    await then({ jobId, stateDir, sim: second, run, events, env, cwd });
  } finally {
    first.proc.kill('SIGKILL');
    second?.proc.kill('SIGTERM');
    await second?.proc.exited;
  }
}

const ofType = (events: JobEvent[], type: string) => events.filter((e) => e.type === type);

/** What every crash must leave true: success, gapless seq, each step once, every event printed once. */
async function expectCleanResume(c: Crash, redone: number[]): Promise<void> {
  if (c.run.code !== 0) console.error(c.run.out.slice(-3000), c.run.err.slice(-3000));
  expect(c.run.err).not.toContain('error:');
  expect(c.run.code).toBe(0);
  const job = await api<{ status: string; fine_tuned_model: string }>(c.sim, `/api/learning/jobs/${c.jobId}`);
  expect(job.status).toBe('succeeded');
  expect(job.fine_tuned_model).toBe(`rl:Qwen-Qwen3-0.6B:${c.jobId}:checkpoint-epoch-1`);
  expect(c.events.map((e) => e.seq)).toEqual(c.events.map((_, i) => i + 1));
  const resumed = ofType(c.events, 'rl.job.resumed');
  expect(resumed.length).toBe(1);
  expect(resumed[0]?.data.redone_iterations).toEqual(redone);
  expect(String(resumed[0]?.message)).toMatch(/resumed after a simulator restart from the resume checkpoint of iteration \d+ \(iter-\d+\.state\)/);
  expect(ofType(c.events, 'rl.train.started').length).toBe(1);
  expect(ofType(c.events, 'rl.train.step').map((e) => e.data.iteration)).toEqual([1, 2, 3]);
  expect(ofType(c.events, 'rl.eval.summary').map((e) => e.data.iteration)).toEqual([0, 2, 3]);
  expect(ofType(c.events, 'rl.checkpoint.saved').map((e) => e.data.iteration)).toEqual([1, 2, 3]);
  expect(ofType(c.events, 'rl.job.completed').length).toBe(1);
  // The attached client printed every stored event exactly once, in order.
  const printed = [...c.run.out.matchAll(/^event seq=(\d+) type=(\S+)/gm)].map((m) => [Number(m[1]), m[2]]);
  expect(printed).toEqual(c.events.map((e) => [e.seq, e.type]));
  // Metrics: each (name, step) once, printed once, and every step's set complete.
  const { points } = await api<{ points: MetricPoint[] }>(c.sim, `/api/learning/jobs/${c.jobId}/metrics?limit=5000`);
  const stored = points.map((p) => `${p.name}@${p.step}`);
  expect(new Set(stored).size).toBe(stored.length);
  const printedMetrics = [...c.run.out.matchAll(/^metric (\S+) step=(\d+) /gm)].map((m) => `${m[1]}@${m[2]}`);
  expect(printedMetrics.sort()).toEqual([...stored].sort());
  for (let step = 1; step <= ITERATIONS; step++) expect(stored).toContain(`train.reward_mean@${step}`);
  // The simulator's metric file holds every step once, the one committed before the crash too.
  const jsonl = (await Bun.file(join(c.stateDir, 'jobs', c.jobId, 'metrics.jsonl')).text()).trim().split('\n');
  expect(jsonl.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([1, 2, 3]);
  // The job is over: what it kept to resume is gone.
  expect(existsSync(join(c.stateDir, 'jobs', c.jobId, 'resume'))).toBe(false);
}

describe('kill -9 of the simulator during a GRPO job, then a restart', () => {
  test('during rollouts: the iteration is redone, the job succeeds', async () => {
    await crashAt('rollouts', 2, (c) => expectCleanResume(c, [2]));
  }, 120_000);

  test('during an update (computed, not committed): the iteration is redone, the job succeeds', async () => {
    await crashAt('update', 2, (c) => expectCleanResume(c, [2]));
  }, 120_000);

  test('right after a checkpoint: nothing visible is redone; final weights equal an uninterrupted run with the same seed', async () => {
    await crashAt('checkpoint', 1, async (c) => {
      await expectCleanResume(c, [2]);
      // The same config and seed, uninterrupted, on the restarted simulator.
      const env = { ...c.env, PROD_BACKEND_URL: c.sim.url };
      const baseline = await cli(['run', '--config-path', 'job.toml', '--poll-interval', '0.2'], { env, cwd: c.cwd });
      expect(baseline.code).toBe(0);
      const baselineId = /job_[0-9a-f]{19}/.exec(baseline.out)?.[0] as string;
      expect(baselineId).not.toBe(c.jobId);
      const steps = ofType(c.events, 'rl.train.step');
      expect(steps.some((e) => e.data.updated === true && e.data.iteration !== 1)).toBe(true);
      const resumed = await checkpointState(c.stateDir, c.jobId, 'checkpoint-epoch-1');
      const uninterrupted = await checkpointState(c.stateDir, baselineId, 'checkpoint-epoch-1');
      expect(resumed.weights?.byteLength).toBeGreaterThan(0);
      expect(Buffer.from(resumed.weights as Uint8Array).equals(Buffer.from(uninterrupted.weights as Uint8Array))).toBe(true);
      expect(Buffer.from(resumed.adam_m as Uint8Array).equals(Buffer.from(uninterrupted.adam_m as Uint8Array))).toBe(true);
      expect(Buffer.from(resumed.adam_v as Uint8Array).equals(Buffer.from(uninterrupted.adam_v as Uint8Array))).toBe(true);
    });
  }, 180_000);
});
