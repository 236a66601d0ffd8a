// JobStream against the simulator (replay trainer + faults) and against a hand-written backend
// that breaks the rules on purpose: every event exactly once, in seq order, whatever the transport.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import type { Simulator } from '../../sim/server.ts';
import { BackendClient } from '../../src/client/backend.ts';
import { eventOutcome, JobStream, statusOutcome, streamJobEvents, type JobStreamOptions, type StreamedEvent, type StreamItem } from '../../src/client/stream.ts';
import { API_KEY, replayBody, startTestSim, storedEvents, waitFor, type ReplayOptions } from '../helpers/client-sim.ts';

let sim: Simulator;
let client: BackendClient;

beforeEach(async () => {
  sim = await startTestSim();
  client = new BackendClient({ backendUrl: sim.url, apiKey: API_KEY, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
});
afterEach(() => sim.stop());

async function create(o: ReplayOptions = {}): Promise<string> {
  return (await client.createJob(replayBody(o), { idempotencyKey: crypto.randomUUID() })).jobId;
}

async function follow(jobId: string, opts: Partial<JobStreamOptions> = {}) {
  const items: StreamItem[] = [];
  const { onItem, ...rest } = opts;
  const result = await new JobStream({
    client, jobId, pollIntervalMs: 50, ...rest,
    onItem: (i) => {
      items.push(i);
      onItem?.(i);
    },
  }).run();
  const events = items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));
  const metrics = items.flatMap((i) => (i.kind === 'metric' ? [i.metric] : []));
  return { result, items, events, metrics };
}

function seqsOf(events: StreamedEvent[], stream: string): number[] {
  return events.filter((e) => e.stream === stream).map((e) => e.seq);
}

function expectExactlyOnceInOrder(events: StreamedEvent[], jobId: string): void {
  const want = storedEvents(sim, jobId).map((e) => e.seq);
  expect(want.length).toBeGreaterThan(3);
  expect(seqsOf(events, jobId)).toEqual(want);
}

describe('flows against the simulator', () => {
  test('success: every event once and in order, every metric once, fine_tuned_model and checkpoint', async () => {
    const jobId = await create({ iterations: 4 });
    const { result, events, metrics } = await follow(jobId);
    expect(result.outcome).toBe('succeeded');
    expect(result.status).toBe('succeeded');
    expectExactlyOnceInOrder(events, jobId);
    expect(events.some((e) => e.via === 'sse')).toBe(true);
    const storedMetrics = sim.store.listMetrics(jobId, -1, 100_000).map((m) => `${m.name}@${m.step}`).sort();
    expect(metrics.map((m) => `${m.name}@${m.step}`).sort()).toEqual(storedMetrics);
    expect(result.lastMetrics['train.reward_mean']?.step).toBe(4);
    expect(result.fineTunedModel).toBe(sim.store.getJob(jobId)?.fine_tuned_model ?? 'missing');
    expect(result.checkpoints.map((c) => c.uri)).toEqual([expect.stringMatching(/^s3:\/\/synth-artifacts\/.*checkpoint-epoch-1\.tar\.gz$/)]);
  });

  test('a failure event is a failure (bug 1), with the job error', async () => {
    const jobId = await create({ scenario: 'failure', failAt: 2, iterations: 4 });
    const { result, events } = await follow(jobId);
    expect(result.outcome).toBe('failed');
    expect(result.status).toBe('failed');
    expect(result.terminalEvent?.type).toBe('rl.job.failed');
    expect(result.job?.error).toContain('scripted failure at iteration 2');
    expectExactlyOnceInOrder(events, jobId);
  });

  test('cancel while running → cancelled', async () => {
    const jobId = await create({ iterations: 40 });
    let asked = false;
    const { result, events } = await follow(jobId, {
      onItem: (i) => {
        if (i.kind === 'event' && i.event.type === 'rl.train.step' && !asked) {
          asked = true;
          void client.cancelJob(jobId);
        }
      },
    });
    expect(asked).toBe(true);
    expect(result.outcome).toBe('cancelled');
    expect(sim.store.getJob(jobId)?.status).toBe('cancelled');
    expect(storedEvents(sim, jobId).at(-1)?.type).toBe('workflow.cancelled');
    expect(result.events).toBe(events.length);
  });

  test('linked job: trainer events under the linked id with their own cursor, metrics on the outer id', async () => {
    const jobId = await create({ linked: true, iterations: 3 });
    const linked = sim.store.getJob(jobId)?.linked_job_id as string;
    const { result, events, metrics, items } = await follow(jobId);
    expect(result.outcome).toBe('succeeded');
    expect(result.linkedJobIds).toEqual([linked]);
    expect(items.some((i) => i.kind === 'linked' && i.jobId === linked)).toBe(true);
    expectExactlyOnceInOrder(events, jobId);
    expectExactlyOnceInOrder(events, linked);
    expect(events.filter((e) => e.stream === linked).every((e) => e.linked)).toBe(true);
    expect(events.some((e) => e.stream === linked && e.type === 'rl.train.step')).toBe(true);
    expect(metrics.length).toBe(sim.store.listMetrics(jobId, -1, 100_000).length);
  });

  test('attach to a finished job replays all of it, then ends', async () => {
    const jobId = await create({ iterations: 2 });
    await waitFor(() => sim.store.getJob(jobId)?.status === 'succeeded', 5_000, 'job to finish');
    const { result, events } = await follow(jobId);
    expect(result.outcome).toBe('succeeded');
    expectExactlyOnceInOrder(events, jobId);
  });

  test('streamJobEvents yields the same items and returns the result', async () => {
    const jobId = await create({ iterations: 2 });
    const gen = streamJobEvents({ client, jobId, pollIntervalMs: 50 });
    const seen: number[] = [];
    let next = await gen.next();
    while (!next.done) {
      if (next.value.kind === 'event') seen.push(next.value.event.seq);
      next = await gen.next();
    }
    expect(next.value.outcome).toBe('succeeded');
    expect(seen).toEqual(storedEvents(sim, jobId).map((e) => e.seq));
  });
});

