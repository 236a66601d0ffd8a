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

export function sseResponse(
  deps: { store: Store; bus: EventBus; faults: Faults },
  jobId: string,
  sinceSeq: number,
  opts: SseOptions,
  requestSignal: AbortSignal,
): Response {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let lastSeq = sinceSeq;
      let frames = 0;
      const dropAfter = deps.faults.sseDropAfter;
      const timers: ReturnType<typeof setTimeout>[] = [];
      let keepAlive: ReturnType<typeof setInterval> | undefined;
      let unsubscribe = () => {};
      let closing = false;

      cleanup = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        if (keepAlive) clearInterval(keepAlive);
        for (const t of timers) clearTimeout(t);
        requestSignal.removeEventListener('abort', cleanup);
      };
      const close = () => {
        if (closed) return;
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      const write = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      const closeSoon = () => {
        if (closing) return;
        closing = true;
        timers.push(setTimeout(close, opts.graceMs));
      };
      const deliver = (e: JobEvent) => {
        if (closed || e.seq <= lastSeq) return;
        lastSeq = e.seq;
        write(frame(e));
        frames++;
        if (TERMINAL_TYPES.has(e.type)) closeSoon();
        // Fault: the connection dies mid-stream, as a proxy or flaky network would do it.
        if (dropAfter !== undefined && frames >= dropAfter) close();
      };
      const begin = () => {
        if (closed) return;
        write('retry: 1000\n\n');
        for (const e of deps.store.listEvents(jobId, lastSeq, 1_000_000)) deliver(e);
        // A drop fault may have closed the stream during the replay: subscribing or starting the
        // keep-alive now would leak both (and the interval keeps the process alive).
        if (closed) return;
        unsubscribe = deps.bus.subscribe(jobId, (m) => {
          if (m.kind === 'event') deliver(m.event);
          else if (TERMINAL.has(m.status)) closeSoon();
        });
        if (TERMINAL.has(deps.store.getJob(jobId)?.status ?? '')) closeSoon();
        keepAlive = setInterval(() => write(': keep-alive\n\n'), opts.keepAliveMs);
      };
      requestSignal.addEventListener('abort', cleanup, { once: true });
      const slow = deps.faults.sseSlowFirstMs;
      if (slow > 0) timers.push(setTimeout(begin, slow));
      else begin();
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}
