// Recorded rollouts of a GRPO job through the backend's /api routes: the index, one episode step
// by step, its frames (replayed Crafter), bounds on every parameter, and isolation between orgs.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../../sim/server.ts';
import { runTinyGrpoJob } from '../../e2e/grpo-job.ts';
import { tfeventsName } from '../../../src/metrics/files.ts';
import { viewerTag } from '../../../src/metrics/names.ts';
import { tempDir } from '../../helpers/cli.ts';
import { readTfevents, scalarLines } from '../../helpers/tfevents-reader.ts';

const KEY = 'sk-rollouts-a';
const OTHER = 'sk-rollouts-b';

interface IndexBody {
  job_id: string;
  next_after_iteration: number | null;
  iterations: {
    kind: string; iteration: number; reward_mean: number;
    groups: { group: number; seed: number; episodes: { index: number; reward: number; advantage: number | null; steps: number; recorded: boolean; href: string | null }[] }[];
  }[];
}

interface EpisodeBody {
  kind: string; iteration: number; group: number; index: number; seed: number; reward: number; advantage: number | null;
  group_rewards: number[]; group_advantages: (number | null)[]; frames: { count: number; href_template: string };
  steps: { step: number; observation: string; prompt: string; actions: { action: string; logprob: number }[]; action: string; reward: number; frame: string; achievements: string[] }[];
}

let sim: Simulator;
let stateDir: string;
let jobId: string;
const get = (path: string, key = KEY) => fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
const getJson = async <T>(path: string, key = KEY) => {
  const res = await get(path, key);
  return { status: res.status, body: (await res.json()) as T };
};

beforeAll(async () => {
  stateDir = tempDir();
  sim = await startSimulator({ port: 0, stateDir, apiKeys: [KEY, OTHER], taskApp: { port: 0, environmentApiKey: 'env-r' }, defaultTrainer: 'grpo', queueDelayMs: 5 });
  const out = await runTinyGrpoJob(sim.url, KEY, sim.taskApp?.url as string, 'env-r');
  expect(out.status).toBe('succeeded');
  jobId = out.jobId;
}, 90_000);

afterAll(async () => {
  await sim.stop();
});

