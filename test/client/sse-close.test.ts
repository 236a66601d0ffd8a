// Closing an SSE connection must end its read even when the transport ignores the abort signal:
// an in-process fetch (the simulator's app.fetch, which the Studio uses) never errors the body
// when the request's signal aborts, so a pending read would wait forever and the follower with it.
import { describe, expect, test } from 'bun:test';
import { SynthClient } from '../../src/client/api-client.ts';
import { JobStream } from '../../src/client/stream.ts';

/** A backend in-process: the job is done by polling, while its SSE body stays open and deaf to aborts. */
function deafBackend(): { fetch: typeof fetch; openStreams: () => number } {
  let open = 0;
  const events = [{ seq: 1, type: 'rl.job.completed', message: 'done', data: {} }];
  const handler = async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname.endsWith('/events') && url.searchParams.has('since_seq') && url.searchParams.get('limit') === null) {
      open++;
      const body = new ReadableStream<Uint8Array>({
        start: (c) => c.enqueue(new TextEncoder().encode(': keep-alive\n\n')),
        cancel: () => void open--,
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    }
    if (/\/jobs\/[^/]+$/.test(url.pathname)) return Response.json({ job_id: 'job_x', status: 'succeeded' });
    if (url.pathname.endsWith('/events')) return Response.json({ events: events.filter((e) => e.seq > Number(url.searchParams.get('since_seq') ?? 0)) });
    if (url.pathname.endsWith('/metrics')) return Response.json({ points: [] });
    return Response.json({ detail: 'nope' }, { status: 404 });
  };
  return { fetch: handler as typeof fetch, openStreams: () => open };
}

describe('SSE close over a transport that ignores aborts', () => {
  test('the follower finishes and the open stream is cancelled', async () => {
    const backend = deafBackend();
    const client = new SynthClient({ backendUrl: 'http://in-process.invalid', apiKey: 'k', fetch: backend.fetch });
    const run = new JobStream({ client, jobId: 'job_x', pollIntervalMs: 20, onItem: () => {} }).run();
    const result = await Promise.race([run, Bun.sleep(5_000).then(() => 'still following after 5 s' as const)]);
    expect(result === 'still following after 5 s' ? result : result.outcome).toBe('succeeded');
    expect(backend.openStreams()).toBe(0);
  }, 15_000);
});
