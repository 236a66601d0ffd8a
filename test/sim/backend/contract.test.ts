// Every route of the simulated backend against the wire schemas in src/api.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  ArtifactsResponse, CancelResponse, EnsureResponse, EnvKeyResponse, EventsResponse, Job, JOB_ID_PATTERN, JobCreateResponse,
  MetricsResponse, PublicKeyResponse, RegistryResponse, RlModelsResponse, TimelineResponse, SEALED_BOX_ALG, type JobEvent, type MetricPoint,
} from '../../../src/api/index.ts';
import { decodeBase64Strict, encodeBase64, seal } from '../../../src/crypto/sealedbox.ts';
import { startTestSim, type TestSim } from '../../helpers/sim.ts';

let t: TestSim;
beforeAll(async () => {
  t = await startTestSim();
});
afterAll(() => t.sim.stop());

async function finishedJob(config: Record<string, unknown> = {}): Promise<string> {
  const id = await t.createJob({ config });
  await t.waitFor(async () => {
    const r = await t.json<{ status: string }>(`/api/learning/jobs/${id}`);
    return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
  });
  return id;
}

describe('health', () => {
  test('GET /api/health answers 200 JSON with auth', async () => {
    const r = await t.req('/api/health');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(await r.json()).toMatchObject({ status: 'ok', simulated: true });
  });
});

describe('jobs', () => {
  test('POST /api/rl/jobs: 201 with job_id/id/status/created_at and a job_ + 19 hex id', async () => {
    const r = await t.json('/api/rl/jobs', { json: { job_type: 'rl', data: { model: 'Qwen/Qwen3-0.6B', endpoint_base_url: 'http://127.0.0.1:8001' } } });
    expect(r.status).toBe(201);
    const body = JobCreateResponse.parse(r.body);
    expect(body.job_id).toMatch(JOB_ID_PATTERN);
    expect(body.id).toBe(body.job_id);
    expect(body.status).toBe('queued');
    expect(Number.isNaN(Date.parse(body.created_at))).toBe(false);
  });

  test('all three body shapes are accepted', async () => {
    const shapes = [
      { job_type: 'rl', data: { model: 'Qwen/Qwen3-0.6B', endpoint_base_url: 'http://x', trainer: { batch_size: 2, group_size: 4 }, training_start_url: 'http://x/', config: { training: { batch_size: 1 } } } },
      { job_type: 'rl', data: { model: 'Qwen/Qwen3-1.7B', endpoint_base_url: 'http://x', trainer: { batch_size: 1, group_size: 2 } } },
      { job_type: 'rl', compute: { gpu_type: 'H100', gpu_count: 4 }, data: { endpoint_base_url: 'http://x', base_model: 'Qwen/Qwen3-4B', config: { type: 'rl' }, config_toml: 'type = "rl"', metadata: { source: 'x' }, environment_api_key: 'plain' }, tags: { source: 'train-cli' }, metadata: { backend_base_url: 'http://b' } },
    ];
    for (const body of shapes) {
      const r = await t.json<{ job_id: string }>('/api/rl/jobs', { json: body });
      expect(r.status).toBe(201);
      const job = Job.parse((await t.json(`/api/learning/jobs/${r.body.job_id}`)).body);
      expect(job.model).toBe((body.data.model ?? body.data.base_model) as string);
    }
  });

  test('a conflict between data.trainer and [training] is surfaced as a warning event', async () => {
    const r = await t.json<{ job_id: string }>('/api/rl/jobs', {
      json: { job_type: 'rl', data: { endpoint_base_url: 'http://x', trainer: { batch_size: 2 }, config: { training: { batch_size: 1 } } } },
    });
    const ev = await t.waitFor(async () => {
      const e = await t.json<{ events: JobEvent[] }>(`/api/learning/jobs/${r.body.job_id}/events`);
      return e.body.events.find((x) => x.type === 'rl.job.warning');
    });
    expect(ev.level).toBe('warning');
    expect(ev.message).toContain('data.trainer.batch_size=2 differs from config [training].batch_size=1');
  });

  test('status at /learning, /rl and /orchestration; 404 JSON for unknown ids', async () => {
    const id = await t.createJob();
    for (const p of ['learning', 'rl', 'orchestration']) {
      const r = await t.json(`/api/${p}/jobs/${id}`);
      expect(r.status).toBe(200);
      expect(Job.parse(r.body).job_id).toBe(id);
      const missing = await t.json<{ detail: string }>(`/api/${p}/jobs/job_0000000000000000000`);
      expect(missing.status).toBe(404);
      expect(missing.body.detail).toContain('not found');
    }
  });

  test('POST /api/rl/jobs/{id}/start answers with the status', async () => {
    const id = await t.createJob();
    const r = await t.json<{ job_id: string; status: string }>(`/api/rl/jobs/${id}/start`, { json: {} });
    expect(r.status).toBe(200);
    expect(r.body.job_id).toBe(id);
    expect(await t.json(`/api/rl/jobs/job_0000000000000000000/start`, { json: {} })).toMatchObject({ status: 404 });
  });

  test('a job runs to succeeded with fine_tuned_model, progress and a full lifecycle timeline', async () => {
    const id = await finishedJob();
    const job = Job.parse((await t.json(`/api/learning/jobs/${id}`)).body);
    expect(job.status).toBe('succeeded');
    expect(job.fine_tuned_model).toBe(`rl:Qwen-Qwen3-0.6B:${id}:checkpoint-epoch-1`);
    expect(job.progress).toEqual({ iteration: 4, total_iterations: 4, epoch: 1 });
    const timeline = TimelineResponse.parse((await t.json(`/api/learning/jobs/${id}/timeline`)).body);
    const phases = timeline.events.map((e) => e.phase);
    expect(phases[0]).toBe('queued');
    expect(phases).toContain('initializing');
    expect(phases).toContain('training');
    expect(phases).toContain('evaluating');
    expect(phases.at(-1)).toBe('succeeded');
    const status = await t.json<{ job_id: string; status: string }>(`/api/learning/jobs/${id}/status`);
    expect(status.body).toMatchObject({ job_id: id, status: 'succeeded' });
  });
});

