#!/usr/bin/env bun
// Studio metric latency: from the simulator recording a metric point (the store insert) to the
// Studio job page drawing it in headless Chromium (window.__studioShown), over repeated GRPO jobs.
// The path measured: store → JobStream in the Studio's live route (SSE merged with polling) → the
// page's SSE → chart redraw. Simulator, Studio and the bench share this process; Chromium is its own.
// Each job's first iteration is held until the page is open, so every point is recorded while the
// page is live; points recorded before the page's live feed delivered its first event are left out.
// Target: each metric on the page within 1 s of being recorded.
//   bun run bench:studio [--runs 5] [--iterations 10]
import { loadavg } from 'node:os';
import type { Browser, BrowserContext } from 'playwright-core';
import { startSimulator, type Simulator } from '../sim/server.ts';
import { studioAssets } from '../sim/studio/assets.ts';
import {
  CHROMIUM, createJob, haveChromium, launchChromium, recordServerTimes, settledPointLatencies, uploadEnvKey, type PointLatency, type ServerTimes,
} from '../test/helpers/studio-browser.ts';
import { numberArg } from './args.ts';

const RUNS = numberArg('runs', 5);
const ITERATIONS = numberArg('iterations', 10);
const KEY = 'sk-bench-studio';
/** How long the first iteration waits for the page to open (it is open well before on a quiet machine). */
const OPEN_HOLD_MS = 1_500;
const TARGET_MS = 1_000;

for (const [flag, v, min] of [['--runs', RUNS, 1], ['--iterations', ITERATIONS, 2]] as const) {
  if (!Number.isInteger(v) || v < min) {
    console.error(`bench:studio: ${flag} must be an integer ≥ ${min}`);
    process.exit(2);
  }
}
if (!haveChromium()) {
  console.error(`bench:studio needs Chromium and found none at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  process.exit(2);
}

interface RunResult {
  ms: number[];
  byName: Map<string, number[]>;
  lost: string[];
  before: number;
}

/** Nearest-rank percentile of sorted values. */
function pct(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function summarise(points: readonly PointLatency[], before: number): RunResult {
  const byName = new Map<string, number[]>();
  const ms: number[] = [];
  const lost: string[] = [];
  for (const p of points) {
    if (p.shownAt === undefined) {
      lost.push(`${p.name}@${p.step}`);
      continue;
    }
    const d = p.shownAt - p.recordedAt;
    ms.push(d);
    byName.set(p.name, [...(byName.get(p.name) ?? []), d]);
  }
  return { ms: ms.sort((a, b) => a - b), byName, lost, before };
}

/** One GRPO job watched from its page; the latency of every point recorded once the page was live. */
async function oneRun(sim: Simulator, ctx: BrowserContext, times: ServerTimes): Promise<RunResult> {
  sim.faults.set({ trainer: { hold: { at: 'rollouts', iteration: 1, ms: OPEN_HOLD_MS } } });
  const page = await ctx.newPage();
  try {
    const jobId = await createJob(sim, KEY, ITERATIONS, 'grpo');
    await page.goto(`${sim.url}/studio/#/job/${jobId}`);
    await page.waitForSelector('#event-log li', { timeout: 60_000 });
    const liveSince = Date.now();
    await page.waitForSelector('#job-meta .pill.s-succeeded, #job-meta .pill.s-failed, #job-meta .pill.s-cancelled', { timeout: 300_000 });
    const status = await page.locator('#job-meta .pill').textContent();
    if (status !== 'succeeded') throw new Error(`job ${jobId} ended ${status}`);
    const all = await settledPointLatencies(page, times, jobId);
    const live = all.filter((p) => p.recordedAt >= liveSince);
    return summarise(live, all.length - live.length);
  } finally {
    sim.faults.clear();
    await page.close();
  }
}

const fmt = (v: number) => v.toFixed(0);

function report(runs: readonly RunResult[]): void {
  console.log(`\nstudio: metric recorded on the server → drawn in the page (headless Chromium), ${runs.length} GRPO jobs × ${ITERATIONS} iterations; load average ${loadavg()[0]?.toFixed(1)}`);
  console.log('run  points  left out  lost   p50 ms   p90 ms   max ms');
  runs.forEach((r, i) => {
    console.log(`${String(i + 1).padStart(3)}  ${String(r.ms.length).padStart(6)}  ${String(r.before).padStart(8)}  ${String(r.lost.length).padStart(4)}  ${fmt(pct(r.ms, 0.5)).padStart(7)}  ${fmt(pct(r.ms, 0.9)).padStart(7)}  ${fmt(r.ms.at(-1) ?? Number.NaN).padStart(7)}`);
  });
  const all = runs.flatMap((r) => r.ms).sort((a, b) => a - b);
  const names = new Map<string, number[]>();
  for (const r of runs) for (const [n, v] of r.byName) names.set(n, [...(names.get(n) ?? []), ...v]);
  console.log('\nper metric, median ms over all runs:');
  for (const [n, v] of [...names].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${n.padEnd(28)} ${fmt(pct(v.sort((a, b) => a - b), 0.5)).padStart(6)}  (${v.length} points)`);
  const lost = runs.flatMap((r) => r.lost);
  const over = all.filter((v) => v > TARGET_MS).length;
  console.log(`\nall runs: ${all.length} points, p50 ${fmt(pct(all, 0.5))} ms, p90 ${fmt(pct(all, 0.9))} ms, max ${fmt(all.at(-1) ?? Number.NaN)} ms; lost ${lost.length}${lost.length ? ` (${lost.slice(0, 10).join(' ')})` : ''}`);
  console.log(`target: each metric on the page within ${TARGET_MS} ms: ${over === 0 ? 'met' : `NOT met (${over} of ${all.length} points later)`}\n`);
  console.log(`BENCH studio.metric_latency_p50_ms ${pct(all, 0.5).toFixed(1)} ms`);
  console.log(`BENCH studio.metric_latency_p90_ms ${pct(all, 0.9).toFixed(1)} ms`);
  console.log(`BENCH studio.metric_latency_max_ms ${(all.at(-1) ?? Number.NaN).toFixed(1)} ms`);
}

const sim = await startSimulator({ port: 0, taskApp: { port: 0 }, apiKeys: [KEY], defaultTrainer: 'grpo', queueDelayMs: 10 });
let browser: Browser | undefined;
try {
  const times = recordServerTimes(sim);
  await uploadEnvKey(sim, KEY);
  await studioAssets(); // bundle the page once, before anything is timed
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const signIn = await ctx.newPage();
  await signIn.goto(sim.studioLoginUrl());
  await signIn.waitForSelector('#sign-out');
  await signIn.close();
  const runs: RunResult[] = [];
  for (let r = 0; r < RUNS; r++) {
    runs.push(await oneRun(sim, ctx, times));
    console.log(`run ${r + 1}/${RUNS}: ${runs.at(-1)?.ms.length} points measured`);
  }
  report(runs);
  if (runs.some((r) => r.lost.length > 0)) process.exitCode = 1;
} finally {
  await browser?.close();
  await sim.stop();
}
