// The Studio's page and its assets. A ?token= from the `sim` banner is traded for a session
// cookie, then dropped from the URL.
import { Hono, type Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { detail } from '../backend/request.ts';
import { studioAssets } from './assets.ts';
import { SESSION_COOKIE, type StudioSessions } from './sessions.ts';

export const secureRequest = (c: Context) => new URL(c.req.url).protocol === 'https:';

function pageHeaders(): Record<string, string> {
  return {
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

export function pageRoutes(sessions: StudioSessions): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const token = c.req.query('token');
    if (token !== undefined) {
      const session = sessions.redeem(token);
      if (session !== undefined) setCookie(c, SESSION_COOKIE, session, { httpOnly: true, sameSite: 'Strict', path: '/studio', secure: secureRequest(c) });
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
  return app;
}
