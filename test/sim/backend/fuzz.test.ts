// 1500 random and malformed requests across every route (seeded, so failures reproduce):
// only 2xx/4xx answers, always JSON or SSE, and the server still answers afterwards.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startTestSim, TEST_KEY, type TestSim } from '../../helpers/sim.ts';

let t: TestSim;
let jobId = '';
beforeAll(async () => {
  t = await startTestSim();
  jobId = await t.createJob();
});
afterAll(() => t.sim.stop());

/** mulberry32: a tiny seeded PRNG so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

test('fuzz: no 5xx, no crash, across 1500 requests', async () => {
  const r = rng(20261125);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const ids = () => pick([jobId, 'job_0000000000000000000', '', '..', '%00', 'x'.repeat(300), "'; DROP TABLE jobs;--", '🙂', '-1']);
  const paths = () => pick([
    '/api/health', '/api/rl/jobs', `/api/rl/jobs/${ids()}/start`, `/api/learning/jobs/${ids()}`, `/api/rl/jobs/${ids()}`,
    `/api/orchestration/jobs/${ids()}`, `/api/learning/jobs/${ids()}/events`, `/api/rl/jobs/${ids()}/events/stream`,
    `/api/learning/jobs/${ids()}/metrics`, `/api/learning/jobs/${ids()}/timeline`, `/api/learning/jobs/${ids()}/cancel`,
    `/api/rl/jobs/${ids()}/cancel`, `/api/orchestration/jobs/${ids()}/artifacts`, '/api/v1/crypto/public-key', '/api/v1/env-keys',
    '/api/learning/models/rl', '/api/learning/models/rl/registry', '/api/learning/models/rl/promote',
    '/api/learning/models/ensure-on-modal', '/api/v1/chat/completions', '/api/api/v1/env-keys', '/_sim/faults', '/_sim/time',
    '/_sim/info', '/api/nope', '/', '/api', '/api/rl/jobs/x/y/z/w',
  ]);
  const queries = () => pick(['', '?since_seq=-5', '?since_seq=abc', '?since_seq=99999999999999999999', '?limit=0', '?limit=1e9',
    '?after_step=-2', '?after_step=x', '?limit=10&since_seq=2', '?name=%ff', '?status=succeeded&limit=abc', '?all=true']);
  const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
  const values = (): unknown => pick<() => unknown>([
    () => null, () => 42, () => -1.5e308, () => 'str', () => [], () => ({}), () => true, () => 'x'.repeat(5000),
    () => ({ job_type: 'rl', data: { endpoint_base_url: pick(['http://x', '', 5, null]), config: pick([{}, { trainer: { batch_size: 'x' } }, { sim: { replay: { iterations: -1 } } }, 7, { hyperparams: { scale_rewards: 'x' } }]) } }),
    () => ({ job_type: 'rl', data: { endpoint_base_url: 'http://x', config: { sim: { replay: { iterations: 1, step_seconds: 0 } } }, metadata: deep(2000) } }),
    () => ({ name: pick(['', 'E', 'x'.repeat(200)]), ciphertext_b64: pick(['', '====', 'QUJD', 'A'.repeat(20000), 5]) }),
    () => ({ model: pick(['', 'm', 5]), messages: pick([[], [{ role: 'user', content: 'hi' }], [{ role: 'nope' }], 'x']), temperature: pick([-1, 5, 'x', 0.2]) }),
    () => ({ model_id: pick(['', 'rl:a:b:c', 'rl:a:job_0000000000000000000:c', 5]), job_id: pick([undefined, jobId, 'nope']) }),
    () => ({ routes: pick([[], [{ path: '/never', latency_ms: 1 }], [{ path: 5 }], 'x']), sse: pick([{}, { drop_after_events: -1 }]) }),
    () => ({ scale: pick([0, -1, 1, 1e9, 'x']) }),
    () => deep(5000),
  ])();
  const bodies = (): string | undefined => pick<() => string | undefined>([
    () => undefined, () => '', () => '{', () => 'null', () => '[1,2', () => '\u0000\u0001', () => JSON.stringify(values()),
    () => JSON.stringify(values()), () => JSON.stringify(values()), () => '{"job_type":"rl","data":{"endpoint_base_url":"http://x"}}',
  ])();
  const statuses = new Map<number, number>();
  for (let i = 0; i < 1500; i++) {
    const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
    const body = method === 'GET' || method === 'HEAD' ? undefined : bodies();
    const headers: Record<string, string> = {
      authorization: pick([`Bearer ${TEST_KEY}`, `Bearer ${TEST_KEY}`, `Bearer ${TEST_KEY}`, 'Bearer nope', '', `bearer  ${TEST_KEY} `]),
      'content-type': pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded']),
    };
    if (r() < 0.3) headers.accept = 'text/event-stream';
    if (r() < 0.2) headers['last-event-id'] = pick(['3', '-1', 'abc', '99999999999999999999', '']);
    if (r() < 0.2) headers['idempotency-key'] = pick(['k', 'x'.repeat(300), ' ', 'k\u00e9']);
    const url = `${t.sim.url}${paths()}${queries()}`;
    const res = await fetch(url, { method, headers, ...(body !== undefined && { body }) });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const type = res.headers.get('content-type') ?? '';
    if (res.status >= 500) throw new Error(`case ${i}: ${method} ${url} → ${res.status}: ${await res.text()}`);
    if (method !== 'HEAD' && res.status !== 204) expect(type.includes('application/json') || type.includes('text/event-stream')).toBe(true);
    await res.body?.cancel();
  }
  expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  const health = await t.req('/api/health');
  expect(health.status).toBe(200);
  await t.req('/_sim/faults', { method: 'DELETE' });
  await t.req('/_sim/time', { method: 'PUT', body: '{"scale":1}', headers: { 'content-type': 'application/json' } });
}, 120_000);
