// Regressions from the code review: each of these crashed, leaked or let data through before.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { JobEvent } from '../../src/api/jobs.ts';
import { startSimulator, type Simulator } from '../../sim/server.ts';
import { runTinyGrpoJob } from '../e2e/grpo-job.ts';
import { cli, tempDir } from '../helpers/cli.ts';
import { jobBody, startTestSim, type TestSim } from '../helpers/sim.ts';
import { grpoTrainer, runTrainer, smallConfig, startHarness } from '../helpers/trainer.ts';

describe('backend', () => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim({ apiKeys: ['sk-test-key', 'sk-other'] });
  });
  afterAll(() => t.sim.stop());

  test('POST /_sim/reset while a job runs stops it cleanly; the simulator keeps serving', async () => {
    const id = await t.createJob({ config: { sim: { replay: { iterations: 200, step_seconds: 0.02 } } } });
    await t.waitFor(async () => ((await t.json<{ status: string }>(`/api/learning/jobs/${id}`)).body.status === 'training' ? true : undefined));
    expect((await t.json('/_sim/reset', { json: {} })).status).toBe(200);
    await Bun.sleep(100);
    expect((await t.json(`/api/learning/jobs/${id}`)).status).toBe(404);
    expect((await t.req('/api/health')).status).toBe(200);
    const again = await t.createJob();
    expect(again).toMatch(/^job_/);
  });

  test('a plaintext environment_api_key in a job body is sealed as the org key and never stored', async () => {
    const r = await t.json<{ job_id: string }>('/api/rl/jobs', { json: jobBody({ environment_api_key: 'env-plaintext-secret' }) });
    expect(r.status).toBe(201);
    const row = t.sim.store.db.query<{ body: string }, [string]>('SELECT body FROM jobs WHERE id = ?').get(r.body.job_id);
    expect(row?.body).not.toContain('env-plaintext-secret');
    const keys = await t.json<{ keys: { name: string }[] }>('/api/v1/env-keys');
    expect(keys.body.keys.map((k) => k.name)).toContain('ENVIRONMENT_API_KEY');
    const dump = t.sim.store.db.query<{ ciphertext: Uint8Array }, []>('SELECT ciphertext FROM env_keys').all();
    expect(dump.every((d) => !Buffer.from(d.ciphertext).toString('latin1').includes('env-plaintext-secret'))).toBe(true);
  });

  test('a job model that is too big for a CPU simulator is refused with 422 naming the field', async () => {
    const r = await t.json<{ detail: { loc: (string | number)[] }[] }>('/api/rl/jobs', { json: jobBody({}, { sim: { model: { d_model: 100_000 } } }) });
    expect(r.status).toBe(422);
    expect(r.body.detail[0]?.loc).toEqual(['body', 'data', 'config', 'sim', 'model', 'd_model']);
  });
});

describe('GRPO simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, apiKeys: ['sk-a', 'sk-b'], taskApp: { port: 0, environmentApiKey: 'env-k' }, defaultTrainer: 'grpo', queueDelayMs: 5 });
  });
  afterAll(() => sim.stop());

  test("another org can neither use nor discover a running job's policy; rl: models wait for success", async () => {
    const api = (key: string, body: unknown) => fetch(`${sim.apiUrl}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const done = await runTinyGrpoJob(sim.url, 'sk-a', sim.taskApp?.url as string, 'env-k');
    expect(done.status).toBe('succeeded');
    const policy = `sim-policy:${done.jobId}`;
    sim.inference.register({ id: policy, complete: async () => { throw new Error('must not be called'); } }, { replace: true });
    const r = await api('sk-b', { model: policy, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(404);
    expect(await r.text()).not.toMatch(/serves:[^"]*sim-policy/);
    sim.inference.unregister(policy);
    // The finished job's checkpoint serves its own org only.
    expect((await api('sk-a', { model: done.fineTunedModel, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    expect((await api('sk-b', { model: done.fineTunedModel, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(404);
  }, 60_000);
});

describe('trainer against a contract-minimal task app', () => {
  test('rollout responses without metrics.details are accepted (the contract makes it optional)', async () => {
    const h = await startHarness();
    const minimal = Bun.serve({
      port: 0, hostname: '127.0.0.1',
      async fetch(req) {
        const res = await fetch(`${h.taskApp.url}${new URL(req.url).pathname}`, { method: req.method, headers: req.headers, body: req.method === 'POST' ? await req.text() : undefined });
        const body = (await res.json()) as { metrics?: { details?: unknown } };
        if (body.metrics) delete body.metrics.details;
        return Response.json(body, { status: res.status });
      },
    });
    try {
      const trainer = grpoTrainer(h);
      const harness = { ...h, taskApp: { ...h.taskApp, url: `http://127.0.0.1:${minimal.port}` } };
      const { error, rec } = await runTrainer(trainer, harness, smallConfig({ training: { num_epochs: 1, iterations_per_epoch: 1 }, checkpoint: { enabled: false } }));
      expect(error).toBeUndefined();
      expect(rec.events.at(-1)?.type).toBe('rl.train.completed');
    } finally {
      minimal.stop(true);
      await h.stop();
    }
  }, 60_000);
});

describe('client', () => {
  test('--timeout must be positive for every command that talks to a backend', async () => {
    for (const cmd of ['check', 'env-key', 'infer', 'run']) {
      const r = await cli([cmd, '--timeout', '-5'], { cwd: tempDir(), env: { SYNTH_API_KEY: 'k' } });
      expect(r.code).toBe(2);
      expect(r.err).toContain('--timeout must be greater than 0');
    }
  });

  test('infer: a prompt longer than the model context is trimmed, not a crash', async () => {
    const sim = await startSimulator({ port: 0, apiKeys: ['sk-c'], taskApp: { port: 0, environmentApiKey: 'env-c' }, defaultTrainer: 'grpo', queueDelayMs: 5, stateDir: tempDir() });
    try {
      const job = await runTinyGrpoJob(sim.url, 'sk-c', sim.taskApp?.url as string, 'env-c');
      const tarball = sim.store.listArtifacts(job.jobId).find((a) => a.local_path)?.local_path as string;
      const r = await cli(['infer', '--weights', tarball, '--prompt', Array(400).fill('tree').join(' '), '--json']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const events = (await (await fetch(`${sim.apiUrl}/learning/jobs/${job.jobId}/events?limit=1000`, { headers: { authorization: 'Bearer sk-c' } })).json() as { events: JobEvent[] }).events;
      expect(events.at(-1)?.type).toBe('rl.job.completed');
    } finally {
      await sim.stop();
    }
  }, 60_000);
});
