// What following a job has learnt so far: its status and progress, counts, the latest metric per
// name, checkpoints, the terminal event, whether it was replayed; and, at the end, the outcome.
// Pure: fed delivered events, metric points and job statuses; no I/O, no timers.
import type { Job } from '../../api/index.ts';
import type { MetricSample } from '../api-shapes.ts';
import { checkpointOf, eventOutcome, isReplayed, num, statusOutcome, str, type TerminalOutcome } from './outcome.ts';
import type { Checkpoint, StreamedEvent, StreamItem } from './types.ts';

export class JobTally {
  job: Job | undefined;
  status: string | undefined;
  fineTunedModel: string | undefined;
  terminalEvent: StreamedEvent | undefined;
  events = 0;
  metrics = 0;
  /** Bumped by anything new (event, metric, status change); unchanged across a tick means an empty poll. */
  activity = 0;
  replayed = false;
  readonly checkpoints: Checkpoint[] = [];
  readonly lastMetrics: Record<string, MetricSample> = {};
  private failureEvent: StreamedEvent | undefined;
  private lastProgress = '';

  /** Records a delivered event; returns its terminal outcome, if it is terminal. */
  event(e: StreamedEvent): TerminalOutcome | undefined {
    this.events++;
    this.activity++;
    if (isReplayed(e.data)) this.replayed = true;
    const model = str(e.data.fine_tuned_model);
    if (model !== undefined) this.fineTunedModel = model;
    const checkpoint = checkpointOf(e);
    if (checkpoint !== undefined) this.checkpoints.push(checkpoint);
    const outcome = eventOutcome(e.type);
    if (outcome === undefined) return undefined;
    if (outcome === 'failed' || outcome === 'cancelled') this.failureEvent ??= e;
    this.terminalEvent ??= e;
    // A failure or cancel outranks a success event seen before or after it.
    if (outcome !== 'succeeded') this.terminalEvent = this.failureEvent ?? e;
    return outcome;
  }

  metric(p: MetricSample): void {
    this.metrics++;
    this.activity++;
    if (isReplayed(p.data)) this.replayed = true;
    this.lastMetrics[p.name] = p;
  }

  /** Records a job status; returns the items it is news for (a status change, new progress). */
  jobStatus(job: Job): StreamItem[] {
    this.job = job;
    const out: StreamItem[] = [];
    if (typeof job.fine_tuned_model === 'string' && job.fine_tuned_model !== '') this.fineTunedModel = job.fine_tuned_model;
    if (job.status !== this.status) {
      const previous = this.status;
      this.status = job.status;
      this.activity++;
      out.push({ kind: 'status', status: job.status, previous, job });
    }
    const p = job.progress;
    if (p && typeof p.iteration === 'number') {
      const key = `${p.iteration}/${p.total_iterations}/${p.epoch}`;
      if (key !== this.lastProgress) {
        this.lastProgress = key;
        this.activity++;
        out.push({ kind: 'progress', iteration: p.iteration, total: num(p.total_iterations), epoch: num(p.epoch) });
      }
    }
    return out;
  }

  terminalStatus(): boolean {
    return statusOutcome(this.status) !== undefined;
  }

  /**
   * The outcome once the job is over: the terminal status when there is one (but a failure or
   * cancel event is not undone by a status that reads as success, e.g. `completed`), else the
   * terminal event's, after `settleMs` of waiting for the status to follow.
   */
  finalOutcome(settleMs: number): { outcome: TerminalOutcome; reason: string } {
    const byStatus = statusOutcome(this.status);
    const e = this.terminalEvent;
    const byEvent = e ? eventOutcome(e.type) : undefined;
    if (byStatus !== undefined) {
      const outcome = byStatus === 'succeeded' && byEvent !== undefined && byEvent !== 'succeeded' ? byEvent : byStatus;
      return { outcome, reason: `status ${this.status}${e ? ` (terminal event ${e.type})` : ''}` };
    }
    return {
      outcome: byEvent ?? 'failed',
      reason: `terminal event ${e?.type ?? 'none'} (status still ${this.status ?? 'unknown'} ${Math.round(settleMs / 100) / 10} s later)`,
    };
  }
}
