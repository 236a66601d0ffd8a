// The GRPO path end to end (docs/trainer.md §1): `synth-rl env-key` then `synth-rl run` against the simulator on the micro
// preset; the GRPO job trains, evaluates, checkpoints and succeeds, and the client prints every
// event the backend stored, exactly once and in order.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { JobEvent } from '../../src/api/jobs.ts';
import { startSimulator, type Simulator } from '../../sim/server.ts';
import { cli, tempDir } from '../helpers/cli.ts';

const KEY = 'sk-e2e-run';
const ENV_KEY = 'env-e2e-run';
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, apiKeys: [KEY], taskApp: { port: 0, environmentApiKey: ENV_KEY }, defaultTrainer: 'grpo', queueDelayMs: 5 });
});
afterAll(() => sim.stop());

const CONFIG = `
[training]
num_epochs = 1
iterations_per_epoch = 3
[trainer]
batch_size = 2
group_size = 4
[env]
max_steps_per_episode = 5
[evaluation]
seeds = [0, 1, 2]
every_n_iters = 2
[checkpoint]
interval = 3
[sim]
preset = "micro"
[sim.model]
n_layer = 1
n_head = 2
d_model = 32
n_ctx = 96
`;

test('env-key then run: the GRPO job succeeds and every event reaches the client exactly once', async () => {
  const cwd = tempDir({ 'job.toml': CONFIG });
  const env = { PROD_BACKEND_URL: sim.url, SYNTH_API_KEY: KEY, ENVIRONMENT_API_KEY: ENV_KEY, TASK_APP_BASE_URL: sim.taskApp?.url as string };
  const key = await cli(['env-key'], { env, cwd });
  expect(key.code).toBe(0);
  expect(key.out + key.err).not.toContain(ENV_KEY);
  const run = await cli(['run', '--config-path', 'job.toml', '--poll-interval', '0.2'], { env, cwd });
  expect(run.err).not.toContain('error');
  expect(run.code).toBe(0);
  const jobId = /job_[0-9a-f]{19}/.exec(run.out)?.[0] as string;
  const res = await fetch(`${sim.apiUrl}/learning/jobs/${jobId}/events?limit=1000`, { headers: { authorization: `Bearer ${KEY}` } });
  const stored = ((await res.json()) as { events: JobEvent[] }).events;
  const printed = [...run.out.matchAll(/^event seq=(\d+) type=(\S+)/gm)].map((m) => [Number(m[1]), m[2]]);
  expect(printed).toEqual(stored.map((e) => [e.seq, e.type]));
  const types = stored.map((e) => e.type);
  for (const t of ['rl.train.started', 'rl.train.step', 'rl.eval.summary', 'rl.checkpoint.saved', 'rl.job.completed']) expect(types).toContain(t);
  expect(run.out).toMatch(/^metric train\.reward_mean step=1 /m);
  expect(run.out).toContain(`rl:Qwen-Qwen3-0.6B:${jobId}:checkpoint-epoch-1`);
}, 90_000);
