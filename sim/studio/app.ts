// The Studio's HTTP surface, a Hono sub-app mounted at /studio by `synth-rl sim`
// (sim/backend/routes/studio.ts) and served alone by `synth-rl studio` for any backend. The page
// talks only to /studio/api/…; each of those calls goes to the backend's public /api through the
// client's own code (SynthClient, JobStream) with the session's API key — so the Studio sees
// exactly what that key may see, with the backend's auth and per-org isolation, and nothing more.
// One composer: the page (page.ts), sessions (session-routes.ts), then, signed in, the job views
// (job-routes.ts) and the playground (playground.ts).
import { Hono } from 'hono';
import { SynthClient } from '../../src/index.ts';
import { detail } from '../backend/request.ts';
import { pageRoutes } from './page.ts';
import { jobRoutes } from './job-routes.ts';
import { playgroundRoutes } from './playground.ts';
import { requireSession, sessionRoutes } from './session-routes.ts';
import type { StudioSessions } from './sessions.ts';
import type { StudioEnv } from './upstream.ts';

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

/** One SynthClient per API key, kept for the life of the Studio. */
function clientCache(opts: StudioOptions): (key: string) => SynthClient {
  const clients = new Map<string, SynthClient>();
  return (key) => {
    let client = clients.get(key);
    if (client === undefined) {
      client = new SynthClient({ backendUrl: opts.backendUrl, apiKey: key, ...(opts.fetch && { fetch: opts.fetch }), timeoutMs: 30_000 });
      clients.set(key, client);
    }
    return client;
  };
}

export function createStudioApp(opts: StudioOptions): Hono<StudioEnv> {
  const clientFor = clientCache(opts);
  const app = new Hono<StudioEnv>();
  app.onError((err) => detail(500, `studio: ${err.message}`));
  app.route('/', pageRoutes(opts.sessions));
  const api = new Hono<StudioEnv>();
  // Registered before the session check: signing in, out, and /me need no session.
  api.route('/', sessionRoutes({ sessions: opts.sessions, clientFor, label: opts.label, simulated: opts.simulated }));
  api.use('*', requireSession({ sessions: opts.sessions, clientFor }));
  api.route('/', jobRoutes());
  api.route('/', playgroundRoutes());
  app.route('/api', api);
  app.notFound((c) => detail(404, `Not Found: ${c.req.method} ${new URL(c.req.url).pathname}`));
  return app;
}
