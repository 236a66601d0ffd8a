// Task-app probes tell "down", "wrong key" (401, the framework's 400, a soft 200) and "no key
// configured" apart (docs/reference-client.md §2.11: check.py reports a soft-200 rejection as OK).
import { afterEach, describe, expect, test } from 'bun:test';
import { probeInference, TaskAppClient, taskAppCheck } from '../../src/client/taskapp.ts';
import { stubTaskApp, type TaskAppStyle } from '../helpers/client-sim.ts';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function app(opts: { key?: string; style?: TaskAppStyle }) {
  const stub = stubTaskApp(opts);
  stops.push(stub.stop);
  return stub;
}

describe('TaskAppClient', () => {
  test('the right key: OK on both probes, X-API-Key sent', async () => {
    const stub = app({ key: 'env-right' });
    const c = new TaskAppClient({ baseUrl: `${stub.url}/`, apiKey: 'env-right' });
    const health = await c.health();
    expect(health).toMatchObject({ ok: true, httpStatus: 200, authorized: true });
    expect(taskAppCheck('task_app.health', health, 'env-right').level).toBe('ok');
    expect((await c.rolloutHealth()).ok).toBe(true);
    expect(stub.hits).toEqual(['GET /health', 'GET /health/rollout']);
  });

  for (const style of ['strict401', 'soft200', 'framework400'] as const) {
    test(`a wrong key is a FAIL naming ENVIRONMENT_API_KEY (${style})`, async () => {
      const stub = app({ key: 'env-right-key', style });
      const probe = await new TaskAppClient({ baseUrl: stub.url, apiKey: 'env-wrong' }).rolloutHealth();
      expect(probe.ok).toBe(false);
      expect(probe.problem).toBe('auth');
      const line = taskAppCheck('task_app.rollout_health', probe, 'env-wrong');
      expect(line.level).toBe('fail');
      expect(line.message).toContain('rejected ENVIRONMENT_API_KEY');
      if (style === 'soft200') {
        expect(probe.httpStatus).toBe(200);
        expect(line.message).toContain('authorized:false');
        // The app's hint is half its secret key: compared, never printed.
        expect(probe.expectedKeyPrefix).toBe('env-ri');
        expect(line.message).not.toContain('env-ri');
        expect(line.message).toContain('does not even start like the key');
        expect(taskAppCheck('x', probe, 'env-rightish').message).toContain('matches the first 6 characters');
      }
    });
  }

  test('no key set locally: a key-requiring app is a WARN, not a FAIL', async () => {
    const stub = app({ key: 'env-right', style: 'soft200' });
    const line = taskAppCheck('task_app.health', await new TaskAppClient({ baseUrl: stub.url }).health(), undefined);
    expect(line.level).toBe('warn');
    expect(line.message).toContain('set ENVIRONMENT_API_KEY');
  });

  test('the app itself has no key configured (503) → FAIL saying so', async () => {
    const stub = app({});
    const line = taskAppCheck('task_app.health', await new TaskAppClient({ baseUrl: stub.url, apiKey: 'x' }).health(), 'x');
    expect(line.level).toBe('fail');
    expect(line.message).toContain('the task app has no ENVIRONMENT_API_KEY configured');
  });

  test('unreachable → FAIL', async () => {
    const probe = await new TaskAppClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'x', retry: { retries: 0 } }).health();
    expect(probe.problem).toBe('unreachable');
    expect(taskAppCheck('task_app.health', probe, 'x').message).toContain('task app unreachable at http://127.0.0.1:9/health');
  });
});

describe('probeInference', () => {
  test('GET /v1/models: OK on 200, WARN on 404, FAIL when down; handles bases ending in /v1', async () => {
    const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => (new URL(req.url).pathname === '/v1/models' ? Response.json({ data: [] }) : new Response('no', { status: 404 })) });
    stops.push(() => void server.stop(true));
    const url = `http://127.0.0.1:${server.port}`;
    expect(await probeInference(url)).toMatchObject({ level: 'ok', url: `${url}/v1/models` });
    expect(await probeInference(`${url}/v1/`)).toMatchObject({ level: 'ok', url: `${url}/v1/models` });
    expect((await probeInference(`${url}/other`)).level).toBe('warn');
    expect((await probeInference('http://127.0.0.1:9')).level).toBe('fail');
  });
});
