// The HTTP core against a real local server: retries, backoff, Retry-After, idempotency, errors.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Server } from 'bun';
import { backoffDelay, DEFAULT_RETRY, HttpClient, HttpError, isRetryableStatus, parseRetryAfter, type RetryEvent } from '../../src/client/http.ts';

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

let server: Server<undefined>;
let base = '';
const seen: Seen[] = [];
/** Per-path scripted responses, consumed one per request; the last one repeats. */
const script = new Map<string, (() => Response | Promise<Response>)[]>();

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const url = new URL(req.url);
      seen.push({ method: req.method, path: url.pathname + url.search, headers: req.headers, body: await req.text() });
      const queue = script.get(url.pathname);
      const next = queue && (queue.length > 1 ? queue.shift() : queue[0]);
      return next ? next() : Response.json({ detail: 'not found' }, { status: 404 });
    },
  });
  base = `http://127.0.0.1:${server.port}/api`;
});
afterAll(() => server.stop(true));

function reset(path: string, ...responses: (() => Response | Promise<Response>)[]) {
  seen.length = 0;
  script.set(path, responses);
}

const ok = () => Response.json({ ok: true });
const status = (code: number, headers: Record<string, string> = {}) => () =>
  Response.json({ detail: `status ${code}` }, { status: code, headers });

function client(extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) {
  const sleeps: number[] = [];
  const retries: RetryEvent[] = [];
  const c = new HttpClient({
    baseUrl: base,
    apiKey: 'sk-test',
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    onRetry: (e) => void retries.push(e),
    ...extra,
  });
  return { c, sleeps, retries };
}

