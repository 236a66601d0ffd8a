// The Studio mount on its own (sim/backend/routes/studio.ts): /studio redirects to /studio/, the
// Studio's API reads the backend in-process with the session's key, and needs one.
import { expect, test } from 'bun:test';
import { studioRoutes } from '../../../../sim/backend/routes/studio.ts';
import { StudioSessions } from '../../../../sim/studio/sessions.ts';
import { read } from './fixture.ts';

function mounted() {
  const seen: string[] = [];
  const backendFetch = (req: Request) => {
    seen.push(`${req.headers.get('authorization')} ${new URL(req.url).pathname}`);
    return Response.json({ jobs: [] });
  };
  return { app: studioRoutes({ backendFetch, sessions: new StudioSessions('sk-a') }), seen };
}

test('/studio redirects (308) to /studio/; /studio/api/me answers signed out', async () => {
  const { app } = mounted();
  const r = await app.request('http://sim.test/studio');
  expect(r.status).toBe(308);
  expect(r.headers.get('location')).toBe('http://sim.test/studio/');
  expect((await read(app.request('/studio/api/me'))).body).toEqual({ signed_in: false, backend: 'local simulator', simulated: true });
});

test('the jobs list goes to the backend in-process with the caller\'s key; without one it is a 401', async () => {
  const { app, seen } = mounted();
  expect(await read(app.request('/studio/api/jobs', { headers: { authorization: 'Bearer sk-a' } }))).toEqual({ status: 200, body: { jobs: [] } });
  expect(seen).toEqual(['Bearer sk-a /api/rl/jobs']);
  const anon = await read<{ detail: string }>(app.request('/studio/api/jobs'));
  expect(anon.status).toBe(401);
  expect(anon.body.detail).toStartWith('not signed in');
});
