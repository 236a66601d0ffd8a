// The JSON polling transport (docs/wire-contract.md §3.3): pages of events per stream from the
// sequencer's cursor, and metric pages of the main job. One request per stream at a time; a
// caller arriving meanwhile waits for it. Paging stops when the cursor stops moving, not on a short
// page, because a backend may cap `limit` below ours.
import type { SynthClient } from '../api-client.ts';
import { BackendError } from '../api-errors.ts';
import type { MetricSample } from '../api-shapes.ts';
import { seqOf, type EventSequencer } from './sequencer.ts';
import type { StreamedEvent } from './types.ts';

const EVENTS_PAGE = 200;
const METRICS_PAGE = 1000;

/** What the event poller needs from the follower that owns it. */
export interface EventPollHost {
  readonly client: SynthClient;
  readonly stop: AbortSignal;
  readonly sequencer: EventSequencer;
  finished(): boolean;
  /** A raw event from a page: sequence it and deliver what it releases. */
  frame(id: string, raw: unknown): void;
  /** Events a page released (held ones behind seqs the page proved absent). */
  release(events: StreamedEvent[]): void;
}

export class EventPoller {
  lastPollAt = 0;
  private polling: Promise<void> | undefined;

  constructor(readonly id: string, private readonly host: EventPollHost) {}

  /** Polls once (drain: until a page brings nothing new), after any poll already running. */
  poll(drain = false): Promise<void> {
    const run = () => this.pages(drain);
    const prev = this.polling ?? Promise.resolve();
    const next = prev.then(run, run).finally(() => {
      if (this.polling === next) this.polling = undefined;
    });
    this.polling = next;
    return next;
  }

  private async pages(drain: boolean): Promise<void> {
    const { client, sequencer, stop } = this.host;
    for (;;) {
      const since = sequencer.cursor(this.id);
      this.lastPollAt = Date.now();
      const raw = await client.listEvents(this.id, { sinceSeq: since, limit: EVENTS_PAGE, signal: stop });
      if (this.host.finished() && !drain) return;
      const page = new Set<number>();
      let maxSeq = since;
      for (const r of raw) {
        const seq = seqOf(r);
        if (seq !== undefined) {
          page.add(seq);
          maxSeq = Math.max(maxSeq, seq);
        }
        this.host.frame(this.id, r);
      }
      this.host.release(sequencer.pageSeen(this.id, page, maxSeq));
      // A page that did not move the cursor cannot help. A short page usually means nothing more is
      // waiting, but a backend may cap `limit` below ours: when draining, keep going until empty.
      if (raw.length === 0 || sequencer.cursor(this.id) === since) return;
      if (!drain && raw.length < EVENTS_PAGE) return;
    }
  }
}

/** What the metric poller needs from the follower that owns it. */
export interface MetricPollHost {
  readonly client: SynthClient;
  readonly stop: AbortSignal;
  readonly jobId: string;
  finished(): boolean;
  /** The job's status was read: a 404 on its metrics then means "no metrics route", not "no job". */
  knowsJob(): boolean;
  point(p: MetricSample): void;
  notice(message: string, level: 'info' | 'warning'): void;
}

export class MetricPoller {
  private after = -1;
  private supported = true;
  private task: Promise<void> | undefined;
  private again = false;

  constructor(private readonly host: MetricPollHost) {}

  /** Fetches new points; a call while one runs makes that one go round once more. */
  poll(): Promise<void> {
    if (!this.supported) return Promise.resolve();
    if (this.task !== undefined) {
      this.again = true;
      return this.task;
    }
    const task = (async () => {
      do {
        this.again = false;
        await this.pages();
      } while (this.again && !this.host.finished());
    })().finally(() => {
      this.task = undefined;
    });
    this.task = task;
    return task;
  }

  private async pages(): Promise<void> {
    let maxStep = this.after;
    for (;;) {
      const after = this.after;
      const points = await this.page(after);
      if (points === undefined) return;
      for (const p of points) {
        this.host.point(p);
        if (p.step !== undefined) maxStep = Math.max(maxStep, p.step);
      }
      // Re-read the latest step next time: its other metrics (e.g. eval after train) may still be coming.
      const nextAfter = Math.max(this.after, maxStep - 1);
      this.after = nextAfter;
      if (points.length === 0 || nextAfter <= after) return;
    }
  }

  /** One page after `after`, or undefined when the backend serves no metrics for the job. */
  private async page(after: number): Promise<MetricSample[] | undefined> {
    try {
      return await this.host.client.listMetrics(this.host.jobId, { afterStep: after, limit: METRICS_PAGE, signal: this.host.stop });
    } catch (error) {
      if (error instanceof BackendError && error.kind === 'not_found' && this.host.knowsJob()) {
        this.supported = false;
        this.host.notice('the backend serves no metrics for this job; showing events only', 'info');
        return undefined;
      }
      throw error;
    }
  }
}
