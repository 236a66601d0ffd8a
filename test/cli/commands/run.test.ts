// `synth-rl run` end to end against the simulator: flows, exit codes, output, faults, bad input.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { join, resolve } from 'node:path';
import type { Simulator } from '../../../sim/server.ts';
import { cli, tempDir } from '../../helpers/cli.ts';
import { API_KEY, createdJobId, printedEvents, replayToml, startTestSim, storedEvents, waitFor, type ReplayOptions } from '../../helpers/client-sim.ts';

let sim: Simulator;
beforeEach(async () => {
  sim = await startTestSim();
});
afterEach(() => sim.stop());

const TASK_APP = 'http://127.0.0.1:8001';
const flags = () => ['--backend-url', sim.url, '--api-key', API_KEY, '--task-app-url', TASK_APP, '--poll-interval', '0.05'];

function runJob(replay: ReplayOptions, extra: string[] = [], env: Record<string, string> = {}) {
  const cwd = tempDir({ 'rl.toml': replayToml(replay) });
  return cli(['run', ...flags(), '--config-path', 'rl.toml', ...extra], { cwd, env });
}

function finalRecord(out: string): Record<string, unknown> {
  const line = out.split('\n').find((l) => l.startsWith('Final: '));
  if (line === undefined) throw new Error(`no Final: line in\n${out}`);
  return JSON.parse(line.slice('Final: '.length)) as Record<string, unknown>;
}

function allJobs() {
  return sim.store.jobsInStatus(['queued', 'initializing', 'training', 'evaluating', 'succeeded', 'failed', 'cancelled']).filter((j) => j.parent_job_id === null);
}

function expectPrintedExactly(out: string, jobId: string, linked = false): void {
  const printed = printedEvents(out).filter((e) => (linked ? e.job === jobId : e.job === undefined));
  const stored = storedEvents(sim, jobId);
  expect(stored.length).toBeGreaterThan(3);
  expect(printed.map((e) => `${e.seq} ${e.type}`)).toEqual(stored.map((e) => `${e.seq} ${e.type}`));
}

