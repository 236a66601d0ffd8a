// The Studio driven from outside, shared by the browser test (test/studio/studio.browser.test.ts)
// and the latency bench (bench/studio.ts): a simulator with its task app and the GRPO trainer,
// the server-side times of each metric point and of each job's end, headless Chromium, and what
// the page logged as shown (window.__studioShown, written by sim/studio/web/metrics.ts).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Simulator } from '../../sim/server.ts';
import type { NewMetric } from '../../sim/backend/store.ts';
import { decodeBase64Strict, encodeBase64, seal } from '../../src/crypto/sealedbox.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = (): boolean => existsSync(CHROMIUM);
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Server-side clock readings (ms since epoch; the page's Date.now() reads the same clock). */
export interface ServerTimes {
  /** When each metric point was first inserted into the store, by pointKey(). */
  recorded: Map<string, number>;
  /** When each job's status turned terminal, by job id. */
  finished: Map<string, number>;
}

export const pointKey = (jobId: string, name: string, step: number): string => `${jobId}:${name}@${step}`;

/** Wraps the simulator's store so every metric insertion and every terminal status is timed. */
export function recordServerTimes(sim: Simulator): ServerTimes {
  const times: ServerTimes = { recorded: new Map(), finished: new Map() };
  const add = sim.store.addMetrics.bind(sim.store);
  sim.store.addMetrics = (jobId: string, points: readonly NewMetric[]) => {
    const out = add(jobId, points);
    const now = Date.now();
    for (const p of points) {
      const key = pointKey(jobId, p.name, p.step);
      if (!times.recorded.has(key)) times.recorded.set(key, now);
    }
    return out;
  };
  const update = sim.store.updateJob.bind(sim.store);
  sim.store.updateJob = (id, patch) => {
    update(id, patch);
    if (patch.status !== undefined && TERMINAL.has(patch.status) && !times.finished.has(id)) times.finished.set(id, Date.now());
  };
  return times;
}

export async function simApi<T>(sim: Simulator, key: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as T };
}

/** Seals the task app's ENVIRONMENT_API_KEY for the org of `key`, as `synth-rl run` does. */
export async function uploadEnvKey(sim: Simulator, key: string): Promise<void> {
  const { body } = await simApi<{ public_key: string }>(sim, key, '/v1/crypto/public-key');
  const envKey = sim.taskApp?.taskApp.environmentApiKey as string;
  const sealed = seal(new TextEncoder().encode(envKey), decodeBase64Strict(body.public_key) as Uint8Array);
  await simApi(sim, key, '/v1/env-keys', { method: 'POST', body: JSON.stringify({ name: 'ENVIRONMENT_API_KEY', ciphertext_b64: encodeBase64(sealed) }) });
}

/** A small job against the simulator's task app: a GRPO run on a tiny model, or a replay. */
export async function createJob(sim: Simulator, key: string, iterations: number, trainer: 'grpo' | 'replay'): Promise<string> {
  const config = {
    training: { num_epochs: 1, iterations_per_epoch: iterations }, trainer: { batch_size: 2, group_size: 4 }, env: { max_steps_per_episode: 6 },
    evaluation: { seeds: [0, 1], every_n_iters: 3 }, checkpoint: { interval: iterations },
    // β > 0 so the job reports a KL to its reference (with β = 0 there is none to chart).
    hyperparams: { beta: 0.04 },
    sim: trainer === 'grpo'
      ? { trainer, preset: 'micro', record_rollouts_per_iteration: 4, model: { n_layer: 1, n_head: 1, d_model: 16, n_ctx: 96 } }
      : { trainer, replay: { iterations, step_seconds: 0.05 } },
  };
  const { status, body } = await simApi<{ job_id: string }>(sim, key, '/rl/jobs', {
    method: 'POST', body: JSON.stringify({ job_type: 'rl', data: { model: 'Qwen/Qwen3-0.6B', endpoint_base_url: sim.taskApp?.url, config } }),
  });
  if (status !== 201) throw new Error(`POST /rl/jobs answered ${status} (expected 201): ${JSON.stringify(body)}`);
  return body.job_id;
}

export async function waitForStatus(sim: Simulator, key: string, id: string, timeoutMs = 90_000): Promise<{ status: string; fine_tuned_model: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await simApi<{ status: string; fine_tuned_model: string | null }>(sim, key, `/rl/jobs/${id}`);
    if (TERMINAL.has(body.status) || Date.now() > deadline) return body;
    await Bun.sleep(150);
  }
}

/** A metric reaching the page: the newest step of `name` drawn at `at` (see MetricStore.noteShown). */
export interface Shown {
  name: string;
  step: number;
  at: number;
}

export async function shownPoints(page: Page): Promise<Shown[]> {
  return (await page.evaluate('window.__studioShown ?? []')) as Shown[];
}

/** One metric point of a job: recorded on the server at `recordedAt`, first shown in the page at `shownAt` (undefined: never). */
export interface PointLatency {
  name: string;
  step: number;
  recordedAt: number;
  shownAt: number | undefined;
}

/** Every point of `jobId` recorded at or after `since`, with when the page first showed it. */
export function pointLatencies(shown: readonly Shown[], times: ServerTimes, jobId: string, since = 0): PointLatency[] {
  const firstShown = new Map<string, number>();
  for (const s of shown) {
    const key = pointKey(jobId, s.name, s.step);
    if (!firstShown.has(key)) firstShown.set(key, s.at);
  }
  const prefix = `${jobId}:`;
  const out: PointLatency[] = [];
  for (const [key, recordedAt] of times.recorded) {
    if (!key.startsWith(prefix) || recordedAt < since) continue;
    const at = key.lastIndexOf('@');
    out.push({ name: key.slice(prefix.length, at), step: Number(key.slice(at + 1)), recordedAt, shownAt: firstShown.get(key) });
  }
  return out;
}

/**
 * The points of `jobId` once the page has shown every one the server recorded, or at `timeoutMs`
 * with those still missing. A terminal status can reach the page before the job's last points
 * (the live feed polls metrics), so a caller reading right after the status would see a gap.
 */
export async function settledPointLatencies(page: Page, times: ServerTimes, jobId: string, timeoutMs = 30_000): Promise<PointLatency[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const points = pointLatencies(await shownPoints(page), times, jobId);
    if (points.every((p) => p.shownAt !== undefined) || Date.now() > deadline) return points;
    await Bun.sleep(100);
  }
}
