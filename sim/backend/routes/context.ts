// What every backend sub-app shares: the request's org (set by the guard), the job lookup that
// hides other orgs' jobs, and the job's JSON shape (docs/wire-contract.md §3).
import type { Context } from 'hono';
import type { Job } from '../../../src/api/jobs.ts';
import { detail } from '../request.ts';
import type { JobRow, Store } from '../store.ts';

/** Hono variables of every /api and /_sim route: the caller's org, from its API key. */
export type BackendEnv = { Variables: { org: string } };

/** The job routes answer under each of these prefixes (the client and the SDKs use all three). */
export const JOB_PREFIXES = ['/learning/jobs', '/rl/jobs', '/orchestration/jobs'] as const;

/** The job named by `:id` if it exists and belongs to the caller's org; else a 404 Response. */
export function ownJob(store: Pick<Store, 'getJob'>, c: Context<BackendEnv>): JobRow | Response {
  const id = c.req.param('id') ?? '';
  const row = store.getJob(id);
  if (row === undefined || row.org !== c.get('org')) return detail(404, `job ${JSON.stringify(id)} not found`);
  return row;
}

export function jobJson(row: JobRow): Job & { simulated: true } {
  return {
    job_id: row.id,
    id: row.id,
    job_type: 'rl',
    status: row.status,
    model: row.model ?? undefined,
    created_at: row.created_at,
    updated_at: row.updated_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    linked_job_id: row.linked_job_id,
    fine_tuned_model: row.fine_tuned_model,
    error: row.error,
    progress: row.progress ? (JSON.parse(row.progress) as Job['progress']) : null,
    trainer: row.trainer,
    config: row.config ? (JSON.parse(row.config) as Record<string, unknown>) : null,
    metadata: row.parent_job_id ? { parent_job_id: row.parent_job_id } : {},
    simulated: true,
  };
}
