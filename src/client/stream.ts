// Follows one job to its end without losing or repeating an event (docs/wire-contract.md §3).
//
// Two sources feed one per-stream sequencer: SSE (eventsource-parser; resumed with Last-Event-ID
// and since_seq after a drop, with backoff when the connection fails) and JSON polling (every poll
// interval while SSE is down, as a slower safety net while it is up, and at once to fill a seq
// gap). A "stream" is a job id: the job itself plus any linked_job_id its status reveals, each
// with its own since_seq cursor (docs/reference-client.md §2.15: no cursor shared across endpoints or ids). Events are
// deduplicated by (stream, seq) and delivered in seq order; seq 0 and seq-less events are kept
// (docs/reference-client.md §2.14). Metrics keep one cursor per name. The job ends on a terminal status or a terminal
// event type (docs/wire-contract.md §3.1–§3.2), after a final drain so every event the backend holds is delivered; the
// outcome says which (docs/reference-client.md §2.1: a failure event is a failure). Guards: startup deadline, consecutive
// empty polls (enforced, docs/reference-client.md §2.13), watchdog, and an abort signal for Ctrl-C.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Largest SSE frame read (an event is a few KiB): beyond it the connection is dropped. */
const MAX_SSE_FRAME_BYTES = 4 * 1024 * 1024;
import {
  CANCEL_EVENT_TYPES, FAILURE_EVENT_TYPES, isTerminalStatus, normalizeEvent, SUCCESS_EVENT_TYPES, type Job, type NormalEvent,
} from '../api/index.ts';
import { abortableSleep } from './http.ts';
import { BackendError, type BackendClient, type MetricSample } from './backend.ts';

export type StreamVia = 'sse' | 'poll';

export interface StreamedEvent extends NormalEvent {
  /** The job id whose stream carried the event (the linked job's id for trainer events). */
  stream: string;
  linked: boolean;
  via: StreamVia;
  /** False when the backend sent no seq (such events are deduplicated by content). */
  hasSeq: boolean;
}

export type StreamItem =
  | { kind: 'event'; event: StreamedEvent }
  | { kind: 'metric'; metric: MetricSample }
  | { kind: 'status'; status: string; previous: string | undefined; job: Job }
  | { kind: 'progress'; iteration: number; total: number | undefined; epoch: number | undefined }
  | { kind: 'linked'; jobId: string }
  | { kind: 'notice'; level: 'info' | 'warning'; message: string };

export type JobOutcome = 'succeeded' | 'failed' | 'cancelled' | 'watchdog' | 'startup_deadline' | 'stalled' | 'interrupted';

export interface Checkpoint {
  uri: string;
  modelId: string | undefined;
  epoch: number | undefined;
  jobId: string;
  seq: number;
}

export interface StreamResult {
  outcome: JobOutcome;
  /** One sentence on why the stream ended. */
  reason: string;
  jobId: string;
  linkedJobIds: string[];
  /** Last status the backend reported. */
  status: string | undefined;
  job: Job | undefined;
  fineTunedModel: string | undefined;
  terminalEvent: StreamedEvent | undefined;
  elapsedMs: number;
  events: number;
  metrics: number;
  /** Latest point per metric name. */
  lastMetrics: Record<string, MetricSample>;
  checkpoints: Checkpoint[];
  sseReconnects: number;
  /** Seqs the backend never had (a gap confirmed by a JSON poll). */
  skippedSeqs: number;
}

