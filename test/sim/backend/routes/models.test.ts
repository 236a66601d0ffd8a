// The models sub-app on its own (sim/backend/routes/models.ts): the org's checkpoints, promotion to
// the registry, ensure-on-modal; 4xx JSON naming what is missing.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { modelRoutes } from '../../../../sim/backend/routes/models.ts';
import { asOrg, backendParts, insertJob, OTHER_ORG, post, read, type Parts } from './fixture.ts';

let parts: Parts;
let app: ReturnType<typeof asOrg>;
let jobId: string;
const MODEL = 'rl:Qwen/Qwen3-0.6B:job:checkpoint-epoch-1';
beforeEach(() => {
  parts = backendParts();
  app = asOrg(modelRoutes(parts));
  jobId = insertJob(parts.store);
  parts.store.addModel({ org: 'org_a', id: MODEL, job_id: jobId, base_model: 'Qwen/Qwen3-0.6B', storage_path: 'models/x.tar.gz', status: 'succeeded' });
});
afterEach(() => parts.close());

test('list the org\'s models, promote one, see it in the registry, ensure it', async () => {
  const list = await read<{ models: { id: string }[] }>(app.request('/learning/models/rl?status=succeeded'));
  expect(list.body.models.map((m) => m.id)).toEqual([MODEL]);
  expect((await read(app.request('/learning/models/rl', { headers: { 'x-org': OTHER_ORG } }))).body).toEqual({ models: [] });
  const promoted = await read<{ ok: boolean; model: Record<string, unknown> }>(app.request('/learning/models/rl/promote', post({ model_id: MODEL, job_id: jobId })));
  expect(promoted.status).toBe(200);
  expect(promoted.body.model).toMatchObject({ id: MODEL, job_id: jobId, weights_path: 'models/x.tar.gz', dtype: 'bfloat16' });
  expect(promoted.body.model).not.toHaveProperty('org');
  const registry = await read<{ models: { id: string }[] }>(app.request('/learning/models/rl/registry'));
  expect(registry.body.models.map((m) => m.id)).toEqual([MODEL]);
  const ensured = await read(app.request('/learning/models/ensure-on-modal', post({ model_id: MODEL })));
  expect(ensured).toEqual({ status: 200, body: { kind: 'rl', local_path: 'simulator://models/x.tar.gz', source: 'synth-rl simulator' } });
});

test('4xx: another org\'s job, an unknown model without weights, ensure before promote, bad limit, bad body', async () => {
  const other = insertJob(parts.store, OTHER_ORG);
  expect(await read(app.request('/learning/models/rl/promote', post({ model_id: 'm', job_id: other })))).toEqual({ status: 404, body: { detail: `job "${other}" not found` } });
  expect(await read(app.request('/learning/models/rl/promote', post({ model_id: 'nope' })))).toEqual({
    status: 404, body: { detail: 'model "nope" not found and no weights_path given' },
  });
  expect(await read(app.request('/learning/models/ensure-on-modal', post({ model_id: MODEL })))).toEqual({
    status: 404, body: { detail: `model ${JSON.stringify(MODEL)} is not in the registry; promote it first` },
  });
  expect((await read(app.request('/learning/models/rl?limit=0'))).status).toBe(422);
  const bad = await read<{ detail: { loc: unknown[] }[] }>(app.request('/learning/models/rl/promote', post({})));
  expect(bad.status).toBe(422);
  expect(bad.body.detail[0]?.loc).toEqual(['body', 'model_id']);
});
