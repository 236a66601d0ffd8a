// Response bodies are read within a per-route limit: an endless chunked body fails with a clear
// error after the limit instead of growing the client's memory until the machine gives out.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Server } from 'bun';
import { BackendClient, BackendError } from '../../src/client/backend.ts';
import { HttpClient, HttpError } from '../../src/client/http.ts';
import { JobStream } from '../../src/client/stream.ts';

let server: Server<undefined>;
let base = '';
let streamed = 0;

/** A body that never ends: 64 KiB chunks of JSON-looking text, forever (until the reader cancels). */
function endless(prefix: string): Response {
  const chunk = new TextEncoder().encode(`${'1,'.repeat(32 * 1024)}`);
  let first = true;
  return new Response(new ReadableStream<Uint8Array>({
    pull(controller) {
      streamed += chunk.byteLength;
      if (first) controller.enqueue(new TextEncoder().encode(prefix));
      first = false;
      controller.enqueue(chunk);
    },
  }), { headers: { 'content-type': 'application/json' } });
}

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    idleTimeout: 60,
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path.endsWith('/declared')) return new Response('x'.repeat(2 * 1024 * 1024), { headers: { 'content-type': 'application/json' } });
      if (path.endsWith('/small')) return Response.json({ job_id: 'job_0123456789abcdef012', status: 'running' });
      if (path.endsWith('/error')) return new Response(endless('{"detail": [').body, { status: 500 });
      return endless('{"job_id": "job_0123456789abcdef012", "events": [');
    },
  });
  base = `http://127.0.0.1:${server.port}/api`;
});
afterAll(() => server.stop(true));

describe('response body limits', () => {
  test('json(): an endless chunked body stops at the limit with a too_large error naming it', async () => {
    streamed = 0;
    const http = new HttpClient({ baseUrl: base, retry: { retries: 0 } });
    const error = await http.json({ path: '/endless', maxBodyBytes: 1024 * 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).kind).toBe('too_large');
    expect((error as HttpError).message).toContain('exceeds the 1 MiB limit');
    // The read stopped near the limit (the server may have queued a few chunks ahead).
    expect(streamed).toBeLessThan(16 * 1024 * 1024);
  }, 20_000);

  test('a declared Content-Length over the limit is refused before reading; small bodies pass', async () => {
    const http = new HttpClient({ baseUrl: base, retry: { retries: 0 } });
    expect(((await http.json({ path: '/declared', maxBodyBytes: 1024 * 1024 }).catch((e: unknown) => e)) as HttpError).kind).toBe('too_large');
    expect(await http.json({ path: '/small', maxBodyBytes: 1024 })).toMatchObject({ status: 'running' });
  });

  test('the backend client caps each route: a job status that never ends is an invalid response, not 3.5 GB', async () => {
    streamed = 0;
    const client = new BackendClient({ backendUrl: base, apiKey: 'sk', retry: { retries: 0 } });
    const error = await client.getJob('job_0123456789abcdef012').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toContain('exceeds the 1 MiB limit');
    expect(streamed).toBeLessThan(16 * 1024 * 1024);
  }, 20_000);

  test('an endless error body is read for a snippet only', async () => {
    const http = new HttpClient({ baseUrl: base, retry: { retries: 0 } });
    const error = (await http.json({ path: '/error' }).catch((e: unknown) => e)) as HttpError;
    expect(error.kind).toBe('http');
    expect(error.status).toBe(500);
  }, 20_000);
});

describe('SSE frame limit', () => {
  test('an SSE frame that never ends is cut at the limit and the stream falls back to polling', async () => {
    let sseBytes = 0;
    let connections = 0;
    let polls = 0;
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    const sse = Bun.serve({
      port: 0, hostname: '127.0.0.1', idleTimeout: 60,
      fetch(req) {
        const url = new URL(req.url);
        if (url.pathname.endsWith('/stream') || (req.headers.get('accept') ?? '').includes('text/event-stream')) {
          connections++;
          return new Response(new ReadableStream<Uint8Array>({
            start(c) {
              c.enqueue(new TextEncoder().encode('data: '));
            },
            pull(c) {
              sseBytes += chunk.byteLength;
              c.enqueue(chunk);
            },
          }), { headers: { 'content-type': 'text/event-stream' } });
        }
        if (/\/jobs\/[^/]+$/.test(url.pathname)) return Response.json({ job_id: 'job_x', status: ++polls > 40 ? 'succeeded' : 'training' });
        if (url.pathname.endsWith('/events')) return Response.json({ events: polls > 40 ? [{ seq: 1, type: 'rl.job.completed', message: 'done', data: {} }] : [] });
        if (url.pathname.endsWith('/metrics')) return Response.json({ points: [] });
        return Response.json({ detail: 'nope' }, { status: 404 });
      },
    });
    try {
      const client = new BackendClient({ backendUrl: `http://127.0.0.1:${sse.port}`, apiKey: 'k' });
      const notices: string[] = [];
      const result = await new JobStream({
        client, jobId: 'job_x', pollIntervalMs: 50, onItem: (i) => void (i.kind === 'notice' && notices.push(i.message)),
      }).run();
      expect(result.outcome).toBe('succeeded');
      expect(notices.some((n) => n.includes('an SSE frame exceeded the 4194304-byte limit'))).toBe(true);
      // Each connection stops reading soon after the limit (the server may run a few chunks ahead).
      expect(connections).toBeGreaterThan(0);
      expect(sseBytes / connections).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await sse.stop(true);
    }
  }, 30_000);
});
