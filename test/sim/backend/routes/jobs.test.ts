// The jobs sub-app on its own (sim/backend/routes/jobs.ts): create (idempotent), list, read,
// status, timeline, start, cancel, artifacts; every 4xx is JSON {"detail": …}.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { jobRoutes } from '../../../../sim/backend/routes/jobs.ts';
import { asOrg, backendParts, insertJob, OTHER_ORG, post, read, type Parts } from './fixture.ts';

const BODY = { job_type: 'rl', data: { endpoint_base_url: 'http://127.0.0.1:9/', model: 'Qwen/Qwen3-0.6B' } };

let parts: Parts;
let app: ReturnType<typeof asOrg>;
beforeEach(() => {
  parts = backendParts();
  app = asOrg(jobRoutes(parts));
});
afterEach(() => parts.close());

describe('POST /rl/jobs', () => {
  test('201 with the new job; the same Idempotency-Key and body → 200, the same job', async () => {
    const a = await read<{ job_id: string; status: string }>(app.request('/rl/jobs', post(BODY, { 'idempotency-key': 'k1' })));
    expect(a.status).toBe(201);
    expect(a.body.job_id).toMatch(/^job_[0-9a-f]{19}$/);
    expect(a.body.status).toBe('queued');
    const b = await read<{ job_id: string }>(app.request('/rl/jobs', post(BODY, { 'idempotency-key': 'k1' })));
    expect(b).toEqual({ status: 200, body: expect.objectContaining({ job_id: a.body.job_id }) });
  });

  test('409 when the key was used with another body', async () => {
    await app.request('/rl/jobs', post(BODY, { 'idempotency-key': 'k2' }));
    const c = await read<{ detail: string }>(app.request('/rl/jobs', post({ ...BODY, data: { ...BODY.data, model: 'other' } }, { 'idempotency-key': 'k2' })));
    expect(c.status).toBe(409);
    expect(c.body.detail).toContain('Idempotency-Key "k2" was already used');
  });

  test('422 naming the field; 400 for malformed JSON; 422 for an overlong key', async () => {
    const bad = await read<{ detail: { loc: unknown[] }[] }>(app.request('/rl/jobs', post({ job_type: 'rl', data: {} })));
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]?.loc).toEqual(['body', 'data', 'endpoint_base_url']);
    const config = await read<{ detail: { loc: unknown[] }[] }>(app.request('/rl/jobs', post({ ...BODY, data: { ...BODY.data, config: { training: { num_epochs: 'x' } } } })));
    expect(config.status).toBe(422);
    expect(config.body.detail[0]?.loc.slice(0, 3)).toEqual(['body', 'data', 'config']);
    const malformed = await read<{ detail: string }>(app.request('/rl/jobs', post('{')));
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toContain('not valid JSON');
    const longKey = await read<{ detail: string }>(app.request('/rl/jobs', post(BODY, { 'idempotency-key': 'x'.repeat(256) })));
    expect(longKey).toEqual({ status: 422, body: { detail: 'Idempotency-Key must be at most 255 characters' } });
  });

  test('422 when the job is larger than the limits', async () => {
    const big = await read<{ detail: { type: string }[] }>(app.request('/rl/jobs', post({ ...BODY, data: { ...BODY.data, config: { training: { batch_size: 1024, group_size: 256 } } } })));
    expect(big.status).toBe(422);
    expect(big.body.detail.every((d) => d.type === 'too_big')).toBe(true);
  });
});

describe('reading jobs', () => {
  test('list, read, status and timeline under every prefix; another org sees a 404', async () => {
    const id = insertJob(parts.store);
    insertJob(parts.store, OTHER_ORG);
    for (const prefix of ['/rl/jobs', '/learning/jobs', '/orchestration/jobs']) {
      const list = await read<{ jobs: { id: string }[] }>(app.request(prefix));
      expect(list.body.jobs.map((j) => j.id)).toEqual([id]);
      expect((await read(app.request(`${prefix}/${id}`))).body).toMatchObject({ job_id: id, status: 'queued', simulated: true });
      expect((await read(app.request(`${prefix}/${id}/status`))).body).toMatchObject({ job_id: id, status: 'queued', progress: null });
      expect((await read(app.request(`${prefix}/${id}/timeline`))).body).toEqual({ job_id: id, events: [] });
      const hidden = await read(app.request(`${prefix}/${id}`, { headers: { 'x-org': OTHER_ORG } }));
      expect(hidden).toEqual({ status: 404, body: { detail: `job "${id}" not found` } });
    }
  });

  test('a bad limit is a 422 naming the parameter', async () => {
    const r = await read(app.request('/rl/jobs?limit=0'));
    expect(r).toEqual({ status: 422, body: { detail: 'query parameter limit must be between 1 and 1000, got 0' } });
  });
});

describe('start, cancel, artifacts', () => {
  test('start moves a queued job on; cancel cancels it; cancelling a finished job is a 409', async () => {
    const id = (await read<{ job_id: string }>(app.request('/rl/jobs', post(BODY)))).body.job_id;
    const started = await read<{ status: string }>(app.request(`/rl/jobs/${id}/start`, { method: 'POST' }));
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('initializing');
    const cancelled = await read(app.request(`/learning/jobs/${id}/cancel`, { method: 'POST' }));
    expect(cancelled).toEqual({ status: 200, body: { job_id: id, status: 'cancelled' } });
    const done = insertJob(parts.store, undefined, 'succeeded');
    const refused = await read(app.request(`/rl/jobs/${done}/cancel`, { method: 'POST' }));
    expect(refused).toEqual({ status: 409, body: { detail: `job ${done} already succeeded; nothing to cancel` } });
    expect((await read(app.request('/rl/jobs/job_nope/start', { method: 'POST' }))).status).toBe(404);
  });

  test('artifacts list the s3 URL of each stored artifact', async () => {
    const id = insertJob(parts.store);
    parts.store.addArtifact({
      id: 'art_1', job_id: id, org: 'org_a', label: 'checkpoint-epoch-1', role: 'model', content_type: 'application/gzip', bucket: 'b', key: 'k/1',
      local_path: null, size_bytes: null, created_at: new Date().toISOString(),
    });
    const r = await read<{ artifacts: Record<string, unknown>[] }>(app.request(`/rl/jobs/${id}/artifacts`));
    expect(r.body.artifacts).toEqual([expect.objectContaining({ id: 'art_1', s3_uri: 's3://b/k/1', storage_path: 'k/1', simulated: 'replay: no weights' })]);
    expect((await read(app.request(`/rl/jobs/${id}/artifacts`, { headers: { 'x-org': OTHER_ORG } }))).status).toBe(404);
  });
});
