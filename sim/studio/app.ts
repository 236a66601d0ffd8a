// The Studio's HTTP surface, a Hono sub-app mounted at /studio by `synth-rl sim` (sim/server.ts)
// and served alone by `synth-rl studio` for any backend. The page talks only to /studio/api/…;
// each of those calls goes to the backend's public /api through the client's own code
// (BackendClient, JobStream) with the session's API key — so the Studio sees exactly what that key
// may see, with the backend's auth and per-org isolation, and nothing more.
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { BackendClient } from '../../src/client/backend.ts';
import { HttpError } from '../../src/client/http.ts';
import { buildPolicyRequest } from '../taskapp/prompt.ts';
import { detail, readJson } from '../backend/request.ts';
import { studioAssets } from './assets.ts';
import { liveResponse } from './live.ts';
import { normalizeEpisode, normalizeIndex, renderStep, type Episode } from './rollouts.ts';
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

type Env = { Variables: { client: BackendClient } };

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

async function upstream(c: Context<Env>, run: (client: BackendClient) => Promise<unknown>): Promise<Response> {
  try {
    return c.json((await run(c.get('client'))) as object);
  } catch (error) {
    return upstreamError(error);
  }
}

const getJson = (client: BackendClient, path: string, query?: Record<string, string | number>) =>
  client.http.json({ path, ...(query && { query }), retry: { retries: 1 } });

export function createStudioApp(opts: StudioOptions): Hono<Env> {
  const app = new Hono<Env>();
  const clients = new Map<string, BackendClient>();
  const clientFor = (key: string): BackendClient => {
    let client = clients.get(key);
    if (client === undefined) {
      client = new BackendClient({ backendUrl: opts.backendUrl, apiKey: key, ...(opts.fetch && { fetch: opts.fetch }), timeoutMs: 30_000 });
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

  api.get('/me', (c) => c.json({ backend: opts.label, simulated: opts.simulated }));
  api.get('/jobs', (c) => upstream(c, (client) => getJson(client, '/rl/jobs', { limit: 200 })));
  api.get('/jobs/:id', (c) => upstream(c, async (client) => {
    const job = await client.getJob(c.req.param('id'));
    return { ...job, config: redactConfig((job as { config?: unknown }).config ?? null) };
  }));
  api.get('/jobs/:id/live', (c) => liveResponse(c.get('client'), c.req.param('id'), c.req.raw.signal));
  api.get('/jobs/:id/metrics', (c) => upstream(c, async (client) => ({ points: await allMetrics(client, c.req.param('id')) })));
  api.get('/jobs/:id/artifacts', (c) => upstream(c, async (client) => ({ artifacts: (await client.listArtifacts(c.req.param('id'))).map((a) => a.raw) })));
  api.get('/jobs/:id/rollouts', (c) => upstream(c, async (client) => normalizeIndex(await getJson(client, `/rl/jobs/${encodeURIComponent(c.req.param('id'))}/rollouts`))));
  api.get('/jobs/:id/rollouts/:it/:g/:i', (c) => upstream(c, async (client) => episodeOf(client, c)));
  api.get('/jobs/:id/rollouts/:it/:g/:i/frames/:step', async (c) => {
    let episode: Episode;
    try {
      episode = await episodeOf(c.get('client'), c);
    } catch (error) {
      return upstreamError(error);
    }
    const step = Number.parseInt(c.req.param('step').replace(/\.png$/, ''), 10);
    if (!Number.isInteger(step) || step < 0 || step > episode.steps.length) return detail(422, `step must be 0..${episode.steps.length}`);
    const png = renderStep(episode, step);
    if (png === undefined) return detail(404, 'this rollout was recorded without a seed, so its frames cannot be replayed');
    return c.body(png as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' });
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
async function allMetrics(client: BackendClient, jobId: string): Promise<unknown[]> {
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

async function episodeOf(client: BackendClient, c: Context<Env>): Promise<Episode> {
  const where = { iteration: Number(c.req.param('it')), group: Number(c.req.param('g')), index: Number(c.req.param('i')) };
  const parts = [where.iteration, where.group, where.index];
  if (!parts.every((n) => Number.isInteger(n) && n >= 0)) throw Object.assign(new Error('iteration, group and index must be integers ≥ 0'), { status: 422 });
  const raw = await getJson(client, `/rl/jobs/${encodeURIComponent(c.req.param('id') ?? '')}/rollouts/${parts.join('/')}`);
  return normalizeEpisode(raw, where);
}

interface ToolArgs { actions?: unknown; reasoning?: unknown }

/** Samples the checkpoint `samples` times on one observation: how often each action comes first. */
async function playground(client: BackendClient, req: z.infer<typeof PLAYGROUND>): Promise<unknown> {
  const base = buildPolicyRequest(req.model, req.observation ?? '', { temperature: req.temperature, logprobs: true });
  const body = req.messages !== undefined && req.messages.length > 0 ? { ...base, messages: req.messages } : base;
  const answers = await Promise.all(Array.from({ length: req.samples }, () => client.http.json<Record<string, unknown>>({
    method: 'POST', path: '/v1/chat/completions', json: body, retry: false, timeoutMs: 60_000,
  })));
  const samples = answers.map((a) => {
    const choice = (a.choices as { message?: { tool_calls?: { function?: { arguments?: string } }[]; content?: string }; logprobs?: { content?: { token: string; logprob: number }[] } }[] | undefined)?.[0];
    let args: ToolArgs = {};
    try {
      args = JSON.parse(choice?.message?.tool_calls?.[0]?.function?.arguments ?? choice?.message?.content ?? '{}') as ToolArgs;
    } catch { /* a model may answer with free text: no actions */ }
    const actions = Array.isArray(args.actions) ? args.actions.map(String) : [];
    const logprobs = choice?.logprobs?.content?.map((t) => t.logprob) ?? [];
    return { actions, logprobs, reasoning: typeof args.reasoning === 'string' ? args.reasoning : '' };
  });
  const counts = new Map<string, { count: number; logprob: number }>();
  for (const s of samples) {
    const a = s.actions[0];
    if (a === undefined) continue;
    const entry = counts.get(a) ?? { count: 0, logprob: s.logprobs[0] ?? Number.NaN };
    entry.count += 1;
    counts.set(a, entry);
  }
  const distribution = [...counts.entries()].sort((x, y) => y[1].count - x[1].count)
    .map(([action, e]) => ({ action, count: e.count, share: e.count / samples.length, logprob: Number.isFinite(e.logprob) ? e.logprob : null }));
  return { model: req.model, temperature: req.temperature, choice: samples[0], distribution, samples };
}
