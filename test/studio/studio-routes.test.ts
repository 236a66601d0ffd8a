// The Studio's route pieces on their own, with app.request() and a stub backend: sessions
// (session-routes.ts), the signed-in guard, the job views (job-routes.ts) and the playground
// (playground.ts), as createStudioApp composes them; 4xx JSON {"detail": …}.
import { expect, test } from 'bun:test';
import { createStudioApp } from '../../sim/studio/app.ts';
import { StudioSessions } from '../../sim/studio/sessions.ts';

type Handler = (path: string, init: Request) => Response | Promise<Response>;

function studio(handler: Handler) {
  const backend = (async (input: string | URL | Request, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(String(input), init);
    if (req.headers.get('authorization') !== 'Bearer sk-good') return Response.json({ detail: 'Invalid API key' }, { status: 401 });
    return handler(new URL(req.url).pathname, req);
  }) as typeof fetch;
  return createStudioApp({ backendUrl: 'http://backend.test', fetch: backend, sessions: new StudioSessions(), label: 'test', simulated: true });
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST', headers: { 'content-type': 'application/json', 'x-studio': '1', ...headers }, body: JSON.stringify(body),
});

test('sign in: a key the backend accepts becomes an HttpOnly session cookie; a rejected key is a 401', async () => {
  const app = studio(() => Response.json({ jobs: [] }));
  const ok = await app.request('/api/session', json({ api_key: 'sk-good' }));
  expect(ok.status).toBe(200);
  const cookie = ok.headers.get('set-cookie') ?? '';
  expect(cookie).toContain('HttpOnly');
  const me = await app.request('/api/me', { headers: { cookie: cookie.split(';')[0] as string } });
  expect(await me.json()).toMatchObject({ signed_in: true });
  const bad = await app.request('/api/session', json({ api_key: 'sk-bad' }));
  expect([bad.status, await bad.json()]).toEqual([401, { detail: 'the backend rejected this API key' }]);
  const empty = await app.request('/api/session', json({ api_key: '' }));
  expect(empty.status).toBe(422);
});

test('signed-in routes: 401 without a key, 403 for a state change without X-Studio', async () => {
  const app = studio(() => Response.json({}));
  const anon = await app.request('/api/jobs/job_1');
  expect(anon.status).toBe(401);
  const noHeader = await app.request('/api/playground', { method: 'POST', headers: { authorization: 'Bearer sk-good' }, body: '{}' });
  expect([noHeader.status, await noHeader.json()]).toEqual([403, { detail: 'missing X-Studio header' }]);
});

test('job views: the backend\'s 404 passes through; a bad episode path is a 422', async () => {
  const app = studio((path) => (path.endsWith('/job_1') ? Response.json({ job_id: 'job_1', status: 'queued', config: { api_key: 'secret' } }) : Response.json({ detail: 'nope' }, { status: 404 })));
  const auth = { headers: { authorization: 'Bearer sk-good' } };
  const job = await app.request('/api/jobs/job_1', auth);
  expect(JSON.stringify(await job.json())).not.toContain('secret');
  const missing = await app.request('/api/jobs/job_2', auth);
  expect(missing.status).toBe(404);
  expect(((await missing.json()) as { detail: string }).detail).toStartWith('job job_2 not found');
  const badPath = await app.request('/api/jobs/job_1/rollouts/x/0/0', auth);
  expect([badPath.status, await badPath.json()]).toEqual([422, { detail: 'iteration, group and index must be integers ≥ 0' }]);
});

test('playground: the greedy choice and the first-action distribution; a bad body is a 422', async () => {
  const answer = (action: string) => Response.json({ choices: [{ message: { content: JSON.stringify({ actions: [action] }) }, logprobs: { content: [{ token: 'a', logprob: -0.5 }] } }] });
  let n = 0;
  const app = studio(() => answer(n++ % 2 === 0 ? 'do' : 'noop'));
  const r = await app.request('/api/playground', json({ model: 'sim:random', observation: 'obs', samples: 4 }, { authorization: 'Bearer sk-good' }));
  expect(r.status).toBe(200);
  const body = (await r.json()) as { distribution: { action: string; count: number }[]; samples: unknown[] };
  expect(body.samples).toHaveLength(4);
  expect(body.distribution.reduce((s, d) => s + d.count, 0)).toBe(4);
  const bad = await app.request('/api/playground', json({ model: 'm', samples: 99 }, { authorization: 'Bearer sk-good' }));
  expect(bad.status).toBe(422);
});
