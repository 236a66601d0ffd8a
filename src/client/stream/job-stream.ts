// Follows one job to its end without losing or repeating an event (docs/wire-contract.md §3): the
// composition of the sequencer (sequencer.ts), the SSE transport (sse.ts) and the JSON poller
// (poller.ts). SSE is resumed after a drop; polling runs every interval while SSE is down, as a
// slower safety net while it is up, and at once to fill a seq gap. The job ends on a terminal
// status or a terminal event type, after a final drain so every event the backend holds is
// delivered; the outcome says which (docs/reference-client.md §2.1: a failure event is a failure).
// Guards: startup deadline, consecutive empty polls (enforced, docs/reference-client.md §2.13),
// watchdog, and an abort signal for Ctrl-C.
import type { SynthClient } from '../api-client.ts';
import { BackendError } from '../api-errors.ts';
import type { MetricSample } from '../api-shapes.ts';
import { abortableSleep } from '../retry.ts';
import { str } from './outcome.ts';
import { EventPoller, MetricPoller, type EventPollHost } from './poller.ts';
import { EventSequencer, MetricCursors } from './sequencer.ts';
import { SseConnection, type SseHost, type SseState } from './sse.ts';
import { JobTally } from './tally.ts';
import type { JobOutcome, JobStreamOptions, StreamedEvent, StreamItem, StreamResult, StreamVia } from './types.ts';
import { Waker } from './waker.ts';

/** Event types after which fresh metrics are likely: fetch them at once instead of at the next tick. */
const METRIC_HINTS = /(\.step|\.summary|metrics)$/;
/** The largest delay setTimeout honours. */
const MAX_TIMER_MS = 2_147_483_647;

interface Stream {
  sse: SseConnection | undefined;
  poller: EventPoller;
}

export class JobStream {
  readonly jobId: string;
  private readonly client: SynthClient;
  private readonly opts: JobStreamOptions;
  private readonly pollMs: number;
  private readonly settleMs: number;
  private readonly sequencer: EventSequencer;
  private readonly metricCursors = new MetricCursors();
  private readonly tally = new JobTally();
  private readonly streams = new Map<string, Stream>();
  private readonly metricPoller: MetricPoller;
  private readonly sseHost: SseHost;
  private readonly pollHost: EventPollHost;
  private readonly stop = new AbortController();
  private readonly waker = new Waker();
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private readonly done = Promise.withResolvers<StreamResult>();
  private started = false;
  private finished = false;
  private startedAt = 0;
  private runStartedAt = 0;
  private sseUntil = Number.POSITIVE_INFINITY;
  private sseReconnects = 0;
  private settleDeadline: number | undefined;

  constructor(opts: JobStreamOptions) {
    this.opts = opts;
    this.client = opts.client;
    this.jobId = opts.jobId;
    this.pollMs = Math.max(10, opts.pollIntervalMs ?? 1000);
    this.settleMs = opts.settleMs ?? Math.min(10_000, Math.max(500, 3 * this.pollMs));
    this.sequencer = new EventSequencer(this.jobId);
    const base = { client: this.client, stop: this.stop.signal, finished: () => this.finished };
    const notice = (message: string, level: 'info' | 'warning') => this.notice(message, level);
    this.sseHost = {
      ...base, notice, pollMs: this.pollMs,
      connectTimeoutMs: opts.sseConnectTimeoutMs ?? 30_000, idleTimeoutMs: opts.sseIdleTimeoutMs ?? 60_000,
      sseUntil: () => this.sseUntil,
      cursor: (id) => this.sequencer.cursor(id),
      frame: (id, raw, sseId) => this.accept(id, raw, 'sse', sseId),
      dropped: () => {
        this.sseReconnects++;
        this.waker.wake(); // poll this stream now to fill in while SSE is down
      },
    };
    this.pollHost = {
      ...base, sequencer: this.sequencer,
      frame: (id, raw) => this.accept(id, raw, 'poll'),
      release: (events) => events.forEach((e) => this.deliver(e)),
    };
    this.metricPoller = new MetricPoller({
      ...base, notice, jobId: this.jobId,
      knowsJob: () => this.tally.job !== undefined,
      point: (p) => this.acceptMetric(p),
    });
  }