describe('events', () => {
  test('JSON events: seq starts at 1 with no gaps, ascending; since_seq exclusive; limit', async () => {
    const id = await finishedJob();
    for (const p of ['learning', 'rl', 'orchestration']) {
      const all = EventsResponse.parse((await t.json(`/api/${p}/jobs/${id}/events?since_seq=0`)).body).events;
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      expect(all[0]?.type).toBe('rl.job.created');
      expect(all.at(-1)?.type).toBe('rl.job.completed');
      const page = EventsResponse.parse((await t.json(`/api/${p}/jobs/${id}/events?since_seq=3&limit=2`)).body).events;
      expect(page.map((e) => e.seq)).toEqual([4, 5]);
    }
    const types = EventsResponse.parse((await t.json(`/api/learning/jobs/${id}/events`)).body).events.map((e) => e.type);
    for (const ty of ['rl.train.started', 'rl.train.step', 'rl.eval.started', 'rl.eval.summary', 'rl.checkpoint.saved', 'rl.train.completed', 'job.updated']) {
      expect(types).toContain(ty);
    }
  });

  test('replay events are labelled as replay', async () => {
    const id = await finishedJob();
    const events = EventsResponse.parse((await t.json(`/api/learning/jobs/${id}/events`)).body).events;
    const steps = events.filter((e) => e.type === 'rl.train.step');
    expect(steps.length).toBe(4);
    for (const e of steps) {
      expect(e.data.simulated).toBe('replay');
      expect(e.message).toStartWith('[replay]');
    }
  });

  test('bad query parameters are 422 with a detail naming them', async () => {
    const id = await t.createJob();
    const r = await t.json<{ detail: string }>(`/api/learning/jobs/${id}/events?since_seq=abc`);
    expect(r.status).toBe(422);
    expect(r.body.detail).toContain('since_seq');
    expect((await t.json(`/api/learning/jobs/${id}/events?limit=0`)).status).toBe(422);
  });
});

