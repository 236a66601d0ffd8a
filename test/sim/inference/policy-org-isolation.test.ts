// A GRPO job's policy and checkpoint serve its own org only: another org can neither use nor
// discover a running job's policy, and rl: models wait for the job's success.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startSimulator, type Simulator } from '../../../sim/server.ts';
import { runTinyGrpoJob } from '../../e2e/grpo-job.ts';

describe('GRPO simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, apiKeys: ['sk-a', 'sk-b'], taskApp: { port: 0, environmentApiKey: 'env-k' }, defaultTrainer: 'grpo', queueDelayMs: 5 });
  });
  afterAll(() => sim.stop());

  test("another org can neither use nor discover a running job's policy; rl: models wait for success", async () => {
    const api = (key: string, body: unknown) => fetch(`${sim.apiUrl}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const done = await runTinyGrpoJob(sim.url, 'sk-a', sim.taskApp?.url as string, 'env-k');
    expect(done.status).toBe('succeeded');
    const policy = `sim-policy:${done.jobId}`;
    sim.inference.register({ id: policy, complete: async () => { throw new Error('must not be called'); } }, { replace: true });
    const r = await api('sk-b', { model: policy, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(404);
    expect(await r.text()).not.toMatch(/serves:[^"]*sim-policy/);
    sim.inference.unregister(policy);
    // The finished job's checkpoint serves its own org only.
    expect((await api('sk-a', { model: done.fineTunedModel, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    expect((await api('sk-b', { model: done.fineTunedModel, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(404);
  }, 60_000);
});
