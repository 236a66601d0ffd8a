// The Studio mounted at /studio of the simulator's port (sim/studio/app.ts): /studio redirects to
// /studio/, and the Studio reads this backend in-process, through the client's own code, with the
// viewer's key — so it sees what that key may see and nothing more.
import { Hono } from 'hono';
import { createStudioApp } from '../../studio/app.ts';
import type { StudioSessions } from '../../studio/sessions.ts';

export interface StudioMountDeps {
  /** The backend app's fetch (in-process: no network hop, same auth and isolation). */
  backendFetch: (request: Request) => Response | Promise<Response>;
  sessions: StudioSessions;
}

export function studioRoutes(deps: StudioMountDeps): Hono {
  const inProcess = ((input: string | URL | Request, init?: RequestInit) => deps.backendFetch(new Request(input as string, init))) as typeof fetch;
  const studio = createStudioApp({ backendUrl: 'http://simulator.internal', fetch: inProcess, sessions: deps.sessions, label: 'local simulator', simulated: true });
  const mount = new Hono({ strict: false });
  mount.use('/studio', async (c, next) => {
    const url = new URL(c.req.url);
    if (url.pathname === '/studio') return Response.redirect(`${url.origin}/studio/`, 308);
    return next();
  });
  mount.route('/studio', studio);
  return mount;
}
