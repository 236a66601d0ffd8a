// Edge cases found in review: a backend that caps page sizes, a success status after a failure
// event, and limits longer than setTimeout can count.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { BackendClient } from '../../src/client/backend.ts';
import { JobStream, type StreamItem } from '../../src/client/stream.ts';

const PAGE_CAP = 7;
const N_EVENTS = 40;
let server: ReturnType<typeof Bun.serve>;
let status = 'succeeded';
let events: { seq: number; type: string; message: string; data: Record<string, unknown> }[] = [];

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(req) {
      const url = new URL(req.url);
      if (/\/jobs\/[^/]+$/.test(url.pathname)) return Response.json({ job_id: 'job_x', status });
      if (url.pathname.endsWith('/events')) {
        const since = Number(url.searchParams.get('since_seq') ?? 0);
        // This backend honours `limit` only up to PAGE_CAP, whatever the client asks.
        return Response.json({ events: events.filter((e) => e.seq > since).slice(0, PAGE_CAP) });
      }
      if (url.pathname.endsWith('/metrics')) {
        const after = Number(url.searchParams.get('after_step') ?? -1);
        const points = Array.from({ length: 30 }, (_, i) => ({ name: 'train.loss', value: i, step: i + 1 })).filter((p) => p.step > after).slice(0, PAGE_CAP);
        return Response.json({ points });
      }
      return Response.json({ detail: 'nope' }, { status: 404 });
    },
  });
});
afterAll(() => server.stop(true));

async function follow(opts: { maxSeconds?: number } = {}) {
  const client = new BackendClient({ backendUrl: `http://127.0.0.1:${server.port}`, apiKey: 'k' });
  const items: StreamItem[] = [];
  const result = await new JobStream({ client, jobId: 'job_x', pollIntervalMs: 20, sse: false, ...opts, onItem: (i) => void items.push(i) }).run();
  return { result, items };
}

describe('JobStream edges', () => {
  test('attaching to a finished job on a backend that caps page sizes still gets every event and metric', async () => {
    status = 'succeeded';
    events = Array.from({ length: N_EVENTS }, (_, i) => ({ seq: i + 1, type: i === N_EVENTS - 1 ? 'rl.job.completed' : 'rl.train.step', message: `e${i + 1}`, data: {} }));
    const { result, items } = await follow();
    expect(result.outcome).toBe('succeeded');
    const seqs = items.flatMap((i) => (i.kind === 'event' && i.event.seq > 0 ? [i.event.seq] : []));
    expect(seqs).toEqual(Array.from({ length: N_EVENTS }, (_, i) => i + 1));
    const steps = items.flatMap((i) => (i.kind === 'metric' ? [i.metric.step] : []));
    expect(new Set(steps).size).toBe(30);
  });

  test('a failure event is not undone by a status that reads as success', async () => {
    status = 'completed';
    events = [
      { seq: 1, type: 'rl.job.created', message: 'created', data: {} },
      { seq: 2, type: 'rl.train.failed', message: 'task app answered 401', data: {} },
    ];
    const { result } = await follow();
    expect(result.outcome).toBe('failed');
  });

  test('a watchdog longer than setTimeout can count does not fire at once', async () => {
    status = 'succeeded';
    events = [{ seq: 1, type: 'rl.job.completed', message: 'done', data: {} }];
    const { result } = await follow({ maxSeconds: 3_000_000 });
    expect(result.outcome).toBe('succeeded');
  });
});
