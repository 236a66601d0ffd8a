// A job's events (docs/wire-contract.md §3.2, §3.5): JSON pages by seq, or server-sent events (…/stream,
// or Accept: text/event-stream) resuming after since_seq or Last-Event-ID.
import { Hono, type Context } from 'hono';
import type { EventBus } from '../bus.ts';
import type { FaultsByOrg } from '../faults.ts';
import { intQuery } from '../request.ts';
import { sseResponse, type SseOptions } from '../sse.ts';
import type { Store } from '../store.ts';
import { JOB_PREFIXES, ownJob, type BackendEnv } from './context.ts';

export interface EventRouteDeps {
  store: Store;
  bus: EventBus;
  faults: FaultsByOrg;
  sse: SseOptions;
}

function events(deps: EventRouteDeps, c: Context<BackendEnv>, sse: boolean): Response {
  const job = ownJob(deps.store, c);
  if (job instanceof Response) return job;
  const since = intQuery(c, 'since_seq', 0, 0, Number.MAX_SAFE_INTEGER);
  if (since instanceof Response) return since;
  const wantsSse = sse || (c.req.header('accept') ?? '').includes('text/event-stream');
  if (wantsSse) {
    const lastEventId = c.req.header('last-event-id');
    const resume = lastEventId !== undefined && /^\d+$/.test(lastEventId.trim()) ? Number.parseInt(lastEventId, 10) : since;
    const source = { store: deps.store, bus: deps.bus, faults: deps.faults.of(job.org) };
    return sseResponse(source, job.id, Math.max(since, resume), deps.sse, c.req.raw.signal);
  }
  const limit = intQuery(c, 'limit', 200, 1, 1000);
  if (limit instanceof Response) return limit;
  const list = deps.store.listEvents(job.id, since, limit);
  return c.json({ job_id: job.id, events: list, next_seq: list.length ? (list[list.length - 1]?.seq ?? since) : since });
}

export function eventRoutes(deps: EventRouteDeps): Hono<BackendEnv> {
  const api = new Hono<BackendEnv>();
  for (const prefix of JOB_PREFIXES) {
    api.get(`${prefix}/:id/events`, (c) => events(deps, c, false));
    api.get(`${prefix}/:id/events/stream`, (c) => events(deps, c, true));
  }
  return api;
}
