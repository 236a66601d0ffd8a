// Signing in and out of the Studio: an API key (checked against the backend) becomes a session
// cookie; /me says whether the caller is signed in; everything else needs a session or a Bearer key.
import { Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { HttpError, type SynthClient } from '../../src/index.ts';
import { detail, readJson } from '../backend/request.ts';
import { secureRequest } from './page.ts';
import { SESSION_COOKIE, type StudioSessions } from './sessions.ts';
import { getJson, upstreamError, type StudioEnv } from './upstream.ts';

export interface SessionRouteDeps {
  sessions: StudioSessions;
  clientFor: (key: string) => SynthClient;
  /** Shown in the header: where the data comes from. */
  label: string;
  simulated: boolean;
}

const SESSION_BODY = z.strictObject({ api_key: z.string().min(1).max(4096) });
const bearerOf = (header: string | undefined) => /^\s*bearer\s+(.+?)\s*$/i.exec(header ?? '')?.[1];

export function sessionRoutes(deps: SessionRouteDeps): Hono {
  const api = new Hono();
  api.post('/session', async (c) => {
    const parsed = await readJson(c, SESSION_BODY);
    if (!parsed.ok) return parsed.response;
    const key = parsed.data.api_key.trim();
    try {
      await getJson(deps.clientFor(key), '/rl/jobs', { limit: 1 });
    } catch (error) {
      const status = error instanceof HttpError ? error.status : undefined;
      if (status === 401 || status === 403) return detail(401, 'the backend rejected this API key');
      if (status !== 404 && status !== 405) return upstreamError(error);
    }
    setCookie(c, SESSION_COOKIE, deps.sessions.open(key), { httpOnly: true, sameSite: 'Strict', path: '/studio', secure: secureRequest(c) });
    return c.json({ ok: true });
  });
  api.delete('/session', (c) => {
    deps.sessions.close(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/studio' });
    return c.json({ ok: true });
  });
  // Answers 200 either way, so a signed-out page shows its form without an error in the console.
  api.get('/me', (c) => {
    const signedIn = bearerOf(c.req.header('authorization')) !== undefined || deps.sessions.keyFor(getCookie(c, SESSION_COOKIE)) !== undefined;
    return c.json({ signed_in: signedIn, backend: deps.label, simulated: deps.simulated });
  });
  return api;
}

/**
 * The routes after this need a session (cookie) or a Bearer key; state changes need the X-Studio
 * header, which a cross-site form cannot send.
 */
export function requireSession(deps: Pick<SessionRouteDeps, 'sessions' | 'clientFor'>): MiddlewareHandler<StudioEnv> {
  return async (c, next) => {
    const key = bearerOf(c.req.header('authorization')) ?? deps.sessions.keyFor(getCookie(c, SESSION_COOKIE));
    if (key === undefined) return detail(401, 'not signed in: open the Studio URL printed by `synth-rl sim`, or enter an API key');
    if (c.req.method !== 'GET' && c.req.header('x-studio') !== '1') return detail(403, 'missing X-Studio header');
    c.set('client', deps.clientFor(key));
    return next();
  };
}
