// A job's metric points (docs/wire-contract.md §2.3): pages by step, optionally one metric name.
import { Hono } from 'hono';
import { intQuery } from '../request.ts';
import type { Store } from '../store.ts';
import { JOB_PREFIXES, ownJob, type BackendEnv } from './context.ts';

export function metricRoutes(deps: { store: Store }): Hono<BackendEnv> {
  const api = new Hono<BackendEnv>();
  for (const prefix of JOB_PREFIXES) {
    api.get(`${prefix}/:id/metrics`, (c) => {
      const job = ownJob(deps.store, c);
      if (job instanceof Response) return job;
      const after = intQuery(c, 'after_step', -1, -1, Number.MAX_SAFE_INTEGER);
      if (after instanceof Response) return after;
      const limit = intQuery(c, 'limit', 200, 1, 5000);
      if (limit instanceof Response) return limit;
      return c.json({ job_id: job.id, points: deps.store.listMetrics(job.id, after, limit, c.req.query('name') || undefined) });
    });
  }
  return api;
}