test('streamJobEvents: a consumer that stops iterating stops the stream', async () => {
  const jobId = await create({ iterations: 400 });
  let polls = 0;
  const counting = new (class extends BackendClient {
    override getJob(id: string, signal?: AbortSignal) {
      polls++;
      return super.getJob(id, signal);
    }
  })({ backendUrl: sim.url, apiKey: API_KEY });
  for await (const item of streamJobEvents({ client: counting, jobId, pollIntervalMs: 20 })) {
    if (item.kind === 'event' && item.event.type === 'rl.train.step') break;
  }
  const after = polls;
  await Bun.sleep(200);
  expect(polls).toBe(after);
  expect(['training', 'evaluating']).toContain(sim.store.getJob(jobId)?.status ?? '');
});

describe('transport faults', () => {
  test('SSE dropped every 3 frames: reconnects from the cursor, every event exactly once, in order', async () => {
    sim.faults.set({ routes: [], sse: { drop_after_events: 3 }, events: {} });
    const jobId = await create({ iterations: 6, linked: true });
    const linked = sim.store.getJob(jobId)?.linked_job_id as string;
    // Slow polling, so the stream has to be carried by SSE reconnects, not by the poller.
    const { result, events } = await follow(jobId, { pollIntervalMs: 400 });
    expect(result.outcome).toBe('succeeded');
    expect(result.sseReconnects).toBeGreaterThanOrEqual(3);
    expectExactlyOnceInOrder(events, jobId);
    expectExactlyOnceInOrder(events, linked);
    // Frames after the first drop arrived over a resumed SSE connection.
    expect(events.filter((e) => e.via === 'sse' && e.seq > 3).length).toBeGreaterThan(3);
  });

  test('polling only (no SSE), like the reference client', async () => {
    const jobId = await create({ iterations: 3 });
    const { result, events } = await follow(jobId, { sse: false });
    expect(result.outcome).toBe('succeeded');
    expectExactlyOnceInOrder(events, jobId);
    expect(events.every((e) => e.via === 'poll')).toBe(true);
  });

  test('503 bursts on every job route and added latency: the stream completes, nothing lost', async () => {
    sim.faults.set({
      routes: [
        { path: '/api/learning/jobs/**', error_status: 503, times: 6 },
        { path: '/api/rl/jobs/**', error_status: 503, times: 3 },
        { path: '/api/**', latency_ms: 30 },
      ],
      sse: {}, events: {},
    });
    const jobId = await create({ iterations: 3 });
    const { result, events } = await follow(jobId);
    expect(result.outcome).toBe('succeeded');
    expectExactlyOnceInOrder(events, jobId);
  });
});

