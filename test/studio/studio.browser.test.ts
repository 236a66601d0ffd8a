// The Studio in a real browser: headless Debian Chromium driven by playwright-core, against a
// simulator running real GRPO jobs. Sign-in through the one-time URL, a job's curves growing live
// (and how soon a recorded metric reaches the page), rollout replay, the playground, compare, no
// console errors, and another org seeing nothing. Screenshots go to test-artifacts/studio/.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startSimulator, type Simulator } from '../../sim/server.ts';
import { studioAssets } from '../../sim/studio/assets.ts';
import type { NewMetric } from '../../sim/backend/store.ts';
import { decodeBase64Strict, encodeBase64, seal } from '../../src/crypto/sealedbox.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dir, '../../test-artifacts/studio');
const KEY_A = 'sk-studio-org-a';
const KEY_B = 'sk-studio-org-b';
const haveBrowser = existsSync(CHROMIUM);
// .ci/run installs Chromium and sets this: there, a missing browser is a failure, not a skip.
if (!haveBrowser && process.env.SYNTH_RL_REQUIRE_BROWSER === '1') throw new Error(`no Chromium at ${CHROMIUM}; the Studio browser tests need it`);
if (!haveBrowser) console.warn(`studio browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

let sim: Simulator;
let browser: Browser;
let ctxA: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];
/** When each metric point was inserted into the store (ms since epoch), by `name@step`. */
const inserted = new Map<string, number>();

async function api<T>(key: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as T };
}

async function uploadEnvKey(key: string): Promise<void> {
  const { body } = await api<{ public_key: string }>(key, '/v1/crypto/public-key');
  const envKey = sim.taskApp?.taskApp.environmentApiKey as string;
  const sealed = seal(new TextEncoder().encode(envKey), decodeBase64Strict(body.public_key) as Uint8Array);
  await api(key, '/v1/env-keys', { method: 'POST', body: JSON.stringify({ name: 'ENVIRONMENT_API_KEY', ciphertext_b64: encodeBase64(sealed) }) });
}

async function createJob(key: string, iterations: number, trainer: 'grpo' | 'replay'): Promise<string> {
  const config = {
    training: { num_epochs: 1, iterations_per_epoch: iterations }, trainer: { batch_size: 2, group_size: 4 }, env: { max_steps_per_episode: 6 },
    evaluation: { seeds: [0, 1], every_n_iters: 3 }, checkpoint: { interval: iterations },
    sim: trainer === 'grpo'
      ? { trainer, preset: 'micro', record_rollouts_per_iteration: 4, model: { n_layer: 1, n_head: 1, d_model: 16, n_ctx: 96 } }
      : { trainer, replay: { iterations, step_seconds: 0.05 } },
  };
  const { status, body } = await api<{ job_id: string }>(key, '/rl/jobs', {
    method: 'POST', body: JSON.stringify({ job_type: 'rl', data: { model: 'Qwen/Qwen3-0.6B', endpoint_base_url: sim.taskApp?.url, config } }),
  });
  expect(status).toBe(201);
  return body.job_id;
}

async function waitForStatus(key: string, id: string, timeoutMs = 90_000): Promise<{ status: string; fine_tuned_model: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<{ status: string; fine_tuned_model: string | null }>(key, `/rl/jobs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(body.status) || Date.now() > deadline) return body;
    await Bun.sleep(150);
  }
}

/** In the page: the replayed Crafter frame has loaded (a string, so this file needs no DOM types). */
const FRAME_LOADED = "(() => { const i = document.querySelector('#frame'); return i !== null && i.complete && i.naturalWidth > 0; })()";

