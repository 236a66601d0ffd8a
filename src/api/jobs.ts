// Wire objects of the RL job API (docs/wire-contract.md §2.3, §3). One source of truth for the
// client (lenient: unknown fields pass through, known aliases accepted) and the simulator
// (request validation with 422 details).
import { z } from 'zod';
import { JOB_LIMITS } from './limits.ts';

export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'canceled', 'error', 'completed'] as const;
export const JOB_STATUSES = ['queued', 'initializing', 'training', 'evaluating', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];

/** Event types that end a job: success and failure as the reference clients treat them (docs/wire-contract.md §3.2). */
export const SUCCESS_EVENT_TYPES = ['rl.job.completed', 'rl.train.completed', 'workflow.completed', 'rl.finalization.done'] as const;
export const FAILURE_EVENT_TYPES = ['rl.job.failed', 'workflow.failed', 'rl.train.failed', 'workflow.error'] as const;
export const CANCEL_EVENT_TYPES = ['workflow.cancelled', 'workflow.termination.signal'] as const;

export function isTerminalStatus(status: string | undefined): boolean {
  return status !== undefined && (TERMINAL_STATUSES as readonly string[]).includes(status.toLowerCase());
}

/** Job ids as the hosted service issues them: `job_` + 19 lowercase hex characters. */
export const JOB_ID_PATTERN = /^job_[0-9a-f]{19}$/;

const table = z.record(z.string(), z.unknown());

/** `data` of POST /api/rl/jobs: shapes (a) direct, (b) RlClient, (c) config-driven (docs/wire-contract.md §2.3). */
export const JobCreateData = z.looseObject({
  endpoint_base_url: z.string().min(1),
  model: z.string().min(1).optional(),
  base_model: z.string().min(1).optional(),
  job_config_id: z.string().optional(),
  config: table.optional(),
  config_toml: z.string().optional(),
  trainer: z.looseObject({
    batch_size: z.number().int().positive().max(JOB_LIMITS.batch_size, { message: `must be at most ${JOB_LIMITS.batch_size} (limit, see README "Limits")` }).optional(),
    group_size: z.number().int().positive().max(JOB_LIMITS.group_size, { message: `must be at most ${JOB_LIMITS.group_size} (limit, see README "Limits")` }).optional(),
  }).optional(),
  training_start_url: z.string().optional(),
  environment_api_key: z.string().optional(),
  metadata: table.optional(),
});

export const JobCreateBody = z.looseObject({
  job_type: z.literal('rl'),
  data: JobCreateData,
  compute: z.looseObject({ gpu_type: z.string().optional(), gpu_count: z.number().int().optional() }).optional(),
  tags: table.optional(),
  metadata: table.optional(),
});
export type JobCreateBody = z.infer<typeof JobCreateBody>;

export const JobCreateResponse = z.looseObject({
  job_id: z.string(),
  id: z.string().optional(),
  status: z.string(),
  created_at: z.string(),
});
export type JobCreateResponse = z.infer<typeof JobCreateResponse>;

export const JobProgress = z.looseObject({
  iteration: z.number().int(),
  total_iterations: z.number().int(),
  epoch: z.number().int().optional(),
});

export const Job = z.looseObject({
  job_id: z.string(),
  id: z.string().optional(),
  job_type: z.string().optional(),
  status: z.string(),
  model: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  started_at: z.string().nullable().optional(),
  finished_at: z.string().nullable().optional(),
  linked_job_id: z.string().nullable().optional(),
  fine_tuned_model: z.string().nullable().optional(),
  error: z.string().nullable().optional(),
  progress: JobProgress.nullable().optional(),
  trainer: z.string().optional(),
  metadata: table.optional(),
});
export type Job = z.infer<typeof Job>;

export const JobEvent = z.looseObject({
  seq: z.number().int().min(1),
  type: z.string(),
  message: z.string(),
  data: table,
  level: z.enum(['info', 'warning', 'error']),
  created_at: z.string(),
  job_id: z.string(),
});
export type JobEvent = z.infer<typeof JobEvent>;

export const EventsResponse = z.looseObject({ events: z.array(JobEvent) });

export const MetricPoint = z.looseObject({
  name: z.string(),
  value: z.number(),
  step: z.number().int().min(1),
  epoch: z.number().int().nullable(),
  phase: z.string(),
  data: table,
  created_at: z.string(),
  job_id: z.string(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const MetricsResponse = z.looseObject({ job_id: z.string(), points: z.array(MetricPoint) });

export const TimelineRow = z.looseObject({
  phase: z.string(),
  message: z.string().nullable(),
  metadata: table,
  created_at: z.string(),
});
export const TimelineResponse = z.looseObject({ job_id: z.string(), events: z.array(TimelineRow) });

export const CancelResponse = z.looseObject({ job_id: z.string(), status: z.string() });

/**
 * An event as any backend version may send it: `type`/`event_type`, `message`/`msg`,
 * `data`/`payload`; seq may be missing. The client normalises with `normalizeEvent`.
 */
export const LooseEvent = z.looseObject({
  seq: z.union([z.number(), z.string()]).nullish(),
  type: z.string().nullish(),
  event_type: z.string().nullish(),
  message: z.string().nullish(),
  msg: z.string().nullish(),
  data: z.unknown().optional(),
  payload: z.unknown().optional(),
  level: z.string().nullish(),
  created_at: z.string().nullish(),
  job_id: z.string().nullish(),
});

export interface NormalEvent {
  seq: number;
  type: string;
  message: string;
  data: Record<string, unknown>;
  level: string;
  created_at?: string;
  job_id?: string;
}

/** Lenient reading of one event; undefined when it is not an object. Types are lower-cased. */
export function normalizeEvent(raw: unknown): NormalEvent | undefined {
  const parsed = LooseEvent.safeParse(raw);
  if (!parsed.success) return undefined;
  const e = parsed.data;
  const seq = typeof e.seq === 'number' ? e.seq : Number.parseInt(String(e.seq ?? ''), 10);
  const data = e.data ?? e.payload;
  return {
    seq: Number.isFinite(seq) ? seq : 0,
    type: String(e.type ?? e.event_type ?? '').toLowerCase(),
    message: String(e.message ?? e.msg ?? ''),
    data: data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {},
    level: String(e.level ?? 'info').toLowerCase(),
    ...(e.created_at ? { created_at: e.created_at } : {}),
    ...(e.job_id ? { job_id: e.job_id } : {}),
  };
}

/** A list of events from either `{events: […]}` or `{data: […]}` or a bare list. */
export function eventList(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (body !== null && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    if (Array.isArray(o.events)) return o.events;
    if (Array.isArray(o.data)) return o.data;
  }
  return [];
}