describe('guards', () => {
  test('startup deadline: no event at all within the window → startup_deadline', async () => {
    sim.faults.set({ routes: [], sse: {}, events: { first_event_delay_ms: 10_000 } });
    const jobId = await create();
    const t0 = Date.now();
    const { result } = await follow(jobId, { startupDeadlineSeconds: 0.3 });
    expect(result.outcome).toBe('startup_deadline');
    expect(result.reason).toContain('no event');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  test('stalled: after events began, N empty polls in a row → stalled (bug 13)', async () => {
    const jobId = await create({ iterations: 40 });
    const { result } = await follow(jobId, {
      emptyPollsThreshold: 3,
      onItem: (i) => {
        if (i.kind === 'event' && i.event.type === 'rl.train.step') sim.faults.set({ routes: [], sse: {}, events: { stall_seconds: 30 } });
      },
    });
    expect(result.outcome).toBe('stalled');
    expect(result.reason).toContain('3 consecutive polls');
  });

  test('watchdog → watchdog; the job keeps running', async () => {
    const jobId = await create({ iterations: 200 });
    const { result } = await follow(jobId, { maxSeconds: 0.3 });
    expect(result.outcome).toBe('watchdog');
    expect(['training', 'evaluating']).toContain(sim.store.getJob(jobId)?.status ?? '');
  });

  test('abort (Ctrl-C) → interrupted, the job untouched', async () => {
    const jobId = await create({ iterations: 200 });
    const stop = new AbortController();
    const { result } = await follow(jobId, {
      signal: stop.signal,
      onItem: (i) => {
        if (i.kind === 'event' && i.event.type === 'rl.train.step') stop.abort();
      },
    });
    expect(result.outcome).toBe('interrupted');
    expect(['training', 'evaluating']).toContain(sim.store.getJob(jobId)?.status ?? '');
  });

  test('unknown job id → rejects with not_found', async () => {
    await expect(follow('job_0000000000000000000')).rejects.toThrow(/job job_0000000000000000000 not found/);
  });
});

describe('sequencing against a backend that breaks the rules', () => {
  // It ignores since_seq (returns everything every time), numbers one event 0, sends one without a
  // seq, skips seq 2 and commits it late, offers no SSE, and names fields `id`/`state`.
  let server: ReturnType<typeof Bun.serve>;
  let polls = 0;
  const events: Record<string, unknown>[] = [];
  const points: Record<string, unknown>[] = [];
  const afterSteps: number[] = [];

  beforeEach(() => {
    polls = 0;
    events.length = 0;
    points.length = 0;
    afterSteps.length = 0;
    events.push(
      { seq: 0, type: 'rl.job.created', message: 'zero' },
      { seq: 1, type: 'job.updated', message: 'one' },
      { seq: 3, type: 'rl.train.step', message: 'three' },
      { type: 'system.log', message: 'no seq', created_at: '2026-01-01T00:00:00Z' },
    );
    points.push({ name: 'train.x', value: 0.5, step: 0 }, { name: 'train.x', value: 1, step: 1 }, { name: 'train.x', value: 2, step: 2 });
    server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(req) {
        const url = new URL(req.url);
        const p = url.pathname;
        if (p === '/api/learning/jobs/job_x') {
          polls++;
          if (polls === 3) {
            events.push({ seq: 2, type: 'rl.train.step', message: 'two, committed late' });
            points.push({ name: 'eval.x', value: 7, step: 2 }); // lags train.x at the same step
          }
          if (polls === 4) events.push({ seq: 4, type: 'rl.job.completed', message: 'done', data: { fine_tuned_model: 'rl:m:job_x:checkpoint-epoch-1' } });
          return Response.json({ id: 'job_x', state: polls >= 5 ? 'SUCCEEDED' : 'RUNNING' });
        }
        if (p === '/api/learning/jobs/job_x/events') return Response.json({ events });
        if (p === '/api/learning/jobs/job_x/metrics') {
          const after = Number(url.searchParams.get('after_step'));
          afterSteps.push(after);
          return Response.json({ points: points.filter((m) => (m.step as number) > after) });
        }
        if (p === '/api/rl/jobs/job_x/events') return Response.json({ events }); // JSON even when SSE is asked for
        return Response.json({ detail: 'Not Found' }, { status: 404 });
      },
    });
  });
  afterEach(() => void server.stop(true));

  test('dedupes by (stream, seq), keeps seq 0 and seq-less events, confirms gaps, delivers late commits, per-name metric cursors', async () => {
    const c = new BackendClient({ backendUrl: `http://127.0.0.1:${server.port}`, apiKey: 'k' });
    const items: StreamItem[] = [];
    const result = await new JobStream({ client: c, jobId: 'job_x', pollIntervalMs: 20, onItem: (i) => void items.push(i) }).run();
    const got = items.flatMap((i) => (i.kind === 'event' ? [`${i.event.hasSeq ? i.event.seq : '-'}:${i.event.message}`] : []));
    expect(got).toEqual(['0:zero', '1:one', '-:no seq', '3:three', '2:two, committed late', '4:done']);
    expect(result.skippedSeqs).toBe(1);
    expect(result.outcome).toBe('succeeded');
    expect(result.status).toBe('succeeded');
    expect(result.fineTunedModel).toBe('rl:m:job_x:checkpoint-epoch-1');
    const metrics = items.flatMap((i) => (i.kind === 'metric' ? [`${i.metric.name}@${i.metric.step}`] : []));
    expect(metrics).toEqual(['train.x@0', 'train.x@1', 'train.x@2', 'eval.x@2']);
    expect(afterSteps[0]).toBe(-1);
    expect(items.some((i) => i.kind === 'notice' && i.message.includes('no SSE stream'))).toBe(true);
  });
});

