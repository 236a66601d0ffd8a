// A GRPO job through the whole simulator: backend API, job runner, trainer Worker, task app,
// inference service — with the env key sealed and uploaded as a client would.
import { expect, test } from 'bun:test';
import { startSimulator } from '../../../sim/server.ts';
import { runTinyGrpoJob } from '../../e2e/grpo-job.ts';

test('a GRPO job created over HTTP trains, evaluates, checkpoints and succeeds', async () => {
  const sim = await startSimulator({ port: 0, apiKeys: ['sk-grpo'], taskApp: { port: 0, environmentApiKey: 'env-grpo' }, defaultTrainer: 'grpo', queueDelayMs: 5 });
  try {
    const out = await runTinyGrpoJob(sim.url, 'sk-grpo', sim.taskApp?.url as string, 'env-grpo');
    expect(out.status).toBe('succeeded');
    const types = out.events.map((e) => e.type);
    for (const t of ['rl.job.created', 'rl.train.started', 'rl.train.step', 'rl.eval.summary', 'rl.checkpoint.saved', 'rl.train.completed', 'rl.job.completed']) {
      expect(types).toContain(t);
    }
    expect(out.events.map((e) => e.seq)).toEqual(out.events.map((_, i) => i + 1));
    const started = out.events.find((e) => e.type === 'rl.train.started');
    expect(started?.message).toContain('standing in for Qwen/Qwen3-0.6B');
    const arts = await (await fetch(`${sim.apiUrl}/orchestration/jobs/${out.jobId}/artifacts`, { headers: { authorization: 'Bearer sk-grpo' } })).json() as { artifacts: { size_bytes: number | null }[] };
    expect(arts.artifacts[0]?.size_bytes).toBeGreaterThan(1000);
  } finally {
    await sim.stop();
  }
}, 60_000);