describe('metrics', () => {
  test('points have step ≥ 1, after_step is exclusive, name filters', async () => {
    const id = await finishedJob();
    const all = MetricsResponse.parse((await t.json(`/api/learning/jobs/${id}/metrics?after_step=-1&limit=5000`)).body);
    expect(all.job_id).toBe(id);
    expect(all.points.length).toBeGreaterThan(0);
    expect(all.points.every((p: MetricPoint) => p.step >= 1)).toBe(true);
    expect(new Set(all.points.map((p) => p.name))).toContain('eval.reward_mean');
    const after2 = MetricsResponse.parse((await t.json(`/api/learning/jobs/${id}/metrics?after_step=2`)).body).points;
    expect(after2.every((p) => p.step > 2)).toBe(true);
    const named = MetricsResponse.parse((await t.json(`/api/learning/jobs/${id}/metrics?name=train.reward_mean`)).body).points;
    expect(named.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(named.every((p) => p.phase === 'train' && p.epoch === 1)).toBe(true);
  });
});

describe('cancel', () => {
  test('both cancel routes end the job as cancelled with workflow.cancelled', async () => {
    for (const p of ['learning', 'rl']) {
      const id = await t.createJob({ config: { sim: { replay: { iterations: 200, step_seconds: 0.05 } } } });
      await t.waitFor(async () => ((await t.json<{ status: string }>(`/api/learning/jobs/${id}`)).body.status === 'training' ? true : undefined));
      const r = await t.json(`/api/${p}/jobs/${id}/cancel`, { json: {} });
      expect(r.status).toBe(200);
      expect(CancelResponse.parse(r.body)).toMatchObject({ job_id: id, status: 'cancelled' });
      const events = EventsResponse.parse((await t.json(`/api/learning/jobs/${id}/events?limit=1000`)).body).events;
      expect(events.at(-1)?.type).toBe('workflow.cancelled');
      // Nothing more happens after the cancel.
      await Bun.sleep(150);
      const later = EventsResponse.parse((await t.json(`/api/learning/jobs/${id}/events?limit=1000`)).body).events;
      expect(later.length).toBe(events.length);
      expect((await t.json<{ status: string }>(`/api/learning/jobs/${id}`)).body.status).toBe('cancelled');
      // Cancelling again is harmless; cancelling a finished job is a 409.
      expect((await t.json(`/api/${p}/jobs/${id}/cancel`, { json: {} })).status).toBe(200);
    }
    const done = await finishedJob();
    const r = await t.json<{ detail: string }>(`/api/rl/jobs/${done}/cancel`, { json: {} });
    expect(r.status).toBe(409);
    expect(r.body.detail).toContain('already succeeded');
  });
});

describe('env keys and crypto', () => {
  test('public key: 32-byte X25519 in strict base64 with the libsodium alg', async () => {
    const r = PublicKeyResponse.parse((await t.json('/api/v1/crypto/public-key')).body);
    expect(r.alg).toBe(SEALED_BOX_ALG);
    expect(decodeBase64Strict(r.public_key)?.length).toBe(32);
  });

  test('upload: a sealed key is stored (ciphertext only) and listed', async () => {
    const pk = decodeBase64Strict(PublicKeyResponse.parse((await t.json('/api/v1/crypto/public-key')).body).public_key) as Uint8Array;
    const ciphertext_b64 = encodeBase64(seal(new TextEncoder().encode('env-secret-123'), pk));
    const r = await t.json('/api/v1/env-keys', { json: { name: 'ENVIRONMENT_API_KEY', ciphertext_b64 } });
    expect(r.status).toBe(200);
    const stored = EnvKeyResponse.parse(r.body);
    expect(stored.name).toBe('ENVIRONMENT_API_KEY');
    const list = await t.json<{ keys: { name: string }[] }>('/api/v1/env-keys');
    expect(list.body.keys.map((k) => k.name)).toContain('ENVIRONMENT_API_KEY');
    const row = t.sim.store.db.query<{ ciphertext: Uint8Array }, []>('SELECT ciphertext FROM env_keys').get();
    expect(new TextDecoder().decode(row?.ciphertext)).not.toContain('env-secret-123');
  });

  test('bad uploads: base64, size, wrong key, missing fields', async () => {
    const pk = decodeBase64Strict(PublicKeyResponse.parse((await t.json('/api/v1/crypto/public-key')).body).public_key) as Uint8Array;
    const bad = async (body: unknown) => t.json<{ detail: unknown }>('/api/v1/env-keys', { json: body });
    expect((await bad({ name: 'E', ciphertext_b64: 'not base64!' })).status).toBe(400);
    expect((await bad({ name: 'E', ciphertext_b64: 'QUJD' })).status).toBe(400);
    const big = encodeBase64(seal(new Uint8Array(8193).fill(65), pk));
    const tooBig = await bad({ name: 'E', ciphertext_b64: big });
    expect(tooBig.status).toBe(413);
    expect(String(tooBig.body.detail)).toContain('8192');
    const otherKey = encodeBase64(seal(new TextEncoder().encode('x'), new Uint8Array(32).fill(9)));
    expect((await bad({ name: 'E', ciphertext_b64: otherKey })).status).toBe(400);
    const missing = await bad({ name: 'E' });
    expect(missing.status).toBe(422);
    expect(JSON.stringify(missing.body.detail)).toContain('ciphertext_b64');
    const exactly8k = encodeBase64(seal(new Uint8Array(8192).fill(65), pk));
    expect((await bad({ name: 'E', ciphertext_b64: exactly8k })).status).toBe(200);
  });
});

describe('models, registry, artifacts, chat', () => {
  test('checkpoint artifacts, models list, promote, registry, ensure', async () => {
    const id = await finishedJob();
    const arts = ArtifactsResponse.parse((await t.json(`/api/orchestration/jobs/${id}/artifacts`)).body).artifacts;
    expect(arts.length).toBe(1);
    expect(arts[0]?.key).toBe(`models/Qwen-Qwen3-0.6B/rl-${id}/checkpoint-epoch-1.tar.gz`);
    expect(arts[0]?.s3_uri).toBe(`s3://synth-artifacts/models/Qwen-Qwen3-0.6B/rl-${id}/checkpoint-epoch-1.tar.gz`);
    const models = RlModelsResponse.parse((await t.json('/api/learning/models/rl?status=succeeded&limit=200')).body).models;
    const mine = models.find((m) => m.job_id === id);
    expect(mine?.storage_path).toBe(arts[0]?.key as string);
    const modelId = `rl:Qwen-Qwen3-0.6B:${id}:checkpoint-epoch-1`;
    const ensureBefore = await t.json('/api/learning/models/ensure-on-modal', { json: { model_id: modelId } });
    expect(ensureBefore.status).toBe(404);
    const promoted = await t.json('/api/learning/models/rl/promote', {
      json: { base_model: 'Qwen/Qwen3-0.6B', job_id: id, weights_path: mine?.storage_path, tokenizer_path: null, dtype: 'bfloat16', model_id: modelId, create_latest_alias: true },
    });
    expect(promoted.status).toBe(200);
    const registry = RegistryResponse.parse((await t.json('/api/learning/models/rl/registry')).body).models;
    expect(registry.find((r) => r.id === modelId)?.weights_path).toBe(mine?.storage_path as string);
    const ensured = await t.json('/api/learning/models/ensure-on-modal', { json: { model_id: modelId, prefer_merged: true, verbose: true } });
    expect(ensured.status).toBe(200);
    EnsureResponse.parse(ensured.body);
  });

  test('promote of an unknown job is 404', async () => {
    const r = await t.json('/api/learning/models/rl/promote', { json: { model_id: 'rl:Qwen-Qwen3-0.6B:job_0000000000000000000:checkpoint-epoch-1' } });
    expect(r.status).toBe(404);
  });

  test('chat completions: 404 model-not-found with a clear detail; 422 on a bad body', async () => {
    const r = await t.json<{ detail: string }>('/api/v1/chat/completions', { json: { model: 'rl:x:y:z', messages: [{ role: 'user', content: 'hi' }] } });
    expect(r.status).toBe(404);
    expect(r.body.detail).toContain('not found');
    const bad = await t.json<{ detail: { loc: string[] }[] }>('/api/v1/chat/completions', { json: { model: 'm' } });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]?.loc).toEqual(['body', 'messages']);
  });
});

