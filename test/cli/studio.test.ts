// The Studio from the command line: the `sim` banner's one-time sign-in URL, `synth-rl studio`
// against another backend (demo --keep: test/cli/demo.test.ts).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startServer, stopServer } from '../helpers/process.ts';
import { startTestSim, TEST_KEY, type TestSim } from '../helpers/sim.ts';
import { tempDir } from '../helpers/cli.ts';

/** Follows a one-time sign-in URL by hand: the session cookie it sets, and where it redirects. */
async function signIn(url: string): Promise<{ status: number; location: string | null; cookie: string | undefined; setCookie: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, location: res.headers.get('location'), cookie: /synth_studio=([^;]+)/.exec(setCookie)?.[0], setCookie };
}

let backend: TestSim;
beforeAll(async () => {
  backend = await startTestSim();
  await backend.createJob();
});
afterAll(() => backend.sim.stop());

test('sim banner: a one-time Studio URL that signs in once (HttpOnly cookie, clean redirect), then the Studio serves the jobs', async () => {
  const p = await startServer(['sim', '--ephemeral', '--port', '0', '--no-task-app'], { env: { SYNTH_API_KEY: 'sk-banner' } });
  try {
    const login = /studio\s+(http:\/\/127\.0\.0\.1:\d+\/studio\/\?token=[\w-]+)/.exec(p.banner)?.[1] as string;
    expect(login).toBeString();
    expect(p.banner).not.toContain('sk-banner');
    const first = await signIn(login);
    expect(first.status).toBe(303);
    expect(first.location).toBe('/studio/');
    expect(first.setCookie).toMatch(/HttpOnly/i);
    expect(first.setCookie).toMatch(/SameSite=Strict/i);
    const again = await signIn(login);
    expect(again.cookie).toBeUndefined();
    const origin = new URL(login).origin;
    const jobs = await fetch(`${origin}/studio/api/jobs`, { headers: { cookie: first.cookie as string } });
    expect(jobs.status).toBe(200);
    expect(await jobs.json()).toEqual({ jobs: [] });
    const page = await fetch(`${origin}/studio/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('/studio/assets/app.js');
    const js = await (await fetch(`${origin}/studio/assets/app.js`)).text();
    const css = await (await fetch(`${origin}/studio/assets/app.css`)).text();
    console.log(`studio page weight: app.js ${(js.length / 1024).toFixed(1)} KiB, app.css ${(css.length / 1024).toFixed(1)} KiB (uncompressed)`);
    expect(js.length + css.length).toBeLessThan(200 * 1024);
    expect(js).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\//i);
  } finally {
    expect(await stopServer(p)).toBe(0);
  }
}, 60_000);

test('synth-rl studio: the same pages for another backend, through its public API with the given key', async () => {
  const p = await startServer(['studio', '--backend-url', backend.sim.url, '--port', '0'], { env: { SYNTH_API_KEY: TEST_KEY } });
  try {
    const login = /open\s+(http:\/\/127\.0\.0\.1:\d+\/studio\/\?token=[\w-]+)/.exec(p.banner)?.[1] as string;
    expect(p.banner).not.toContain(TEST_KEY);
    const { cookie } = await signIn(login);
    const origin = new URL(login).origin;
    const jobs = (await (await fetch(`${origin}/studio/api/jobs`, { headers: { cookie: cookie as string } })).json()) as { jobs: { id: string }[] };
    expect(jobs.jobs.length).toBe(1);
    const job = await fetch(`${origin}/studio/api/jobs/${jobs.jobs[0]?.id}`, { headers: { cookie: cookie as string } });
    expect(job.status).toBe(200);
    // A wrong key typed into the page is refused by the backend, and opens no session.
    const bad = await fetch(`${origin}/studio/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: 'sk-wrong' }) });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
  } finally {
    expect(await stopServer(p)).toBe(0);
  }
}, 60_000);

test('synth-rl studio binds loopback only', async () => {
  const proc = Bun.spawn([process.execPath, 'src/cli/main.ts', 'studio', '--host', '0.0.0.0', '--port', '0', '--backend-url', backend.sim.url], { stdout: 'pipe', stderr: 'pipe' });
  expect(await proc.exited).toBe(2);
  expect(await new Response(proc.stderr).text()).toContain('--host: the Studio binds loopback only');
});