describe('flows and exit codes', () => {
  test('success → 0: Effective config first, the job body (shape a), every event and metric once, a Final summary', async () => {
    const r = await runJob({ iterations: 3 }, ['--batch-size', '3', '--group-size', '5']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toStartWith('Effective config: {');
    const effective = JSON.parse(r.out.split('\n')[0]?.slice('Effective config: '.length) ?? '{}') as Record<string, unknown>;
    expect(effective).toMatchObject({ backend_url: `${sim.url}/api`, api_key: '<redacted, 7 chars>', trainer: { batch_size: 3, group_size: 5 } });
    const jobId = createdJobId(r.out);
    expect(r.out).toMatch(/^Created job: job_\w+ \(HTTP 201, Idempotency-Key [0-9a-f]{32}\)$/m);
    expectPrintedExactly(r.out, jobId);
    const metricLines = r.out.split('\n').filter((l) => l.startsWith('metric '));
    // A replay job: every metric line and the summary say so (the simulator tags its data simulated = "replay").
    expect(metricLines).toContain(`metric train.reward_mean step=1 epoch=1 value=${sim.store.listMetrics(jobId, 0, 1, 'train.reward_mean')[0]?.value} [replay]`);
    expect(metricLines.every((l) => l.endsWith(' [replay]'))).toBe(true);
    expect(r.out).toContain(`job ${jobId} succeeded in`);
    expect(r.out).toMatch(/succeeded in [\d.]+ \w+ \(replayed: a scripted stream, no model was trained\)/);
    expect(metricLines.length).toBe(sim.store.listMetrics(jobId, -1, 100_000).length);
    const final = finalRecord(r.out);
    expect(final).toMatchObject({ status: 'succeeded', outcome: 'succeeded', job_id: jobId, exit_code: 0, fine_tuned_model: sim.store.getJob(jobId)?.fine_tuned_model, replayed: true });
    expect(r.out).toContain(`fine_tuned_model: ${String(final.fine_tuned_model)}`);
    // What was sent: shape (a) with the whole TOML as data.config.
    const body = JSON.parse(sim.store.getJob(jobId)?.body ?? '{}') as { data: Record<string, unknown> };
    expect(body.data).toMatchObject({
      model: 'Qwen/Qwen3-0.6B', endpoint_base_url: TASK_APP, training_start_url: `${TASK_APP}/`, trainer: { batch_size: 3, group_size: 5 },
      config: { sim: { replay: { iterations: 3 } } },
    });
    expect(`${r.out}${r.err}`).not.toContain(API_KEY);
  });

  test('failure event → 1, with the error; --trainer-id is sent and keeps the same contract (bugs 2, 12)', async () => {
    const r = await runJob({ scenario: 'failure', failAt: 2, iterations: 4 }, ['--trainer-id', 'tr_legacy']);
    expect(r.code).toBe(1);
    expect((JSON.parse(sim.store.getJob(createdJobId(r.out))?.body ?? '{}') as { data: { trainer_id?: string } }).data.trainer_id).toBe('tr_legacy');
    expect(finalRecord(r.out)).toMatchObject({ status: 'failed', outcome: 'failed', exit_code: 1 });
    expect(r.out).toMatch(/^event seq=\d+ type=rl\.job\.failed msg=\[replay\] scripted failure at iteration 2/m);
    expect(r.out).toContain('failed after');
  });

  test('cancelled while running → 1', async () => {
    const running = runJob({ iterations: 60 });
    await waitFor(() => allJobs().some((j) => storedEvents(sim, j.id).some((e) => e.type === 'rl.train.step')), 5_000, 'a train step');
    const jobId = allJobs()[0]?.id as string;
    const res = await fetch(`${sim.url}/api/rl/jobs/${jobId}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(res.status).toBe(200);
    const r = await running;
    expect(r.code).toBe(1);
    expect(finalRecord(r.out)).toMatchObject({ status: 'cancelled', outcome: 'cancelled' });
    expectPrintedExactly(r.out, jobId);
  });

  test('linked job → 0: the linked stream is printed with job=<id>, each stream exactly once', async () => {
    const r = await runJob({ linked: true, iterations: 3 });
    expect(r.code).toBe(0);
    const jobId = createdJobId(r.out);
    const linked = sim.store.getJob(jobId)?.linked_job_id as string;
    expect(r.out).toContain(`linked_job_id ${linked}: following its events too`);
    expectPrintedExactly(r.out, jobId);
    expectPrintedExactly(r.out, linked, true);
  });

  test('attach by --job-id (no task app URL needed) → replays the job and exits with its outcome', async () => {
    const first = await runJob({ iterations: 2, scenario: 'failure', failAt: 2 });
    const jobId = createdJobId(first.out);
    const r = await cli(['run', '--backend-url', sim.url, '--api-key', API_KEY, '--job-id', jobId, '--poll-interval', '0.05']);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Attached to existing job: ${jobId} (status failed)`);
    expect(r.out).not.toContain('Created job');
    expectPrintedExactly(r.out, jobId);
    expect(allJobs().length).toBe(1);
  });

  test('--json: one JSON object per line, config first and final last', async () => {
    const r = await runJob({ iterations: 2 }, ['--json']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; [k: string]: unknown });
    expect(lines[0]?.kind).toBe('config');
    expect(lines[1]).toMatchObject({ kind: 'job', created: true, http_status: 201 });
    expect(lines.at(-1)).toMatchObject({ kind: 'final', status: 'succeeded', exit_code: 0 });
    const jobId = lines[1]?.job_id as string;
    expect(lines.filter((l) => l.kind === 'event').map((l) => l.seq)).toEqual(storedEvents(sim, jobId).map((e) => e.seq));
    expect(lines.some((l) => l.kind === 'metric' && l.name === 'train.reward_mean')).toBe(true);
  });
});

describe('faults', () => {
  test('SSE dropped mid-stream: every event printed exactly once, in order', async () => {
    sim.faults.set({ routes: [], sse: { drop_after_events: 2 }, events: {} });
    const r = await runJob({ iterations: 5, linked: true }, ['--poll-interval', '0.3']);
    expect(r.code).toBe(0);
    const jobId = createdJobId(r.out);
    expectPrintedExactly(r.out, jobId);
    expectPrintedExactly(r.out, sim.store.getJob(jobId)?.linked_job_id as string, true);
  });

  test('503 burst on create and on polls, plus latency: completes, one job (same Idempotency-Key on each retry)', async () => {
    sim.faults.set({
      routes: [
        { path: '/api/rl/jobs', method: 'POST', error_status: 503, times: 2 },
        { path: '/api/learning/jobs/**', error_status: 503, times: 4 },
        { path: '/api/**', latency_ms: 40 },
      ],
      sse: {}, events: {},
    });
    const r = await runJob({ iterations: 3 });
    expect(r.code).toBe(0);
    expect(allJobs().length).toBe(1);
    expect(r.err).toContain('retry 1 of POST');
    expectPrintedExactly(r.out, createdJobId(r.out));
  });

  test('startup stall → 4 (startup deadline) with what to check and how to re-attach', async () => {
    sim.faults.set({ routes: [], sse: {}, events: { first_event_delay_ms: 20_000 } });
    const r = await runJob({}, ['--startup-deadline-s', '0.4']);
    expect(r.code).toBe(4);
    const jobId = createdJobId(r.out);
    expect(r.out).toContain('showed no sign of starting');
    expect(r.out).toContain('--startup-deadline-s');
    expect(r.out).toContain(`synth-rl run --job-id ${jobId} --backend-url ${sim.url}`);
    expect(finalRecord(r.out)).toMatchObject({ outcome: 'startup_deadline', exit_code: 4 });
  });

  test('events stop after the start → 5 (stalled) with --empty-polls', async () => {
    sim.faults.set({ routes: [], sse: {}, events: { stall_seconds: 30 } });
    const r = await runJob({ iterations: 5 }, ['--empty-polls', '3']);
    expect(r.code).toBe(5);
    expect(r.out).toContain('looks stalled');
    expect(r.out).toContain('--empty-polls');
  });

  test('--max-seconds watchdog → 3; the job keeps running', async () => {
    const r = await runJob({ iterations: 300 }, ['--max-seconds', '0.3']);
    expect(r.code).toBe(3);
    const jobId = createdJobId(r.out);
    expect(r.out).toContain('watchdog');
    expect(['training', 'evaluating']).toContain(sim.store.getJob(jobId)?.status ?? '');
  });
});

