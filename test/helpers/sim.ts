// A simulator on a free port for tests, with small helpers for authenticated requests and SSE.
import { startSimulator, type Simulator, type SimulatorOptions } from '../../sim/server.ts';

export const TEST_KEY = 'sk-test-key';

export interface TestSim {
  sim: Simulator;
  /** fetch against the simulator with the test key (unless headers override it). */
  req(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  json<T = unknown>(path: string, init?: RequestInit & { json?: unknown }): Promise<{ status: number; body: T }>;
  createJob(data?: Record<string, unknown>, headers?: Record<string, string>): Promise<string>;
  waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
}

export function jobBody(data: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    job_type: 'rl',
    data: {
      model: 'Qwen/Qwen3-0.6B',
      endpoint_base_url: 'http://127.0.0.1:8001',
      trainer: { batch_size: 2, group_size: 4 },
      config: { sim: { replay: { iterations: 4, step_seconds: 0.02 } }, evaluation: { every_n_iters: 2 }, ...config },
      ...data,
    },
  };
}

export async function startTestSim(opts: SimulatorOptions = {}): Promise<TestSim> {
  const sim = await startSimulator({ port: 0, apiKeys: [TEST_KEY], queueDelayMs: 10, sse: { keepAliveMs: 100, graceMs: 50 }, ...opts });
  const req = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, headers, ...rest } = init;
    return fetch(`${sim.url}${path}`, {
      ...rest,
      ...(json !== undefined && { method: rest.method ?? 'POST', body: JSON.stringify(json) }),
      headers: { authorization: `Bearer ${TEST_KEY}`, ...(json !== undefined && { 'content-type': 'application/json' }), ...headers },
    });
  };
  const jsonReq = async <T>(path: string, init: RequestInit & { json?: unknown } = {}) => {
    const res = await req(path, init);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const waitFor = async <T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error('waitFor: timed out');
      await Bun.sleep(10);
    }
  };
  const createJob = async (data: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const config = (data.config ?? {}) as Record<string, unknown>;
    const { config: _c, ...rest } = data;
    const r = await jsonReq<{ job_id: string }>('/api/rl/jobs', { json: jobBody(rest, config), headers });
    if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.job_id;
  };
  return { sim, req, json: jsonReq, createJob, waitFor };
}

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads SSE frames until the stream ends or `stop` returns true. */
export async function readSse(res: Response, stop: (frames: SseFrame[]) => boolean = () => false, timeoutMs = 10_000): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => ({ done: true, value: undefined }))]);
      if (chunk.done) break;
      buf += decoder.decode(chunk.value, { stream: true });
      let idx: number;
      while ((idx = buf.indexOf('\n\n')) !== -1) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        const f: SseFrame = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) f.comment = line.slice(1).trim();
          else if (line.startsWith('id: ')) f.id = line.slice(4);
          else if (line.startsWith('event: ')) f.event = line.slice(7);
          else if (line.startsWith('data: ')) f.data = line.slice(6);
        }
        frames.push(f);
      }
      if (stop(frames)) break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return frames;
}

export const eventFrames = (frames: SseFrame[]) => frames.filter((f) => f.data !== undefined);

/** A simulator whose task app (on a free port) accepts `envKey`, and that task app's URL. */
export async function startSimWithTaskApp(envKey: string): Promise<{ t: TestSim; taskAppUrl: string }> {
  const t = await startTestSim({ taskApp: { port: 0, environmentApiKey: envKey } });
  return { t, taskAppUrl: t.sim.taskApp?.url as string };
}
