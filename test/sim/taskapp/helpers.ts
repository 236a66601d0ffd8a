// Test servers for the task app: the app on a free port, and a stub inference server whose answers
// a test scripts and whose received requests it inspects.
import { createTaskApp, type TaskApp, type TaskAppOptions } from '../../../sim/taskapp/index.ts';

export const ENV_KEY = 'sk-env-test-key';

export interface TaskAppServer {
  url: string;
  taskApp: TaskApp;
  /** fetch with the env key (unless headers override it). */
  req(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  json<T = Record<string, unknown>>(path: string, init?: RequestInit & { json?: unknown }): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startTaskAppServer(opts: TaskAppOptions = { environmentApiKey: ENV_KEY }): Promise<TaskAppServer> {
  const taskApp = createTaskApp(opts);
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: taskApp.app.fetch });
  const url = `http://127.0.0.1:${server.port}`;
  const req = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, headers, ...rest } = init;
    return fetch(`${url}${path}`, {
      ...rest,
      ...(json !== undefined && { method: rest.method ?? 'POST', body: typeof json === 'string' ? json : JSON.stringify(json) }),
      headers: { 'x-api-key': ENV_KEY, ...(json !== undefined && { 'content-type': 'application/json' }), ...headers },
    });
  };
  return {
    url,
    taskApp,
    req,
    async json<T>(path: string, init: RequestInit & { json?: unknown } = {}) {
      const res = await req(path, init);
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
    },
    async stop() {
      taskApp.close();
      await server.stop(true);
    },
  };
}

export interface StubCall {
  path: string;
  search: string;
  headers: Headers;
  body: Record<string, unknown>;
}

/** What the stub answers: a JSON body (status 200), or a full Response, per call index. */
export type StubAnswer = (call: StubCall, index: number) => Response | Record<string, unknown> | Promise<Response | Record<string, unknown>>;

export interface InferenceStub {
  url: string;
  calls: StubCall[];
  answer: StubAnswer;
  stop(): Promise<void>;
}

export async function startInferenceStub(answer: StubAnswer): Promise<InferenceStub> {
  const stub: InferenceStub = {
    url: '',
    calls: [],
    answer,
    async stop() {
      await server.stop(true);
    },
  };
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const u = new URL(req.url);
      const call: StubCall = { path: u.pathname, search: u.search, headers: req.headers, body: (await req.json()) as Record<string, unknown> };
      const index = stub.calls.length;
      stub.calls.push(call);
      const out = await stub.answer(call, index);
      return out instanceof Response ? out : Response.json(out);
    },
  });
  stub.url = `http://127.0.0.1:${server.port}`;
  return stub;
}

/** An OpenAI chat completion whose one tool call is `name(args)`; `args` a string is sent raw. */
export function toolCallAnswer(name: string, args: Record<string, unknown> | string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-stub', object: 'chat.completion', created: 0, model: 'stub',
    choices: [{
      index: 0, finish_reason: 'tool_calls',
      message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) } }] },
      ...extra,
    }],
  };
}

export const interact = (actions: unknown[], reasoning = 'stub') => toolCallAnswer('interact', { actions, reasoning });

/** A rollout body: `decisions` agent/env pairs against `inferenceUrl`. */
export function rolloutBody(inferenceUrl: string | undefined, over: Record<string, unknown> = {}, decisions = 3): Record<string, unknown> {
  const { env, policy, ...rest } = over as { env?: Record<string, unknown>; policy?: Record<string, unknown> };
  const policyConfig = (policy?.config ?? {}) as Record<string, unknown>;
  return {
    run_id: `run-${Math.random().toString(36).slice(2)}`,
    env: { env_name: 'crafter', seed: 7, config: { preset: 'micro', max_steps_per_episode: 10 }, ...env },
    policy: { policy_name: 'crafter-react', ...policy, config: { model: 'stub-model', ...(inferenceUrl !== undefined && { inference_url: inferenceUrl }), ...policyConfig } },
    ops: Array.from({ length: decisions }, () => ['agent', 'env']).flat(),
    ...rest,
  };
}
