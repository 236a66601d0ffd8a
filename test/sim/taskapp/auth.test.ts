// The task app's auth matrix (docs/wire-contract.md §4.2): no key configured / wrong / right, for each
// header form (X-API-Key, X-API-Keys list, Authorization: Bearer), aliases, and the soft health probes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { TaskAppHealth } from '../../../src/api/taskapp.ts';
import { allowedKeys, candidateKeys } from '../../../sim/taskapp/index.ts';
import { ENV_KEY, startTaskAppServer, type TaskAppServer } from './helpers.ts';

const ALIAS = 'sk-env-alias';

type HeaderForm = { name: string; headers: (key: string) => Record<string, string> };
const FORMS: HeaderForm[] = [
  { name: 'X-API-Key', headers: (k) => ({ 'x-api-key': k }) },
  { name: 'X-API-Keys (list)', headers: (k) => ({ 'x-api-keys': `sk-other, ${k}` }) },
  { name: 'Authorization: Bearer', headers: (k) => ({ authorization: `Bearer ${k}` }) },
];

/** Protected routes and a request that reaches the route when authorised. */
const ROUTES: { name: string; path: string; init: RequestInit }[] = [
  { name: 'GET /test_auth', path: '/test_auth', init: {} },
  { name: 'GET /info', path: '/info', init: {} },
  { name: 'GET /task_info', path: '/task_info', init: {} },
  { name: 'POST /env/CrafterClassic/initialize', path: '/env/CrafterClassic/initialize', init: { method: 'POST', body: '{}' } },
  // An empty ops list: authorised callers get a 200 rollout without touching inference.
  { name: 'POST /rollout', path: '/rollout', init: { method: 'POST', body: JSON.stringify({ run_id: 'auth', ops: [] }) } },
  { name: 'POST /proxy/v1/chat/completions', path: '/proxy/v1/chat/completions', init: { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) } },
];

let configured: TaskAppServer;
let unconfigured: TaskAppServer;

beforeAll(async () => {
  configured = await startTaskAppServer({ environmentApiKey: ENV_KEY, environmentApiKeyAliases: `${ALIAS}, ` });
  unconfigured = await startTaskAppServer({});
});
afterAll(async () => {
  await configured.stop();
  await unconfigured.stop();
});

const send = (s: TaskAppServer, path: string, init: RequestInit, headers: Record<string, string>) =>
  fetch(`${s.url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...headers } });

describe('auth matrix', () => {
  for (const route of ROUTES) {
    describe(route.name, () => {
      test('no key configured: 503 with the reason, whatever the caller sends', async () => {
        for (const form of FORMS) {
          const r = await send(unconfigured, route.path, route.init, form.headers(ENV_KEY));
          expect(r.status).toBe(503);
          expect(r.headers.get('content-type')).toContain('application/json');
          expect(((await r.json()) as { detail: string }).detail).toBe('Auth not configured: missing ENVIRONMENT_API_KEY');
        }
      });

      test('no key sent: 401 with a JSON detail', async () => {
        const r = await send(configured, route.path, route.init, {});
        expect(r.status).toBe(401);
        expect(((await r.json()) as { detail: string }).detail).toStartWith('Invalid or missing API key');
      });

      for (const form of FORMS) {
        test(`${form.name}: wrong key 401, right key and alias pass`, async () => {
          const wrong = await send(configured, route.path, route.init, form.headers('sk-wrong'));
          expect(wrong.status).toBe(401);
          expect(((await wrong.json()) as { detail: string }).detail).toContain('X-API-Key');
          for (const key of [ENV_KEY, ALIAS]) {
            const right = await send(configured, route.path, route.init, form.headers(key));
            // /proxy passes auth and then needs OPENAI_API_KEY (503 naming it); everything else answers 200.
            if (route.path.startsWith('/proxy')) {
              expect(right.status).toBe(503);
              expect(JSON.stringify(await right.json())).toContain('missing_openai_api_key');
            } else {
              expect(right.status).toBe(200);
            }
          }
        });
      }
    });
  }
});

describe('health answers whether the caller is authorised', () => {
  for (const path of ['/health', '/health/rollout']) {
    test(`${path}: 503 unconfigured; soft 200 authorized=false on a wrong key; authorized=true on the right one`, async () => {
      const none = await send(unconfigured, path, {}, { 'x-api-key': ENV_KEY });
      expect(none.status).toBe(503);
      expect(await none.json()).toMatchObject({ detail: 'Auth not configured: missing ENVIRONMENT_API_KEY', authorized: false });
      for (const form of FORMS) {
        const wrong = await send(configured, path, {}, form.headers('sk-wrong'));
        expect(wrong.status).toBe(200);
        const w = TaskAppHealth.parse(await wrong.json());
        expect(w.authorized).toBe(false);
        expect(w.status).toBe('healthy');
        // A hint to tell keys apart, never most of the secret.
        expect(ENV_KEY.startsWith(w.expected_api_key_prefix ?? 'x')).toBe(true);
        expect((w.expected_api_key_prefix ?? '').length).toBeLessThanOrEqual(6);
        const right = await send(configured, path, {}, form.headers(ENV_KEY));
        expect(right.status).toBe(200);
        const ok = TaskAppHealth.parse(await right.json());
        expect(ok.authorized).toBe(true);
        if (path === '/health/rollout') expect(ok.ok).toBe(true);
        else expect(ok.healthy).toBe(true);
      }
    });
  }

  test('GET / and HEAD / need no key', async () => {
    const get = await send(unconfigured, '/', {}, {});
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ ok: true, service: 'synth-ai task app' });
    const head = await fetch(`${unconfigured.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

describe('key parsing', () => {
  test('aliases: comma list, blanks and duplicates dropped, primary first', () => {
    expect(allowedKeys('a', ' b, ,a,c ')).toEqual(['a', 'b', 'c']);
    expect(allowedKeys(undefined, ['x'])).toEqual(['x']);
    expect(allowedKeys('', '')).toEqual([]);
  });

  test('candidates from every header form, in order; bearer scheme case-insensitive', () => {
    const h = new Headers({ 'x-api-key': ' k1 ', 'x-api-keys': 'k2,k3', authorization: 'bearer k4' });
    expect(candidateKeys(h)).toEqual(['k1', 'k2', 'k3', 'k4']);
    expect(candidateKeys(new Headers({ authorization: 'Basic abc' }))).toEqual([]);
  });
});
