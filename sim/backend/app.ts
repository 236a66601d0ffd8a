// The simulated backend's HTTP surface (docs/wire-contract.md §2, §3, §5, §7): hono routes under
// /api (and the /api/api alias some clients produce), plus the /_sim control API.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ChatCompletionRequest } from '../../src/api/chat.ts';
import { JobCreateBody, type Job } from '../../src/api/jobs.ts';
import { EnvKeyUpload, MAX_ENV_KEY_BYTES, SEALED_BOX_ALG, SEALED_BOX_OVERHEAD } from '../../src/api/keys.ts';
import { EnsureBody, parseRlModelId, PromoteBody } from '../../src/api/models.ts';
import { RlConfigFile } from '../../src/config/schema.ts';
import { decodeBase64Strict } from '../../src/crypto/sealedbox.ts';
import { VERSION } from '../../src/version.ts';
import { OpenAIDirectRequest } from '../../src/api/openai-direct.ts';
import { runOpenAIDirectTest } from '../taskapp/openai-direct.ts';
import type { ApiKeys } from './auth.ts';
import type { EventBus } from './bus.ts';
import { FaultSpec, type FaultsByOrg } from './faults.ts';
import type { SealedKeys } from './keys.ts';
import { detail, intQuery, readJson, validationError } from './request.ts';
import { registerRolloutRoutes } from './rollout-routes.ts';
import { jobParams, type JobRunner } from './runner.ts';
import { jobSizeProblems, type JobSize } from '../../src/api/limits.ts';
import { grpoSettings } from '../trainer/settings.ts';
import { sseResponse, type SseOptions } from './sse.ts';
import type { JobRow, Store } from './store.ts';

/** Serves chat completions for models the simulator knows; the model engine plugs in here. */
export interface ChatService {
  complete(org: string, request: ChatCompletionRequest): Promise<Response>;
}

export const NO_MODELS: ChatService = {
  async complete(_org, request) {
    return detail(404, `model ${JSON.stringify(request.model)} not found: this simulator has no model engine yet, so no model can be served`);
  },
};

export interface BackendDeps {
  store: Store;
  bus: EventBus;
  faults: FaultsByOrg;
  keys: SealedKeys;
  apiKeys: ApiKeys;
  runner: JobRunner;
  chat: ChatService;
  sse: SseOptions;
  trainers: readonly string[];
  defaultTrainer: string;
  /** After POST /_sim/reset deleted these jobs (the simulator removes their checkpoint folders). */
  onReset?: (jobIds: readonly string[]) => void;
  /** Per-job files (recorded rollouts, metric files): <jobsDir>/<job id>/; none when undefined. */
  jobsDir?: string;
}

type Env = { Variables: { org: string } };

function jobJson(row: JobRow): Job & { simulated: true } {
  return {
    job_id: row.id,
    id: row.id,
    job_type: 'rl',
    status: row.status,
    model: row.model ?? undefined,
    created_at: row.created_at,
    updated_at: row.updated_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    linked_job_id: row.linked_job_id,
    fine_tuned_model: row.fine_tuned_model,
    error: row.error,
    progress: row.progress ? (JSON.parse(row.progress) as Job['progress']) : null,
    trainer: row.trainer,
    config: row.config ? (JSON.parse(row.config) as Record<string, unknown>) : null,
    metadata: row.parent_job_id ? { parent_job_id: row.parent_job_id } : {},
    simulated: true,
  };
}

/** The sizes the trainer would use for this request (explicit values, then the TOML, then defaults). */
function effectiveJobSize(body: JobCreateBody, config: RlConfigFile): JobSize {
  const s = grpoSettings(jobParams('job_sizing', 'org_sizing', body, config));
  return { batchSize: s.batchSize, groupSize: s.groupSize, maxStepsPerEpisode: s.maxStepsPerEpisode, evalSeeds: s.evalSeeds.length, evalRolloutsPerSeed: s.evalRolloutsPerSeed };
}

