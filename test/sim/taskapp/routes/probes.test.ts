// The probes sub-app alone: /, soft /health and /health/rollout, /test_auth, /actions, /info.
import { afterAll, describe, expect, test } from 'bun:test';
import { probeRoutes } from '../../../../sim/taskapp/routes/probes.ts';
import { call, testContext } from './helpers.ts';

const ctx = testContext();
const app = probeRoutes(ctx);
const unconfigured = testContext({ environmentApiKey: '' });
afterAll(() => {
  ctx.registry.stop();
  unconfigured.registry.stop();
});

describe('probe routes', () => {
  test('GET / answers without a key', async () => {
    const r = await call(app, '/', { headers: { 'x-api-key': '' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, task: 'crafter' });
  });

  test('/health: authorized with the key; soft 200 with authorized:false without it; 503 {detail} with no key configured', async () => {
    expect((await call(app, '/health')).body).toMatchObject({ healthy: true, authorized: true, simulated: true });
    expect((await call(app, '/health/rollout')).body).toEqual({ ok: true, status: 'healthy', healthy: true, authorized: true });
    const wrong = await call(app, '/health', { headers: { 'x-api-key': 'sk-wrong' } });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ authorized: false, expected_api_key_prefix: expect.any(String) });
    const none = await call<{ detail: string }>(probeRoutes(unconfigured), '/health');
    expect(none.status).toBe(503);
    expect(none.body.detail).toContain('ENVIRONMENT_API_KEY');
  });

  test('/test_auth and /info: 200 with the key, 401 {detail} without', async () => {
    expect((await call(app, '/test_auth')).body).toEqual({ ok: true });
    const denied = await call<{ detail: string }>(app, '/test_auth', { headers: { 'x-api-key': 'sk-wrong' } });
    expect(denied.status).toBe(401);
    expect(typeof denied.body.detail).toBe('string');
    const info = await call<{ limits: { max_envs: number }; dataset: { default_preset: string } }>(app, '/info');
    expect(info.status).toBe(200);
    expect(info.body.limits.max_envs).toBe(ctx.registry.maxEnvs);
    expect(info.body.dataset.default_preset).toBe('micro');
    expect((await call(app, '/info', { headers: { 'x-api-key': '' } })).status).toBe(401);
  });

  test('/actions lists the 17 Crafter actions', async () => {
    const r = await call<{ actions: string[] }>(app, '/actions');
    expect(r.body.actions).toHaveLength(17);
    expect(r.body.actions[0]).toBe('noop');
  });
});
