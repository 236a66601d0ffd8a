// The Studio in a real browser: headless Debian Chromium driven by playwright-core, against a
// simulator running real GRPO jobs. Sign-in through the one-time URL, a job's curves growing live
// with no metric lost, rollout replay, the playground, compare, no console errors, and another org
// seeing nothing. How soon a recorded metric reaches the page is a benchmark (bench/studio.ts), not
// an assertion here. Screenshots go to test-artifacts/studio/.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSimulator, type Simulator } from '../../sim/server.ts';
import { studioAssets } from '../../sim/studio/assets.ts';
import {
  CHROMIUM, createJob as createJobOn, haveChromium, launchChromium, recordServerTimes, settledPointLatencies, simApi, uploadEnvKey,
  waitForStatus as waitForStatusOn, type ServerTimes,
} from '../helpers/studio-browser.ts';

const ARTIFACTS = join(import.meta.dir, '../../test-artifacts/studio');
const KEY_A = 'sk-studio-org-a';
const KEY_B = 'sk-studio-org-b';
const haveBrowser = haveChromium();
// .ci/run installs Chromium and sets this: there, a missing browser is a failure, not a skip.
if (!haveBrowser && process.env.SYNTH_RL_REQUIRE_BROWSER === '1') throw new Error(`no Chromium at ${CHROMIUM}; the Studio browser tests need it`);
if (!haveBrowser) console.warn(`studio browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

let sim: Simulator;
let browser: Browser;
let ctxA: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];
/** When each metric point was recorded and each job ended, on the server's clock. */
let times: ServerTimes;

const api = <T>(key: string, path: string, init: RequestInit = {}) => simApi<T>(sim, key, path, init);
const createJob = (key: string, iterations: number, trainer: 'grpo' | 'replay') => createJobOn(sim, key, iterations, trainer);
const waitForStatus = (key: string, id: string) => waitForStatusOn(sim, key, id);

/** In the page: the replayed Crafter frame has loaded (a string, so this file needs no DOM types). */
const FRAME_LOADED = "(() => { const i = document.querySelector('#frame'); return i !== null && i.complete && i.naturalWidth > 0; })()";

async function shot(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** Iterations of the live job; its last one is held LIVE_HOLD_MS before its update commits. */
const LIVE_ITERATIONS = 8;
const LIVE_HOLD_MS = 5_000;
/**
 * In the page: logs every value the reward chart's point count takes (and when), from a
 * MutationObserver, which runs after each task, so no value the page rendered is missed however
 * slowly this test polls. A string, so this file needs no DOM types.
 */
const WATCH_REWARD_POINTS = `(() => {
  const log = (window.__rewardPoints = []);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.getAttribute('data-chart') === 'reward') log.push({ points: Number(r.target.getAttribute('data-points')), at: Date.now() });
    }
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-points'] });
})()`;

// One simulator and browser serve every block below; the blocks run in file order and build on
// each other (the live job is the one whose rollouts, checkpoint and isolation are checked later).
let jobA = '';
let jobB = '';
let modelA = '';

beforeAll(async () => {
  if (!haveBrowser) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  sim = await startSimulator({ port: 0, taskApp: { port: 0 }, apiKeys: [KEY_A, KEY_B], defaultTrainer: 'grpo', queueDelayMs: 10 });
  times = recordServerTimes(sim);
  await uploadEnvKey(sim, KEY_A);
  await studioAssets(); // bundle the page once, outside the job's run
  browser = await launchChromium();
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

  test('a running job: the reward curve gains points while it runs, and every recorded metric reaches the page', async () => {
    // The last iteration is held before its update commits, so the job keeps running well after
    // the first iterations' points were recorded, however slow the machine: a live page shows
    // them before the job ends, a page that loads metrics only at the end cannot.
    sim.faults.set({ trainer: { hold: { at: 'update', iteration: LIVE_ITERATIONS, ms: LIVE_HOLD_MS } } });
    await page.evaluate(WATCH_REWARD_POINTS);
    jobA = await createJob(KEY_A, LIVE_ITERATIONS, 'grpo');
    await page.goto(`${sim.url}/studio/#/job/${jobA}`);
    await page.waitForSelector('[data-chart="reward"]');
    try {
      const deadline = Date.now() + 90_000;
      while ((await page.locator('#job-meta .pill.s-succeeded').count()) === 0 && Date.now() < deadline) await Bun.sleep(100);
    } finally {
      sim.faults.clear();
    }
    expect(await page.locator('#job-meta .pill').textContent()).toBe('succeeded');
    const endedAt = times.finished.get(jobA) ?? 0;
    const seen = (await page.evaluate('window.__rewardPoints')) as { points: number; at: number }[];
    const whileRunning = new Set(seen.filter((s) => s.points > 0 && s.at < endedAt).map((s) => s.points));
    expect(whileRunning.size).toBeGreaterThanOrEqual(2);
    // No metric lost: every point the server recorded for the job was drawn, and the reward chart
    // holds every step of its two series.
    const points = await settledPointLatencies(page, times, jobA);
    const trainSteps = points.filter((p) => p.name === 'train.reward_mean').map((p) => p.step).sort((a, b) => a - b);
    expect(trainSteps).toEqual(Array.from({ length: LIVE_ITERATIONS }, (_, i) => i + 1));
    expect(points.filter((p) => p.shownAt === undefined).map((p) => `${p.name}@${p.step}`)).toEqual([]);
    const rewardSteps = new Set(points.filter((p) => p.name === 'train.reward_mean' || p.name === 'eval.reward_mean').map((p) => p.step));
    expect(Number(await page.getAttribute('[data-chart="reward"]', 'data-points'))).toBe(rewardSteps.size);
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
