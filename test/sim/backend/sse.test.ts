// SSE: framing, replay from since_seq / Last-Event-ID, exactly-once resume, keep-alives, close.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { JobEvent } from '../../../src/api/jobs.ts';
import { eventFrames, readSse, startTestSim, type TestSim } from '../../helpers/sim.ts';

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim();
});
afterAll(() => t.sim.stop());

const SSE = { accept: 'text/event-stream' };
const seqs = (frames: { id?: string }[]) => frames.map((f) => Number(f.id));

describe('SSE', () => {
  test('frames carry id: seq, event: type and one-line JSON data; the stream closes after the terminal event', async () => {
    const id = await t.createJob();
    const res = await t.req(`/api/rl/jobs/${id}/events?since_seq=0`, { headers: SSE });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toStartWith('text/event-stream');
    const frames = eventFrames(await readSse(res));
    expect(frames.length).toBeGreaterThan(5);
    for (const f of frames) {
      const e = JobEvent.parse(JSON.parse(f.data as string));
      expect(String(e.seq)).toBe(f.id as string);
      expect(e.type).toBe(f.event as string);
    }
    expect(seqs(frames)).toEqual(frames.map((_, i) => i + 1));
    expect(frames.at(-1)?.event).toBe('rl.job.completed');
  });

  test('content negotiation: the same path answers JSON without the SSE Accept header; /events/stream is always SSE', async () => {
    const id = await t.createJob();
    const json = await t.req(`/api/learning/jobs/${id}/events`);
    expect(json.headers.get('content-type')).toContain('application/json');
    const stream = await t.req(`/api/learning/jobs/${id}/events/stream`);
    expect(stream.headers.get('content-type')).toStartWith('text/event-stream');
    await stream.body?.cancel();
  });

  test('a client that drops after event k and reconnects with Last-Event-ID receives k+1… exactly once', async () => {
    const id = await t.createJob({ config: { sim: { replay: { iterations: 6, step_seconds: 0.03 } } } });
    const k = 5;
    const first = eventFrames(await readSse(await t.req(`/api/rl/jobs/${id}/events`, { headers: SSE }), (f) => eventFrames(f).length >= k));
    expect(seqs(first).slice(0, k)).toEqual([1, 2, 3, 4, 5]);
    const lastId = first[k - 1]?.id as string;
    const second = eventFrames(await readSse(await t.req(`/api/rl/jobs/${id}/events`, { headers: { ...SSE, 'last-event-id': lastId } })));
    const all = [...seqs(first).slice(0, k), ...seqs(second)];
    const total = (await t.json<{ events: unknown[] }>(`/api/learning/jobs/${id}/events?limit=1000`)).body.events.length;
    expect(all).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  test('since_seq replays only later events; a finished job replays and then closes', async () => {
    const id = await t.createJob();
    await t.waitFor(async () => ((await t.json<{ status: string }>(`/api/learning/jobs/${id}`)).body.status === 'succeeded' ? true : undefined));
    const frames = eventFrames(await readSse(await t.req(`/api/rl/jobs/${id}/events?since_seq=4`, { headers: SSE }), () => false, 3000));
    expect(seqs(frames)[0]).toBe(5);
    expect(frames.at(-1)?.event).toBe('rl.job.completed');
  });

  test('keep-alive comments arrive while the job is quiet', async () => {
    const id = await t.createJob({ config: { sim: { replay: { iterations: 3, step_seconds: 0.5 } } } });
    const frames = await readSse(await t.req(`/api/rl/jobs/${id}/events`, { headers: SSE }), (f) => f.filter((x) => x.comment === 'keep-alive').length >= 2, 5000);
    expect(frames.filter((x) => x.comment === 'keep-alive').length).toBeGreaterThanOrEqual(2);
  });

  test('concurrent streams each get every event once', async () => {
    const id = await t.createJob();
    const streams = await Promise.all([1, 2, 3].map(async () => eventFrames(await readSse(await t.req(`/api/rl/jobs/${id}/events`, { headers: SSE })))));
    const total = (await t.json<{ events: unknown[] }>(`/api/learning/jobs/${id}/events?limit=1000`)).body.events.length;
    for (const s of streams) expect(seqs(s)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });
});
