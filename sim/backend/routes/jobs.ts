// Jobs (docs/wire-contract.md §2.3, §3.1): create (idempotent), start, list, read, status, timeline,
// cancel and artifacts, under each of the job prefixes.
import { Hono, type Context } from 'hono';
import { JobCreateBody } from '../../../src/api/jobs.ts';
import { jobSizeProblems, type JobSize } from '../../../src/api/limits.ts';
import { RlConfigFile } from '../../../src/api/rl-config.ts';
import { grpoSettings } from '../../trainer/settings.ts';
import { jobParams } from '../job-params.ts';
import { detail, intQuery, readJson, validationError } from '../request.ts';
import type { JobRunner } from '../runner.ts';
import type { JobRow, Store } from '../store.ts';
import { JOB_PREFIXES, jobJson, ownJob, type BackendEnv } from './context.ts';

export interface JobRouteDeps {
  store: Store;
  runner: Pick<JobRunner, 'create' | 'start' | 'cancel'>;
}

type C = Context<BackendEnv>;

/** The sizes the trainer would use for this request (explicit values, then the TOML, then defaults). */
function effectiveJobSize(body: JobCreateBody, config: RlConfigFile): JobSize {
  const s = grpoSettings(jobParams('job_sizing', 'org_sizing', body, config));
  return { batchSize: s.batchSize, groupSize: s.groupSize, maxStepsPerEpisode: s.maxStepsPerEpisode, evalSeeds: s.evalSeeds.length, evalRolloutsPerSeed: s.evalRolloutsPerSeed };
}

async function createJob(deps: JobRouteDeps, c: C): Promise<Response> {
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
  const result = deps.runner.create(c.get('org'), body, config.data, key);
  if (result.kind === 'conflict') {
    return detail(409, `Idempotency-Key ${JSON.stringify(key)} was already used with a different request body (job ${result.job.id})`);
  }
  const job = result.job;
  return c.json({ job_id: job.id, id: job.id, status: job.status, created_at: job.created_at }, result.kind === 'created' ? 201 : 200);
}

function startJob(deps: JobRouteDeps, c: C): Response {
  const job = ownJob(deps.store, c);
  if (job instanceof Response) return job;
  deps.runner.start(job.id);
  const now = deps.store.getJob(job.id) as JobRow;
  return c.json({ job_id: now.id, status: now.status });
}

function cancelJob(deps: JobRouteDeps, c: C): Response {
  const job = ownJob(deps.store, c);
  if (job instanceof Response) return job;
  if (job.status !== 'cancelled' && ['succeeded', 'failed'].includes(job.status)) {
    return detail(409, `job ${job.id} already ${job.status}; nothing to cancel`);
  }
  const after = deps.runner.cancel(job.id) ?? job;
  return c.json({ job_id: after.id, status: after.status });
}

function artifacts(store: Store, c: C): Response {
  const job = ownJob(store, c);
  if (job instanceof Response) return job;
  const list = store.listArtifacts(job.id).map((a) => ({
    id: a.id, label: a.label, role: a.role, content_type: a.content_type, s3_uri: `s3://${a.bucket}/${a.key}`,
    uri: `s3://${a.bucket}/${a.key}`, bucket: a.bucket, key: a.key, storage_path: a.key, size_bytes: a.size_bytes,
    created_at: a.created_at, job_id: a.job_id, simulated: a.local_path === null ? 'replay: no weights' : true,
  }));
  return c.json({ job_id: job.id, artifacts: list });
}

/** The reads of one job that need nothing but the store. */
function readRoutes(store: Store, prefix: string, api: Hono<BackendEnv>): void {
  // The caller's jobs, newest first (the Studio's jobs page); never another org's.
  api.get(prefix, (c) => {
    const limit = intQuery(c, 'limit', 100, 1, 1000);
    if (limit instanceof Response) return limit;
    return c.json({ jobs: store.listJobs(c.get('org'), limit).map(jobJson) });
  });
  api.get(`${prefix}/:id`, (c) => {
    const job = ownJob(store, c);
    return job instanceof Response ? job : c.json(jobJson(job));
  });
  api.get(`${prefix}/:id/timeline`, (c) => {
    const job = ownJob(store, c);
    if (job instanceof Response) return job;
    const limit = intQuery(c, 'limit', 200, 1, 5000);
    if (limit instanceof Response) return limit;
    return c.json({ job_id: job.id, events: store.listTimeline(job.id, limit) });
  });
  api.get(`${prefix}/:id/status`, (c) => {
    const job = ownJob(store, c);
    if (job instanceof Response) return job;
    const j = jobJson(job);
    return c.json({ job_id: j.job_id, status: j.status, progress: j.progress, updated_at: j.updated_at });
  });
}

export function jobRoutes(deps: JobRouteDeps): Hono<BackendEnv> {
  const api = new Hono<BackendEnv>();
  api.post('/rl/jobs', (c) => createJob(deps, c));
  api.post('/rl/jobs/:id/start', (c) => startJob(deps, c));
  for (const prefix of JOB_PREFIXES) {
    readRoutes(deps.store, prefix, api);
    api.post(`${prefix}/:id/cancel`, (c) => cancelJob(deps, c));
    api.get(`${prefix}/:id/artifacts`, (c) => artifacts(deps.store, c));
  }
  return api;
}