describe('malformed requests', () => {
  test('bad JSON → 400; wrong types / missing fields → 422 naming the field; oversized → 413', async () => {
    const raw = await t.req('/api/rl/jobs', { method: 'POST', body: '{"job_type": ', headers: { 'content-type': 'application/json' } });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { detail: string }).detail).toContain('not valid JSON');
    const missing = await t.json<{ detail: { loc: (string | number)[] }[] }>('/api/rl/jobs', { json: { job_type: 'rl', data: {} } });
    expect(missing.status).toBe(422);
    expect(missing.body.detail[0]?.loc).toEqual(['body', 'data', 'endpoint_base_url']);
    const wrongType = await t.json<{ detail: { loc: (string | number)[] }[] }>('/api/rl/jobs', { json: { job_type: 'sft', data: { endpoint_base_url: 'x' } } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.detail[0]?.loc).toEqual(['body', 'job_type']);
    const badConfig = await t.json<{ detail: { loc: (string | number)[]; msg: string }[] }>('/api/rl/jobs', {
      json: { job_type: 'rl', data: { endpoint_base_url: 'x', config: { trainer: { batch_size: 'eight' } } } },
    });
    expect(badConfig.status).toBe(422);
    expect(badConfig.body.detail[0]?.loc).toEqual(['body', 'data', 'config', 'trainer', 'batch_size']);
    const huge = await t.req('/api/rl/jobs', { method: 'POST', body: `{"x":"${'a'.repeat(1_100_000)}"}`, headers: { 'content-type': 'application/json' } });
    expect(huge.status).toBe(413);
  });

  test('unknown routes are 404 JSON', async () => {
    const r = await t.json<{ detail: string }>('/api/nope');
    expect(r.status).toBe(404);
    expect(r.body.detail).toContain('Not Found');
  });

  test('the duplicated /api/api prefix is tolerated', async () => {
    expect((await t.json('/api/api/v1/crypto/public-key')).status).toBe(200);
  });
});
