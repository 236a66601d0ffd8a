// Backend safeguards on jobs: /_sim/reset stops a running job cleanly, a plaintext
// environment_api_key in a job body is sealed and never stored, a model too big for the CPU
// simulator is refused with 422 naming the field.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { jobBody, startTestSim, type TestSim } from '../../helpers/sim.ts';

describe('backend', () => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim({ apiKeys: ['sk-test-key', 'sk-other'] });
  });
  afterAll(() => t.sim.stop());

  test('POST /_sim/reset while a job runs stops it cleanly; the simulator keeps serving', async () => {
    const id = await t.createJob({ config: { sim: { replay: { iterations: 200, step_seconds: 0.02 } } } });
    await t.waitFor(async () => ((await t.json<{ status: string }>(`/api/learning/jobs/${id}`)).body.status === 'training' ? true : undefined));
    expect((await t.json('/_sim/reset', { json: {} })).status).toBe(200);
    await Bun.sleep(100);
    expect((await t.json(`/api/learning/jobs/${id}`)).status).toBe(404);
    expect((await t.req('/api/health')).status).toBe(200);
    const again = await t.createJob();
    expect(again).toMatch(/^job_/);
  });

  test('a plaintext environment_api_key in a job body is sealed as the org key and never stored', async () => {
    const r = await t.json<{ job_id: string }>('/api/rl/jobs', { json: jobBody({ environment_api_key: 'env-plaintext-secret' }) });
    expect(r.status).toBe(201);
    const row = t.sim.store.db.query<{ body: string }, [string]>('SELECT body FROM jobs WHERE id = ?').get(r.body.job_id);
    expect(row?.body).not.toContain('env-plaintext-secret');
    const keys = await t.json<{ keys: { name: string }[] }>('/api/v1/env-keys');
    expect(keys.body.keys.map((k) => k.name)).toContain('ENVIRONMENT_API_KEY');
    const dump = t.sim.store.db.query<{ ciphertext: Uint8Array }, []>('SELECT ciphertext FROM env_keys').all();
    expect(dump.every((d) => !Buffer.from(d.ciphertext).toString('latin1').includes('env-plaintext-secret'))).toBe(true);
  });

  test('a job model that is too big for a CPU simulator is refused with 422 naming the field', async () => {
    const r = await t.json<{ detail: { loc: (string | number)[] }[] }>('/api/rl/jobs', { json: jobBody({}, { sim: { model: { d_model: 100_000 } } }) });
    expect(r.status).toBe(422);
    expect(r.body.detail[0]?.loc).toEqual(['body', 'data', 'config', 'sim', 'model', 'd_model']);
  });
});
