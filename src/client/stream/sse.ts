// The SSE transport of one stream (docs/wire-contract.md §3.5): connects with Last-Event-ID and
// since_seq from the sequencer's cursor, parses frames (eventsource-parser) and hands each event
// to the host; after a drop it reconnects — at once when the connection was delivering, else with
// the shared backoff (retry.ts) — while the host polls to fill in. A backend without an SSE route
// leaves the stream to polling.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { SynthClient } from '../api-client.ts';
import { abortableSleep, backoffDelay } from '../retry.ts';
import { isRecord } from './outcome.ts';

/** Largest SSE frame read (an event is a few KiB): beyond it the connection is dropped. */
const MAX_SSE_FRAME_BYTES = 4 * 1024 * 1024;
/** Reconnect backoff: the server's `retry:` hint (at least this) doubling per failure, capped. */
const RECONNECT = { minBaseDelayMs: 250, maxDelayMs: 10_000, defaultHintMs: 500 };

export type SseState = 'off' | 'connecting' | 'open' | 'down' | 'unavailable';

/** What an SSE connection needs from the follower that owns it. */
export interface SseHost {
  readonly client: SynthClient;
  /** Aborted when the follower finishes. */
  readonly stop: AbortSignal;
  readonly pollMs: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  finished(): boolean;
  /** Epoch ms after which SSE is no longer used (--stream-seconds). */
  sseUntil(): number;
  /** The stream's since_seq: where a (re)connection resumes. */
  cursor(id: string): number;
  frame(id: string, raw: unknown, sseId: string | undefined): void;
  /** The connection dropped and will be retried; polling should fill in meanwhile. */
  dropped(id: string): void;
  notice(message: string, level: 'info' | 'warning'): void;
}

type Attempt =
  | { kind: 'next_url' }
  | { kind: 'unavailable' }
  | { kind: 'stopped' }
  | { kind: 'dropped'; why: string; delivered: number };

export class SseConnection {
  state: SseState = 'off';
  /** A terminal event arrived on this stream: the server will close it, do not reconnect. */
  ended = false;
  private abort: AbortController | undefined;
  private task: Promise<void> | undefined;
  private droppedOnce = false;

  constructor(readonly id: string, private readonly host: SseHost) {}

  start(): void {
    this.task = this.loop();
  }

  /** Resolves when the connection loop has stopped. */
  settled(): Promise<void> {
    return this.task ?? Promise.resolve();
  }

  close(to: SseState): void {
    this.abort?.abort(new Error('SSE closed'));
    if (this.state !== 'unavailable') this.state = to;
  }

  private active(): boolean {
    return !this.host.finished() && !this.ended && Date.now() < this.host.sseUntil();
  }

  private urls(): string[] {
    const id = encodeURIComponent(this.id);
    const q = { since_seq: this.host.cursor(this.id) };
    // Content-negotiated events route first (docs/wire-contract.md §2.3), then the explicit stream route of later versions.
    return [this.host.client.url(`/rl/jobs/${id}/events`, q), this.host.client.url(`/rl/jobs/${id}/events/stream`, q)];
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let candidate = 0;
    let retryHintMs = RECONNECT.defaultHintMs;
    while (this.active()) {
      const urls = this.urls();
      const attempt = await this.connect(urls[candidate] as string, urls.length - candidate - 1, (ms) => {
        retryHintMs = ms;
      });
      if (attempt.kind === 'next_url') {
        candidate++;
        continue;
      }
      if (attempt.kind === 'unavailable' || attempt.kind === 'stopped') return;
      if (!this.active()) break;
      failures = attempt.delivered > 0 ? 0 : failures + 1;
      this.state = 'down';
      this.host.dropped(this.id);
      if (!this.droppedOnce) {
        this.droppedOnce = true;
        this.host.notice(`SSE for ${this.id} dropped (${attempt.why}); reconnecting from seq ${this.host.cursor(this.id)}, polling meanwhile`, 'info');
      }
      // A stream that was delivering reconnects at once; repeated failures back off (full jitter).
      const policy = { baseDelayMs: Math.max(retryHintMs, RECONNECT.minBaseDelayMs), maxDelayMs: RECONNECT.maxDelayMs };
      const delay = attempt.delivered > 0 ? 0 : backoffDelay(Math.min(failures, 6), policy);
      try {
        await abortableSleep(delay, this.host.stop);
      } catch {
        return;
      }
    }
    if (this.state !== 'unavailable') this.state = 'off';
  }