export interface JobStreamOptions {
  client: BackendClient;
  jobId: string;
  /** Status/metrics poll period, and the event poll period while SSE is down (default 1000). */
  pollIntervalMs?: number;
  /** Use SSE (default true); false: JSON polling only, like the reference client. */
  sse?: boolean;
  /** Close SSE after this many seconds and continue by polling (0 or absent: until the end). */
  streamSeconds?: number;
  /** Watchdog: give up after this many seconds (0 or absent: off). */
  maxSeconds?: number;
  /** No event at all within this many seconds of `startedAt` → startup_deadline (default 45; 0: off). */
  startupDeadlineSeconds?: number;
  /** After the first event, this many consecutive poll intervals with nothing new → stalled (default 5; 0: off). */
  emptyPollsThreshold?: number;
  /** Reconnect an SSE connection that sent nothing, not even a keep-alive, for this long (default 60 s). */
  sseIdleTimeoutMs?: number;
  /** Time to connect the SSE stream (default 30 s). */
  sseConnectTimeoutMs?: number;
  /** After a terminal event, how long to wait for the status to turn terminal too (default 3 poll intervals, 0.5–10 s). */
  settleMs?: number;
  /** Epoch ms the startup deadline counts from (default: when run() starts). */
  startedAt?: number;
  /** Abort to stop following (Ctrl-C): the outcome is `interrupted`; the job is not touched. */
  signal?: AbortSignal;
  onItem?: (item: StreamItem) => void;
}

const SUCCESS = new Set<string>(SUCCESS_EVENT_TYPES);
const FAILURE = new Set<string>(FAILURE_EVENT_TYPES);
const CANCEL = new Set<string>(CANCEL_EVENT_TYPES);
/** Event types after which fresh metrics are likely: fetch them at once instead of at the next tick. */
const METRIC_HINTS = /(\.step|\.summary|metrics)$/;
/** The largest delay setTimeout honours. */
const MAX_TIMER_MS = 2_147_483_647;
const EVENTS_PAGE = 200;
const METRICS_PAGE = 1000;
const S3_URL = /s3:\/\/[^\s"'<>]+/;

export function eventOutcome(type: string): 'succeeded' | 'failed' | 'cancelled' | undefined {
  const t = type.toLowerCase();
  if (FAILURE.has(t)) return 'failed';
  if (CANCEL.has(t)) return 'cancelled';
  if (SUCCESS.has(t)) return 'succeeded';
  return undefined;
}

/** Terminal statuses mapped to outcomes: `completed` counts as success, `error` as failure (docs/reference-client.md §2.21). */
export function statusOutcome(status: string | undefined): 'succeeded' | 'failed' | 'cancelled' | undefined {
  if (!isTerminalStatus(status)) return undefined;
  const s = (status as string).toLowerCase();
  if (s === 'succeeded' || s === 'completed') return 'succeeded';
  if (s === 'cancelled' || s === 'canceled') return 'cancelled';
  return 'failed';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The event's seq when it has one (a number or numeric string); seq 0 is a real seq. */
function seqOf(raw: unknown): number | undefined {
  if (!isRecord(raw) || raw.seq === undefined || raw.seq === null) return undefined;
  const n = typeof raw.seq === 'number' ? raw.seq : Number.parseInt(String(raw.seq), 10);
  return Number.isInteger(n) ? n : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A checkpoint announced by an event: a checkpoint/artifact type or an s3:// URL in it (docs/wire-contract.md §3.2). */
export function checkpointOf(e: StreamedEvent): Checkpoint | undefined {
  const d = e.data;
  const uri = str(d.uri) ?? str(d.s3_uri) ?? S3_URL.exec(e.message)?.[0] ?? S3_URL.exec(JSON.stringify(d))?.[0];
  if (uri === undefined) return undefined;
  if (!/checkpoint|artifact/.test(e.type) && !/checkpoint/.test(uri)) return undefined;
  return { uri, modelId: str(d.model_id), epoch: num(d.epoch), jobId: e.stream, seq: e.seq };
}

/** A sleep that `wake()` ends early; a wake with nobody waiting makes the next wait return at once. */
class Waker {
  private wakeUp: (() => void) | undefined;
  private pending = false;

  wake(): void {
    if (this.wakeUp !== undefined) this.wakeUp();
    else this.pending = true;
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        if (this.wakeUp === finish) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, ms));
      this.wakeUp = finish;
    });
  }
}

type SseState = 'off' | 'connecting' | 'open' | 'down' | 'unavailable';

