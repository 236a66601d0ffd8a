// The metrics sub-app on its own (sim/backend/routes/metrics.ts): pages by step, one name, 4xx JSON.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { metricRoutes } from '../../../../sim/backend/routes/metrics.ts';
import { asOrg, backendParts, insertJob, OTHER_ORG, read, type Parts } from './fixture.ts';

let parts: Parts;
let app: ReturnType<typeof asOrg>;
let id: string;
beforeEach(() => {
  parts = backendParts();
  app = asOrg(metricRoutes(parts));
  id = insertJob(parts.store);
  parts.store.addMetrics(id, [1, 2, 3].flatMap((step) => [{ name: 'train.loss', value: step / 10, step }, { name: 'train.reward_mean', value: step, step }]));
});
afterEach(() => parts.close());

test('points after a step, at most limit, optionally one name', async () => {
  const page = await read<{ points: { name: string; step: number }[] }>(app.request(`/rl/jobs/${id}/metrics?after_step=1&limit=3`));
  expect(page.status).toBe(200);
  expect(page.body.points.map((p) => `${p.name}@${p.step}`)).toEqual(['train.loss@2', 'train.reward_mean@2', 'train.loss@3']);
  const named = await read<{ points: { value: number }[] }>(app.request(`/learning/jobs/${id}/metrics?name=train.reward_mean`));
  expect(named.body.points.map((p) => p.value)).toEqual([1, 2, 3]);
});

test('4xx: a bad after_step or limit is a 422; another org\'s job is a 404', async () => {
  expect(await read(app.request(`/rl/jobs/${id}/metrics?after_step=-2`))).toEqual({
    status: 422, body: { detail: 'query parameter after_step must be between -1 and 9007199254740991, got -2' },
  });
  expect(await read(app.request(`/rl/jobs/${id}/metrics?limit=5001`))).toEqual({ status: 422, body: { detail: 'query parameter limit must be between 1 and 5000, got 5001' } });
  expect((await read(app.request(`/rl/jobs/${id}/metrics`, { headers: { 'x-org': OTHER_ORG } }))).status).toBe(404);
});