  /** One connection: until it drops, or why SSE cannot be used. `urlsLeft`: other routes to try after this one. */
  private async connect(url: string, urlsLeft: number, onRetry: (ms: number) => void): Promise<Attempt> {
    const abort = new AbortController();
    this.abort = abort;
    this.state = 'connecting';
    const connectTimer = setTimeout(() => abort.abort(new Error('connect timeout')), this.host.connectTimeoutMs);
    try {
      const cursor = this.host.cursor(this.id);
      const headers: Record<string, string> = {
        ...this.host.client.authHeaders(), accept: 'text/event-stream', 'cache-control': 'no-cache',
        ...(cursor > 0 && { 'last-event-id': String(cursor) }),
      };
      const res = await this.host.client.fetch(url, { headers, signal: AbortSignal.any([this.host.stop, abort.signal]) });
      clearTimeout(connectTimer);
      const type = res.headers.get('content-type') ?? '';
      if (res.ok && type.includes('text/event-stream')) {
        this.state = 'open';
        const read = await this.read(res, abort, onRetry);
        return { kind: 'dropped', why: read.error ?? 'connection closed', delivered: read.delivered };
      }
      await res.body?.cancel().catch(() => {});
      if (res.ok || [404, 405, 406].includes(res.status)) {
        if (urlsLeft > 0) return { kind: 'next_url' };
        this.state = 'unavailable';
        this.host.notice(`the backend offers no SSE stream for ${this.id} (${res.ok ? `got ${type || 'no content-type'}` : `HTTP ${res.status}`}); polling every ${this.host.pollMs} ms`, 'info');
        return { kind: 'unavailable' };
      }
      if (res.status === 401 || res.status === 403) {
        this.state = 'unavailable';
        return { kind: 'unavailable' };
      }
      return { kind: 'dropped', why: `HTTP ${res.status}`, delivered: 0 };
    } catch (error) {
      clearTimeout(connectTimer);
      if (this.host.finished() || this.ended || this.host.stop.aborted) return { kind: 'stopped' };
      const why = abort.signal.aborted ? String((abort.signal.reason as Error | undefined)?.message ?? 'aborted') : (error as Error).message;
      return { kind: 'dropped', why, delivered: 0 };
    }
  }

  /** Reads frames until the stream ends or fails; never throws. */
  private async read(res: Response, abort: AbortController, onRetry: (ms: number) => void): Promise<{ delivered: number; error?: string }> {
    if (res.body === null) return { delivered: 0, error: 'empty body' };
    let delivered = 0;
    const idleMs = this.host.idleTimeoutMs;
    let idle = setTimeout(() => abort.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
    // One frame may not grow without bound: a stream that never ends a frame is cut and reconnected.
    let sinceFrame = 0;
    const parser = createParser({
      onComment: () => void (sinceFrame = 0),
      onEvent: (m: EventSourceMessage) => {
        sinceFrame = 0;
        delivered++;
        this.onMessage(m);
      },
      onRetry,
    });
    const reader = res.body.getReader();
    // Aborting the fetch does not end the body on every transport (an in-process app.fetch ignores
    // the signal once it has answered), so closing cancels the reader too: a pending read() then
    // resolves as done instead of waiting forever.
    const cancel = () => void reader.cancel().catch(() => {});
    abort.signal.addEventListener('abort', cancel, { once: true });
    this.host.stop.addEventListener('abort', cancel, { once: true });
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
        if (this.host.finished()) break;
      }
      return { delivered };
    } catch (error) {
      const reason = abort.signal.aborted ? (abort.signal.reason as Error | undefined)?.message : undefined;
      return { delivered, error: reason ?? (error as Error).message };
    } finally {
      clearTimeout(idle);
      abort.signal.removeEventListener('abort', cancel);
      this.host.stop.removeEventListener('abort', cancel);
      await reader.cancel().catch(() => {});
    }
  }

  private onMessage(m: EventSourceMessage): void {
    let raw: unknown;
    try {
      raw = JSON.parse(m.data);
    } catch {
      this.host.notice(`ignored an SSE frame whose data is not JSON: ${JSON.stringify(m.data.slice(0, 80))}`, 'warning');
      return;
    }
    // The frame's `event:` names the type when the JSON does not.
    if (isRecord(raw) && raw.type === undefined && raw.event_type === undefined && m.event !== undefined) raw = { ...raw, type: m.event };
    this.host.frame(this.id, raw, m.id);
  }
}