export function createBackendApp(deps: BackendDeps): Hono<Env> {
  const { store, runner, faults } = deps;
  const app = new Hono<Env>();

  app.onError((err) => detail(500, `internal error: ${err.message}`));
  app.notFound((c) => detail(404, `Not Found: ${c.req.method} ${new URL(c.req.url).pathname}`));

  app.use('*', async (c, next) => {
    const path = new URL(c.req.url).pathname;
    if (!path.startsWith('/api') && !path.startsWith('/_sim')) return next();
    const org = deps.apiKeys.orgFor(c.req.header('authorization'));
    if (org === undefined) {
      const why = c.req.header('authorization') ? 'Invalid API key' : 'Missing API key: send Authorization: Bearer <SYNTH_API_KEY>';
      return detail(401, why, { 'www-authenticate': 'Bearer' });
    }
    c.set('org', org);
    if (path.startsWith('/api')) {
      const decision = faults.of(org).forRequest(c.req.method, path.replace(/^\/api\/api\//, '/api/'));
      if (decision.latencyMs > 0) await Bun.sleep(decision.latencyMs);
      if (decision.errorStatus !== undefined) return detail(decision.errorStatus, `injected fault: HTTP ${decision.errorStatus}`);
    }
    return next();
  });

  const api = new Hono<Env>();

  /** The job if it exists and belongs to the caller's org; else a 404 Response. */
  const ownJob = (c: Context<Env>): JobRow | Response => {
    const id = c.req.param('id') ?? '';
    const row = store.getJob(id);
    if (row === undefined || row.org !== c.get('org')) return detail(404, `job ${JSON.stringify(id)} not found`);
    return row;
  };

  api.get('/health', (c) => c.json({ status: 'ok', simulated: true, service: 'synth-rl simulated backend', version: VERSION }));
  api.get('/orchestration/hatchet/health', (c) => c.json({ ok: true, api_key_present: true, simulated: true }));

  // --- jobs ---------------------------------------------------------------------------------------
  api.post('/rl/jobs', async (c) => {
    const parsed = await readJson(c, JobCreateBody);
    if (!parsed.ok) return parsed.response;
    const body = parsed.data;
    const config = RlConfigFile.safeParse(body.data.config ?? {});
    if (!config.success) {
      return validationError(config.error.issues.map((i) => ({ ...i, path: ['data', 'config', ...i.path] })));
    }
    const tooBig = jobSizeProblems(effectiveJobSize(body, config.data));
    if (tooBig.length > 0) return detail(422, tooBig.map((msg) => ({ type: 'too_big', loc: ['body', 'data'], msg })));
    const key = c.req.header('idempotency-key')?.trim() || undefined;
    if (key !== undefined && key.length > 255) return detail(422, 'Idempotency-Key must be at most 255 characters');
    const result = runner.create(c.get('org'), body, config.data, key);
    if (result.kind === 'conflict') {
      return detail(409, `Idempotency-Key ${JSON.stringify(key)} was already used with a different request body (job ${result.job.id})`);
    }
    const job = result.job;
    return c.json({ job_id: job.id, id: job.id, status: job.status, created_at: job.created_at }, result.kind === 'created' ? 201 : 200);
  });

  api.post('/rl/jobs/:id/start', (c) => {
    const job = ownJob(c);
    if (job instanceof Response) return job;
    runner.start(job.id);
    const now = store.getJob(job.id) as JobRow;
    return c.json({ job_id: now.id, status: now.status });
  });

  for (const prefix of ['/learning/jobs', '/rl/jobs', '/orchestration/jobs']) {
    // The caller's jobs, newest first (the Studio's jobs page); never another org's.
    api.get(prefix, (c) => {
      const limit = intQuery(c, 'limit', 100, 1, 1000);
      if (limit instanceof Response) return limit;
      return c.json({ jobs: store.listJobs(c.get('org'), limit).map(jobJson) });
    });
    api.get(`${prefix}/:id`, (c) => {
      const job = ownJob(c);
      return job instanceof Response ? job : c.json(jobJson(job));
    });
    const events = (sse: boolean) => (c: Context<Env>) => {
      const job = ownJob(c);
      if (job instanceof Response) return job;
      const since = intQuery(c, 'since_seq', 0, 0, Number.MAX_SAFE_INTEGER);
      if (since instanceof Response) return since;
      const wantsSse = sse || (c.req.header('accept') ?? '').includes('text/event-stream');
      if (wantsSse) {
        const lastEventId = c.req.header('last-event-id');
        const resume = lastEventId !== undefined && /^\d+$/.test(lastEventId.trim()) ? Number.parseInt(lastEventId, 10) : since;
        return sseResponse({ ...deps, faults: faults.of(job.org) }, job.id, Math.max(since, resume), deps.sse, c.req.raw.signal);
      }
      const limit = intQuery(c, 'limit', 200, 1, 1000);
      if (limit instanceof Response) return limit;
      const list = store.listEvents(job.id, since, limit);
      return c.json({ job_id: job.id, events: list, next_seq: list.length ? (list[list.length - 1]?.seq ?? since) : since });
    };
    api.get(`${prefix}/:id/events`, events(false));
    api.get(`${prefix}/:id/events/stream`, events(true));
    api.get(`${prefix}/:id/metrics`, (c) => {
      const job = ownJob(c);
      if (job instanceof Response) return job;
      const after = intQuery(c, 'after_step', -1, -1, Number.MAX_SAFE_INTEGER);
      if (after instanceof Response) return after;
      const limit = intQuery(c, 'limit', 200, 1, 5000);
      if (limit instanceof Response) return limit;
      return c.json({ job_id: job.id, points: store.listMetrics(job.id, after, limit, c.req.query('name') || undefined) });
    });
    api.get(`${prefix}/:id/timeline`, (c) => {
      const job = ownJob(c);
      if (job instanceof Response) return job;
      const limit = intQuery(c, 'limit', 200, 1, 5000);
      if (limit instanceof Response) return limit;
      return c.json({ job_id: job.id, events: store.listTimeline(job.id, limit) });
    });
    api.get(`${prefix}/:id/status`, (c) => {
      const job = ownJob(c);
      if (job instanceof Response) return job;
      const j = jobJson(job);
      return c.json({ job_id: j.job_id, status: j.status, progress: j.progress, updated_at: j.updated_at });
    });
    api.post(`${prefix}/:id/cancel`, (c) => {
      const job = ownJob(c);
      if (job instanceof Response) return job;
      if (job.status !== 'cancelled' && ['succeeded', 'failed'].includes(job.status)) {
        return detail(409, `job ${job.id} already ${job.status}; nothing to cancel`);
      }
      const after = runner.cancel(job.id) ?? job;
      return c.json({ job_id: after.id, status: after.status });
    });
    api.get(`${prefix}/:id/artifacts`, (c) => {
      const job = ownJob(c);
      if (job instanceof Response) return job;
      const artifacts = store.listArtifacts(job.id).map((a) => ({
        id: a.id, label: a.label, role: a.role, content_type: a.content_type, s3_uri: `s3://${a.bucket}/${a.key}`,
        uri: `s3://${a.bucket}/${a.key}`, bucket: a.bucket, key: a.key, storage_path: a.key, size_bytes: a.size_bytes,
        created_at: a.created_at, job_id: a.job_id, simulated: a.local_path === null ? 'replay: no weights' : true,
      }));
      return c.json({ job_id: job.id, artifacts });
    });
  }

  registerRolloutRoutes(api, deps.jobsDir, ownJob);

  // --- secrets ------------------------------------------------------------------------------------
  api.get('/v1/crypto/public-key', (c) => c.json({ public_key: deps.keys.publicKeyB64, alg: SEALED_BOX_ALG }));

  api.post('/v1/env-keys', async (c) => {
    const parsed = await readJson(c, EnvKeyUpload);
    if (!parsed.ok) return parsed.response;
    const { name, ciphertext_b64 } = parsed.data;
    const sealed = decodeBase64Strict(ciphertext_b64.trim());
    if (sealed === undefined) return detail(400, 'ciphertext_b64 is not valid standard base64 (with padding)');
    if (sealed.length <= SEALED_BOX_OVERHEAD) return detail(400, `ciphertext_b64 is too short for a sealed box (${sealed.length} bytes; at least ${SEALED_BOX_OVERHEAD + 1})`);
    if (sealed.length - SEALED_BOX_OVERHEAD > MAX_ENV_KEY_BYTES) {
      return detail(413, `ciphertext_b64: plaintext of ${sealed.length - SEALED_BOX_OVERHEAD} bytes exceeds the ${MAX_ENV_KEY_BYTES}-byte limit`);
    }
    if (deps.keys.open(sealed) === null) {
      return detail(400, "ciphertext_b64 does not open with this backend's public key (sealed for another key, or corrupted)");
    }
    return c.json(store.putEnvKey(c.get('org'), name, sealed));
  });

  api.get('/v1/env-keys', (c) => c.json({ keys: store.listEnvKeys(c.get('org')) }));

  // --- models, registry, inference ------------------------------------------------------------------
  api.get('/learning/models/rl', (c) => {
    const limit = intQuery(c, 'limit', 200, 1, 1000);
    if (limit instanceof Response) return limit;
    return c.json({ models: store.listModels(c.get('org'), c.req.query('status') || undefined, limit) });
  });

  api.get('/learning/models/rl/registry', (c) => c.json({ models: store.listRegistry(c.get('org')).map(({ org: _o, ...row }) => row) }));

  api.post('/learning/models/rl/promote', async (c) => {
    const parsed = await readJson(c, PromoteBody);
    if (!parsed.ok) return parsed.response;
    const body = parsed.data;
    const org = c.get('org');
    const rl = parseRlModelId(body.model_id);
    const jobId = body.job_id ?? rl?.jobId;
    const job = jobId ? store.getJob(jobId) : undefined;
    if (jobId !== undefined && (job === undefined || job.org !== org)) return detail(404, `job ${JSON.stringify(jobId)} not found`);
    const model = store.listModels(org, undefined, 10_000).find((m) => m.id === body.model_id);
    const weights = body.weights_path ?? model?.storage_path;
    if (weights === undefined) return detail(404, `model ${JSON.stringify(body.model_id)} not found and no weights_path given`);
    const row = store.promote({
      org, id: body.model_id, job_id: jobId ?? '', base_model: body.base_model ?? model?.base_model ?? job?.model ?? '',
      weights_path: weights.replace(/^s3:\/\/[^/]+\//, ''), tokenizer_path: body.tokenizer_path ?? null, dtype: body.dtype ?? 'bfloat16',
    });
    const { org: _o, ...out } = row;
    return c.json({ ok: true, model: out });
  });

  api.post('/learning/models/ensure-on-modal', async (c) => {
    const parsed = await readJson(c, EnsureBody);
    if (!parsed.ok) return parsed.response;
    const org = c.get('org');
    const row = store.getRegistry(org, parsed.data.model_id);
    if (row === undefined) return detail(404, `model ${JSON.stringify(parsed.data.model_id)} is not in the registry; promote it first`);
    store.markEnsured(org, row.id);
    return c.json({ kind: 'rl', local_path: `simulator://${row.weights_path}`, source: 'synth-rl simulator' });
  });

  api.post('/v1/chat/completions', async (c) => {
    const parsed = await readJson(c, ChatCompletionRequest);
    if (!parsed.ok) return parsed.response;
    return deps.chat.complete(c.get('org'), parsed.data);
  });

  // OpenAI-direct smoke test (docs/wire-contract.md §2.3): rollouts of one model against the caller's task app, answered
  // directly (no job). Rollouts against a hosted model take minutes: no idle cut for this request.
  api.post('/rl/tests/openai/direct', async (c) => {
    const parsed = await readJson(c, OpenAIDirectRequest);
    if (!parsed.ok) return parsed.response;
    const stored = store.getEnvKey(c.get('org'), 'ENVIRONMENT_API_KEY');
    const envKey = stored ? (deps.keys.open(stored.ciphertext) ?? undefined) : undefined;
    (c.env as { timeout?: (req: Request, seconds: number) => void } | undefined)?.timeout?.(c.req.raw, 0);
    return runOpenAIDirectTest(parsed.data, { envKey, simInferenceUrl: `${new URL(c.req.url).origin}/inference` });
  });

  app.route('/api', api);
  // Older env-key helpers concatenate "/api" twice; the simulator tolerates it (docs/wire-contract.md §2.1).
  app.route('/api/api', api);

  // --- /_sim control ------------------------------------------------------------------------------
  // Every key is an org, and /_sim acts on the caller's org only (README "/_sim scoping"): one
  // tenant cannot reset, slow down or break another's jobs.
  const control = new Hono<Env>();
  control.get('/info', (c) => c.json({
    simulated: true, version: VERSION, trainers: deps.trainers, default_trainer: deps.defaultTrainer, time_scale: runner.timeScaleFor(c.get('org')),
    state: store.path, sse: deps.sse, scope: 'org',
  }));
  control.post('/reset', async (c) => {
    if (c.req.query('all') === 'true') {
      return detail(403, 'reset?all=true is refused: /_sim acts on the caller\'s org only; to clear every org, stop the simulator and remove its state dir (or use --ephemeral)');
    }
    const org = c.get('org');
    const jobIds = store.jobIdsOf(org);
    await runner.abortAll(org);
    store.reset(org);
    deps.onReset?.(jobIds);
    faults.clear(org);
    return c.json({ reset: true, scope: 'org' });
  });
  control.get('/faults', (c) => c.json(faults.of(c.get('org')).current()));
  control.put('/faults', async (c) => {
    const parsed = await readJson(c, FaultSpec);
    if (!parsed.ok) return parsed.response;
    faults.set(c.get('org'), parsed.data);
    return c.json(faults.of(c.get('org')).current());
  });
  control.delete('/faults', (c) => {
    faults.clear(c.get('org'));
    return c.json(faults.of(c.get('org')).current());
  });
  control.get('/time', (c) => c.json({ scale: runner.timeScaleFor(c.get('org')) }));
  control.put('/time', async (c) => {
    const parsed = await readJson(c, z.strictObject({ scale: z.number().positive().max(10_000) }));
    if (!parsed.ok) return parsed.response;
    runner.setTimeScale(parsed.data.scale, c.get('org'));
    return c.json({ scale: runner.timeScaleFor(c.get('org')) });
  });
  app.route('/_sim', control);

  return app;
}