interface StreamState {
  id: string;
  linked: boolean;
  /** Every seq ≤ hw was delivered (or confirmed absent); since_seq for the next request. */
  hw: number;
  seen: Set<number>;
  seenKeys: Set<string>;
  /** Events above a gap, waiting for the missing seqs. */
  pending: Map<number, StreamedEvent>;
  sse: SseState;
  sseAbort: AbortController | undefined;
  sseTask: Promise<void> | undefined;
  /** A terminal event arrived on this stream: the server will close it, do not reconnect. */
  ended: boolean;
  lastPollAt: number;
  polling: Promise<void> | undefined;
  droppedOnce: boolean;
}

export class JobStream {
  readonly jobId: string;
  private readonly client: BackendClient;
  private readonly opts: JobStreamOptions;
  private readonly pollMs: number;
  private readonly settleMs: number;
  private readonly streams = new Map<string, StreamState>();
  private readonly stop = new AbortController();
  private readonly waker = new Waker();
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private readonly done = Promise.withResolvers<StreamResult>();
  private started = false;
  private finished = false;
  private startedAt = 0;
  private runStartedAt = 0;
  private sseUntil = Number.POSITIVE_INFINITY;

  private job: Job | undefined;
  private status: string | undefined;
  private lastProgress = '';
  private fineTunedModel: string | undefined;
  private terminalEvent: StreamedEvent | undefined;
  private failureEvent: StreamedEvent | undefined;
  private settleDeadline: number | undefined;
  private eventCount = 0;
  private metricCount = 0;
  /** Bumped by anything new (event, metric, status change); an unchanged value across a tick is an empty poll. */
  private activity = 0;
  private sseReconnects = 0;
  private skippedSeqs = 0;
  private readonly checkpoints: Checkpoint[] = [];
  private readonly lastMetrics: Record<string, MetricSample> = {};
  private readonly metricCursor = new Map<string, number>();
  private readonly metricKeys = new Set<string>();
  private metricsAfter = -1;
  private metricsSupported = true;
  private metricsTask: Promise<void> | undefined;
  private metricsAgain = false;

