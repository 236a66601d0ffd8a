// The simulator's per-job metric files, fed by the store: each stored point once (a resumed job's
// repeated points are ignored by the store, so by the files too), each committed step's line at
// once (the store commits a step's metrics together; a line held back would die with a crash).
import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBus } from '../../../sim/backend/bus.ts';
import { JobMetricFiles, jobMetricsJsonl, jobTensorboardDir } from '../../../sim/backend/job-metric-files.ts';
import { Store } from '../../../sim/backend/store.ts';
import { tfeventsName } from '../../../src/metrics/files.ts';
import { tempDir } from '../../helpers/cli.ts';
import { readTfevents, scalarLines } from '../../helpers/tfevents-reader.ts';

test('every point the store keeps, once; each step\'s line as soon as it is committed; failures stay local', () => {
  const dir = tempDir();
  const store = new Store();
  const bus = new EventBus();
  const files = new JobMetricFiles(dir, store, bus);
  const jsonl = () => readFileSync(jobMetricsJsonl(dir, 'job_a'), 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, number>);
  store.addMetrics('job_a', [{ name: 'train.reward_mean', value: 1, step: 1 }, { name: 'train.kl', value: 0.5, step: 1 }]);
  store.addMetrics('job_a', [{ name: 'train.reward_mean', value: 2, step: 2 }]);
  // A resumed job reports step 2 again: the store keeps the first write, the files see nothing new.
  store.addMetrics('job_a', [{ name: 'train.reward_mean', value: 99, step: 2 }]);
  expect(jsonl().map((l) => l.step)).toEqual([1, 2]);
  bus.publish('job_a', { kind: 'status', status: 'training' });
  expect(jsonl().length).toBe(2);
  bus.publish('job_a', { kind: 'status', status: 'succeeded' });
  expect(jsonl().map((l) => [l.step, l['train/reward']])).toEqual([[1, 1], [2, 2]]);
  const tb = readTfevents(join(jobTensorboardDir(dir, 'job_a'), tfeventsName('job_a')));
  expect(scalarLines(tb.events)).toEqual(['1 train/reward 1', '1 loss/kl 0.5', '2 train/reward 2']);

  // A job whose folder cannot be made: logged, never thrown into the store's caller.
  const blocked = tempDir({ job_b: 'a file where the folder should be' });
  const failing = new Store();
  new JobMetricFiles(blocked, failing, new EventBus());
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => void errors.push(m);
  try {
    expect(failing.addMetrics('job_b', [{ name: 'train.kl', value: 1, step: 1 }]).length).toBe(1);
    failing.addMetrics('job_b', [{ name: 'train.kl', value: 1, step: 2 }]);
  } finally {
    console.error = original;
  }
  expect(errors.length).toBe(1);
  expect(errors[0]).toContain('job job_b: metric files not written');
  files.closeAll();
  store.close();
  failing.close();
});