  /** Follows the job to its end; resolves with the outcome, rejects on fatal errors (rejected API key, unknown job). */
  async run(): Promise<StreamResult> {
    if (this.started) throw new Error('JobStream.run() may be called once');
    this.started = true;
    this.runStartedAt = Date.now();
    this.startedAt = this.opts.startedAt ?? this.runStartedAt;
    const signal = this.opts.signal;
    const onAbort = () => this.finish('interrupted', 'interrupted; the job was left running');
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.armTimers();
    this.addStream(this.jobId);
    const loop = this.loop().catch((error: unknown) => this.fail(error));
    try {
      return await this.done.promise;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.finished = true;
      this.stop.abort(new Error('stream finished'));
      this.waker.wake();
      for (const t of this.timers) clearTimeout(t);
      await Promise.allSettled([loop, ...[...this.streams.values()].map((s) => s.sse?.settled())]);
    }
  }

  // --- lifecycle ------------------------------------------------------------------------------------
  private later(ms: number, fn: () => void): void {
    // setTimeout fires at once for delays past 2³¹−1 ms (~24.8 days); such a limit means "never".
    if (ms > MAX_TIMER_MS) return;
    this.timers.push(setTimeout(fn, Math.max(0, ms)));
  }

  private armTimers(): void {
    const max = this.opts.maxSeconds ?? 0;
    if (max > 0) {
      this.later(max * 1000, () => this.finish('watchdog',
        `watchdog: no terminal state after ${max} s (status ${this.tally.status ?? 'unknown'}); the job keeps running`));
    }
    const startup = this.opts.startupDeadlineSeconds ?? 45;
    if (startup > 0) {
      this.later(this.startedAt + startup * 1000 - Date.now(), () => {
        if (this.tally.events > 0 || this.tally.terminalStatus()) return;
        this.finish('startup_deadline',
          `no event from job ${this.jobId} within ${startup} s (status ${this.tally.status ?? 'unknown'})`);
      });
    }
    const streamSeconds = this.opts.streamSeconds ?? 0;
    if (streamSeconds > 0) {
      this.sseUntil = this.runStartedAt + streamSeconds * 1000;
      this.later(streamSeconds * 1000, () => this.closeAllSse('off'));
    }
  }

  private finish(outcome: JobOutcome, reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.stop.abort(new Error('stream finished'));
    this.waker.wake();
    this.done.resolve(this.result(outcome, reason));
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.stop.abort(new Error('stream failed'));
    this.waker.wake();
    this.done.reject(error);
  }

  private result(outcome: JobOutcome, reason: string): StreamResult {
    const t = this.tally;
    return {
      outcome, reason, jobId: this.jobId, linkedJobIds: this.sequencer.linkedIds(),
      status: t.status, job: t.job, fineTunedModel: t.fineTunedModel, terminalEvent: t.terminalEvent,
      elapsedMs: Date.now() - this.runStartedAt, events: t.events, metrics: t.metrics,
      lastMetrics: { ...t.lastMetrics }, checkpoints: [...t.checkpoints],
      sseReconnects: this.sseReconnects, skippedSeqs: this.sequencer.skippedSeqs, replayed: t.replayed,
    };
  }

  private emit(item: StreamItem): void {
    // Nothing after the result: a renderer has printed its summary by then.
    if (this.opts.onItem === undefined || this.finished) return;
    try {
      this.opts.onItem(item);
    } catch (error) {
      this.fail(error);
    }
  }

  private notice(message: string, level: 'info' | 'warning' = 'warning'): void {
    this.emit({ kind: 'notice', level, message });
  }

  /** 401/403 and an unknown job end the stream; anything else is retried at the next tick. */
  private isFatal(error: unknown): boolean {
    return error instanceof BackendError && (error.kind === 'auth' || error.kind === 'not_found' || error.kind === 'invalid_response');
  }

  // --- the poll loop ----------------------------------------------------------------------------------
  private async loop(): Promise<void> {
    let emptyPolls = 0;
    // Activity is compared tick to tick, so events SSE delivered during the wait count too.
    let seenActivity = this.tally.activity;
    while (!this.finished) {
      await this.tick();
      if (this.finished) return;
      if (this.tally.terminalStatus()) return this.finishTerminal();
      if (this.tally.terminalEvent !== undefined) {
        this.settleDeadline ??= Date.now() + this.settleMs;
        if (Date.now() >= this.settleDeadline) return this.finishTerminal();
        await this.waker.wait(Math.min(this.pollMs, this.settleDeadline - Date.now()));
        continue;
      }
      const threshold = this.opts.emptyPollsThreshold ?? 5;
      emptyPolls = this.tally.activity === seenActivity && this.tally.events > 0 ? emptyPolls + 1 : 0;
      seenActivity = this.tally.activity;
      if (threshold > 0 && emptyPolls >= threshold) {
        return this.finish('stalled',
          `nothing new from job ${this.jobId} for ${emptyPolls} consecutive polls (${(emptyPolls * this.pollMs / 1000).toFixed(1)} s; status ${this.tally.status ?? 'unknown'})`);
      }
      await this.waker.wait(this.pollMs);
    }
  }

