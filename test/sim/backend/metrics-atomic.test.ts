// Issue 14: the metrics of one step become visible together (one transaction), so a client that
// keeps a single after_step cursor across all names never skips a step's metrics.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { MetricPoint } from '../../../src/api/jobs.ts';
import type { NewMetric } from '../../../sim/backend/store.ts';
import { startTestSim, type TestSim } from '../../helpers/sim.ts';
import { ENV_KEY, smallConfig } from '../../helpers/trainer.ts';

let t: TestSim;
/** Every addMetrics call: the (name, step) pairs it wrote, in one transaction each. */
const batches: string[][] = [];

beforeAll(async () => {
  t = await startTestSim({ taskApp: { port: 0, environmentApiKey: ENV_KEY }, defaultTrainer: 'grpo' });
  const store = t.sim.store;
  const original = store.addMetrics.bind(store);
  store.addMetrics = (jobId: string, points: readonly NewMetric[]) => {
    batches.push(points.map((p) => `${p.name}@${p.step}`));
    return original(jobId, points);
  };
});
afterAll(() => t.sim.stop());

const key = (p: { name: string; step: number }) => `${p.name}@${p.step}`;

/** Follows a job's metrics the way a simple client would: one after_step cursor for all names. */
async function followWithOneCursor(jobId: string): Promise<Set<string>> {
  const seen = new Set<string>();
  let after = -1;
  for (;;) {
    const status = (await t.json<{ status: string }>(`/api/learning/jobs/${jobId}`)).body.status;
    const points = (await t.json<{ points: MetricPoint[] }>(`/api/learning/jobs/${jobId}/metrics?after_step=${after}&limit=5000`)).body.points;
    for (const p of points) {
      seen.add(key(p));
      after = Math.max(after, p.step);
    }
    if (['succeeded', 'failed', 'cancelled'].includes(status)) return seen;
    await Bun.sleep(5);
  }
}

async function allMetrics(jobId: string): Promise<MetricPoint[]> {
  return (await t.json<{ points: MetricPoint[] }>(`/api/learning/jobs/${jobId}/metrics?limit=5000`)).body.points;
}

/** Each step's metrics were written by exactly one addMetrics call. */
function expectOneBatchPerStep(points: MetricPoint[], from: number): void {
  const mine = batches.slice(from);
  const steps = [...new Set(points.map((p) => p.step))];
  for (const step of steps) {
    const names = points.filter((p) => p.step === step).map(key).sort();
    const writers = mine.filter((b) => b.some((k) => k.endsWith(`@${step}`)));
    expect(writers.map((b) => b.filter((k) => k.endsWith(`@${step}`)).sort())).toEqual([names]);
  }
}

describe('metrics of one step are committed together', () => {
  test('GRPO: train, eval and the initial eval of a step appear at once; a single-cursor client misses nothing', async () => {
    const from = batches.length;
    const jobId = await t.createJob({ endpoint_base_url: t.sim.taskApp?.url, environment_api_key: ENV_KEY, config: smallConfig() });
    const seen = await followWithOneCursor(jobId);
    expect((await t.json<{ status: string }>(`/api/learning/jobs/${jobId}`)).body.status).toBe('succeeded');
    const all = await allMetrics(jobId);
    // The initial evaluation is recorded at step 1, with step 1's training metrics.
    expect(all.map(key)).toContain('eval.reward_mean_initial@1');
    expect(all.map(key)).toContain('eval.reward_mean@2');
    expect([...seen].sort()).toEqual(all.map(key).sort());
    expectOneBatchPerStep(all, from);
  }, 60_000);

  test('replay: a step with an evaluation is one commit', async () => {
    const from = batches.length;
    const jobId = await t.createJob({ config: { sim: { trainer: 'replay', replay: { iterations: 4, step_seconds: 0.01 } }, evaluation: { every_n_iters: 2 } } });
    await t.waitFor(async () => ((await t.json<{ status: string }>(`/api/learning/jobs/${jobId}`)).body.status === 'succeeded' ? true : undefined), 20_000);
    const all = await allMetrics(jobId);
    expect(all.map(key)).toContain('eval.reward_mean@2');
    expectOneBatchPerStep(all, from);
  }, 30_000);
});
