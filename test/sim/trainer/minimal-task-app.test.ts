// The GRPO trainer against a task app that sends only what the contract requires
// (no metrics.details in rollout responses).
import { describe, expect, test } from 'bun:test';
import { grpoTrainer, runTrainer, smallConfig, startHarness } from '../../helpers/trainer.ts';

describe('trainer against a contract-minimal task app', () => {
  test('rollout responses without metrics.details are accepted (the contract makes it optional)', async () => {
    const h = await startHarness();
    const minimal = Bun.serve({
      port: 0, hostname: '127.0.0.1',
      async fetch(req) {
        const res = await fetch(`${h.taskApp.url}${new URL(req.url).pathname}`, { method: req.method, headers: req.headers, body: req.method === 'POST' ? await req.text() : undefined });
        const body = (await res.json()) as { metrics?: { details?: unknown } };
        if (body.metrics) delete body.metrics.details;
        return Response.json(body, { status: res.status });
      },
    });
    try {
      const trainer = grpoTrainer(h);
      const harness = { ...h, taskApp: { ...h.taskApp, url: `http://127.0.0.1:${minimal.port}` } };
      const { error, rec } = await runTrainer(trainer, harness, smallConfig({ training: { num_epochs: 1, iterations_per_epoch: 1 }, checkpoint: { enabled: false } }));
      expect(error).toBeUndefined();
      expect(rec.events.at(-1)?.type).toBe('rl.train.completed');
    } finally {
      minimal.stop(true);
      await h.stop();
    }
  }, 60_000);
});