describe('terminal sets (docs/wire-contract.md §3.1–§3.2, bug 21)', () => {
  test('statuses: completed is a success, error a failure, both spellings of cancelled', () => {
    expect(['succeeded', 'completed', 'SUCCEEDED'].map(statusOutcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(['failed', 'error'].map(statusOutcome)).toEqual(['failed', 'failed']);
    expect(['cancelled', 'canceled'].map(statusOutcome)).toEqual(['cancelled', 'cancelled']);
    expect(['training', 'queued', undefined].map(statusOutcome)).toEqual([undefined, undefined, undefined]);
  });

  test('event types: failures fail, cancels cancel, only success types succeed', () => {
    expect(['rl.job.failed', 'workflow.failed', 'rl.train.failed', 'workflow.error'].map(eventOutcome)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(['workflow.cancelled', 'workflow.termination.signal'].map(eventOutcome)).toEqual(['cancelled', 'cancelled']);
    expect(['rl.job.completed', 'rl.train.completed', 'workflow.completed', 'rl.finalization.done'].map(eventOutcome)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(eventOutcome('rl.train.step')).toBeUndefined();
  });
});

describe('SSE framing (bug 17)', () => {
  test('multi-line data, seq only in id:, type only in event:, comments; resumes with Last-Event-ID', async () => {
    const lastEventIds: (string | null)[] = [];
    let connections = 0;
    let done = false;
    const server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(req) {
        const p = new URL(req.url).pathname;
        if (p === '/api/learning/jobs/job_s') return Response.json({ job_id: 'job_s', status: done ? 'succeeded' : 'training' });
        if (p === '/api/learning/jobs/job_s/events' || p === '/api/learning/jobs/job_s/metrics') return Response.json({ events: [], points: [] });
        if (p !== '/api/rl/jobs/job_s/events') return Response.json({ detail: 'Not Found' }, { status: 404 });
        connections++;
        lastEventIds.push(req.headers.get('last-event-id'));
        const first = connections === 1;
        const body = first
          ? ': hello\n\nid: 1\nevent: rl.job.created\ndata: {"message": "multi",\ndata:  "data": {"lines": 2}}\n\n: keep-alive\n\nid: 2\nevent: rl.train.step\ndata: {"message":"two"}\n\n'
          : 'id: 3\nevent: rl.job.completed\ndata: {"seq": 3, "type": "rl.job.completed", "message": "done"}\n\n';
        if (!first) done = true;
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      },
    });
    try {
      const c = new BackendClient({ backendUrl: `http://127.0.0.1:${server.port}`, apiKey: 'k' });
      const items: StreamItem[] = [];
      const result = await new JobStream({ client: c, jobId: 'job_s', pollIntervalMs: 30, onItem: (i) => void items.push(i) }).run();
      const got = items.flatMap((i) => (i.kind === 'event' ? [`${i.event.seq} ${i.event.type} ${i.event.message} ${JSON.stringify(i.event.data)} ${i.event.via}`] : []));
      expect(got).toEqual(['1 rl.job.created multi {"lines":2} sse', '2 rl.train.step two {} sse', '3 rl.job.completed done {} sse']);
      expect(result.outcome).toBe('succeeded');
      expect(lastEventIds.slice(0, 2)).toEqual([null, '2']);
    } finally {
      void server.stop(true);
    }
  });
});
