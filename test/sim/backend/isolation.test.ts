// Isolation on every route: a running job's policy only through its capability URL, /_sim scoped
// to the caller's org, digests for key checks and at rest, no key sent across origins.
import { afterAll, beforeAll, describe, expect, spyOn, test } from 'bun:test';
import * as nodeCrypto from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'bun';
import { HttpClient } from '../../../src/client/http.ts';
import { keyDigestHex } from '../../../sim/backend/auth.ts';
import { Store } from '../../../sim/backend/store.ts';
import { createInferenceApp, createInferenceService } from '../../../sim/inference/index.ts';
import { startSimulator } from '../../../sim/server.ts';
import { authorize } from '../../../sim/taskapp/auth.ts';
import { runRollouts, type RolloutTarget } from '../../../sim/trainer/rollouts.ts';
import { tempDir } from '../../helpers/cli.ts';
import { jobBody, startTestSim, type TestSim } from '../../helpers/sim.ts';
import { grpoTrainer, runTrainer, smallConfig, startHarness } from '../../helpers/trainer.ts';

const chat = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] });

describe('trainer-side inference: a job policy only through its capability', () => {
  const service = createInferenceService();
  const seen: (string | undefined)[] = [];
  service.register({ id: 'sim-policy:job_00000000000000000a1', complete: async (req, ctx) => {
    seen.push(ctx.traceId);
    return { id: 'x', object: 'chat.completion', created: 0, model: req.model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] };
  } });
  const capability = service.grant('sim-policy:job_00000000000000000a1');
  const app = createInferenceApp(service);
  const post = (path: string, body: unknown) => app.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  test('without the capability: not listed, not served, 404 naming no job', async () => {
    const models = await (await app.request('/inference/v1/models')).text();
    expect(models).not.toContain('job_');
    for (const path of ['/inference/v1/chat/completions', '/inference/trace/job_00000000000000000a1.1.0.0/v1/chat/completions']) {
      const r = await post(path, chat('sim-policy:job_00000000000000000a1'));
      expect(r.status).toBe(404);
      expect(await r.text()).not.toContain('job_');
    }
    const wrong = await post(`/inference/c/${'0'.repeat(32)}/trace/t/v1/chat/completions`, chat('sim-policy:job_00000000000000000a1'));
    expect(wrong.status).toBe(404);
    expect(await wrong.text()).not.toContain('job_');
    expect(seen).toEqual([]);
    // The public built-ins stay reachable without a capability.
    expect((await post('/inference/v1/chat/completions', chat('sim:random'))).status).toBe(200);
  });

  test('with it: served, with the trace id; listed; a revoked capability is gone', async () => {
    expect(capability).toMatch(/^[0-9a-f]{32}$/);
    const r = await post(`/inference/c/${capability}/trace/tr_1/v1/chat/completions`, chat('sim-policy:job_00000000000000000a1'));
    expect(r.status).toBe(200);
    expect(seen).toEqual(['tr_1']);
    expect(await (await app.request(`/inference/c/${capability}/v1/models`)).text()).toContain('sim-policy:job_00000000000000000a1');
    service.revoke(capability);
    expect((await post(`/inference/c/${capability}/v1/chat/completions`, chat('sim-policy:job_00000000000000000a1'))).status).toBe(404);
  });

  test('the GRPO trainer hands the task app a capability URL; the bare trace URL of its job is refused meanwhile', async () => {
    const h = await startHarness();
    const urls: string[] = [];
    const probes: number[] = [];
    const proxy = Bun.serve({
      port: 0, hostname: '127.0.0.1',
      async fetch(req) {
        const body = (await req.json()) as { run_id: string; policy: { config: { inference_url: string; model: string } } };
        urls.push(body.policy.config.inference_url);
        if (urls.length === 1) {
          const listed = await (await fetch(`${h.inferenceUrl}/v1/models`)).text();
          const guessed = await fetch(`${h.inferenceUrl}/trace/${body.run_id}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat(body.policy.config.model)), headers: { 'content-type': 'application/json' } });
          probes.push(listed.includes('sim-policy') ? 1 : 0, guessed.status);
        }
        return fetch(`${h.taskApp.url}/rollout`, { method: 'POST', headers: req.headers, body: JSON.stringify(body) });
      },
    });
    try {
      const h2 = { ...h, taskApp: { ...h.taskApp, url: `http://127.0.0.1:${proxy.port}` } };
      const { error } = await runTrainer(grpoTrainer(h2), h2, smallConfig({ training: { num_epochs: 1, iterations_per_epoch: 1 }, evaluation: { seeds: [0], every_n_iters: 0 } }));
      expect(error).toBeUndefined();
      expect(urls.length).toBeGreaterThan(0);
      for (const u of urls) expect(u).toMatch(/\/inference\/c\/[0-9a-f]{32}\/trace\//);
      expect(probes).toEqual([0, 404]);
    } finally {
      await proxy.stop(true);
      await h.stop();
    }
  }, 60_000);
});

describe('/_sim is scoped to the caller\'s org', () => {
  let t: TestSim;
  const OTHER = 'sk-other-org';
  beforeAll(async () => {
    t = await startTestSim({ apiKeys: ['sk-test-key', OTHER] });
  });
  afterAll(() => t.sim.stop());
  const other = (path: string, init: RequestInit = {}) => fetch(`${t.sim.url}${path}`, { ...init, headers: { authorization: `Bearer ${OTHER}`, 'content-type': 'application/json', ...init.headers } });

  test('faults set by one org do not touch another', async () => {
    expect((await t.json('/_sim/faults', { method: 'PUT', json: { routes: [{ path: '/api/health', error_status: 503 }] } })).status).toBe(200);
    expect((await t.req('/api/health')).status).toBe(503);
    expect((await other('/api/health')).status).toBe(200);
    expect(((await (await other('/_sim/faults')).json()) as { routes: unknown[] }).routes).toEqual([]);
    await t.req('/_sim/faults', { method: 'DELETE' });
    expect((await t.req('/api/health')).status).toBe(200);
  });

  test('time scale set by one org does not change another\'s', async () => {
    expect((await t.json('/_sim/time', { method: 'PUT', json: { scale: 50 } })).status).toBe(200);
    expect((await t.json<{ scale: number }>('/_sim/time')).body.scale).toBe(50);
    expect(((await (await other('/_sim/time')).json()) as { scale: number }).scale).toBe(1);
    await t.json('/_sim/time', { method: 'PUT', json: { scale: 1 } });
  });

  test('reset?all=true is refused; a reset removes only the caller\'s jobs', async () => {
    const mine = await t.createJob();
    const theirs = ((await (await other('/api/rl/jobs', { method: 'POST', body: JSON.stringify(jobBody()) })).json()) as { job_id: string }).job_id;
    const all = await other('/_sim/reset?all=true', { method: 'POST' });
    expect(all.status).toBe(403);
    expect(t.sim.store.getJob(mine)).toBeDefined();
    expect((await other('/_sim/reset', { method: 'POST' })).status).toBe(200);
    expect(t.sim.store.getJob(theirs)).toBeUndefined();
    expect(t.sim.store.getJob(mine)).toBeDefined();
  });
});

describe('keys', () => {
  test('the task app compares digests: equal-length buffers whatever the offered key\'s length', () => {
    const spy = spyOn(nodeCrypto, 'timingSafeEqual');
    try {
      for (const offered of ['x', 'env-key-of-another-length-entirely', 'env-key']) {
        spy.mockClear();
        authorize(['env-key'], new Headers({ 'x-api-key': offered }));
        expect(spy).toHaveBeenCalled();
        for (const [a, b] of spy.mock.calls) expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
      }
      expect(authorize(['env-key'], new Headers({ 'x-api-key': 'env-key' }))).toBe('ok');
      expect(authorize(['env-key'], new Headers({ 'x-api-key': 'env-ke' }))).toBe('unauthorized');
    } finally {
      spy.mockRestore();
    }
  });

  test('a generated API key: a digest in sim.sqlite, the key in a 0600 file, shown as generated once', async () => {
    const stateDir = join(tempDir(), 'state');
    const a = await startSimulator({ port: 0, stateDir });
    const key = a.apiKeys[0] as string;
    expect(a.generatedKey).toBe(true);
    expect(a.apiKeyFile).toBe(join(stateDir, 'api-key'));
    await a.stop();
    expect(statSync(join(stateDir, 'api-key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(stateDir, 'api-key'), 'utf8').trim()).toBe(key);
    expect(readFileSync(join(stateDir, 'sim.sqlite')).includes(key)).toBe(false);
    const b = await startSimulator({ port: 0, stateDir });
    try {
      expect(b.generatedKey).toBe(false);
      expect(b.apiKeys).toEqual([key]);
      expect((await fetch(`${b.apiUrl}/health`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    } finally {
      await b.stop();
    }
  });

  test('a plaintext key from an older state is migrated to a digest (and still works)', async () => {
    const stateDir = join(tempDir(), 'state');
    const old = new Store(stateDir);
    old.setKv('api_key', 'sk_sim_legacy_key');
    old.close();
    const sim = await startSimulator({ port: 0, stateDir });
    try {
      expect(sim.store.getKv('api_key')).toBeUndefined();
      expect(sim.store.getKv('api_key_sha256')).toBe(keyDigestHex('sk_sim_legacy_key'));
      expect(readFileSync(join(stateDir, 'api-key'), 'utf8').trim()).toBe('sk_sim_legacy_key');
      expect((await fetch(`${sim.apiUrl}/health`, { headers: { authorization: 'Bearer sk_sim_legacy_key' } })).status).toBe(200);
    } finally {
      await sim.stop();
    }
  });
});

describe('no key crosses origins on a redirect', () => {
  let target: Server<undefined>;
  let origin: Server<undefined>;
  const received: Headers[] = [];
  beforeAll(() => {
    target = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => (received.push(req.headers), Response.json({ ok: true })) });
    origin = Bun.serve({
      port: 0, hostname: '127.0.0.1',
      fetch(req) {
        const path = new URL(req.url).pathname;
        if (path.startsWith('/cross')) return new Response(null, { status: 307, headers: { location: `http://127.0.0.1:${target.port}/landed` } });
        if (path.startsWith('/same')) return new Response(null, { status: 302, headers: { location: '/here' } });
        received.push(req.headers);
        return Response.json({ ok: true, here: true });
      },
    });
  });
  afterAll(async () => {
    await target.stop(true);
    await origin.stop(true);
  });

  test('the client drops X-API-Key and Authorization to another origin, keeps them on the same origin', async () => {
    const http = new HttpClient({ baseUrl: `http://127.0.0.1:${origin.port}`, apiKey: 'sk-bearer', headers: { 'x-api-key': 'env-secret' } });
    received.length = 0;
    expect(await http.json({ path: '/cross' })).toEqual({ ok: true });
    expect(received[0]?.get('x-api-key')).toBeNull();
    expect(received[0]?.get('authorization')).toBeNull();
    received.length = 0;
    expect(await http.json({ path: '/same' })).toEqual({ ok: true, here: true });
    expect(received[0]?.get('x-api-key')).toBe('env-secret');
  });

  test('the trainer does not send the environment key where the task app redirects', async () => {
    received.length = 0;
    const t: RolloutTarget = {
      taskAppUrl: `http://127.0.0.1:${origin.port}/cross`, envKey: 'env-secret', inferenceBaseUrl: 'http://127.0.0.1:9/inference', policyModel: 'sim:random',
      preset: 'micro', maxSteps: 1, temperature: 1, topP: 1, timeoutS: 5, signal: new AbortController().signal,
    };
    await runRollouts([{ traceId: 'a', seed: 1 }], t, 1).catch(() => {});
    expect(received.length).toBe(1);
    expect(received[0]?.get('x-api-key')).toBeNull();
  });
});
