// A job's live feed for the Studio page: the client's own followJobEvents (SSE merged with polling, the
// code `synth-rl run` follows jobs with) re-sent to the browser as one SSE stream. So the page sees
// what the CLI sees, against the simulator or the production backend alike.
import { followJobEvents, type StreamItem, type SynthClient } from '../../src/index.ts';

const encoder = new TextEncoder();

/** What the page gets: events, metric points, status changes; `end` when the job is over. */
function frame(item: StreamItem): string | undefined {
  switch (item.kind) {
    case 'event': {
      const e = item.event;
      return `event: job_event\ndata: ${JSON.stringify({ seq: e.seq, type: e.type, message: e.message, level: e.level, data: e.data, created_at: e.created_at })}\n\n`;
    }
    case 'metric': {
      const m = item.metric;
      return `event: metric\ndata: ${JSON.stringify({ name: m.name, value: m.value, step: m.step, phase: m.phase, created_at: m.created_at })}\n\n`;
    }
    case 'status':
      return `event: status\ndata: ${JSON.stringify({ status: item.status, job: item.job })}\n\n`;
    default:
      return undefined;
  }
}

export function liveResponse(client: SynthClient, jobId: string, signal: AbortSignal): Response {
  const stop = new AbortController();
  signal.addEventListener('abort', () => stop.abort(), { once: true });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        if (stop.signal.aborted) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop.abort();
        }
      };
      send(': synth-rl studio live feed\n\n');
      const keepAlive = setInterval(() => send(': keep-alive\n\n'), 15_000);
      followJobEvents({
        client, jobId, signal: stop.signal, pollIntervalMs: 1000, startupDeadlineSeconds: 0, emptyPollsThreshold: 0,
        onItem: (item) => {
          const text = frame(item);
          if (text !== undefined) send(text);
        },
      }).then(
        (result) => send(`event: end\ndata: ${JSON.stringify({ outcome: result.outcome, reason: result.reason, status: result.status })}\n\n`),
        (error: unknown) => send(`event: end\ndata: ${JSON.stringify({ outcome: 'error', reason: error instanceof Error ? error.message : String(error) })}\n\n`),
      ).finally(() => {
        clearInterval(keepAlive);
        if (!stop.signal.aborted) controller.close();
      });
    },
    cancel() {
      stop.abort();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } });
}