async function shot(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

// One simulator and browser serve every block below; the blocks run in file order and build on
// each other (the live job is the one whose rollouts, checkpoint and isolation are checked later).
let jobA = '';
let jobB = '';
let modelA = '';

beforeAll(async () => {
  if (!haveBrowser) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  sim = await startSimulator({ port: 0, taskApp: { port: 0 }, apiKeys: [KEY_A, KEY_B], defaultTrainer: 'grpo', queueDelayMs: 10 });
  const add = sim.store.addMetrics.bind(sim.store);
  sim.store.addMetrics = (jobId: string, points: readonly NewMetric[]) => {
    const out = add(jobId, points);
    const now = Date.now();
    for (const p of points) if (!inserted.has(`${jobId}:${p.name}@${p.step}`)) inserted.set(`${jobId}:${p.name}@${p.step}`, now);
    return out;
  };
  await uploadEnvKey(KEY_A);
  await studioAssets(); // bundle the page once, outside the timed steps
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  ctxA = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  page = await ctxA.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()} ${r.url()}`); });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sim?.stop();
});

const inChromium = describe.skipIf(!haveBrowser);

inChromium('Studio in Chromium: sign-in and a live job', () => {
  test('the one-time URL signs in with an HttpOnly cookie, leaves no token in the URL, and works once', async () => {
    const login = sim.studioLoginUrl();
    await page.goto(login);
    await page.waitForSelector('#sign-out');
    expect(page.url()).toBe(`${sim.url}/studio/`);
    const cookies = await ctxA.cookies();
    expect(cookies.find((c) => c.name === 'synth_studio')?.httpOnly).toBe(true);
    expect(JSON.stringify(cookies)).not.toContain(KEY_A);
    const other = await browser.newContext();
    const p2 = await other.newPage();
    await p2.goto(login);
    await p2.waitForSelector('#api-key');
    expect(p2.url()).toBe(`${sim.url}/studio/`);
    await other.close();
  }, 30_000);

  test('a running job: the reward curve gains points live; each metric shows within 1 s of being recorded', async () => {
    jobA = await createJob(KEY_A, 8, 'grpo');
    await page.goto(`${sim.url}/studio/#/job/${jobA}`);
    await page.waitForSelector('[data-chart="reward"]');
    const openedAt = Date.now();
    const counts: number[] = [];
    const deadline = Date.now() + 90_000;
    for (;;) {
      const n = Number(await page.getAttribute('[data-chart="reward"]', 'data-points'));
      if (counts.at(-1) !== n) counts.push(n);
      const done = await page.locator('#job-meta .pill.s-succeeded').count();
      if (done > 0 || Date.now() > deadline) break;
      await Bun.sleep(50);
    }
    expect(await page.locator('#job-meta .pill').textContent()).toBe('succeeded');
    // Points arrived one iteration at a time while the page was open, not all at once at the end.
    expect(counts.filter((n) => n > 0).length).toBeGreaterThanOrEqual(4);
    const shown = (await page.evaluate('window.__studioShown ?? []')) as { name: string; step: number; at: number }[];
    const latencies = shown
      .filter((s) => s.name === 'train.reward_mean')
      .map((s) => ({ step: s.step, ms: s.at - (inserted.get(`${jobA}:${s.name}@${s.step}`) ?? Number.NaN), insertedAt: inserted.get(`${jobA}:${s.name}@${s.step}`) ?? 0 }))
      .filter((l) => l.insertedAt > openedAt + 500);
    console.log(`studio metric latency (ms) per step: ${latencies.map((l) => `${l.step}:${l.ms}`).join(' ')}`);
    expect(latencies.length).toBeGreaterThanOrEqual(3);
    for (const l of latencies) expect(l.ms).toBeLessThanOrEqual(1000);
    for (const id of ['kl', 'entropy', 'policy_loss', 'grad_norm', 'clip_ratio', 'tokens_per_s', 'rollouts_per_s', 'step_seconds']) {
      expect(Number(await page.getAttribute(`[data-chart="${id}"]`, 'data-points'))).toBeGreaterThan(0);
    }
    await page.waitForSelector('#checkpoints code');
    expect(await page.locator('#config').textContent()).toContain('"preset": "micro"');
    await page.fill('#event-filter', 'rl.eval.summary');
    expect(await page.locator('#event-log li:not([hidden])').count()).toBeGreaterThan(0);
    const visible = await page.locator('#event-log li:not([hidden])').allTextContents();
    expect(visible.filter((x) => !x.includes('rl.eval.summary'))).toEqual([]);
    await page.fill('#event-filter', '');
    modelA = (await waitForStatus(KEY_A, jobA)).fine_tuned_model ?? '';
    expect(modelA).toStartWith('rl:');
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, 'job');
  }, 120_000);
});

