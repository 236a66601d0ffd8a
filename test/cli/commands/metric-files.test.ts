// `run --metrics-jsonl FILE --tensorboard DIR` (and train, demo, which share the flags): the
// metrics the client followed, in files existing viewers open, read back independently.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Simulator } from '../../../sim/server.ts';
import { tfeventsName } from '../../../src/metrics/files.ts';
import { viewerTag } from '../../../src/metrics/names.ts';
import { cli, tempDir } from '../../helpers/cli.ts';
import { API_KEY, createdJobId, replayToml, startTestSim } from '../../helpers/client-sim.ts';
import { readTfevents, scalarLines } from '../../helpers/tfevents-reader.ts';

let sim: Simulator;
beforeEach(async () => {
  sim = await startTestSim();
});
afterEach(() => sim.stop());

const flags = () => ['--backend-url', sim.url, '--api-key', API_KEY, '--task-app-url', 'http://127.0.0.1:8001', '--poll-interval', '0.05'];

test('run writes every metric it followed to metrics.jsonl (one object per step) and a TensorBoard file', async () => {
  const cwd = tempDir({ 'rl.toml': replayToml({ iterations: 4, stepSeconds: 0.2, evalEvery: 2 }) });
  const r = await cli(['run', ...flags(), '--config-path', 'rl.toml', '--metrics-jsonl', 'out/metrics.jsonl', '--tensorboard', 'tb'], { cwd });
  expect(r.code).toBe(0);
  const jobId = createdJobId(r.out);
  expect(r.err).toContain(`note: writing metrics to ${join(cwd, 'out', 'metrics.jsonl')} and ${join(cwd, 'tb', tfeventsName(jobId))}`);
  const stored = sim.store.listMetrics(jobId, -1, 100_000);
  expect(stored.length).toBeGreaterThan(10);

  const decoded = readTfevents(join(cwd, 'tb', tfeventsName(jobId)));
  expect(decoded.code).toBe(0);
  expect(scalarLines(decoded.events).sort()).toEqual(stored.map((p) => `${p.step} ${viewerTag(p.name)} ${Math.fround(p.value)}`).sort());
  // wall_time is when the backend recorded the point.
  const first = decoded.events.find((e) => e.what === 'summary');
  expect(Math.abs((first?.wall_time ?? 0) - Date.parse(stored[0]?.created_at ?? '') / 1000)).toBeLessThan(5);

  const lines = readFileSync(join(cwd, 'out', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4]);
  for (const p of stored) expect([p.name, lines.find((l) => l.step === p.step)?.[viewerTag(p.name)]]).toEqual([p.name, p.value]);
  expect(lines[1]).toMatchObject({ epoch: 1 });
  expect(Object.keys(lines[1] ?? {})).toEqual(expect.arrayContaining(['train/reward', 'eval/reward', 'loss/kl', 'loss/entropy', 'loss/grad_norm', 'loss/policy']));
});

test('re-attaching rewrites the files from the replayed stream instead of doubling them', async () => {
  const cwd = tempDir({ 'rl.toml': replayToml({ iterations: 2, stepSeconds: 0.1 }) });
  const first = await cli(['run', ...flags(), '--config-path', 'rl.toml', '--metrics-jsonl', 'm.jsonl', '--tensorboard', 'tb'], { cwd });
  const jobId = createdJobId(first.out);
  const again = await cli(['run', ...flags(), '--job-id', jobId, '--metrics-jsonl', 'm.jsonl', '--tensorboard', 'tb'], { cwd });
  expect(again.code).toBe(0);
  const stored = sim.store.listMetrics(jobId, -1, 100_000);
  expect(scalarLines(readTfevents(join(cwd, 'tb', tfeventsName(jobId))).events).length).toBe(stored.length);
  expect(readFileSync(join(cwd, 'm.jsonl'), 'utf8').trim().split('\n').length).toBe(2);
});

test('a path that cannot be written is a usage error (exit 2) before any job is created', async () => {
  const cwd = tempDir({ 'rl.toml': replayToml(), 'afile': 'x' });
  writeFileSync(join(cwd, 'dir-is-file'), 'x');
  for (const extra of [['--tensorboard', 'afile'], ['--metrics-jsonl', 'afile/m.jsonl'], ['--tensorboard', 'dir-is-file/tb']]) {
    const r = await cli(['run', ...flags(), '--config-path', 'rl.toml', ...extra], { cwd });
    expect({ extra, code: r.code }).toEqual({ extra, code: 2 });
    expect(r.err).toContain(extra[0] as string);
  }
  expect(sim.store.jobsInStatus(['queued', 'initializing', 'training', 'succeeded', 'failed'])).toEqual([]);
  expect(existsSync(join(cwd, 'afile'))).toBe(true);
});
