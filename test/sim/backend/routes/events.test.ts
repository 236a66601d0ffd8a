// The events sub-app on its own (sim/backend/routes/events.ts): JSON pages by seq, SSE with
// resume from since_seq or Last-Event-ID; 4xx as JSON {"detail": …}.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { eventRoutes } from '../../../../sim/backend/routes/events.ts';
import { asOrg, backendParts, insertJob, OTHER_ORG, read, type Parts } from './fixture.ts';

let parts: Parts;
let app: ReturnType<typeof asOrg>;
let id: string;
beforeEach(() => {
  parts = backendParts();
  app = asOrg(eventRoutes({ ...parts, sse: { keepAliveMs: 60_000, graceMs: 10 } }));
  id = insertJob(parts.store, undefined, 'succeeded');
  for (const type of ['rl.job.created', 'rl.train.step', 'rl.job.completed']) parts.store.appendEvent(id, { type, message: type });
});
afterEach(() => parts.close());

test('JSON pages after since_seq, with next_seq, under every prefix', async () => {
  for (const prefix of ['/rl/jobs', '/learning/jobs', '/orchestration/jobs']) {
    const page = await read<{ events: { seq: number }[]; next_seq: number }>(app.request(`${prefix}/${id}/events?since_seq=1&limit=1`));
    expect(page.status).toBe(200);
    expect(page.body.events.map((e) => e.seq)).toEqual([2]);
    expect(page.body.next_seq).toBe(2);
  }
  const empty = await read(app.request(`/rl/jobs/${id}/events?since_seq=3`));
  expect(empty.body).toEqual({ job_id: id, events: [], next_seq: 3 });
});

test('SSE replays after Last-Event-ID (or since_seq) and closes after a finished job', async () => {
  const res = await app.request(`/rl/jobs/${id}/events/stream`, { headers: { 'last-event-id': '1' } });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  expect(text).toStartWith('retry: 1000\n\n');
  expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => m[1])).toEqual(['2', '3']);
  const viaAccept = await (await app.request(`/learning/jobs/${id}/events?since_seq=2`, { headers: { accept: 'text/event-stream' } })).text();
  expect([...viaAccept.matchAll(/^id: (\d+)$/gm)].map((m) => m[1])).toEqual(['3']);
});

test('4xx: bad since_seq or limit is a 422 naming it; another org\'s job is a 404', async () => {
  expect(await read(app.request(`/rl/jobs/${id}/events?since_seq=-1`))).toEqual({
    status: 422, body: { detail: 'query parameter since_seq must be between 0 and 9007199254740991, got -1' },
  });
  expect(await read(app.request(`/rl/jobs/${id}/events?limit=abc`))).toEqual({ status: 422, body: { detail: 'query parameter limit must be an integer, got "abc"' } });
  expect(await read(app.request(`/rl/jobs/${id}/events/stream`, { headers: { 'x-org': OTHER_ORG } }))).toEqual({ status: 404, body: { detail: `job "${id}" not found` } });
});