  /** One round: status, the events of every stream that needs a poll, metrics. */
  private async tick(): Promise<void> {
    try {
      await this.pollStatus();
      await Promise.all([...this.streams.entries()].filter(([id, s]) => this.needsPoll(id, s)).map(([, s]) => s.poller.poll()));
      await this.metricPoller.poll();
    } catch (error) {
      if (this.finished) return;
      if (this.isFatal(error)) throw error;
      this.notice(`poll failed, retrying in ${this.pollMs} ms: ${(error as Error).message}`);
    }
  }

  private needsPoll(id: string, s: Stream): boolean {
    if (s.sse?.state !== 'open' || this.sequencer.hasPending(id)) return true;
    // While SSE is up a slow JSON poll still runs, so an event a proxy swallowed cannot go unseen.
    return Date.now() - s.poller.lastPollAt >= 5 * this.pollMs;
  }

  private async pollStatus(): Promise<void> {
    const job = await this.client.getJob(this.jobId, this.stop.signal);
    if (this.finished) return;
    for (const item of this.tally.jobStatus(job)) this.emit(item);
    const linked = str(job.linked_job_id);
    if (linked !== undefined) this.discoverLinked(linked);
  }

  private discoverLinked(id: string): void {
    if (this.finished || !this.sequencer.link(id)) return;
    this.emit({ kind: 'linked', jobId: id });
    this.addStream(id);
    this.waker.wake();
  }

  private addStream(id: string): void {
    const useSse = this.opts.sse !== false && Date.now() < this.sseUntil;
    const s: Stream = { sse: useSse ? new SseConnection(id, this.sseHost) : undefined, poller: new EventPoller(id, this.pollHost) };
    this.streams.set(id, s);
    s.sse?.start();
  }

  // --- delivery ----------------------------------------------------------------------------------------
  private accept(id: string, raw: unknown, via: StreamVia, sseId?: string): void {
    if (this.finished) return;
    const { events, held } = this.sequencer.accept(id, raw, via, sseId);
    for (const e of events) this.deliver(e);
    if (held) this.waker.wake();
  }

  private deliver(e: StreamedEvent): void {
    const outcome = this.tally.event(e);
    if (outcome !== undefined) {
      const s = this.streams.get(e.stream)?.sse;
      if (s !== undefined) s.ended = true;
      this.waker.wake();
    }
    this.emit({ kind: 'event', event: e });
    const linked = str(e.data.linked_job_id);
    if (linked !== undefined && !e.linked) this.discoverLinked(linked);
    if (METRIC_HINTS.test(e.type) && e.via === 'sse') void this.metricPoller.poll().catch(() => {});
  }

  private acceptMetric(p: MetricSample): void {
    if (!this.metricCursors.accept(p)) return;
    this.tally.metric(p);
    this.emit({ kind: 'metric', metric: p });
  }

  // --- the end ----------------------------------------------------------------------------------------------
  private async finishTerminal(): Promise<void> {
    this.closeAllSse('off');
    await this.drainAll();
    // A backend that turns the status terminal before appending its final event gets one more look.
    if (this.tally.terminalEvent === undefined) {
      await abortableSleep(Math.min(this.pollMs, 1000), this.stop.signal).catch(() => {});
      await this.drainAll();
    }
    try {
      await this.metricPoller.poll();
      if (this.tally.fineTunedModel === undefined && this.tally.terminalStatus()) await this.pollStatus();
    } catch (error) {
      this.notice(`final metrics poll failed: ${(error as Error).message}`);
    }
    const { outcome, reason } = this.tally.finalOutcome(this.settleMs);
    this.finish(outcome, reason);
  }

  /** Polls every stream (linked ones found meanwhile included) until empty, then releases held events. */
  private async drainAll(): Promise<void> {
    if (this.finished) return;
    const drained = new Set<string>();
    for (let todo = this.sequencer.ids(); todo.length > 0; todo = this.sequencer.ids().filter((id) => !drained.has(id))) {
      for (const id of todo) {
        drained.add(id);
        try {
          await this.streams.get(id)?.poller.poll(true);
        } catch (error) {
          if (this.isFatal(error)) throw error;
          this.notice(`final event poll for ${id} failed: ${(error as Error).message}`);
        }
        for (const e of this.sequencer.flush(id)) this.deliver(e);
      }
    }
  }

  private closeAllSse(to: SseState): void {
    this.sseUntil = 0;
    for (const s of this.streams.values()) s.sse?.close(to);
  }
}
