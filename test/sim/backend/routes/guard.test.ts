// The guard on its own (sim/backend/routes/guard.ts): the Bearer key names the org; 401 JSON with
// WWW-Authenticate otherwise; an org's route faults answer /api requests with their status.
import { expect, test } from 'bun:test';
import { Hono } from 'hono';
import { ApiKeys, orgOf } from '../../../../sim/backend/auth.ts';
import { Faults, FaultsByOrg, FaultSpec } from '../../../../sim/backend/faults.ts';
import type { BackendEnv } from '../../../../sim/backend/routes/context.ts';
import { guard } from '../../../../sim/backend/routes/guard.ts';
import { read } from './fixture.ts';

function guarded() {
  const faults = new FaultsByOrg(new Faults());
  const app = new Hono<BackendEnv>().use('*', guard(new ApiKeys(['sk-a', 'sk-b']), faults));
  app.get('/api/whoami', (c) => c.json({ org: c.get('org') }));
  app.get('/_sim/whoami', (c) => c.json({ org: c.get('org') }));
  app.get('/open', (c) => c.json({ open: true }));
  return { app, faults };
}

test('a known key sets its org on /api and /_sim; other paths need no key', async () => {
  const { app } = guarded();
  expect((await read(app.request('/api/whoami', { headers: { authorization: 'Bearer sk-a' } }))).body).toEqual({ org: orgOf('sk-a') });
  expect((await read(app.request('/_sim/whoami', { headers: { authorization: 'bearer  sk-b ' } }))).body).toEqual({ org: orgOf('sk-b') });
  expect((await read(app.request('/open'))).body).toEqual({ open: true });
});

test('401 JSON: missing key, unknown key; WWW-Authenticate: Bearer', async () => {
  const { app } = guarded();
  const missing = await app.request('/api/whoami');
  expect(missing.status).toBe(401);
  expect(missing.headers.get('www-authenticate')).toBe('Bearer');
  expect(await missing.json()).toEqual({ detail: 'Missing API key: send Authorization: Bearer <SYNTH_API_KEY>' });
  expect(await read(app.request('/_sim/whoami', { headers: { authorization: 'Bearer sk-x' } }))).toEqual({ status: 401, body: { detail: 'Invalid API key' } });
});

test('an org\'s route fault answers its /api requests (also under /api/api), not another org\'s', async () => {
  const { app, faults } = guarded();
  faults.set(orgOf('sk-a'), FaultSpec.parse({ routes: [{ path: '/api/whoami', error_status: 503 }] }));
  expect(await read(app.request('/api/whoami', { headers: { authorization: 'Bearer sk-a' } }))).toEqual({ status: 503, body: { detail: 'injected fault: HTTP 503' } });
  expect((await read(app.request('/api/whoami', { headers: { authorization: 'Bearer sk-b' } }))).status).toBe(200);
});
