// followJobEvents, the one job-following helper, and `rollout --via-backend` following a backend
// test job with it, against a scripted backend (events appear over a few polls).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { SynthClient } from '../../src/client/api-client.ts';
import { followJobEvents } from '../../src/client/follow.ts';
import { runViaBackend, type RolloutPlan } from '../../src/client/taskapp-rollout.ts';

type Ev = { seq: number; type: string; message: string; data: Record<string, unknown> };
let script: Ev[] = [];
let status = 'running';
let polls = 0;
let server: ReturnType<typeof Bun.serve>;

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(req) {
      const url = new URL(req.url);
      if (req.method === 'POST' && url.pathname === '/api/rl/tests/openai/direct') return Response.json({ job_id: 'job_t', status: 'queued' });
      if (url.pathname.endsWith('/events')) {
        // One more scripted event becomes visible per poll, so the follower has to keep going.
        polls++;
        const since = Number(url.searchParams.get('since_seq') ?? 0);
        return Response.json({ events: script.slice(0, polls).filter((e) => e.seq > since) });
      }
      if (url.pathname.endsWith('/metrics')) return Response.json({ points: [] });
      if (/\/jobs\/job_t$/.test(url.pathname)) return Response.json({ job_id: 'job_t', status });
      return Response.json({ detail: 'not here' }, { status: 404 });
    },
  });
});
afterAll(() => server.stop(true));
beforeEach(() => {
  polls = 0;
  status = 'running';
});

const base = () => `http://127.0.0.1:${server.port}`;
const plan: RolloutPlan = {
  taskAppUrl: 'http://127.0.0.1:9', model: 'sim:heuristic', inferenceUrl: '', numRollouts: 2, maxStepsEach: 5,
  timeoutSeconds: 5, concurrency: 2, seed: 0,
};
const ev = (seq: number, type: string, data: Record<string, unknown> = {}, message = type): Ev => ({ seq, type, message, data });

describe('followJobEvents', () => {
  test('onEvent returning true stops following at that event; the job is left alone', async () => {
    script = [ev(1, 'rl.job.started'), ev(2, 'rl.train.step'), ev(3, 'rl.train.step'), ev(4, 'rl.job.completed')];
    const client = new SynthClient({ backendUrl: base(), apiKey: 'k' });
    const seen: number[] = [];
    const result = await followJobEvents({
      client, jobId: 'job_t', pollIntervalMs: 10, sse: false,
      onItem: (i) => void (i.kind === 'event' && seen.push(i.event.seq)),
      onEvent: (e) => e.type === 'rl.train.step',
    });
    expect(result.stoppedAt?.seq).toBe(2);
    expect(result.outcome).toBe('interrupted');
    expect(result.reason).toContain('stopped following at event rl.train.step (seq 2)');
    expect(seen).toEqual([1, 2]);
  });

  test('without onEvent stopping it, the job is followed to its terminal event', async () => {
    script = [ev(1, 'rl.job.started'), ev(2, 'rl.job.completed')];
    status = 'succeeded';
    const result = await followJobEvents({ client: new SynthClient({ backendUrl: base(), apiKey: 'k' }), jobId: 'job_t', pollIntervalMs: 10, sse: false });
    expect(result.outcome).toBe('succeeded');
    expect(result.stoppedAt).toBeUndefined();
    expect(result.events).toBe(2);
  });
});

describe('rollout --via-backend follows the test job with followJobEvents', () => {
  test('until test.openai.direct.batch.ok: the outcomes come from its summary', async () => {
    const rollouts = [{ index: 0, ok: true, reward: 2, steps: 5, achievements_total: ['collect_wood'] }, { index: 1, ok: true, reward: 1, steps: 5, achievements_total: [] }];
    script = [ev(1, 'test.openai.direct.started'), ev(2, 'test.openai.direct.rollout'), ev(3, 'test.openai.direct.batch.ok', { summary: { rollouts } })];
    const r = await runViaBackend(plan, { backendUrl: `${base()}/api`, apiKey: 'k', pollIntervalMs: 10 });
    expect(r.jobId).toBe('job_t');
    expect(r.outcomes.map((o) => [o.index, o.achievements, o.return])).toEqual([[0, ['collect_wood'], 2], [1, [], 1]]);
    expect(polls).toBeGreaterThanOrEqual(3);
  });

  test('a failure event fails the command with its message', async () => {
    script = [ev(1, 'test.openai.direct.started'), ev(2, 'test.openai.direct.failed', {}, 'task app answered 401')];
    await expect(runViaBackend(plan, { backendUrl: `${base()}/api`, apiKey: 'k', pollIntervalMs: 10 })).rejects.toThrow('backend test job job_t failed: task app answered 401');
  });

  test('a job that ends by status without a summary event: success with no outcomes', async () => {
    script = [ev(1, 'test.openai.direct.started')];
    status = 'succeeded';
    const r = await runViaBackend(plan, { backendUrl: `${base()}/api`, apiKey: 'k', pollIntervalMs: 10 });
    expect(r).toMatchObject({ outcomes: [], jobId: 'job_t', message: 'job job_t succeeded' });
  });
});
