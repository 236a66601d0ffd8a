// The Studio's HTTP surface, a Hono sub-app mounted at /studio by `synth-rl sim` (sim/server.ts)
// and served alone by `synth-rl studio` for any backend. The page talks only to /studio/api/…;
// each of those calls goes to the backend's public /api through the client's own code
// (SynthClient, JobStream) with the session's API key — so the Studio sees exactly what that key
// may see, with the backend's auth and per-org isolation, and nothing more.
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { SynthClient } from '../../src/client/api-client.ts';
import { HttpError } from '../../src/client/http.ts';
import { buildPolicyRequest } from '../taskapp/prompt.ts';
import { detail, readJson } from '../backend/request.ts';
import { studioAssets } from './assets.ts';
import { liveResponse } from './live.ts';
import { normalizeEpisode, normalizeIndex } from './rollouts.ts';
import { SESSION_COOKIE, type StudioSessions } from './sessions.ts';
import { redactConfig } from './redact.ts';

export interface StudioOptions {
  /** The backend root the Studio reads (the simulator's own URL, or production). */
  backendUrl: string;
  /** In-process transport (the simulator hands its backend app's fetch; default: network fetch). */
  fetch?: typeof fetch;
  sessions: StudioSessions;
  /** Shown in the header: where the data comes from. */
  label: string;
  simulated: boolean;
}

type Env = { Variables: { client: SynthClient } };

const PLAYGROUND = z.strictObject({
  model: z.string().min(1),
  observation: z.string().max(64_000).optional(),
  messages: z.array(z.object({ role: z.string(), content: z.string() })).max(16).optional(),
  samples: z.number().int().min(1).max(32).default(12),
  temperature: z.number().min(0).max(2).default(1),
});

const SESSION_BODY = z.strictObject({ api_key: z.string().min(1).max(4096) });

/** A backend error as the page's JSON: the backend's status and detail, or 502 when unreachable. */
function upstreamError(error: unknown): Response {
  if (error instanceof HttpError && error.status !== undefined) return detail(error.status, error.detail ?? error.message);
  const cause = error instanceof Error && error.cause instanceof HttpError ? error.cause : undefined;
  if (cause?.status !== undefined) return detail(cause.status, cause.detail ?? cause.message);
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return detail(status, (error as Error).message);
  return detail(502, `backend unreachable: ${error instanceof Error ? error.message : String(error)}`);
}

async function upstream(c: Context<Env>, run: (client: SynthClient) => Promise<unknown>): Promise<Response> {
  try {
    return c.json((await run(c.get('client'))) as object);
  } catch (error) {
    const response = (error as { response?: unknown } | null)?.response;
    return response instanceof Response ? response : upstreamError(error);
  }
}

const getJson = (client: SynthClient, path: string, query?: Record<string, string | number>) =>
  client.http.json({ path, ...(query && { query }), retry: { retries: 1 } });

