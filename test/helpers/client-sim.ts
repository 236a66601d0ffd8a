// The simulator and a stub task app for client tests: fast replay jobs, stored events to compare
// the client's output with, and parsers for the CLI's `event seq=…` lines.
import type { JobEvent } from '../../src/api/jobs.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../sim/server.ts';
import { orgOf } from '../../sim/backend/auth.ts';
import { decodeBase64Strict, sealOpen } from '../../src/crypto/sealedbox.ts';

export const API_KEY = 'sk-test';
export const ORG = orgOf(API_KEY);

/** A simulator on a free port; replay at 20× speed, quick SSE keep-alive and close. */
export function startTestSim(opts: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return startSimulator({
    port: 0, apiKeys: [API_KEY], queueDelayMs: 20, timeScale: 20, sse: { keepAliveMs: 200, graceMs: 100 }, ...opts,
  });
}

export interface ReplayOptions {
  scenario?: 'success' | 'failure';
  iterations?: number;
  /** Simulated seconds per iteration (divided by the time scale). */
  stepSeconds?: number;
  failAt?: number;
  linked?: boolean;
  evalEvery?: number;
}

/** A config file that steers the replay trainer through data.config. */
export function replayToml(o: ReplayOptions = {}): string {
  return [
    '[sim]',
    `linked_job = ${o.linked === true}`,
    '[sim.replay]',
    `scenario = "${o.scenario ?? 'success'}"`,
    `iterations = ${o.iterations ?? 3}`,
    `step_seconds = ${o.stepSeconds ?? 0.5}`,
    ...(o.failAt !== undefined ? [`fail_at_iteration = ${o.failAt}`] : []),
    '[evaluation]',
    `every_n_iters = ${o.evalEvery ?? 2}`,
    '',
  ].join('\n');
}

/** The job body the sim needs for a replay job (what `run` sends, minus the CLI). */
export function replayBody(o: ReplayOptions = {}) {
  return {
    job_type: 'rl' as const,
    data: {
      model: 'Qwen/Qwen3-0.6B', endpoint_base_url: 'http://127.0.0.1:9', trainer: { batch_size: 2, group_size: 4 },
      config: {
        sim: {
          linked_job: o.linked === true,
          replay: { scenario: o.scenario ?? 'success', iterations: o.iterations ?? 3, step_seconds: o.stepSeconds ?? 0.5, ...(o.failAt !== undefined && { fail_at_iteration: o.failAt }) },
        },
        evaluation: { every_n_iters: o.evalEvery ?? 2 },
      },
    },
  };
}

/** What the backend would hand the trainer: the org's stored env key, opened with the backend's secret key. */
export function storedEnvKey(sim: Simulator, name = 'ENVIRONMENT_API_KEY'): string | undefined {
  const stored = sim.store.getEnvKey(ORG, name);
  const { pk, sk } = JSON.parse(sim.store.getKv('x25519') as string) as { pk: string; sk: string };
  const plain = stored && sealOpen(stored.ciphertext, decodeBase64Strict(pk) as Uint8Array, decodeBase64Strict(sk) as Uint8Array);
  return plain ? new TextDecoder().decode(plain) : undefined;
}

export function storedEvents(sim: Simulator, jobId: string): JobEvent[] {
  return sim.store.listEvents(jobId, 0, 1_000_000);
}

export interface PrintedEvent {
  seq: number;
  job: string | undefined;
  type: string;
}

/** `event seq=N [job=ID] type=T msg=…` lines (status pseudo-events, seq=-, are skipped). */
export function printedEvents(out: string): PrintedEvent[] {
  const found: PrintedEvent[] = [];
  for (const line of out.split('\n')) {
    const m = /^event seq=(\d+)(?: job=(\S+))? type=(\S+) msg=/.exec(line);
    if (m) found.push({ seq: Number(m[1]), job: m[2], type: m[3] as string });
  }
  return found;
}

export function createdJobId(out: string): string {
  const m = /^Created job: (job_[0-9a-f]+)/m.exec(out);
  if (!m) throw new Error(`no "Created job:" line in:\n${out}`);
  return m[1] as string;
}

export type TaskAppStyle = 'strict401' | 'soft200' | 'framework400';

/**
 * A task app with /health and /health/rollout as the contract's variants answer them (docs/wire-contract.md §4.2):
 * strict401 (S7a/b: 401 on a wrong key), soft200 (S7c: 200 with authorized:false), framework400
 * (SDK framework: 400 "unauthorised"). `key` undefined: the app has no ENVIRONMENT_API_KEY (503).
 */
export function stubTaskApp(opts: { key?: string; style?: TaskAppStyle } = {}): { url: string; stop(): void; hits: string[] } {
  const style = opts.style ?? 'strict401';
  const hits: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(req) {
      const path = new URL(req.url).pathname;
      hits.push(`${req.method} ${path}`);
      if (path !== '/health' && path !== '/health/rollout') return Response.json({ detail: 'Not Found' }, { status: 404 });
      if (opts.key === undefined) return Response.json({ detail: 'Auth not configured: missing ENVIRONMENT_API_KEY' }, { status: 503 });
      const got = req.headers.get('x-api-key');
      const ok = got === opts.key;
      const okBody = path === '/health' ? { healthy: true, authorized: true } : { ok: true, authorized: true };
      if (ok) return Response.json(okBody);
      if (style === 'soft200') return Response.json({ status: 'healthy', authorized: false, expected_api_key_prefix: opts.key.slice(0, opts.key.length >> 1) });
      if (got === null && path === '/health') return Response.json({ healthy: true });
      if (style === 'framework400') {
        return Response.json({ detail: { error: { code: 'unauthorised', message: 'API key missing or invalid' } } }, { status: 400 });
      }
      return Response.json({ detail: 'Invalid or missing API key' }, { status: 401 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => void server.stop(true), hits };
}

/** Resolves once `predicate` holds, polling every few ms; throws after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}
