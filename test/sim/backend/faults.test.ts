// Each fault kind, through the HTTP control API and the --faults loader.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobEvent } from '../../../src/api/jobs.ts';
import { Faults, FaultSpec, loadFaultSpec } from '../../../sim/backend/faults.ts';
import { tempDir } from '../../helpers/cli.ts';
import { eventFrames, readSse, startTestSim, type TestSim } from '../../helpers/sim.ts';

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim();
});
afterAll(() => t.sim.stop());
afterEach(async () => {
  await t.req('/_sim/faults', { method: 'DELETE' });
});

const setFaults = async (spec: unknown) => {
  const r = await t.json('/_sim/faults', { method: 'PUT', json: spec });
  expect(r.status).toBe(200);
  return r.body;
};

describe('route faults', () => {
  test('added latency on matching routes only', async () => {
    const id = await t.createJob();
    await setFaults({ routes: [{ path: '/api/learning/jobs/*', latency_ms: 600 }] });
    let t0 = performance.now();
    expect((await t.req(`/api/learning/jobs/${id}`)).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(595);
    t0 = performance.now();
    await t.req('/api/health');
    // Unmatched routes get no delay (margin for a loaded machine).
    expect(performance.now() - t0).toBeLessThan(400);
  });

  test('error status for N requests, then normal service', async () => {
    await setFaults({ routes: [{ path: '/api/health', error_status: 503, times: 3 }] });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.req('/api/health')).status);
    expect(statuses).toEqual([503, 503, 503, 200, 200]);
    const body = await t.json('/_sim/faults');
    expect((body.body as { routes: unknown[] }).routes).toEqual([]);
  });

  test('error bodies are JSON details; method filters; ** matches any rest', async () => {
    await setFaults({ routes: [{ path: '/api/**', method: 'POST', error_status: 429 }] });
    const get = await t.req('/api/health');
    expect(get.status).toBe(200);
    const post = await t.json<{ detail: string }>('/api/rl/jobs', { json: {} });
    expect(post.status).toBe(429);
    expect(post.body.detail).toContain('injected fault');
  });

  test('error_rate picks requests at that rate (seeded unit check)', () => {
    let i = 0;
    const seq = [0.1, 0.9, 0.4, 0.6];
    const f = new Faults(() => seq[i++ % seq.length] as number);
    f.set(FaultSpec.parse({ routes: [{ path: '/x', error_status: 500, error_rate: 0.5 }] }));
    expect([1, 2, 3, 4].map(() => f.forRequest('GET', '/x').errorStatus)).toEqual([500, undefined, 500, undefined]);
    f.set(FaultSpec.parse({ routes: [{ path: '/x', error_status: 500, error_rate: 0 }] }));
    expect(f.forRequest('GET', '/x').errorStatus).toBeUndefined();
  });

  test('/_sim stays reachable whatever the faults', async () => {
    await setFaults({ routes: [{ path: '/**', error_status: 500 }] });
    expect((await t.req('/_sim/info')).status).toBe(200);
    expect((await t.req('/api/health')).status).toBe(500);
  });
});

describe('SSE and event faults', () => {
  test('SSE connections drop after N events; resuming with Last-Event-ID loses nothing', async () => {
    await setFaults({ sse: { drop_after_events: 3 } });
    const id = await t.createJob({ config: { sim: { replay: { iterations: 4, step_seconds: 0.02 } } } });
    const got: number[] = [];
    let connections = 0;
    for (let last = 0; connections < 40; ) {
      connections++;
      const frames = eventFrames(await readSse(await t.req(`/api/rl/jobs/${id}/events`, { headers: { accept: 'text/event-stream', 'last-event-id': String(last) } }), () => false, 3000));
      expect(frames.length).toBeLessThanOrEqual(3);
      for (const f of frames) got.push(Number(f.id));
      last = got.at(-1) ?? last;
      if (frames.at(-1)?.event === 'rl.job.completed') break;
    }
    const total = (await t.json<{ events: unknown[] }>(`/api/learning/jobs/${id}/events?limit=1000`)).body.events.length;
    expect(got).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(connections).toBeGreaterThan(2);
  });

  test('slow first event delays the first frame of each connection', async () => {
    await setFaults({ sse: { slow_first_event_ms: 300 } });
    const id = await t.createJob();
    const t0 = performance.now();
    const frames = eventFrames(await readSse(await t.req(`/api/rl/jobs/${id}/events`, { headers: { accept: 'text/event-stream' } }), (f) => eventFrames(f).length >= 1));
    expect(frames.length).toBeGreaterThanOrEqual(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  test('event stall: no job emits anything for the stall, then events resume', async () => {
    const id = await t.createJob({ config: { sim: { replay: { iterations: 6, step_seconds: 0.02 } } } });
    await t.waitFor(async () => ((await t.json<{ events: JobEvent[] }>(`/api/learning/jobs/${id}/events`)).body.events.some((e) => e.type === 'rl.train.step') ? true : undefined));
    await setFaults({ events: { stall_seconds: 0.6 } });
    const count = async () => (await t.json<{ events: JobEvent[] }>(`/api/learning/jobs/${id}/events?limit=1000`)).body.events.length;
    const before = await count();
    await Bun.sleep(400);
    expect(await count()).toBe(before);
    const final = await t.waitFor(async () => {
      const s = (await t.json<{ status: string }>(`/api/learning/jobs/${id}`)).body.status;
      return s === 'succeeded' ? s : undefined;
    });
    expect(final).toBe('succeeded');
    expect(await count()).toBeGreaterThan(before);
  });

  test('first-event delay: a new job shows no events until the delay passes', async () => {
    await setFaults({ events: { first_event_delay_ms: 400 } });
    const id = await t.createJob();
    const r = await t.json<{ events: JobEvent[] }>(`/api/learning/jobs/${id}/events`);
    expect(r.body.events).toEqual([]);
    const first = await t.waitFor(async () => (await t.json<{ events: JobEvent[] }>(`/api/learning/jobs/${id}/events`)).body.events[0]);
    expect(first.type).toBe('rl.job.created');
  });
});

describe('--faults loading', () => {
  test('from a file or inline JSON; errors name the problem', async () => {
    const dir = tempDir();
    const path = join(dir, 'f.json');
    writeFileSync(path, JSON.stringify({ routes: [{ path: '/api/health', error_status: 503 }] }));
    expect((await loadFaultSpec(path)).routes[0]?.error_status).toBe(503);
    expect((await loadFaultSpec('{"sse":{"drop_after_events":2}}')).sse.drop_after_events).toBe(2);
    await expect(loadFaultSpec(join(dir, 'missing.json'))).rejects.toThrow('--faults: cannot read');
    await expect(loadFaultSpec('{nope')).rejects.toThrow('--faults: invalid JSON');
    await expect(loadFaultSpec('{"routes":[{"path":"/x","error_status":200}]}')).rejects.toThrow('--faults: routes.0.error_status');
  });
});