describe('bad input', () => {
  test('missing API key → 2 naming the flag and the env var', async () => {
    const r = await cli(['run', '--backend-url', sim.url, '--task-app-url', TASK_APP]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--api-key');
    expect(r.err).toContain('SYNTH_API_KEY');
  });

  test('missing task app URL for a new job → 2 naming the flag and the env vars', async () => {
    const r = await cli(['run', '--backend-url', sim.url, '--api-key', API_KEY]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--task-app-url');
    expect(r.err).toContain('TASK_APP_BASE_URL');
  });

  test('malformed URLs → 2', async () => {
    const a = await cli(['run', '--backend-url', 'not a url', '--api-key', API_KEY, '--task-app-url', TASK_APP]);
    expect(a.code).toBe(2);
    expect(a.err).toContain('--backend-url must be an http(s) URL');
    const b = await cli(['run', '--backend-url', sim.url, '--api-key', API_KEY], { env: { TASK_APP_BASE_URL: 'ftp://x' } });
    expect(b.code).toBe(2);
    expect(b.err).toContain('TASK_APP_BASE_URL must be an http(s) URL');
  });

  test('nonsense numbers → 2 naming the flag', async () => {
    const r = await cli(['run', ...flags(), '--poll-interval', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--poll-interval must be greater than 0');
  });

  test('a wrong API key → 1, "API key rejected by <url>" and where the key came from', async () => {
    const r = await cli(['run', '--backend-url', sim.url, '--task-app-url', TASK_APP], { env: { SYNTH_API_KEY: 'sk-wrong' } });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`API key rejected by ${sim.url}/api (HTTP 401`);
    expect(r.err).toContain('came from env SYNTH_API_KEY');
    expect(r.err).not.toContain('sk-wrong');
  });

  test('a backend that answers HTML → 1, saying it is not JSON', async () => {
    const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('<html>login</html>', { headers: { 'content-type': 'text/html' } }) });
    try {
      const r = await cli(['run', '--backend-url', `http://127.0.0.1:${server.port}`, '--api-key', API_KEY, '--task-app-url', TASK_APP]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('with a body that is not JSON');
      expect(r.err).toContain('--idempotency-key');
    } finally {
      void server.stop(true);
    }
  });

  test('an unknown --job-id → 1, not found', async () => {
    const r = await cli(['run', '--backend-url', sim.url, '--api-key', API_KEY, '--job-id', 'job_0000000000000000000']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('job job_0000000000000000000 not found');
  });
});

describe('Ctrl-C (a real process and a real SIGINT)', () => {
  const MAIN = resolve(import.meta.dir, '../../../src/cli/main.ts');

  async function interrupt(extra: string[]) {
    const cwd = tempDir({ 'rl.toml': replayToml({ iterations: 400 }) });
    const proc = Bun.spawn([process.execPath, MAIN, 'run', ...flags(), '--config-path', join(cwd, 'rl.toml'), ...extra], {
      cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1' }, stdout: 'pipe', stderr: 'pipe',
    });
    await waitFor(() => allJobs().some((j) => storedEvents(sim, j.id).some((e) => e.type === 'rl.train.step')), 10_000, 'a train step');
    proc.kill('SIGINT');
    const code = await proc.exited;
    return { code, out: await new Response(proc.stdout).text(), jobId: allJobs()[0]?.id as string };
  }

  test('prints the job id and the re-attach command, exits 130, leaves the job running', async () => {
    const r = await interrupt([]);
    expect(r.code).toBe(130);
    expect(r.out).toContain(`synth-rl run --job-id ${r.jobId} --backend-url ${sim.url}`);
    expect(r.out).toContain('the job keeps running');
    expect(['training', 'evaluating']).toContain(sim.store.getJob(r.jobId)?.status ?? '');
  }, 20_000);

  test('--cancel-on-interrupt cancels it', async () => {
    const r = await interrupt(['--cancel-on-interrupt']);
    expect(r.code).toBe(130);
    expect(sim.store.getJob(r.jobId)?.status).toBe('cancelled');
    expect(r.out).toContain('the job was cancelled');
  }, 20_000);
});
