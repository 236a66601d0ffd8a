// The /_sim control sub-app on its own (sim/backend/routes/control.ts): info, per-org reset,
// faults and time scale; 4xx JSON {"detail": …}.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { controlRoutes } from '../../../../sim/backend/routes/control.ts';
import { asOrg, backendParts, insertJob, OTHER_ORG, put, read, type Parts } from './fixture.ts';

let parts: Parts;
let app: ReturnType<typeof asOrg>;
let resetIds: (readonly string[])[];
beforeEach(() => {
  parts = backendParts();
  resetIds = [];
  app = asOrg(controlRoutes({
    ...parts, sse: { keepAliveMs: 15_000, graceMs: 2_000 }, trainers: ['replay'], defaultTrainer: 'replay', onReset: (ids) => resetIds.push(ids),
  }));
});
afterEach(() => parts.close());

test('info names the trainers, the default and the org\'s time scale', async () => {
  const info = await read(app.request('/info'));
  expect(info.body).toMatchObject({ simulated: true, trainers: ['replay'], default_trainer: 'replay', time_scale: 1, state: ':memory:', scope: 'org' });
});

test('reset deletes the caller\'s jobs only and reports their ids; ?all=true is a 403', async () => {
  const mine = insertJob(parts.store);
  const theirs = insertJob(parts.store, OTHER_ORG);
  expect(await read(app.request('/reset', { method: 'POST' }))).toEqual({ status: 200, body: { reset: true, scope: 'org' } });
  expect(resetIds).toEqual([[mine]]);
  expect(parts.store.getJob(mine)).toBeUndefined();
  expect(parts.store.getJob(theirs)).toBeDefined();
  const all = await read<{ detail: string }>(app.request('/reset?all=true', { method: 'POST' }));
  expect(all.status).toBe(403);
  expect(all.body.detail).toStartWith('reset?all=true is refused');
});

test('faults: put, read, clear — per org; an unknown key is a 422', async () => {
  const spec = { routes: [{ path: '/api/rl/jobs', error_status: 503, times: 1 }] };
  const set = await read<{ routes: unknown[] }>(app.request('/faults', put(spec)));
  expect(set.status).toBe(200);
  expect(set.body.routes).toHaveLength(1);
  expect((await read<{ routes: unknown[] }>(app.request('/faults'))).body.routes).toHaveLength(1);
  expect((await read<{ routes: unknown[] }>(app.request('/faults', { headers: { 'x-org': OTHER_ORG } }))).body.routes).toHaveLength(0);
  expect((await read<{ routes: unknown[] }>(app.request('/faults', { method: 'DELETE' }))).body.routes).toHaveLength(0);
  const bad = await read<{ detail: { type: string }[] }>(app.request('/faults', put({ nope: 1 })));
  expect(bad.status).toBe(422);
  expect(bad.body.detail[0]?.type).toBe('unrecognized_keys');
});

test('time scale: set for the caller\'s org only; out of range is a 422', async () => {
  expect(await read(app.request('/time', put({ scale: 5 })))).toEqual({ status: 200, body: { scale: 5 } });
  expect((await read(app.request('/time'))).body).toEqual({ scale: 5 });
  expect((await read(app.request('/time', { headers: { 'x-org': OTHER_ORG } }))).body).toEqual({ scale: 1 });
  const bad = await read<{ detail: { loc: unknown[] }[] }>(app.request('/time', put({ scale: 0 })));
  expect(bad.status).toBe(422);
  expect(bad.body.detail[0]?.loc).toEqual(['body', 'scale']);
});