describe('retries', () => {
  test('GET is retried on 503 and 429 and succeeds; backoff grows exponentially with jitter', async () => {
    reset('/api/a', status(503), status(429), status(502), ok);
    const { c, sleeps, retries } = client();
    expect(await c.json({ path: '/a' })).toEqual({ ok: true });
    expect(seen.length).toBe(4);
    // random() = 0.5 → half of min(max, 250·2^n)
    expect(sleeps).toEqual([125, 250, 500]);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(retries[0]?.reason).toContain('HTTP 503');
  });

  test('gives up after the configured retries with the last error', async () => {
    reset('/api/down', status(503));
    const { c, sleeps } = client({ retry: { retries: 2 } });
    const err = await c.json({ path: '/down' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(503);
    expect((err as HttpError).attempts).toBe(3);
    expect((err as HttpError).detail).toBe('status 503');
    expect((err as HttpError).message).toBe(`HTTP 503 for GET ${base}/down: status 503`);
    expect(sleeps.length).toBe(2);
    expect(seen.length).toBe(3);
  });

  test('Retry-After (seconds) is honoured instead of the backoff', async () => {
    reset('/api/slow', status(429, { 'retry-after': '2' }), ok);
    const { c, sleeps } = client();
    await c.json({ path: '/slow' });
    expect(sleeps).toEqual([2000]);
  });

  test('Retry-After is capped so a bad header cannot stall a pipeline', async () => {
    reset('/api/cap', status(503, { 'retry-after': '86400' }), ok);
    const { c, sleeps } = client({ retry: { maxRetryAfterMs: 5000 } });
    await c.json({ path: '/cap' });
    expect(sleeps).toEqual([5000]);
  });

  test('4xx other than 408/429 is not retried', async () => {
    reset('/api/bad', status(422));
    const { c, sleeps } = client();
    const err = (await c.json({ path: '/bad' }).catch((e: unknown) => e)) as HttpError;
    expect(err.status).toBe(422);
    expect(err.attempts).toBe(1);
    expect(sleeps).toEqual([]);
    expect(seen.length).toBe(1);
  });

  test('POST without an Idempotency-Key is never retried', async () => {
    reset('/api/rl/jobs', status(503), ok);
    const { c } = client();
    const err = (await c.json({ path: '/rl/jobs', json: { a: 1 } }).catch((e: unknown) => e)) as HttpError;
    expect(err.status).toBe(503);
    expect(seen.length).toBe(1);
  });

  test('POST with an Idempotency-Key is retried with the same key and body', async () => {
    reset('/api/rl/jobs', status(503), status(500), () => Response.json({ job_id: 'job_1' }, { status: 201 }));
    const { c } = client();
    const res = await c.json<{ job_id: string }>({ path: '/api/rl/jobs', json: { a: 1 }, idempotencyKey: 'k-123' });
    expect(res.job_id).toBe('job_1');
    expect(seen.length).toBe(3);
    expect(new Set(seen.map((s) => s.headers.get('idempotency-key')))).toEqual(new Set(['k-123']));
    expect(new Set(seen.map((s) => s.body))).toEqual(new Set(['{"a":1}']));
    expect(seen[0]?.path).toBe('/api/rl/jobs');
  });

  test('network errors are retried, then reported as kind network', async () => {
    const dead = new HttpClient({ baseUrl: 'http://127.0.0.1:1/api', sleep: async () => {}, retry: { retries: 2 } });
    const err = (await dead.json({ path: '/health' }).catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.kind).toBe('network');
    expect(err.attempts).toBe(3);
    expect(err.status).toBeUndefined();
  });
});

describe('timeouts and aborts', () => {
  test('a request slower than its timeout fails as kind timeout, and is retried', async () => {
    let calls = 0;
    reset('/api/hang', async () => {
      calls++;
      if (calls === 1) await Bun.sleep(400);
      return ok();
    });
    const { c, retries } = client();
    expect(await c.json({ path: '/hang', timeoutMs: 100 })).toEqual({ ok: true });
    expect(retries[0]?.reason).toContain('no response within 0.1 s');
  });

  test('timeout without retries reports kind timeout', async () => {
    reset('/api/hang2', async () => {
      await Bun.sleep(400);
      return ok();
    });
    const { c } = client();
    const err = (await c.json({ path: '/hang2', timeoutMs: 50, retry: false }).catch((e: unknown) => e)) as HttpError;
    expect(err.kind).toBe('timeout');
  });

  test("the caller's abort stops at once and is not retried", async () => {
    reset('/api/hang3', async () => {
      await Bun.sleep(400);
      return ok();
    });
    const { c, retries } = client();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const err = (await c.json({ path: '/hang3', signal: ac.signal }).catch((e: unknown) => e)) as HttpError;
    expect(err.kind).toBe('aborted');
    expect(retries).toEqual([]);
  });
});

describe('requests and responses', () => {
  test('sends Bearer auth, user agent, JSON content type and query', async () => {
    reset('/api/q', ok);
    const { c } = client();
    await c.json({ path: '/q', query: { since_seq: 3, limit: undefined }, method: 'POST', json: { x: 1 } });
    const s = seen[0] as Seen;
    expect(s.path).toBe('/api/q?since_seq=3');
    expect(s.headers.get('authorization')).toBe('Bearer sk-test');
    expect(s.headers.get('content-type')).toBe('application/json');
    expect(s.headers.get('user-agent')).toStartWith('synth-rl/');
  });

  test('a non-JSON 2xx body is a clear invalid_json error', async () => {
    reset('/api/html', () => new Response('<html>login</html>', { headers: { 'content-type': 'text/html' } }));
    const { c } = client();
    const err = (await c.json({ path: '/html' }).catch((e: unknown) => e)) as HttpError;
    expect(err.kind).toBe('invalid_json');
    expect(err.message).toContain('expected JSON, got text/html');
    expect(err.bodySnippet).toBe('<html>login</html>');
  });

  test('error bodies: snippet is capped at 200 chars; non-JSON detail stays undefined', async () => {
    reset('/api/big', () => new Response('x'.repeat(1000), { status: 400 }));
    const { c } = client();
    const err = (await c.json({ path: '/big' }).catch((e: unknown) => e)) as HttpError;
    expect(err.bodySnippet.length).toBe(200);
    expect(err.detail).toBeUndefined();
  });

  test('the API key never appears in error messages', async () => {
    reset('/api/401', status(401));
    const { c } = client();
    const err = (await c.json({ path: '/401' }).catch((e: unknown) => e)) as HttpError;
    expect(err.status).toBe(401);
    expect(err.message).not.toContain('sk-test');
  });
});

describe('helpers', () => {
  test('isRetryableStatus', () => {
    expect([429, 408, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 422, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  test('parseRetryAfter: seconds, dates, junk', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  test('backoffDelay is bounded by the cap and spans the full jitter range', () => {
    expect(backoffDelay(0, DEFAULT_RETRY, () => 0)).toBe(0);
    expect(backoffDelay(3, DEFAULT_RETRY, () => 0.999999)).toBe(1999);
    expect(backoffDelay(20, DEFAULT_RETRY, () => 0.999999)).toBe(DEFAULT_RETRY.maxDelayMs - 1);
  });
});
