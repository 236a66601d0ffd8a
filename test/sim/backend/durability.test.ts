// A real `synth-rl sim` process killed with SIGKILL mid-job, restarted on the same state dir.
import { describe, expect, test } from 'bun:test';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { bannerUrl, MAIN, startServer, type ServerProcess } from '../../helpers/process.ts';
import type { JobEvent } from '../../../src/api/jobs.ts';
import { tempDir } from '../../helpers/cli.ts';
import { jobBody } from '../../helpers/sim.ts';

interface SimProcess extends ServerProcess {
  url: string;
}

async function startSimProcess(args: string[]): Promise<SimProcess> {
  const p = await startServer(['sim', '--port', '0', '--trainer', 'replay', ...args]);
  return { ...p, url: bannerUrl(p.banner, 'backend') };
}

const get = async <T>(url: string, key: string) => (await (await fetch(url, { headers: { authorization: `Bearer ${key}` } })).json()) as T;

describe('durability', () => {
  test('kill -9 mid-job: acknowledged events survive, seq continues without gaps, the job is failed with the reason', async () => {
    const stateDir = join(tempDir(), 'state');
    const key = 'sk-durable';
    const first = await startSimProcess(['--state-dir', stateDir, '--api-key', key]);
    // The state holds keys: owner-only.
    expect(statSync(join(stateDir, 'sim.sqlite')).mode & 0o777).toBe(0o600);
    const create = await fetch(`${first.url}/api/rl/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(jobBody({}, { sim: { replay: { iterations: 1000, step_seconds: 0.01 } } })),
    });
    const { job_id: id } = (await create.json()) as { job_id: string };
    let acknowledged: JobEvent[] = [];
    for (let i = 0; i < 500 && acknowledged.length < 25; i++) {
      await Bun.sleep(20);
      acknowledged = (await get<{ events: JobEvent[] }>(`${first.url}/api/learning/jobs/${id}/events?limit=1000`, key)).events;
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(25);
    first.proc.kill('SIGKILL');
    await first.proc.exited;

    const second = await startSimProcess(['--state-dir', stateDir, '--api-key', key]);
    try {
      expect(second.banner).toContain('recovered  1 job(s)');
      const after = (await get<{ events: JobEvent[] }>(`${second.url}/api/learning/jobs/${id}/events?limit=1000`, key)).events;
      expect(after.slice(0, acknowledged.length)).toEqual(acknowledged);
      expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
      const last = after.at(-1) as JobEvent;
      expect(last.type).toBe('rl.job.failed');
      expect(last.message).toContain('simulator restarted');
      const job = await get<{ status: string; error: string }>(`${second.url}/api/learning/jobs/${id}`, key);
      expect(job.status).toBe('failed');
      expect(job.error).toContain('restarted');
      // New jobs continue normally on the recovered state.
      const again = await fetch(`${second.url}/api/rl/jobs`, {
        method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(jobBody()),
      });
      expect(again.status).toBe(201);
    } finally {
      second.proc.kill('SIGTERM');
      expect(await second.proc.exited).toBe(0);
    }
  }, 30_000);

  test('a generated API key is printed on first start and reused after a restart; the keypair persists', async () => {
    const stateDir = join(tempDir(), 'state');
    const a = await startSimProcess(['--state-dir', stateDir]);
    const key = /API key\s+(sk_sim_[0-9a-f]+)\s+\(generated now/.exec(a.banner)?.[1] as string;
    expect(key).toBeDefined();
    const pk1 = await get<{ public_key: string }>(`${a.url}/api/v1/crypto/public-key`, key);
    a.proc.kill('SIGTERM');
    expect(await a.proc.exited).toBe(0);
    // Shown once: the state keeps its digest, the key lives in a 0600 file the banner names.
    expect(a.banner).toContain(`saved to ${join(stateDir, 'api-key')} (0600); shown only this once`);
    const b = await startSimProcess(['--state-dir', stateDir]);
    try {
      expect(b.banner).not.toContain(key);
      expect(b.banner).toContain(`(persisted; the key is in ${join(stateDir, 'api-key')})`);
      expect(b.banner).toContain(`export SYNTH_API_KEY=$(cat ${join(stateDir, 'api-key')})`);
      const pk2 = await get<{ public_key: string }>(`${b.url}/api/v1/crypto/public-key`, key);
      expect(pk2.public_key).toBe(pk1.public_key);
    } finally {
      b.proc.kill('SIGTERM');
      await b.proc.exited;
    }
  }, 30_000);

  test('--ephemeral keeps nothing; bad flags exit 2', async () => {
    const e = await startSimProcess(['--ephemeral', '--api-key', 'k']);
    expect(e.banner).toContain('memory only');
    e.proc.kill('SIGTERM');
    await e.proc.exited;
    const bad = Bun.spawnSync([process.execPath, MAIN, 'sim', '--faults', '{oops', '--ephemeral'], { stdout: 'pipe', stderr: 'pipe' });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.toString()).toContain('--faults: invalid JSON');
    const badTrainer = Bun.spawnSync([process.execPath, MAIN, 'sim', '--trainer', 'magic', '--ephemeral', '--port', '0'], { stdout: 'pipe', stderr: 'pipe' });
    expect(badTrainer.exitCode).toBe(2);
    expect(badTrainer.stderr.toString()).toContain('trainer "magic" is not available');
  }, 30_000);
});