export function createStudioApp(opts: StudioOptions): Hono<Env> {
  const app = new Hono<Env>();
  const clients = new Map<string, SynthClient>();
  const clientFor = (key: string): SynthClient => {
    let client = clients.get(key);
    if (client === undefined) {
      client = new SynthClient({ backendUrl: opts.backendUrl, apiKey: key, ...(opts.fetch && { fetch: opts.fetch }), timeoutMs: 30_000 });
      clients.set(key, client);
    }
    return client;
  };
  const secure = (c: Context) => new URL(c.req.url).protocol === 'https:';

  app.onError((err) => detail(500, `studio: ${err.message}`));

  // The page. A ?token= from the banner is traded for a session cookie, then dropped from the URL.
  app.get('/', async (c) => {
    const token = c.req.query('token');
    if (token !== undefined) {
      const session = opts.sessions.redeem(token);
      if (session !== undefined) setCookie(c, SESSION_COOKIE, session, { httpOnly: true, sameSite: 'Strict', path: '/studio', secure: secure(c) });
      return c.redirect('/studio/', 303);
    }
    const assets = await studioAssets();
    return c.html(assets.html, 200, pageHeaders());
  });
  app.get('/assets/:file', async (c) => {
    const a = await studioAssets();
    const file = c.req.param('file');
    if (file === 'app.js') return c.body(a.js, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
    if (file === 'app.css') return c.body(a.css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' });
    return detail(404, `no studio asset ${JSON.stringify(file)}`);
  });

  const api = new Hono<Env>();
  api.post('/session', async (c) => {
    const parsed = await readJson(c, SESSION_BODY);
    if (!parsed.ok) return parsed.response;
    const key = parsed.data.api_key.trim();
    try {
      await getJson(clientFor(key), '/rl/jobs', { limit: 1 });
    } catch (error) {
      const status = error instanceof HttpError ? error.status : undefined;
      if (status === 401 || status === 403) return detail(401, 'the backend rejected this API key');
      if (status !== 404 && status !== 405) return upstreamError(error);
    }
    setCookie(c, SESSION_COOKIE, opts.sessions.open(key), { httpOnly: true, sameSite: 'Strict', path: '/studio', secure: secure(c) });
    return c.json({ ok: true });
  });
  api.delete('/session', (c) => {
    opts.sessions.close(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/studio' });
    return c.json({ ok: true });
  });

  // Answers 200 either way, so a signed-out page shows its form without an error in the console.
  api.get('/me', (c) => {
    const bearer = /^\s*bearer\s+(.+?)\s*$/i.test(c.req.header('authorization') ?? '');
    const signedIn = bearer || opts.sessions.keyFor(getCookie(c, SESSION_COOKIE)) !== undefined;
    return c.json({ signed_in: signedIn, backend: opts.label, simulated: opts.simulated });
  });

  // Everything below needs a session (cookie) or a Bearer key; state changes need the X-Studio header,
  // which a cross-site form cannot send.
  api.use('*', async (c, next) => {
    const bearer = /^\s*bearer\s+(.+?)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const key = bearer ?? opts.sessions.keyFor(getCookie(c, SESSION_COOKIE));
    if (key === undefined) return detail(401, 'not signed in: open the Studio URL printed by `synth-rl sim`, or enter an API key');
    if (c.req.method !== 'GET' && c.req.header('x-studio') !== '1') return detail(403, 'missing X-Studio header');
    c.set('client', clientFor(key));
    return next();
  });

  api.get('/jobs', (c) => upstream(c, async (client) => {
    try {
      return await withRewardTrends(client, await getJson(client, '/rl/jobs', { limit: 200 }));
    } catch (error) {
      // A backend without a jobs listing: the page offers to open a job by id instead.
      if (error instanceof HttpError && (error.status === 404 || error.status === 405)) return { jobs: [], listing: false };
      throw error;
    }
  }));
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
  // The backend replays the frame from the episode's seed and actions (and checks it matches the record).
  api.get('/jobs/:id/rollouts/:it/:g/:i/frames/:step', async (c) => {
    const path = episodePath(c);
    if (path instanceof Response) return path;
    const step = c.req.param('step').replace(/\.png$/, '');
    if (!/^\d{1,6}$/.test(step)) return detail(422, `frame must be a step number, got ${JSON.stringify(step)}`);
    try {
      const res = await c.get('client').http.request({ path: `${path}/frames/${step}.png`, query: { scale: 12, area: 'full' }, retry: { retries: 1 } });
      return c.body(await res.arrayBuffer(), 200, { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' });
    } catch (error) {
      return upstreamError(error);
    }
  });
  api.post('/playground', async (c) => {
    const parsed = await readJson(c, PLAYGROUND);
    if (!parsed.ok) return parsed.response;
    return upstream(c, (client) => playground(client, parsed.data));
  });

  app.route('/api', api);
  app.notFound((c) => detail(404, `Not Found: ${c.req.method} ${new URL(c.req.url).pathname}`));
  return app;
}

function pageHeaders(): Record<string, string> {
  return {
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

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

/** The backend path of the episode the Studio path names, or a 422. */
function episodePath(c: Context<Env>): string | Response {
  const parts = [c.req.param('it'), c.req.param('g'), c.req.param('i')];
  if (!parts.every((p) => p !== undefined && /^\d{1,9}$/.test(p))) return detail(422, 'iteration, group and index must be integers ≥ 0');
  return `/rl/jobs/${encodeURIComponent(c.req.param('id') ?? '')}/rollouts/${parts.join('/')}`;
}

interface ToolArgs { actions?: unknown; reasoning?: unknown }

/** The action list and log-probabilities of one chat completion (interact tool call or JSON content). */
function readSample(answer: Record<string, unknown>): { actions: string[]; logprobs: number[]; reasoning: string } {
  const choice = (answer.choices as { message?: { tool_calls?: { function?: { arguments?: string } }[]; content?: string }; logprobs?: { content?: { token: string; logprob: number }[] } }[] | undefined)?.[0];
  let args: ToolArgs = {};
  try {
    args = JSON.parse(choice?.message?.tool_calls?.[0]?.function?.arguments ?? choice?.message?.content ?? '{}') as ToolArgs;
  } catch { /* a model may answer with free text: no actions */ }
  const actions = Array.isArray(args.actions) ? args.actions.map(String) : [];
  const logprobs = choice?.logprobs?.content?.map((t) => t.logprob) ?? [];
  return { actions, logprobs, reasoning: typeof args.reasoning === 'string' ? args.reasoning : '' };
}

/**
 * The checkpoint's choice (greedy, temperature 0) and how its first action is distributed over
 * `samples` answers at the given temperature.
 */
async function playground(client: SynthClient, req: z.infer<typeof PLAYGROUND>): Promise<unknown> {
  const ask = (temperature: number) => {
    const base = buildPolicyRequest(req.model, req.observation ?? '', { temperature, logprobs: true });
    const body = req.messages !== undefined && req.messages.length > 0 ? { ...base, messages: req.messages } : base;
    return client.http.json<Record<string, unknown>>({ method: 'POST', path: '/v1/chat/completions', json: body, retry: false, timeoutMs: 60_000 }).then(readSample);
  };
  const [choice, ...samples] = await Promise.all([ask(0), ...Array.from({ length: req.samples }, () => ask(req.temperature))]);
  const counts = new Map<string, { count: number; logprob: number }>();
  for (const s of samples) {
    const a = s.actions[0] ?? '(no action)';
    const entry = counts.get(a) ?? { count: 0, logprob: s.logprobs[0] ?? Number.NaN };
    entry.count += 1;
    counts.set(a, entry);
  }
  const distribution = [...counts.entries()].sort((x, y) => y[1].count - x[1].count)
    .map(([action, e]) => ({ action, count: e.count, share: e.count / samples.length, logprob: Number.isFinite(e.logprob) ? e.logprob : null }));
  return { model: req.model, temperature: req.temperature, choice, distribution, samples };
}
