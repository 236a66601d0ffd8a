// A task-app context for sub-app tests (no server: each test calls `subApp.request()` directly), and a
// request helper that sends the env key and JSON bodies.
import type { Hono } from 'hono';
import { createTaskAppContext, type TaskAppContext } from '../../../../sim/taskapp/routes/context.ts';
import type { TaskAppOptions } from '../../../../sim/taskapp/options.ts';
import { ENV_KEY } from '../helpers.ts';

export { ENV_KEY };

/** A context with the test key; call `ctx.registry.stop()` when done. */
export function testContext(opts: TaskAppOptions = {}): TaskAppContext {
  return createTaskAppContext({ environmentApiKey: ENV_KEY, ...opts });
}

export interface Answer<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** A request to a sub-app with the env key (unless `headers` override it); `json` makes it a POST. */
export async function call<T = Record<string, unknown>>(app: Hono, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer<T>> {
  const { json, headers, ...rest } = init;
  const res = await app.request(path, {
    ...rest,
    ...(json !== undefined && { method: rest.method ?? 'POST', body: typeof json === 'string' ? json : JSON.stringify(json) }),
    headers: { 'x-api-key': ENV_KEY, ...(json !== undefined && { 'content-type': 'application/json' }), ...headers },
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

/** A fetch that answers every call with `answer` as JSON and records the request bodies. */
export function fakeFetch(answer: () => Record<string, unknown> | Response): { fetch: typeof fetch; bodies: Record<string, unknown>[] } {
  const bodies: Record<string, unknown>[] = [];
  const fn = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    bodies.push(JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>);
    const out = answer();
    return out instanceof Response ? out : Response.json(out);
  };
  return { fetch: fn as typeof fetch, bodies };
}
