// Idempotency, linked jobs, auth and per-key namespacing, replay failure, time scale.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { JobEvent, MetricPoint } from '../../../src/api/jobs.ts';
import { ReplayTrainer } from '../../../sim/backend/replay.ts';
import { jobBody, startTestSim, TEST_KEY, type TestSim } from '../../helpers/sim.ts';

let t: TestSim;
const OTHER_KEY = 'sk-other-org';
beforeAll(async () => {
  t = await startTestSim({ apiKeys: [TEST_KEY, OTHER_KEY] });
});
afterAll(() => t.sim.stop());

const terminal = (id: string) => t.waitFor(async () => {
  const r = await t.json<{ status: string; linked_job_id: string | null; fine_tuned_model: string | null; error: string | null }>(`/api/learning/jobs/${id}`);
  return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
});

describe('idempotency', () => {
  test('same key + same body → the same job (200); same key + different body → 409', async () => {
    const body = jobBody();
    const a = await t.json<{ job_id: string }>('/api/rl/jobs', { json: body, headers: { 'idempotency-key': 'idem-1' } });
    const b = await t.json<{ job_id: string }>('/api/rl/jobs', { json: body, headers: { 'idempotency-key': 'idem-1' } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.job_id).toBe(a.body.job_id);
    const c = await t.json<{ detail: string }>('/api/rl/jobs', { json: jobBody({ model: 'Qwen/Qwen3-1.7B' }), headers: { 'idempotency-key': 'idem-1' } });
    expect(c.status).toBe(409);
    expect(c.body.detail).toContain(a.body.job_id);
    const d = await t.json<{ job_id: string }>('/api/rl/jobs', { json: body });
    expect(d.status).toBe(201);
    expect(d.body.job_id).not.toBe(a.body.job_id);
  });

  test('key order in the body does not matter; keys are per org', async () => {
    const body = jobBody();
    const reordered = { data: body.data, job_type: 'rl' };
    const a = await t.json<{ job_id: string }>('/api/rl/jobs', { json: body, headers: { 'idempotency-key': 'idem-2' } });
    const b = await t.json<{ job_id: string }>('/api/rl/jobs', { json: reordered, headers: { 'idempotency-key': 'idem-2' } });
    expect(b.body.job_id).toBe(a.body.job_id);
    const other = await t.json<{ job_id: string }>('/api/rl/jobs', { json: body, headers: { 'idempotency-key': 'idem-2', authorization: `Bearer ${OTHER_KEY}` } });
    expect(other.status).toBe(201);
    expect(other.body.job_id).not.toBe(a.body.job_id);
  });
});

describe('auth', () => {
  test('every /api and /_sim route needs the Bearer key: 401 JSON otherwise', async () => {
    const id = await t.createJob();
    for (const path of ['/api/health', `/api/learning/jobs/${id}`, '/api/v1/crypto/public-key', '/_sim/info', '/api/nope']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TEST_KEY }, { authorization: 'Basic abc' }] as Record<string, string>[]) {
        const r = await fetch(`${t.sim.url}${path}`, { headers });
        expect(r.status).toBe(401);
        expect(r.headers.get('content-type')).toContain('application/json');
        expect(typeof ((await r.json()) as { detail: unknown }).detail).toBe('string');
      }
    }
    const lower = await fetch(`${t.sim.url}/api/health`, { headers: { authorization: `bearer ${TEST_KEY}` } });
    expect(lower.status).toBe(200);
  });

  test("jobs, env keys and models are invisible to another key's org", async () => {
    const id = await t.createJob();
    const asOther = { authorization: `Bearer ${OTHER_KEY}` };
    expect((await t.json(`/api/learning/jobs/${id}`, { headers: asOther })).status).toBe(404);
    expect((await t.json(`/api/learning/jobs/${id}/events`, { headers: asOther })).status).toBe(404);
    expect((await t.json(`/api/rl/jobs/${id}/cancel`, { json: {}, headers: asOther })).status).toBe(404);
    await terminal(id);
    const models = await t.json<{ models: { job_id: string }[] }>('/api/learning/models/rl', { headers: asOther });
    expect(models.body.models.some((m) => m.job_id === id)).toBe(false);
  });
});

describe('linked jobs', () => {
  test('the outer status carries linked_job_id; trainer events live under it; metrics stay on the outer job', async () => {
    const id = await t.createJob({ config: { sim: { linked_job: true, replay: { iterations: 3, step_seconds: 0.01 } } } });
    const final = await terminal(id);
    expect(final.status).toBe('succeeded');
    const linked = final.linked_job_id as string;
    expect(linked).toMatch(/^job_[0-9a-f]{19}$/);
    const outer = (await t.json<{ events: JobEvent[] }>(`/api/learning/jobs/${id}/events?limit=1000`)).body.events.map((e) => e.type);
    const inner = (await t.json<{ events: JobEvent[] }>(`/api/learning/jobs/${linked}/events?limit=1000`)).body.events.map((e) => e.type);
    expect(outer[0]).toBe('rl.job.created');
    expect(outer).toContain('rl.job.completed');
    expect(outer).not.toContain('rl.train.step');
    expect(inner.filter((x) => x === 'rl.train.step').length).toBe(3);
    expect(inner).toContain('rl.train.completed');
    const linkedStatus = await t.json<{ status: string; metadata: { parent_job_id: string } }>(`/api/learning/jobs/${linked}`);
    expect(linkedStatus.body).toMatchObject({ status: 'succeeded', metadata: { parent_job_id: id } });
    const metrics = await t.json<{ points: MetricPoint[] }>(`/api/learning/jobs/${id}/metrics?limit=5000`);
    expect(metrics.body.points.length).toBeGreaterThan(0);
  });
});

