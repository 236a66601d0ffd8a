// SynthClient (the backend API client) against scripted servers: the job body, the status-route fallbacks, lenient
// parsing, and errors a user can act on (rejected key, 5xx burst, non-JSON, unreachable host).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import type { Server } from 'bun';
import { SynthClient } from '../../src/client/api-client.ts';
import { BackendError } from '../../src/client/api-errors.ts';
import { jobCreateBody } from '../../src/client/api-shapes.ts';

let server: Server<undefined>;
let base = '';
const seen: { method: string; path: string; headers: Headers }[] = [];
let handler: (req: Request, path: string) => Response | Promise<Response> = () => new Response('unset', { status: 500 });

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(req) {
      const url = new URL(req.url);
      seen.push({ method: req.method, path: url.pathname + url.search, headers: req.headers });
      return handler(req, url.pathname);
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));
beforeEach(() => {
  seen.length = 0;
});

const fast = { retries: 3, baseDelayMs: 5, maxDelayMs: 20 };
const client = (key = 'sk-test') => new SynthClient({ backendUrl: base, apiKey: key, retry: fast });

describe('requests', () => {
  test('job body is shape (a): model, endpoint without trailing slash, trainer sizes, config, training_start_url', () => {
    const body = jobCreateBody({
      model: 'Qwen/Qwen3-0.6B', taskAppUrl: 'https://task.example/', batchSize: 2, groupSize: 4,
      config: { training: { num_epochs: 1 } }, jobConfigId: 'cfg_1', trainingStartUrl: true,
    });
    expect(body).toEqual({
      job_type: 'rl',
      data: {
        model: 'Qwen/Qwen3-0.6B', endpoint_base_url: 'https://task.example', job_config_id: 'cfg_1',
        config: { training: { num_epochs: 1 } }, trainer: { batch_size: 2, group_size: 4 }, training_start_url: 'https://task.example/',
      },
    });
    expect(jobCreateBody({ model: 'm', taskAppUrl: 'http://t', batchSize: 1, groupSize: 2, trainerId: 'tr_1' }).data).toEqual({
      model: 'm', endpoint_base_url: 'http://t', trainer: { batch_size: 1, group_size: 2 }, trainer_id: 'tr_1',
    });
  });

  test('createJob retries a 503 with the same Idempotency-Key and reads job_id or id', async () => {
    let n = 0;
    handler = () => (++n <= 2 ? Response.json({ detail: 'busy' }, { status: 503 }) : Response.json({ id: 'job_a', status: 'queued' }, { status: 201 }));
    const created = await client().createJob(jobCreateBody({ model: 'm', taskAppUrl: 'http://t', batchSize: 1, groupSize: 1 }), { idempotencyKey: 'key-1' });
    expect(created).toMatchObject({ jobId: 'job_a', httpStatus: 201, status: 'queued' });
    expect(seen.map((s) => [s.method, s.path, s.headers.get('idempotency-key'), s.headers.get('authorization')])).toEqual([
      ['POST', '/api/rl/jobs', 'key-1', 'Bearer sk-test'], ['POST', '/api/rl/jobs', 'key-1', 'Bearer sk-test'], ['POST', '/api/rl/jobs', 'key-1', 'Bearer sk-test'],
    ]);
  });

  test('status falls back learning → rl → orchestration on 404, remembers the answer, normalises id/state', async () => {
    handler = (_r, p) => (p === '/api/orchestration/jobs/job_b' ? Response.json({ id: 'job_b', state: 'TRAINING' }) : Response.json({ detail: 'Not Found' }, { status: 404 }));
    const c = client();
    expect(await c.getJob('job_b')).toMatchObject({ job_id: 'job_b', status: 'training' });
    await c.getJob('job_b');
    expect(seen.map((s) => s.path)).toEqual(['/api/learning/jobs/job_b', '/api/rl/jobs/job_b', '/api/orchestration/jobs/job_b', '/api/orchestration/jobs/job_b']);
  });

  test('an unknown job is not_found naming the id and the routes tried', async () => {
    handler = () => Response.json({ detail: 'Not Found' }, { status: 404 });
    const error = await client().getJob('job_nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).kind).toBe('not_found');
    expect((error as BackendError).message).toContain(`job job_nope not found at ${base}/api`);
  });

  test('env keys: a backend that does not list them (404) answers undefined, not an error', async () => {
    handler = () => Response.json({ detail: 'Not Found' }, { status: 404 });
    expect(await client().listEnvKeys()).toBeUndefined();
  });
});

describe('errors a user can act on', () => {
  test('401 → "API key rejected by <api base>" with the server detail, not retried', async () => {
    handler = () => Response.json({ detail: 'Invalid API key' }, { status: 401 });
    const error = (await client('sk-bad').health().catch((e: unknown) => e)) as BackendError;
    expect(error.kind).toBe('auth');
    expect(error.message).toStartWith(`API key rejected by ${base}/api (HTTP 401`);
    expect(error.message).toContain('Invalid API key');
    expect(error.message).not.toContain('sk-bad');
    expect(seen.length).toBe(1);
  });

  test('a 5xx burst longer than the retries: status, body snippet and attempts', async () => {
    handler = () => new Response('<html><body>502 Bad Gateway from the proxy</body></html>', { status: 502, headers: { 'content-type': 'text/html' } });
    const error = (await client().getJob('job_c').catch((e: unknown) => e)) as BackendError;
    expect(error.kind).toBe('http');
    expect(error.status).toBe(502);
    expect(error.message).toContain(`HTTP 502 for GET ${base}/api/learning/jobs/job_c`);
    expect(error.message).toContain('502 Bad Gateway from the proxy');
    expect(error.message).toContain('gave up after 4 attempts');
  });

  test('a 2xx that is not JSON is reported as such', async () => {
    handler = () => new Response('<!doctype html><title>Login</title>', { headers: { 'content-type': 'text/html' } });
    const error = (await client().health().catch((e: unknown) => e)) as BackendError;
    expect(error.kind).toBe('invalid_json');
    expect(error.message).toContain('with a body that is not JSON');
    expect(error.message).toContain('text/html');
    const created = (await client().createJob(jobCreateBody({ model: 'm', taskAppUrl: 'http://t', batchSize: 1, groupSize: 1 }), { idempotencyKey: 'k' }).catch((e: unknown) => e)) as BackendError;
    expect(created.kind).toBe('invalid_json');
    expect(created.message).toContain(`POST ${base}/api/rl/jobs answered HTTP 200 with a body that is not JSON`);
  });

  test('a create answer without a job id is an invalid_response', async () => {
    handler = () => Response.json({ ok: true }, { status: 200 });
    await expect(client().createJob(jobCreateBody({ model: 'm', taskAppUrl: 'http://t', batchSize: 1, groupSize: 1 }), { idempotencyKey: 'k' }))
      .rejects.toThrow('without a job_id');
  });

  test('unreachable host → "cannot reach"', async () => {
    const c = new SynthClient({ backendUrl: 'http://127.0.0.1:9', apiKey: 'k', retry: { retries: 1, baseDelayMs: 1 } });
    const error = (await c.health().catch((e: unknown) => e)) as BackendError;
    expect(error.kind).toBe('network');
    expect(error.message).toStartWith('cannot reach http://127.0.0.1:9/api');
  });
});