inChromium('Studio in Chromium: rollouts, playground, compare', () => {
  test('rollouts: pick an iteration and group, step through frames with actions and logprobs', async () => {
    await page.goto(`${sim.url}/studio/#/job/${jobA}/rollouts`);
    await page.waitForSelector('#frame');
    const loaded = () => page.evaluate(FRAME_LOADED);
    await page.waitForFunction(FRAME_LOADED);
    expect(await page.locator('#pick-iteration option').count()).toBeGreaterThanOrEqual(2);
    await page.selectOption('#pick-iteration', { index: 0 });
    await page.waitForFunction("document.querySelector('#frame')?.getAttribute('data-step') === '0'");
    const first = await page.getAttribute('#frame', 'src');
    for (let k = 1; k <= 2; k++) {
      await page.click('#step-next');
      await page.waitForFunction(`document.querySelector('#frame')?.getAttribute('data-step') === '${k}'`);
      await page.waitForFunction(FRAME_LOADED);
      expect(await loaded()).toBe(true);
    }
    expect(await page.getAttribute('#frame', 'src')).not.toBe(first);
    expect(await page.locator('#actions tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#actions tbody tr').first().textContent()).toMatch(/-?\d/);
    expect((await page.locator('#prompt').textContent())?.length ?? 0).toBeGreaterThan(20);
    expect(await page.locator('#group tbody tr').count()).toBe(4);
    await shot(page, 'rollout');
  }, 60_000);

  test('playground: a recorded step goes to the checkpoint, which answers with its action distribution', async () => {
    await page.click('#step-to-playground');
    await page.waitForSelector('#pg-ask');
    expect(await page.inputValue('#pg-model')).toBe(modelA);
    expect((await page.inputValue('#pg-observation')).length).toBeGreaterThan(20);
    await page.fill('#pg-samples', '8');
    await page.click('#pg-ask');
    await page.waitForSelector('#distribution .dist-row', { timeout: 60_000 });
    const shares = await page.locator('#distribution .dist-row span.share').allTextContents();
    const total = shares.map((s) => Number.parseInt(s, 10)).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(98);
    expect(await page.locator('#choice .chip').count()).toBeGreaterThan(0);
    await shot(page, 'playground');
  }, 90_000);

  test('compare: two jobs overlaid on the same charts', async () => {
    jobB = await createJob(KEY_A, 6, 'replay');
    expect((await waitForStatus(KEY_A, jobB)).status).toBe('succeeded');
    await page.goto(`${sim.url}/studio/#/jobs`);
    await page.check(`[data-select="${jobA}"]`);
    await page.check(`[data-select="${jobB}"]`);
    await page.click('#compare-selected');
    await page.waitForSelector('[data-chart="cmp-train.reward_mean"] .key-item');
    const legend = await page.locator('[data-chart="cmp-train.reward_mean"] .key').textContent();
    expect(legend).toContain(jobA);
    expect(legend).toContain(jobB);
    await shot(page, 'compare');
    await page.goto(`${sim.url}/studio/#/jobs`);
    await page.waitForSelector(`tr[data-job="${jobA}"] svg.spark polyline`);
    await shot(page, 'jobs');
  }, 90_000);

  test('no console errors on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});

inChromium('Studio in Chromium: isolation between orgs and sessions', () => {
  test("another org's key sees none of this org's jobs, rollouts or checkpoints, in the Studio or its API", async () => {
    const ctxB = await browser.newContext();
    const pb = await ctxB.newPage();
    await pb.goto(`${sim.url}/studio/`);
    await pb.fill('#api-key', KEY_B);
    await pb.click('button[type=submit]');
    await pb.waitForSelector('table.jobs');
    await pb.waitForSelector('td.empty');
    expect(await pb.locator('tr[data-job]').count()).toBe(0);
    const paths = [`/jobs/${jobA}`, `/jobs/${jobA}/metrics`, `/jobs/${jobA}/artifacts`, `/jobs/${jobA}/rollouts`, `/jobs/${jobA}/rollouts/1/0/0`, `/jobs/${jobA}/rollouts/1/0/0/frames/0`];
    const statuses = await pb.evaluate(async (ps) => Promise.all(ps.map(async (p) => (await fetch(`/studio/api${p}`)).status)), paths);
    expect(statuses).toEqual(paths.map(() => 404));
    const jobs = await pb.evaluate(async () => (await (await fetch('/studio/api/jobs')).json()) as { jobs: unknown[] });
    expect(jobs.jobs).toEqual([]);
    const asked = await pb.evaluate(async (model) => (await fetch('/studio/api/playground', {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-studio': '1' }, body: JSON.stringify({ model, observation: 'hi', samples: 1 }),
    })).status, modelA);
    expect(asked).toBe(404);
    await pb.goto(`${sim.url}/studio/#/job/${jobA}`);
    await pb.waitForSelector('.error-card');
    const live = await pb.evaluate(async (id) => (await fetch(`/studio/api/jobs/${id}/live`)).text(), jobA);
    expect(live).toContain('event: end');
    expect(live).not.toContain('event: metric');
    // And the backend's own routes behind the Studio, with key B.
    for (const p of [`/rl/jobs/${jobA}`, `/rl/jobs/${jobA}/rollouts`, `/rl/jobs/${jobA}/rollouts/1/0/0/frames/0.png`, `/rl/jobs/${jobA}/artifacts`]) {
      expect((await fetch(`${sim.url}/api${p}`, { headers: { authorization: `Bearer ${KEY_B}` } })).status).toBe(404);
    }
    const models = await api<{ models: { id: string }[] }>(KEY_B, '/learning/models/rl');
    expect(models.body.models.map((m) => m.id)).not.toContain(modelA);
    await ctxB.close();
  }, 60_000);

  test('without a session every Studio data route answers 401, and state changes need the X-Studio header', async () => {
    expect((await fetch(`${sim.url}/studio/api/jobs`)).status).toBe(401);
    expect((await fetch(`${sim.url}/studio/api/jobs/${jobA}/live`)).status).toBe(401);
    const cookie = (await ctxA.cookies()).find((c) => c.name === 'synth_studio');
    const res = await fetch(`${sim.url}/studio/api/playground`, {
      method: 'POST', headers: { cookie: `synth_studio=${cookie?.value}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: modelA, observation: 'x' }),
    });
    expect(res.status).toBe(403);
  }, 30_000);
});
