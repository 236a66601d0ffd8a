// The Studio's job views, each read from the backend's public /api with the session's key: the
// jobs list (with reward trends), one job (config redacted), its live events, metrics, artifacts,
// and recorded rollouts with their replayed frames.
import { Hono, type Context } from 'hono';
import { HttpError, type SynthClient } from '../../src/index.ts';
import { detail } from '../backend/request.ts';
import { liveResponse } from './live.ts';
import { redactConfig } from './redact.ts';
import { normalizeEpisode, normalizeIndex } from './rollouts.ts';
import { getJson, upstream, upstreamError, type StudioEnv } from './upstream.ts';

/** Every metric point of a job, paging by step (a page may end inside a step: re-read that step). */
async function allMetrics(client: SynthClient, jobId: string): Promise<unknown[]> {
  const seen = new Map<string, unknown>();
  let after = -1;
  for (let page = 0; page < 200; page++) {
    const points = await client.listMetrics(jobId, { afterStep: after, limit: 5000 });
    for (const p of points) seen.set(`${p.name}@${p.step}`, { name: p.name, value: p.value, step: p.step, phase: p.phase, created_at: p.created_at });
    const last = points.at(-1)?.step;
    if (points.length < 5000 || last === undefined) break;
    after = last - 1 > after ? last - 1 : last;
  }
  return [...seen.values()];
}

const TREND_JOBS = 50;

/** Adds each recent job's train reward per iteration (the jobs page's sparklines). */
async function withRewardTrends(client: SynthClient, raw: unknown): Promise<unknown> {
  const jobs = (raw as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(jobs)) return { jobs: [] };
  const out = await Promise.all(jobs.map(async (job: Record<string, unknown>, i) => {
    const id = typeof job.id === 'string' ? job.id : typeof job.job_id === 'string' ? job.job_id : undefined;
    if (id === undefined || i >= TREND_JOBS) return job;
    const points = await getJson(client, `/rl/jobs/${encodeURIComponent(id)}/metrics`, { name: 'train.reward_mean', limit: 5000 })
      .then((r) => (r as { points?: { name?: string; step?: number; value?: number }[] }).points ?? [], () => []);
    const trend = points.filter((p) => p.name === 'train.reward_mean' && typeof p.value === 'number').sort((a, b) => (a.step ?? 0) - (b.step ?? 0)).map((p) => p.value as number);
    return { ...job, reward_trend: trend };
  }));
  return { jobs: out };
}

async function jobsList(client: SynthClient): Promise<unknown> {
  try {
    return await withRewardTrends(client, await getJson(client, '/rl/jobs', { limit: 200 }));
  } catch (error) {
    // A backend without a jobs listing: the page offers to open a job by id instead.
    if (error instanceof HttpError && (error.status === 404 || error.status === 405)) return { jobs: [], listing: false };
    throw error;
  }
}

/** The backend path of the episode the Studio path names, or a 422. */
function episodePath(c: Context<StudioEnv>): string | Response {
  const parts = [c.req.param('it'), c.req.param('g'), c.req.param('i')];
  if (!parts.every((p) => p !== undefined && /^\d{1,9}$/.test(p))) return detail(422, 'iteration, group and index must be integers ≥ 0');
  return `/rl/jobs/${encodeURIComponent(c.req.param('id') ?? '')}/rollouts/${parts.join('/')}`;
}

// The backend replays the frame from the episode's seed and actions (and checks it matches the record).
async function frame(c: Context<StudioEnv>): Promise<Response> {
  const path = episodePath(c);
  if (path instanceof Response) return path;
  const step = (c.req.param('step') ?? '').replace(/\.png$/, '');
  if (!/^\d{1,6}$/.test(step)) return detail(422, `frame must be a step number, got ${JSON.stringify(step)}`);
  try {
    const res = await c.get('client').http.request({ path: `${path}/frames/${step}.png`, query: { scale: 12, area: 'full' }, retry: { retries: 1 } });
    return c.body(await res.arrayBuffer(), 200, { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' });
  } catch (error) {
    return upstreamError(error);
  }
}

export function jobRoutes(): Hono<StudioEnv> {
  const api = new Hono<StudioEnv>();
  api.get('/jobs', (c) => upstream(c, jobsList));
  api.get('/jobs/:id', (c) => upstream(c, async (client) => {
    const job = await client.getJob(c.req.param('id'));
    return { ...job, config: redactConfig((job as { config?: unknown }).config ?? null) };
  }));
  api.get('/jobs/:id/live', (c) => liveResponse(c.get('client'), c.req.param('id'), c.req.raw.signal));
  api.get('/jobs/:id/metrics', (c) => upstream(c, async (client) => ({ points: await allMetrics(client, c.req.param('id')) })));
  api.get('/jobs/:id/artifacts', (c) => upstream(c, async (client) => {
    // The client reads a missing artifacts route as "none"; ask for the job first so an unknown
    // (or another org's) job is a 404 here too.
    await client.getJob(c.req.param('id'));
    return { artifacts: (await client.listArtifacts(c.req.param('id'))).map((a) => a.raw) };
  }));
  api.get('/jobs/:id/rollouts', (c) => upstream(c, async (client) =>
    normalizeIndex(await getJson(client, `/rl/jobs/${encodeURIComponent(c.req.param('id'))}/rollouts`, { kind: 'train', limit: 1000 }))));
  api.get('/jobs/:id/rollouts/:it/:g/:i', (c) => upstream(c, async (client) => {
    const path = episodePath(c);
    if (path instanceof Response) throw Object.assign(new Error('bad path'), { response: path });
    return normalizeEpisode(await getJson(client, path));
  }));
  api.get('/jobs/:id/rollouts/:it/:g/:i/frames/:step', frame);
  return api;
}
