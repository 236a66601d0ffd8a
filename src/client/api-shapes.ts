// What the Synth backend API sends and takes, read leniently across backend versions
// (docs/wire-contract.md §2.3): job status, metric points, artifacts, and the job-creation body.
import type { Job, JobCreateBody } from '../api/index.ts';

export interface CreatedJob {
  jobId: string;
  /** The HTTP status of the create call (201 created; 200 may mean an Idempotency-Key replay). */
  httpStatus: number;
  status: string | undefined;
  body: Record<string, unknown>;
}

export interface EnvKeyStored {
  id: string | undefined;
  name: string | undefined;
  updated_at: string | undefined;
}

/** A metric point as read from any backend version (lenient: step may be missing or 0). */
export interface MetricSample {
  name: string;
  value: number;
  step: number | undefined;
  epoch: number | null;
  phase: string | undefined;
  data: Record<string, unknown>;
  created_at: string | undefined;
  job_id: string | undefined;
}

export interface Artifact {
  label: string | undefined;
  role: string | undefined;
  uri: string | undefined;
  raw: Record<string, unknown>;
}

/** Status, events and metrics live under three prefixes across backend versions (docs/wire-contract.md §2.3 "Job status"). */
export const JOB_PREFIXES = ['/learning/jobs', '/rl/jobs', '/orchestration/jobs'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function optString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Lenient job status: `job_id` or `id`, `status` or `state`, lower-cased (docs/wire-contract.md §2.3). */
export function normalizeJob(raw: unknown, requestedId: string): Job {
  const shape = () => JSON.stringify(raw)?.slice(0, 200) ?? String(raw);
  if (!isRecord(raw)) throw new Error(`the backend answered with an unexpected shape for job ${requestedId} (expected a JSON object): ${shape()}`);
  const given = raw.status ?? raw.state;
  // A body without a status cannot be followed: say so now, rather than poll until the startup deadline.
  if (typeof given !== 'string' || given.trim() === '') {
    throw new Error(`the backend answered with an unexpected shape for job ${requestedId} (no "status" string): ${shape()}`);
  }
  const status = given.toLowerCase();
  return { ...raw, job_id: String(raw.job_id ?? raw.id ?? requestedId), status };
}

export function normalizeMetric(raw: unknown): MetricSample | undefined {
  if (!isRecord(raw)) return undefined;
  const name = optString(raw.name);
  const value = toNumber(raw.value);
  if (name === undefined || value === undefined) return undefined;
  const step = toNumber(raw.step);
  const epoch = toNumber(raw.epoch);
  return {
    name, value,
    step: step === undefined ? undefined : Math.trunc(step),
    epoch: epoch === undefined ? null : epoch,
    phase: optString(raw.phase),
    data: isRecord(raw.data) ? raw.data : {},
    created_at: optString(raw.created_at),
    job_id: optString(raw.job_id),
  };
}

export function metricList(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (!isRecord(body)) return [];
  for (const key of ['points', 'metrics', 'data']) {
    const v = body[key];
    if (Array.isArray(v)) return v;
  }
  return [];
}

export interface JobRequest {
  model: string;
  /** The task app base URL the trainer calls (trailing slashes are dropped). */
  taskAppUrl: string;
  batchSize: number;
  groupSize: number;
  jobConfigId?: string;
  /** The parsed TOML, forwarded whole as `data.config`. */
  config?: Record<string, unknown>;
  /** Older flow (S1b); sent as data.trainer_id rather than silently dropped (docs/reference-client.md §2.12). */
  trainerId?: string;
  /** Add `training_start_url = <task app>/` as run_rl_job does (shape a); full_training omits it. */
  trainingStartUrl?: boolean;
}

/** The body of `POST /api/rl/jobs` in shape (a) of docs/wire-contract.md §2.3. */
export function jobCreateBody(r: JobRequest): JobCreateBody {
  const endpoint = r.taskAppUrl.trim().replace(/\/+$/, '');
  return {
    job_type: 'rl',
    data: {
      model: r.model,
      endpoint_base_url: endpoint,
      ...(r.jobConfigId !== undefined && { job_config_id: r.jobConfigId }),
      ...(r.config !== undefined && { config: r.config }),
      trainer: { batch_size: r.batchSize, group_size: r.groupSize },
      ...(r.trainingStartUrl === true && { training_start_url: `${endpoint}/` }),
      ...(r.trainerId !== undefined && { trainer_id: r.trainerId }),
    },
  };
}
