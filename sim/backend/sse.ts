// Server-sent events for one job: `id: <seq>`, `event: <type>`, one-line `data: <json>`.
// Replays every stored event with seq > since, then streams live ones (a synchronous hand-off,
// so nothing falls between replay and live), sends `: keep-alive` comments, and closes a short
// grace period after the job turns terminal.
import { CANCEL_EVENT_TYPES, FAILURE_EVENT_TYPES, SUCCESS_EVENT_TYPES, type JobEvent } from '../../src/api/jobs.ts';
import type { EventBus } from './bus.ts';
import type { Faults } from './faults.ts';
import { TERMINAL } from './runner.ts';
import type { Store } from './store.ts';

const TERMINAL_TYPES = new Set<string>([...SUCCESS_EVENT_TYPES, ...FAILURE_EVENT_TYPES, ...CANCEL_EVENT_TYPES]);

export interface SseOptions {
  keepAliveMs: number;
  graceMs: number;
}

export const DEFAULT_SSE: SseOptions = { keepAliveMs: 15_000, graceMs: 2_000 };

export function frame(e: JobEvent): string {
  // JSON.stringify never emits raw newlines, so one data: line always holds the whole event.
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

type SseSource = { store: Store; bus: EventBus; faults: Faults };

const encoder = new TextEncoder();

/** One SSE connection: what it has sent, its timers and subscription, and how it ends. */
class JobEventStream {
  private closed = false;
  private closing = false;
  private lastSeq: number;
  private frames = 0;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private unsubscribe = () => {};
  /** The drop fault as it was when the connection opened. */
  private readonly dropAfter: number | undefined;

  constructor(
    private readonly controller: ReadableStreamDefaultController<Uint8Array>,
    private readonly source: SseSource,
    private readonly jobId: string,
    sinceSeq: number,
    private readonly opts: SseOptions,
    private readonly requestSignal: AbortSignal,
  ) {
    this.lastSeq = sinceSeq;
    this.dropAfter = source.faults.sseDropAfter;
  }

  start(): void {
    this.requestSignal.addEventListener('abort', this.cleanup, { once: true });
    const slow = this.source.faults.sseSlowFirstMs;
    if (slow > 0) this.timers.push(setTimeout(() => this.begin(), slow));
    else this.begin();
  }

  /** Stops timers and the subscription (the client went away, or the stream is closing). */
  readonly cleanup = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const t of this.timers) clearTimeout(t);
    this.requestSignal.removeEventListener('abort', this.cleanup);
  };

  private close(): void {
    if (this.closed) return;
    this.cleanup();
    try {
      this.controller.close();
    } catch {
      // already closed by the client
    }
  }

  private write(text: string): void {
    if (this.closed) return;
    try {
      this.controller.enqueue(encoder.encode(text));
    } catch {
      this.cleanup();
    }
  }

  private closeSoon(): void {
    if (this.closing) return;
    this.closing = true;
    this.timers.push(setTimeout(() => this.close(), this.opts.graceMs));
  }

  private deliver(e: JobEvent): void {
    if (this.closed || e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    this.write(frame(e));
    this.frames++;
    if (TERMINAL_TYPES.has(e.type)) this.closeSoon();
    // Fault: the connection dies mid-stream, as a proxy or flaky network would do it.
    if (this.dropAfter !== undefined && this.frames >= this.dropAfter) this.close();
  }

  private begin(): void {
    if (this.closed) return;
    const { store, bus } = this.source;
    this.write('retry: 1000\n\n');
    for (const e of store.listEvents(this.jobId, this.lastSeq, 1_000_000)) this.deliver(e);
    // A drop fault may have closed the stream during the replay: subscribing or starting the
    // keep-alive now would leak both (and the interval keeps the process alive).
    if (this.closed) return;
    this.unsubscribe = bus.subscribe(this.jobId, (m) => {
      if (m.kind === 'event') this.deliver(m.event);
      else if (TERMINAL.has(m.status)) this.closeSoon();
    });
    if (TERMINAL.has(store.getJob(this.jobId)?.status ?? '')) this.closeSoon();
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), this.opts.keepAliveMs);
  }
}

export function sseResponse(source: SseSource, jobId: string, sinceSeq: number, opts: SseOptions, requestSignal: AbortSignal): Response {
  let stream: JobEventStream | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      stream = new JobEventStream(controller, source, jobId, sinceSeq, opts, requestSignal);
      stream.start();
    },
    cancel() {
      stream?.cleanup();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}
