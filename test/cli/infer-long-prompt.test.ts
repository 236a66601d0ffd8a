// `infer --weights` with a prompt longer than the trained model's context: trimmed, not a crash.
import { describe, expect, test } from 'bun:test';
import type { JobEvent } from '../../src/api/jobs.ts';
import { startSimulator } from '../../sim/server.ts';
import { runTinyGrpoJob } from '../e2e/grpo-job.ts';
import { cli, tempDir } from '../helpers/cli.ts';

describe('infer', () => {
  test('infer: a prompt longer than the model context is trimmed, not a crash', async () => {
    const sim = await startSimulator({ port: 0, apiKeys: ['sk-c'], taskApp: { port: 0, environmentApiKey: 'env-c' }, defaultTrainer: 'grpo', queueDelayMs: 5, stateDir: tempDir() });
    try {
      const job = await runTinyGrpoJob(sim.url, 'sk-c', sim.taskApp?.url as string, 'env-c');
      const tarball = sim.store.listArtifacts(job.jobId).find((a) => a.local_path)?.local_path as string;
      const r = await cli(['infer', '--weights', tarball, '--prompt', Array(400).fill('tree').join(' '), '--json']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const events = (await (await fetch(`${sim.apiUrl}/learning/jobs/${job.jobId}/events?limit=1000`, { headers: { authorization: 'Bearer sk-c' } })).json() as { events: JobEvent[] }).events;
      expect(events.at(-1)?.type).toBe('rl.job.completed');
    } finally {
      await sim.stop();
    }
  }, 60_000);
});
