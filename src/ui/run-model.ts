// What `run` and `train` show, whatever the output: the renderer interface and the final summary
// model, with helpers the three renderers share.
import type { MetricSample } from '../client/api-shapes.ts';
import type { JobOutcome, StreamItem } from '../client/stream.ts';
import type { CheckResult } from '../client/taskapp.ts';

export interface TextSink {
  write(text: string): void;
}

export interface JobHeader {
  jobId: string;
  /** false: attached to an existing job. */
  created: boolean;
  httpStatus?: number;
  idempotencyKey?: string;
  status?: string;
  backend: string;
}

export interface RunSummary {
  outcome: JobOutcome;
  status: string | undefined;
  jobId: string;
  linkedJobIds: string[];
  durationMs: number;
  fineTunedModel: string | undefined;
  reason: string;
  /** The job's own error text, when it failed. */
  error: string | undefined;
  lastMetrics: Record<string, MetricSample>;
  checkpoints: string[];
  events: number;
  metrics: number;
  exitCode: number;
  /** What to check or do next, one sentence each. */
  advice: string[];
  /** The command that re-attaches to this job. */
  reattach: string;
  cancelled?: boolean;
  /** The job was replayed from a script (the simulator's replay trainer): no model was trained. */
  replayed?: boolean;
}

export interface RunRenderer {
  effectiveConfig(config: Record<string, unknown>): void;
  warning(message: string): void;
  checks(results: readonly CheckResult[]): void;
  /** A pipeline step of `train` (env key upload, …). */
  step(name: string, message: string, data?: Record<string, unknown>): void;
  job(header: JobHeader): void;
  item(item: StreamItem): void;
  final(summary: RunSummary): void;
  /** Stops timers and leaves the terminal clean; safe to call twice. */
  close(): void;
}

/** The machine-readable end of a run (the `Final:` line, the JSON `final` object). */
export function finalRecord(s: RunSummary): Record<string, unknown> {
  return {
    status: s.status ?? null,
    outcome: s.outcome,
    job_id: s.jobId,
    ...(s.linkedJobIds.length > 0 && { linked_job_ids: s.linkedJobIds }),
    duration_s: Math.round(s.durationMs / 100) / 10,
    fine_tuned_model: s.fineTunedModel ?? null,
    reason: s.reason,
    ...(s.error && { error: s.error }),
    last_metrics: Object.fromEntries(Object.entries(s.lastMetrics).map(([k, m]) => [k, { value: m.value, step: m.step ?? null }])),
    checkpoints: s.checkpoints,
    events: s.events,
    metrics: s.metrics,
    exit_code: s.exitCode,
    ...(s.cancelled !== undefined && { cancelled: s.cancelled }),
    ...(s.replayed === true && { replayed: true }),
  };
}

/** Metrics worth showing in a summary: rewards first, then the rest, at most `max`. */
export function headlineMetrics(last: Record<string, MetricSample>, max = 6): MetricSample[] {
  const all = Object.values(last);
  const rank = (m: MetricSample) => (/reward_mean$/.test(m.name) ? 0 : /(^|\.)loss$/.test(m.name) ? 1 : /reward/.test(m.name) ? 2 : 3);
  return all.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)).slice(0, max);
}

/** Said of a replayed job wherever its results are shown, so a script never passes for training. */
export const REPLAYED_NOTE = 'replayed: a scripted stream, no model was trained';

/** One-line headline of the outcome, e.g. "job job_… succeeded in 12.3 s", with the replay note when replayed. */
export function outcomeHeadline(s: RunSummary, duration: string): string {
  const headline = outcomeText(s, duration);
  return s.replayed === true ? `${headline} (${REPLAYED_NOTE})` : headline;
}

function outcomeText(s: RunSummary, duration: string): string {
  switch (s.outcome) {
    case 'succeeded':
      return `job ${s.jobId} succeeded in ${duration}`;
    case 'failed':
      return `job ${s.jobId} failed after ${duration}${s.error ? `: ${s.error}` : ''}`;
    case 'cancelled':
      return `job ${s.jobId} was cancelled after ${duration}`;
    case 'watchdog':
      return `gave up on job ${s.jobId} after ${duration} (watchdog)`;
    case 'startup_deadline':
      return `job ${s.jobId} showed no sign of starting (startup deadline)`;
    case 'stalled':
      return `job ${s.jobId} looks stalled`;
    case 'interrupted':
      return `stopped following job ${s.jobId} (interrupted)${s.cancelled ? '; the job was cancelled' : '; the job keeps running'}`;
  }
}
