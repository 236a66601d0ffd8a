// Messages and exit codes that say what happened: bad sim flags and state, interrupts by SIGINT or
// SIGTERM, and a backend that answers a status of the wrong shape.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'bun';
import type { Simulator } from '../../sim/server.ts';
import { API_KEY, replayToml, startTestSim, storedEvents, waitFor } from '../helpers/client-sim.ts';
import { cli, tempDir } from '../helpers/cli.ts';
import { MAIN } from '../helpers/process.ts';

const spawnSim = (args: string[]) => Bun.spawnSync([process.execPath, MAIN, 'sim', ...args], {
  stdout: 'pipe', stderr: 'pipe', timeout: 20_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
});

describe('sim flags and state', () => {
  test('--host 999.1.1.1 is an invalid address, not a port in use', () => {
    const r = spawnSim(['--host', '999.1.1.1', '--ephemeral', '--port', '0']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.toString()).toContain('--host 999.1.1.1 is not a valid address');
    expect(r.stderr.toString()).not.toContain('in use');
  });

  test.each(['-1', '0'])('--time-scale %s is rejected by the flag (exit 2), before anything starts', (scale) => {
    const r = spawnSim(['--time-scale', scale, '--ephemeral', '--port', '0']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.toString()).toContain('--time-scale must be greater than 0');
  });

  test('a corrupt sim.sqlite: exit 2 naming the file and the ways out', () => {
    const stateDir = join(tempDir(), 'state');
    mkdirSync(stateDir);
    writeFileSync(join(stateDir, 'sim.sqlite'), 'this is not a database, just some bytes '.repeat(200));
    const r = spawnSim(['--state-dir', stateDir, '--port', '0', '--no-task-app']);
    const err = r.stderr.toString();
    expect(r.exitCode).toBe(2);
    expect(err).toContain(join(stateDir, 'sim.sqlite'));
    expect(err).toContain('--state-dir');
    expect(err).toContain('--ephemeral');
  });
});

describe('interrupts', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSim();
  });
  afterAll(() => sim.stop());

  const jobs = () => sim.store.jobsInStatus(['queued', 'initializing', 'training', 'evaluating', 'succeeded', 'failed', 'cancelled']);

  async function interrupt(signal: 'SIGINT' | 'SIGTERM', extra: string[]) {
    const before = new Set(jobs().map((j) => j.id));
    const cwd = tempDir({ 'rl.toml': replayToml({ iterations: 400 }) });
    const proc = Bun.spawn([process.execPath, MAIN, 'run', '--backend-url', sim.url, '--api-key', API_KEY, '--task-app-url', 'http://127.0.0.1:8001',
      '--poll-interval', '0.05', '--config-path', join(cwd, 'rl.toml'), ...extra], {
      cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1' }, stdout: 'pipe', stderr: 'pipe',
    });
    const mine = () => jobs().find((j) => !before.has(j.id));
    await waitFor(() => { const j = mine(); return j !== undefined && storedEvents(sim, j.id).some((e) => e.type === 'rl.train.step'); }, 10_000, 'a train step');
    proc.kill(signal);
    const code = await proc.exited;
    return { code, out: await new Response(proc.stdout).text(), jobId: mine()?.id as string };
  }

  test('after --cancel-on-interrupt the final JSON says cancelled, not "training" / "left running"', async () => {
    const r = await interrupt('SIGINT', ['--cancel-on-interrupt', '--json']);
    expect(r.code).toBe(130);
    const final = r.out.split('\n').filter((l) => l.includes('"kind":"final"')).map((l) => JSON.parse(l) as Record<string, unknown>)[0];
    expect(final).toMatchObject({ status: 'cancelled', outcome: 'interrupted', cancelled: true });
    expect(String(final?.reason)).toContain('cancelled');
    expect(String(final?.reason)).not.toContain('left running');
  }, 30_000);

  test('SIGTERM is handled like Ctrl-C: the summary and re-attach command, exit 143, the job keeps running', async () => {
    const r = await interrupt('SIGTERM', []);
    expect(r.code).toBe(143);
    expect(r.out).toContain(`synth-rl run --job-id ${r.jobId}`);
    expect(r.out).toContain('the job keeps running');
    expect(['training', 'evaluating']).toContain(sim.store.getJob(r.jobId)?.status ?? '');
  }, 30_000);
});

describe('a status body of the wrong shape', () => {
  let backend: Server<undefined>;
  beforeAll(() => {
    backend = Bun.serve({
      port: 0, hostname: '127.0.0.1',
      fetch(req) {
        const path = new URL(req.url).pathname;
        if (req.method === 'POST' && path === '/api/rl/jobs') return Response.json({ job_id: 'job_0123456789abcdef012', status: 'queued' }, { status: 201 });
        if (path.endsWith('/events')) return Response.json({ events: [] });
        if (path.endsWith('/metrics')) return Response.json({ points: [] });
        if (path === '/api/learning/jobs/job_0123456789abcdef012') return Response.json({ job: { state: 'running' }, note: 'wrapped the wrong way' });
        return Response.json({ detail: 'not found' }, { status: 404 });
      },
    });
  });
  afterAll(() => backend.stop(true));

  test('is reported at once as an unexpected shape with a snippet, not blamed on dispatch 45 s later', async () => {
    const t0 = Date.now();
    const r = await cli(['run', '--backend-url', `http://127.0.0.1:${backend.port}`, '--api-key', 'sk', '--task-app-url', 'http://127.0.0.1:8001', '--poll-interval', '0.05']);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    expect(r.err).toContain('unexpected shape');
    expect(r.err).toContain('wrapped the wrong way');
    expect(r.err + r.out).not.toContain('dispatch');
  }, 30_000);
});
