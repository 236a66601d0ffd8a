// What start-up does with jobs a crashed process left running: resume them ([sim] resume, on by
// default), or fail them with the reason (--no-resume, [sim] resume = false, a trainer that cannot
// resume). The crash itself is the state a killed process leaves: job rows still `training`.
import { describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobEvent } from '../../../src/api/jobs.ts';
import { Store } from '../../../sim/backend/store.ts';
import { startSimulator } from '../../../sim/server.ts';
import { tempDir } from '../../helpers/cli.ts';
import { jobBody } from '../../helpers/sim.ts';

/** A state dir holding jobs a dead process left `training` (one per config). */
function crashedState(configs: { trainer: string; config: Record<string, unknown> }[]): { stateDir: string; ids: string[] } {
  const stateDir = join(tempDir(), 'state');
  const store = new Store(stateDir);
  const ids = configs.map((c, i) => {
    const id = `job_crashed${String(i).padStart(8, '0')}`;
    store.insertJob({
      id, org: 'org_default', status: 'training', model: 'Qwen/Qwen3-0.6B', trainer: c.trainer, body: JSON.stringify(jobBody({}, c.config)),
      config: JSON.stringify(c.config), idempotency_key: null, body_hash: null,
    });
    store.appendEvent(id, { type: 'rl.job.created', message: 'created', data: {} });
    return id;
  });
  store.close();
  return { stateDir, ids };
}

async function afterRestart(stateDir: string, resume: boolean | undefined) {
  const sim = await startSimulator({ port: 0, stateDir, apiKeys: ['k'], queueDelayMs: 10, ...(resume !== undefined && { resume }) });
  // Resumed jobs run until they end (here: at once, for want of an env key).
  for (let i = 0; i < 500 && sim.store.jobsInStatus(['training']).length > 0; i++) await Bun.sleep(10);
  await sim.stop();
  const store = new Store(stateDir);
  const read = (id: string) => ({ job: store.getJob(id), events: store.listEvents(id, 0, 100) as JobEvent[] });
  return { sim, read, close: () => store.close() };
}

describe('restart after a crash', () => {
  const grpo = { trainer: 'grpo', config: { sim: { trainer: 'grpo' } } };
  const optedOut = { trainer: 'grpo', config: { sim: { trainer: 'grpo', resume: false } } };
  const replay = { trainer: 'replay', config: { sim: { trainer: 'replay' } } };

  test('by default GRPO jobs resume; [sim] resume = false and the replay trainer fail with the reason', async () => {
    const { stateDir, ids } = crashedState([grpo, optedOut, replay]);
    const r = await afterRestart(stateDir, undefined);
    try {
      expect(r.sim.resumed).toEqual([ids[0] as string]);
      expect(r.sim.recovered.sort()).toEqual([ids[1] as string, ids[2] as string].sort());
      // The resumed job ran (here it fails at once: no env key), announcing the resume first.
      const resumed = r.read(ids[0] as string);
      expect(resumed.events.map((e) => e.type)).toContain('rl.job.resumed');
      const opted = r.read(ids[1] as string);
      expect(opted.job?.status).toBe('failed');
      expect(opted.job?.error).toContain('[sim] resume = false');
      const rep = r.read(ids[2] as string);
      expect(rep.job?.error).toContain('the replay trainer cannot resume it');
      for (const id of ids) expect(r.read(id).events.map((e) => e.seq)).toEqual(r.read(id).events.map((_, i) => i + 1));
    } finally {
      r.close();
    }
  }, 30_000);

  test('--no-resume (resume: false) fails every left-running job with the reason, as before', async () => {
    const { stateDir, ids } = crashedState([grpo]);
    const resumeDir = join(stateDir, 'jobs', ids[0] as string, 'resume');
    mkdirSync(resumeDir, { recursive: true });
    writeFileSync(join(resumeDir, 'iter-000001.state'), 'left by the crashed process');
    const r = await afterRestart(stateDir, false);
    try {
      expect(r.sim.resumed).toEqual([]);
      expect(r.sim.recovered).toEqual(ids);
      const { job, events } = r.read(ids[0] as string);
      expect(job?.status).toBe('failed');
      expect(job?.error).toBe('simulator restarted while this job was training; resume is off (--no-resume), so the job is marked failed');
      expect(events.at(-1)?.type).toBe('rl.job.failed');
      // What the job kept to resume goes with it.
      expect(existsSync(resumeDir)).toBe(false);
    } finally {
      r.close();
    }
  }, 30_000);
});