describe('recorded rollouts: index, episodes and frames', () => {
  test('the index lists every iteration and evaluation with each episode\'s reward and advantage', async () => {
    const { status, body } = await getJson<IndexBody>(`/api/rl/jobs/${jobId}/rollouts`);
    expect(status).toBe(200);
    expect(body.iterations.map((e) => `${e.kind}${e.iteration}`)).toEqual(['eval0', 'train1', 'train2', 'eval2']);
    const train = body.iterations.find((e) => e.kind === 'train' && e.iteration === 1);
    // batch_size 1 × group_size 4: one group of four, advantages centred on the group's mean.
    expect(train?.groups.length).toBe(1);
    const eps = train?.groups[0]?.episodes ?? [];
    expect(eps.map((e) => e.index)).toEqual([0, 1, 2, 3]);
    const meanReward = eps.reduce((a, e) => a + e.reward, 0) / eps.length;
    for (const e of eps) {
      expect(Math.sign(e.advantage as number)).toBe(Math.sign(e.reward - meanReward));
      expect(e.recorded).toBe(true);
      expect(e.href).toBe(`/api/rl/jobs/${jobId}/rollouts/1/0/${e.index}`);
    }
    const ev = body.iterations.find((e) => e.kind === 'eval');
    expect(ev?.groups.map((g) => g.seed)).toEqual([0, 1]);
    expect(ev?.groups[0]?.episodes[0]?.advantage).toBeNull();
  });

  test('one episode: per step the observation, the prompt, the sampled actions with log-probabilities, reward and frame', async () => {
    const { status, body } = await getJson<EpisodeBody>(`/api/rl/jobs/${jobId}/rollouts/2/0/1`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'train', iteration: 2, group: 0, index: 1 });
    expect(body.group_rewards.length).toBe(4);
    expect(body.group_rewards[1]).toBe(body.reward);
    expect(body.group_advantages[1]).toBe(body.advantage);
    expect(body.steps.length).toBeGreaterThan(0);
    expect(body.steps.length).toBeLessThanOrEqual(4);
    expect(body.frames.count).toBe(body.steps.length + 1);
    for (const s of body.steps) {
      expect(s.observation).toContain('Local Map View');
      expect(s.prompt).toContain('facing');
      expect(s.actions.length).toBeGreaterThan(0);
      expect(s.actions[0]?.action).toBe(s.action);
      expect(s.actions[0]?.logprob).toBeLessThanOrEqual(0);
      expect(s.actions[0]?.logprob).toBeGreaterThan(-10);
    }
    expect(body.steps.reduce((a, s) => a + s.reward, 0)).toBeGreaterThanOrEqual(0);
    const ev = await getJson<EpisodeBody>(`/api/rl/jobs/${jobId}/rollouts/0/1/0?kind=eval`);
    expect(ev.status).toBe(200);
    expect(ev.body).toMatchObject({ kind: 'eval', iteration: 0, group: 1, seed: 1, advantage: null });
  });

  test('every frame replays the episode and renders a PNG', async () => {
    const { body } = await getJson<EpisodeBody>(`/api/rl/jobs/${jobId}/rollouts/1/0/0`);
    const pngs: Uint8Array[] = [];
    for (let i = 0; i < body.frames.count; i++) {
      const res = await get(body.frames.href_template.replace('{step}', String(i)));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const png = new Uint8Array(await res.arrayBuffer());
      expect([...png.slice(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
      pngs.push(png);
    }
    expect(body.steps[0]?.frame).toBe(body.frames.href_template.replace('{step}', '0'));
    const view = await get(`/api/rl/jobs/${jobId}/rollouts/1/0/0/frames/0.png?area=view&scale=4`);
    expect(view.status).toBe(200);
  });
});

describe('recorded rollouts: storage, isolation, bad parameters and paging', () => {
  test('the files live in the state dir and survive a restart', async () => {
    expect(existsSync(join(stateDir, 'jobs', jobId, 'rollouts', 'index.jsonl'))).toBe(true);
    const again = await startSimulator({ port: 0, stateDir, apiKeys: [KEY] });
    try {
      const res = await fetch(`${again.url}/api/rl/jobs/${jobId}/rollouts/1/0/0`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(res.status).toBe(200);
    } finally {
      await again.stop();
    }
  });

  test('another org\'s key gets 404 on every rollout route', async () => {
    for (const path of [`/api/rl/jobs/${jobId}/rollouts`, `/api/rl/jobs/${jobId}/rollouts/1/0/0`, `/api/rl/jobs/${jobId}/rollouts/1/0/0/frames/0.png`, `/api/rl/jobs/${jobId}/rollouts/1/0/0/frames/x.png?scale=0`]) {
      const res = await getJson<{ detail: string }>(path, OTHER);
      expect(res.status).toBe(404);
      expect(res.body.detail).toContain('not found');
    }
    expect((await get(`/api/rl/jobs/${jobId}/rollouts`, 'sk-wrong')).status).toBe(401);
  });

  test('bad parameters answer 4xx JSON naming the parameter', async () => {
    const cases: [string, number, string][] = [
      ['/rollouts?kind=test', 422, 'kind'],
      ['/rollouts?limit=0', 422, 'limit'],
      ['/rollouts?after_iteration=x', 422, 'after_iteration'],
      ['/rollouts/x/0/0', 422, 'iteration'],
      ['/rollouts/1/-1/0', 422, 'group'],
      ['/rollouts/1/0/99999999999', 422, 'index'],
      ['/rollouts/1/0/9', 404, 'no recorded'],
      ['/rollouts/99/0/0', 404, 'no recorded'],
      ['/rollouts/1/0/0/frames/abc.png', 422, 'frame'],
      ['/rollouts/1/0/0/frames/999.png', 404, 'out of range'],
      ['/rollouts/1/0/0/frames/0.png?scale=1000', 422, 'scale'],
      ['/rollouts/1/0/0/frames/0.png?area=all', 422, 'area'],
    ];
    for (const [suffix, status, word] of cases) {
      const res = await getJson<{ detail: string }>(`/api/rl/jobs/${jobId}${suffix}`);
      expect({ suffix, status: res.status }).toEqual({ suffix, status });
      expect(res.body.detail).toContain(word);
    }
  });

  test('paging by iteration', async () => {
    const first = await getJson<IndexBody>(`/api/rl/jobs/${jobId}/rollouts?limit=2`);
    expect(first.body.iterations.map((e) => `${e.kind}${e.iteration}`)).toEqual(['eval0', 'train1']);
    expect(first.body.next_after_iteration).toBe(1);
    const next = await getJson<IndexBody>(`/api/rl/jobs/${jobId}/rollouts?limit=2&after_iteration=1`);
    expect(next.body.iterations.map((e) => `${e.kind}${e.iteration}`)).toEqual(['train2', 'eval2']);
    expect(next.body.next_after_iteration).toBeNull();
    const evals = await getJson<IndexBody>(`/api/rl/jobs/${jobId}/rollouts?kind=eval`);
    expect(evals.body.iterations.map((e) => e.iteration)).toEqual([0, 2]);
  });
});

describe('the simulator\'s metric files for its own jobs', () => {
  test('metrics.jsonl and the TensorBoard events in the state dir hold every point the API serves', async () => {
    const { body } = await getJson<{ points: { name: string; value: number; step: number }[] }>(`/api/rl/jobs/${jobId}/metrics?limit=5000`);
    expect(body.points.length).toBeGreaterThan(20);
    const dir = join(stateDir, 'jobs', jobId);
    const r = readTfevents(join(dir, 'tensorboard', tfeventsName(jobId)));
    expect(r.code).toBe(0);
    expect(scalarLines(r.events).sort()).toEqual(body.points.map((p) => `${p.step} ${viewerTag(p.name)} ${Math.fround(p.value)}`).sort());
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines.map((l) => l.step)).toEqual([1, 2]);
    for (const p of body.points) expect({ name: p.name, value: lines.find((l) => l.step === p.step)?.[viewerTag(p.name)] }).toEqual({ name: p.name, value: p.value });
    expect(Object.keys(lines[1] ?? {})).toEqual(expect.arrayContaining(['train/reward', 'eval/reward']));
    // Loss columns only on steps that updated (docs/trainer.md §8): a step with no update has none, not 0.
    const updated = new Set(body.points.filter((p) => p.name === 'train.loss').map((p) => p.step));
    for (const l of lines) expect([l.step, 'loss/policy' in l]).toEqual([l.step, updated.has(l.step as number)]);
  });
});
