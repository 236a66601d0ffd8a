// One backend's parts in memory, for testing a route sub-app on its own with app.request() (no
// listening server): a store, bus, faults, sealed keys and a runner whose jobs stay queued.
import { Hono, type Hono as HonoApp } from 'hono';
import { EventBus } from '../../../../sim/backend/bus.ts';
import { Faults, FaultsByOrg } from '../../../../sim/backend/faults.ts';
import { SealedKeys } from '../../../../sim/backend/keys.ts';
import { ReplayTrainer } from '../../../../sim/backend/replay.ts';
import type { BackendEnv } from '../../../../sim/backend/routes/context.ts';
import { JobRunner } from '../../../../sim/backend/runner.ts';
import { Store } from '../../../../sim/backend/store.ts';

export const ORG = 'org_a';
export const OTHER_ORG = 'org_b';

export interface Parts {
  store: Store;
  bus: EventBus;
  faults: FaultsByOrg;
  keys: SealedKeys;
  runner: JobRunner;
  close(): Promise<void>;
}

export function backendParts(): Parts {
  const store = new Store();
  const bus = new EventBus();
  const faults = new FaultsByOrg(new Faults());
  const keys = new SealedKeys(store);
  // Jobs stay queued (no timer fires during a test) unless a test starts one.
  const runner = new JobRunner(store, bus, faults, keys, new Map([['replay', new ReplayTrainer()]]), 'replay', { queueDelayMs: 1e9 });
  return {
    store, bus, faults, keys, runner,
    async close() {
      await runner.shutdown();
      store.close();
    },
  };
}

/**
 * The sub-app as the guard leaves it: the caller's org set from an `x-org` header (default ORG),
 * so a test can act as another tenant without API keys.
 */
export function asOrg(sub: HonoApp<BackendEnv>): HonoApp<BackendEnv> {
  return new Hono<BackendEnv>()
    .use('*', async (c, next) => {
      c.set('org', c.req.header('x-org') ?? ORG);
      await next();
    })
    .route('/', sub);
}

export const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
});

export const put = (body: unknown): RequestInit => ({ ...post(body), method: 'PUT' });

/** A job row of `org` inserted straight into the store. */
export function insertJob(store: Store, org = ORG, status = 'queued'): string {
  const id = `job_${crypto.getRandomValues(new Uint8Array(10)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '').slice(0, 19)}`;
  store.insertJob({ id, org, status, model: 'Qwen/Qwen3-0.6B', trainer: 'replay', body: '{}', config: '{}', idempotency_key: null, body_hash: null });
  return id;
}

/** status and parsed JSON body of a response. */
export async function read<T = Record<string, unknown>>(res: Response | Promise<Response>): Promise<{ status: number; body: T }> {
  const r = await res;
  return { status: r.status, body: (await r.json()) as T };
}