  constructor(opts: JobStreamOptions) {
    this.opts = opts;
    this.client = opts.client;
    this.jobId = opts.jobId;
    this.pollMs = Math.max(10, opts.pollIntervalMs ?? 1000);
    this.settleMs = opts.settleMs ?? Math.min(10_000, Math.max(500, 3 * this.pollMs));
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
    if (this.opts.streamSeconds !== undefined && this.opts.streamSeconds > 0) {
      this.sseUntil = this.runStartedAt + this.opts.streamSeconds * 1000;
      this.later(this.opts.streamSeconds * 1000, () => this.closeAllSse('off'));
    }
    this.addStream(this.jobId, false);
    const loop = this.loop().catch((error: unknown) => this.fail(error));
    try {
      return await this.done.promise;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.finished = true;
      this.stop.abort(new Error('stream finished'));
      this.waker.wake();
      for (const t of this.timers) clearTimeout(t);
      await Promise.allSettled([loop, ...[...this.streams.values()].map((s) => s.sseTask)]);
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
        `watchdog: no terminal state after ${max} s (status ${this.status ?? 'unknown'}); the job keeps running`));
    }
    const startup = this.opts.startupDeadlineSeconds ?? 45;
    if (startup > 0) {
      this.later(this.startedAt + startup * 1000 - Date.now(), () => {
        if (this.eventCount > 0 || this.terminalReached()) return;
        this.finish('startup_deadline',
          `no event from job ${this.jobId} within ${startup} s (status ${this.status ?? 'unknown'})`);
      });
    }
  }

  private terminalReached(): boolean {
    return statusOutcome(this.status) !== undefined;
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
    return {
      outcome, reason, jobId: this.jobId,
      linkedJobIds: [...this.streams.values()].filter((s) => s.linked).map((s) => s.id),
      status: this.status, job: this.job, fineTunedModel: this.fineTunedModel, terminalEvent: this.terminalEvent,
      elapsedMs: Date.now() - this.runStartedAt, events: this.eventCount, metrics: this.metricCount,
      lastMetrics: { ...this.lastMetrics }, checkpoints: [...this.checkpoints],
      sseReconnects: this.sseReconnects, skippedSeqs: this.skippedSeqs,
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
    let seenActivity = this.activity;
    while (!this.finished) {
      try {
        await this.pollStatus();
        await Promise.all([...this.streams.values()].filter((s) => this.needsPoll(s)).map((s) => this.pollEvents(s)));
        await this.pollMetrics();
      } catch (error) {
        if (this.finished) return;
        if (this.isFatal(error)) throw error;
        this.notice(`poll failed, retrying in ${this.pollMs} ms: ${(error as Error).message}`);
      }
      if (this.finished) return;

      if (this.terminalReached()) return this.finishTerminal();
      if (this.terminalEvent !== undefined) {
        this.settleDeadline ??= Date.now() + this.settleMs;
        if (Date.now() >= this.settleDeadline) return this.finishTerminal();
        await this.waker.wait(Math.min(this.pollMs, this.settleDeadline - Date.now()));
        continue;
      }

      const threshold = this.opts.emptyPollsThreshold ?? 5;
      emptyPolls = this.activity === seenActivity && this.eventCount > 0 ? emptyPolls + 1 : 0;
      seenActivity = this.activity;
      if (threshold > 0 && emptyPolls >= threshold) {
        return this.finish('stalled',
          `nothing new from job ${this.jobId} for ${emptyPolls} consecutive polls (${(emptyPolls * this.pollMs / 1000).toFixed(1)} s; status ${this.status ?? 'unknown'})`);
      }
      await this.waker.wait(this.pollMs);
    }
  }

  private needsPoll(s: StreamState): boolean {
    if (s.sse !== 'open' || s.pending.size > 0) return true;
    // While SSE is up a slow JSON poll still runs, so an event a proxy swallowed cannot go unseen.
    return Date.now() - s.lastPollAt >= 5 * this.pollMs;
  }

  private async pollStatus(): Promise<void> {
    const job = await this.client.getJob(this.jobId, this.stop.signal);
    if (this.finished) return;
    this.job = job;
    const status = job.status;
    if (typeof job.fine_tuned_model === 'string' && job.fine_tuned_model !== '') this.fineTunedModel = job.fine_tuned_model;
    if (status !== this.status) {
      const previous = this.status;
      this.status = status;
      this.activity++;
      this.emit({ kind: 'status', status, previous, job });
    }
    const p = job.progress;
    if (p && typeof p.iteration === 'number') {
      const key = `${p.iteration}/${p.total_iterations}/${p.epoch}`;
      if (key !== this.lastProgress) {
        this.lastProgress = key;
        this.activity++;
        this.emit({ kind: 'progress', iteration: p.iteration, total: num(p.total_iterations), epoch: num(p.epoch) });
      }
    }
    const linked = str(job.linked_job_id);
    if (linked !== undefined) this.discoverLinked(linked);
  }

  private discoverLinked(id: string): void {
    if (id === this.jobId || this.streams.has(id) || this.finished) return;
    this.emit({ kind: 'linked', jobId: id });
    this.addStream(id, true);
    this.waker.wake();
  }

  private addStream(id: string, linked: boolean): void {
    const s: StreamState = {
      id, linked, hw: 0, seen: new Set(), seenKeys: new Set(), pending: new Map(), sse: 'off', sseAbort: undefined,
      sseTask: undefined, ended: false, lastPollAt: 0, polling: undefined, droppedOnce: false,
    };
    this.streams.set(id, s);
    if (this.opts.sse !== false && Date.now() < this.sseUntil) s.sseTask = this.sseLoop(s);
  }

  // --- events: sequencing -------------------------------------------------------------------------------
  /** One event from either source: dropped if seen, delivered if next in order, else held until the gap fills. */
  private accept(s: StreamState, raw: unknown, via: StreamVia, sseId?: string): void {
    if (this.finished) return;
    const normal = normalizeEvent(raw);
    if (normal === undefined) return;
    let seq = seqOf(raw);
    if (seq === undefined && sseId !== undefined && /^\d+$/.test(sseId.trim())) seq = Number.parseInt(sseId, 10);
    const event: StreamedEvent = { ...normal, seq: seq ?? 0, stream: s.id, linked: s.linked, via, hasSeq: seq !== undefined };
    if (seq === undefined) {
      const key = `${normal.type}|${normal.created_at ?? ''}|${normal.message}|${JSON.stringify(normal.data)}`;
      if (s.seenKeys.has(key)) return;
      s.seenKeys.add(key);
      this.deliver(s, event);
      return;
    }
    if (s.seen.has(seq) || s.pending.has(seq)) return;
    if (seq <= s.hw) {
      // Older than the cursor yet unseen: a late commit behind a confirmed gap. Late, but not lost.
      this.deliver(s, event);
      return;
    }
    if (seq === s.hw + 1) {
      s.hw = seq;
      this.deliver(s, event);
      this.drainPending(s);
      return;
    }
    s.pending.set(seq, event);
    this.waker.wake();
  }

  private drainPending(s: StreamState): void {
    for (let next = s.pending.get(s.hw + 1); next !== undefined; next = s.pending.get(s.hw + 1)) {
      s.pending.delete(next.seq);
      s.hw = next.seq;
      this.deliver(s, next);
    }
  }

  /**
   * After a JSON page for (since, …]: a seq inside the page's range that the page lacks does not
   * exist on the server, so events held behind it can go out.
   */
  private resolveGaps(s: StreamState, page: Set<number>, maxSeq: number): void {
    while (s.pending.size > 0 && !s.pending.has(s.hw + 1)) {
      const missing = s.hw + 1;
      if (missing > maxSeq || page.has(missing)) return;
      s.hw = missing;
      this.skippedSeqs++;
      this.drainPending(s);
    }
  }

  /** At the end: whatever is still held goes out in order (the gaps are accepted). */
  private flushPending(s: StreamState): void {
    const rest = [...s.pending.values()].sort((a, b) => a.seq - b.seq);
    s.pending.clear();
    for (const e of rest) {
      if (e.seq > s.hw + 1) this.skippedSeqs += e.seq - s.hw - 1;
      s.hw = Math.max(s.hw, e.seq);
      this.deliver(s, e);
    }
  }

  private deliver(s: StreamState, e: StreamedEvent): void {
    if (e.hasSeq) s.seen.add(e.seq);
    this.eventCount++;
    this.activity++;
    const model = str(e.data.fine_tuned_model);
    if (model !== undefined) this.fineTunedModel = model;
    const linked = str(e.data.linked_job_id);
    const checkpoint = checkpointOf(e);
    if (checkpoint !== undefined) this.checkpoints.push(checkpoint);
    const outcome = eventOutcome(e.type);
    if (outcome !== undefined) {
      s.ended = true;
      if (outcome === 'failed' || outcome === 'cancelled') this.failureEvent ??= e;
      this.terminalEvent ??= e;
      if (outcome !== 'succeeded') this.terminalEvent = this.failureEvent ?? e;
      this.waker.wake();
    }
    this.emit({ kind: 'event', event: e });
    if (linked !== undefined && !s.linked) this.discoverLinked(linked);
    if (METRIC_HINTS.test(e.type) && e.via === 'sse') void this.pollMetrics().catch(() => {});
  }

  // --- events: polling ----------------------------------------------------------------------------------
  private pollEvents(s: StreamState, drain = false): Promise<void> {
    // One poll per stream at a time; a caller arriving meanwhile waits for it, then polls again if draining.
    const run = async () => {
      for (;;) {
        const since = s.hw;
        s.lastPollAt = Date.now();
        const raw = await this.client.listEvents(s.id, { sinceSeq: since, limit: EVENTS_PAGE, signal: this.stop.signal });
        if (this.finished && !drain) return;
        const page = new Set<number>();
        let maxSeq = since;
        for (const r of raw) {
          const seq = seqOf(r);
          if (seq !== undefined) {
            page.add(seq);
            maxSeq = Math.max(maxSeq, seq);
          }
          this.accept(s, r, 'poll');
        }
        this.resolveGaps(s, page, maxSeq);
        // A page that did not move the cursor cannot help. A short page usually means nothing more is
        // waiting, but a backend may cap `limit` below ours: when draining, keep going until empty.
        if (raw.length === 0 || s.hw === since) return;
        if (!drain && raw.length < EVENTS_PAGE) return;
      }
    };
    const prev = s.polling ?? Promise.resolve();
    const next = prev.then(run, run).finally(() => {
      if (s.polling === next) s.polling = undefined;
    });
    s.polling = next;
    return next;
  }

  // --- metrics --------------------------------------------------------------------------------------------
  private pollMetrics(): Promise<void> {
    if (!this.metricsSupported) return Promise.resolve();
    if (this.metricsTask !== undefined) {
      this.metricsAgain = true;
      return this.metricsTask;
    }
    const task = (async () => {
      do {
        this.metricsAgain = false;
        await this.fetchMetrics();
      } while (this.metricsAgain && !this.finished);
    })().finally(() => {
      this.metricsTask = undefined;
    });
    this.metricsTask = task;
    return task;
  }

  private async fetchMetrics(): Promise<void> {
    let maxStep = this.metricsAfter;
    for (;;) {
      const after = this.metricsAfter;
      let points: MetricSample[];
      try {
        points = await this.client.listMetrics(this.jobId, { afterStep: after, limit: METRICS_PAGE, signal: this.stop.signal });
      } catch (error) {
        if (error instanceof BackendError && error.kind === 'not_found' && this.job !== undefined) {
          this.metricsSupported = false;
          this.notice('the backend serves no metrics for this job; showing events only', 'info');
          return;
        }
        throw error;
      }
      for (const p of points) {
        this.acceptMetric(p);
        if (p.step !== undefined) maxStep = Math.max(maxStep, p.step);
      }
      // Re-read the latest step next time: its other metrics (e.g. eval after train) may still be coming.
      const nextAfter = Math.max(this.metricsAfter, maxStep - 1);
      // Stop when the cursor no longer moves (not on a short page: a backend may cap `limit`).
      if (points.length === 0 || nextAfter <= after) {
        this.metricsAfter = nextAfter;
        return;
      }
      this.metricsAfter = nextAfter;
    }
  }

  /** Per-name cursor (docs/reference-client.md §2.14: one global after_step loses lagging names; step 0 counts). */
  private acceptMetric(p: MetricSample): void {
    if (p.step === undefined) {
      const key = `${p.name}|${p.created_at ?? ''}|${p.value}`;
      if (this.metricKeys.has(key)) return;
      this.metricKeys.add(key);
    } else {
      const last = this.metricCursor.get(p.name);
      if (last !== undefined && p.step <= last) return;
      this.metricCursor.set(p.name, p.step);
    }
    this.metricCount++;
    this.activity++;
    this.lastMetrics[p.name] = p;
    this.emit({ kind: 'metric', metric: p });
  }

  // --- the end ----------------------------------------------------------------------------------------------
  private async finishTerminal(): Promise<void> {
    this.closeAllSse('off');
    await this.drainAll();
    // A backend that turns the status terminal before appending its final event gets one more look.
    if (this.terminalEvent === undefined) {
      await abortableSleep(Math.min(this.pollMs, 1000), this.stop.signal).catch(() => {});
      await this.drainAll();
    }
    try {
      await this.pollMetrics();
      if (this.fineTunedModel === undefined && this.terminalReached()) await this.pollStatus();
    } catch (error) {
      this.notice(`final metrics poll failed: ${(error as Error).message}`);
    }
    const byStatus = statusOutcome(this.status);
    const byEvent = this.terminalEvent ? eventOutcome(this.terminalEvent.type) : undefined;
    if (byStatus !== undefined) {
      // A failure or cancel event is not undone by a status that reads as success (e.g. `completed`).
      const outcome = byStatus === 'succeeded' && byEvent !== undefined && byEvent !== 'succeeded' ? byEvent : byStatus;
      this.finish(outcome, `status ${this.status}${this.terminalEvent ? ` (terminal event ${this.terminalEvent.type})` : ''}`);
      return;
    }
    const e = this.terminalEvent as StreamedEvent;
    this.finish(eventOutcome(e.type) ?? 'failed',
      `terminal event ${e.type} (status still ${this.status ?? 'unknown'} ${Math.round(this.settleMs / 100) / 10} s later)`);
  }

  /** Polls every stream (linked ones found meanwhile included) until empty, then releases held events. */
  private async drainAll(): Promise<void> {
    if (this.finished) return;
    const drained = new Set<string>();
    for (let pending = [...this.streams.values()]; pending.length > 0; pending = [...this.streams.values()].filter((s) => !drained.has(s.id))) {
      for (const s of pending) {
        drained.add(s.id);
        try {
          await this.pollEvents(s, true);
        } catch (error) {
          if (this.isFatal(error)) throw error;
          this.notice(`final event poll for ${s.id} failed: ${(error as Error).message}`);
        }
        this.flushPending(s);
      }
    }
  }

  // --- SSE ----------------------------------------------------------------------------------------------------
  private closeAllSse(to: SseState): void {
    this.sseUntil = 0;
    for (const s of this.streams.values()) {
      s.sseAbort?.abort(new Error('SSE closed'));
      if (s.sse !== 'unavailable') s.sse = to;
    }
  }

  private sseUrls(s: StreamState): string[] {
    const id = encodeURIComponent(s.id);
    const q = { since_seq: s.hw };
    // Content-negotiated events route first (docs/wire-contract.md §2.3), then the explicit stream route of later versions.
    return [this.client.url(`/rl/jobs/${id}/events`, q), this.client.url(`/rl/jobs/${id}/events/stream`, q)];
  }

  private async sseLoop(s: StreamState): Promise<void> {
    let failures = 0;
    let candidate = 0;
    let retryHintMs = 500;
    while (!this.finished && !s.ended && Date.now() < this.sseUntil) {
      const urls = this.sseUrls(s);
      const url = urls[candidate] as string;
      const abort = new AbortController();
      s.sseAbort = abort;
      s.sse = 'connecting';
      let delivered = 0;
      let why = '';
      const connectTimer = setTimeout(() => abort.abort(new Error('connect timeout')), this.opts.sseConnectTimeoutMs ?? 30_000);
      try {
        const headers: Record<string, string> = {
          ...this.client.authHeaders(), accept: 'text/event-stream', 'cache-control': 'no-cache',
          ...(s.hw > 0 && { 'last-event-id': String(s.hw) }),
        };
        const res = await this.client.fetch(url, { headers, signal: AbortSignal.any([this.stop.signal, abort.signal]) });
        clearTimeout(connectTimer);
        const type = res.headers.get('content-type') ?? '';
        if (!res.ok || !type.includes('text/event-stream')) {
          await res.body?.cancel().catch(() => {});
          if (res.ok || [404, 405, 406].includes(res.status)) {
            candidate++;
            if (candidate < urls.length) continue;
            s.sse = 'unavailable';
            this.notice(`the backend offers no SSE stream for ${s.id} (${res.ok ? `got ${type || 'no content-type'}` : `HTTP ${res.status}`}); polling every ${this.pollMs} ms`, 'info');
            return;
          }
          if (res.status === 401 || res.status === 403) {
            s.sse = 'unavailable';
            return;
          }
          why = `HTTP ${res.status}`;
          failures++;
        } else {
          s.sse = 'open';
          const read = await this.readSse(s, res, abort, (ms) => {
            retryHintMs = ms;
          });
          delivered = read.delivered;
          why = read.error ?? 'connection closed';
          if (delivered === 0) failures++;
        }
      } catch (error) {
        clearTimeout(connectTimer);
        if (this.finished || s.ended || this.stop.signal.aborted) return;
        why = abort.signal.aborted ? String((abort.signal.reason as Error | undefined)?.message ?? 'aborted') : (error as Error).message;
        failures++;
      }
      if (this.finished || s.ended || Date.now() >= this.sseUntil) break;
      s.sse = 'down';
      this.sseReconnects++;
      this.waker.wake(); // poll this stream now to fill in while SSE is down
      if (!s.droppedOnce) {
        s.droppedOnce = true;
        this.notice(`SSE for ${s.id} dropped (${why}); reconnecting from seq ${s.hw}, polling meanwhile`, 'info');
      }
      if (delivered > 0) failures = 0;
      // A stream that was delivering reconnects at once; repeated failures back off (full jitter, ≤ 10 s).
      const delay = delivered > 0 ? 0 : Math.floor(Math.random() * Math.min(10_000, Math.max(retryHintMs, 250) * 2 ** Math.min(failures, 6)));
      try {
        await abortableSleep(delay, this.stop.signal);
      } catch {
        return;
      }
    }
    if (s.sse !== 'unavailable') s.sse = 'off';
  }

  /** Reads frames until the stream ends or fails; never throws. */
  private async readSse(s: StreamState, res: Response, abort: AbortController, onRetry: (ms: number) => void): Promise<{ delivered: number; error?: string }> {
    if (res.body === null) return { delivered: 0, error: 'empty body' };
    let delivered = 0;
    const idleMs = this.opts.sseIdleTimeoutMs ?? 60_000;
    let idle = setTimeout(() => abort.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
    // One frame may not grow without bound: a stream that never ends a frame is cut and reconnected.
    let sinceFrame = 0;
    const parser = createParser({
      onComment: () => void (sinceFrame = 0),
      onEvent: (m: EventSourceMessage) => {
        sinceFrame = 0;
        delivered++;
        let raw: unknown;
        try {
          raw = JSON.parse(m.data);
        } catch {
          this.notice(`ignored an SSE frame whose data is not JSON: ${JSON.stringify(m.data.slice(0, 80))}`);
          return;
        }
        if (isRecord(raw) && raw.type === undefined && raw.event_type === undefined && m.event !== undefined) raw = { ...raw, type: m.event };
        this.accept(s, raw, 'sse', m.id);
      },
      onRetry,
    });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        clearTimeout(idle);
        idle = setTimeout(() => abort.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
        sinceFrame += value.byteLength;
        if (sinceFrame > MAX_SSE_FRAME_BYTES) throw new Error(`an SSE frame exceeded the ${MAX_SSE_FRAME_BYTES}-byte limit`);
        parser.feed(decoder.decode(value, { stream: true }));
        if (this.finished) break;
      }
      return { delivered };
    } catch (error) {
      const reason = abort.signal.aborted ? (abort.signal.reason as Error | undefined)?.message : undefined;
      return { delivered, error: reason ?? (error as Error).message };
    } finally {
      clearTimeout(idle);
      await reader.cancel().catch(() => {});
    }
  }
}

/**
 * The same as `new JobStream(opts).run()`, as an async iterator of items; the generator's return
 * value is the StreamResult.
 */
export async function* streamJobEvents(opts: Omit<JobStreamOptions, 'onItem'>): AsyncGenerator<StreamItem, StreamResult, undefined> {
  const queue: StreamItem[] = [];
  let wake: (() => void) | undefined;
  // A consumer that stops iterating (break, return, throw) stops the stream too.
  const quit = new AbortController();
  const stream = new JobStream({
    ...opts,
    signal: opts.signal ? AbortSignal.any([opts.signal, quit.signal]) : quit.signal,
    onItem: (item) => {
      queue.push(item);
      wake?.();
    },
  });
  let settled = false;
  const running = stream.run().finally(() => {
    settled = true;
    wake?.();
  });
  running.catch(() => {});
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift() as StreamItem;
      if (settled) break;
      await new Promise<void>((resolve) => {
        wake = () => {
          wake = undefined;
          resolve();
        };
      });
    }
    return await running;
  } finally {
    if (!settled) {
      quit.abort();
      await running.catch(() => {});
    }
  }
}