describe('replay scenarios', () => {
  test('failure: rl.job.failed (level error) naming the cause, status failed with the error', async () => {
    const id = await t.createJob({ config: { sim: { replay: { scenario: 'failure', fail_at_iteration: 2, iterations: 5, step_seconds: 0.01 } } } });
    const final = await terminal(id);
    expect(final.status).toBe('failed');
    expect(final.error).toContain('scripted failure at iteration 2');
    const events = (await t.json<{ events: JobEvent[] }>(`/api/learning/jobs/${id}/events?limit=1000`)).body.events;
    const last = events.at(-1) as JobEvent;
    expect(last).toMatchObject({ type: 'rl.job.failed', level: 'error' });
    expect(events.filter((e) => e.type === 'rl.train.step').length).toBe(1);
  });

  test('an unavailable trainer falls back to the default with a warning event', async () => {
    const replayOnly = await startTestSim({ trainers: [new ReplayTrainer()] });
    try {
      const id = await replayOnly.createJob({ config: { sim: { trainer: 'grpo', replay: { iterations: 2, step_seconds: 0.01 } } } });
      const final = await replayOnly.waitFor(async () => {
        const r = await replayOnly.json<{ status: string }>(`/api/learning/jobs/${id}`);
        return r.body.status === 'succeeded' ? r.body : undefined;
      });
      expect(final.status).toBe('succeeded');
      const events = (await replayOnly.json<{ events: JobEvent[] }>(`/api/learning/jobs/${id}/events?limit=1000`)).body.events;
      expect(events.find((e) => e.type === 'rl.job.warning')?.message).toContain('trainer "grpo" is not available');
    } finally {
      await replayOnly.sim.stop();
    }
  });

  test('config keys the simulator does not use are named in rl.job.warning events, with the reason', async () => {
    const id = await t.createJob({ config: { sim: { trainer: 'replay', port: 9000, replay: { iterations: 1, step_seconds: 0.01 } }, hyperparams: { delta: 4, kl_penalty: 0.1 } } });
    await terminal(id);
    const events = (await t.json<{ events: JobEvent[] }>(`/api/learning/jobs/${id}/events?limit=1000`)).body.events;
    const warnings = events.filter((e) => e.type === 'rl.job.warning').map((e) => e.message);
    expect(warnings.find((w) => w.includes('[sim] port'))).toContain('synth-rl sim');
    expect(warnings.find((w) => w.includes('[hyperparams] delta'))).toContain('epsilon_low/epsilon_high');
    expect(warnings.find((w) => w.includes('[hyperparams] kl_penalty'))).toContain('beta');
  });

  test('a GRPO job without an uploaded ENVIRONMENT_API_KEY fails and says how to fix it', async () => {
    const id = await t.createJob({ config: { sim: { trainer: 'grpo' } } });
    const final = await terminal(id);
    expect(final.status).toBe('failed');
    expect(final.error).toContain('synth-rl env-key');
  });

  test('the time scale makes replay faster', async () => {
    const config = { sim: { replay: { iterations: 5, step_seconds: 0.1 } } };
    const timed = async () => {
      const t0 = performance.now();
      await terminal(await t.createJob({ config }));
      return performance.now() - t0;
    };
    const slow = await timed();
    expect((await t.json('/_sim/time', { method: 'PUT', json: { scale: 10 } })).status).toBe(200);
    const fast = await timed();
    await t.json('/_sim/time', { method: 'PUT', json: { scale: 1 } });
    expect(slow).toBeGreaterThan(450);
    expect(fast).toBeLessThan(slow / 3);
  });
});

describe('control API', () => {
  test('reset clears the org, bad bodies are 422', async () => {
    const id = await t.createJob();
    expect((await t.json('/_sim/reset', { json: {} })).status).toBe(200);
    expect((await t.json(`/api/learning/jobs/${id}`)).status).toBe(404);
    expect((await t.json('/_sim/time', { method: 'PUT', json: { scale: -1 } })).status).toBe(422);
    expect((await t.json('/_sim/faults', { method: 'PUT', json: { routes: [{ nope: 1 }] } })).status).toBe(422);
    const info = await t.json<{ simulated: boolean; trainers: string[] }>('/_sim/info');
    expect(info.body).toMatchObject({ simulated: true, trainers: ['replay', 'grpo'], default_trainer: 'replay' });
  });
});
