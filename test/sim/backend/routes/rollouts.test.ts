// The rollouts sub-app on its own (sim/backend/routes/rollouts.ts), over files written the way the
// trainer writes them: the index, one episode, its frames; 4xx JSON naming the bad part.
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rolloutRoutes } from '../../../../sim/backend/routes/rollouts.ts';
import { rolloutsDir, type IndexEntry, type RecordedEpisode } from '../../../../sim/trainer/rollout-record.ts';
import { asOrg, backendParts, insertJob, OTHER_ORG, read, type Parts } from './fixture.ts';

let jobsDir: string;
let parts: Parts;
let app: ReturnType<typeof asOrg>;
let id: string;
beforeAll(() => {
  jobsDir = mkdtempSync(join(tmpdir(), 'routes-rollouts-'));
});
afterAll(() => rmSync(jobsDir, { recursive: true, force: true }));

const EPISODE: RecordedEpisode = {
  kind: 'train', iteration: 1, group: 0, index: 0, seed: 7, reward: 1, advantage: 0.5, end_reason: 'max_steps', achievements: [],
  env: { preset: 'micro', max_steps_per_episode: 10 }, decisions: [], steps: [],
};
const INDEX: IndexEntry = {
  kind: 'train', iteration: 1, recorded_at: '2026-01-01T00:00:00.000Z',
  groups: [{ group: 0, seed: 7, episodes: [{ index: 0, reward: 1, advantage: 0.5, steps: 0, recorded: true }, { index: 1, reward: 0, advantage: -0.5, steps: 0, recorded: false }] }],
};

beforeEach(() => {
  parts = backendParts();
  app = asOrg(rolloutRoutes({ store: parts.store, jobsDir }));
  id = insertJob(parts.store);
  const dir = rolloutsDir(jobsDir, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.jsonl'), `${JSON.stringify(INDEX)}\n`);
  writeFileSync(join(dir, 'train-000001.json.gz'), Bun.gzipSync(new TextEncoder().encode(JSON.stringify({ kind: 'train', iteration: 1, episodes: [EPISODE] }))));
});
afterEach(() => parts.close());

test('the index with hrefs to recorded episodes; an episode; its first frame as PNG', async () => {
  const index = await read<{ iterations: { reward_mean: number; groups: { episodes: { href: string | null }[] }[] }[]; next_after_iteration: null }>(app.request(`/rl/jobs/${id}/rollouts`));
  expect(index.status).toBe(200);
  expect(index.body.iterations[0]?.reward_mean).toBe(0.5);
  expect(index.body.iterations[0]?.groups[0]?.episodes.map((e) => e.href)).toEqual([`/api/rl/jobs/${id}/rollouts/1/0/0`, null]);
  const ep = await read<{ seed: number; group_rewards: number[]; frames: { count: number } }>(app.request(`/rl/jobs/${id}/rollouts/1/0/0`));
  expect(ep.body).toMatchObject({ job_id: id, seed: 7, group_rewards: [1, 0], frames: { count: 1 } });
  const frame = await app.request(`/rl/jobs/${id}/rollouts/1/0/0/frames/0.png?scale=2`);
  expect(frame.status).toBe(200);
  expect(frame.headers.get('content-type')).toBe('image/png');
});

test('4xx: bad kind, bad path integers, unrecorded episode, frame out of range, another org', async () => {
  expect(await read(app.request(`/rl/jobs/${id}/rollouts?kind=test`))).toEqual({ status: 422, body: { detail: 'query parameter kind must be "train" or "eval", got "test"' } });
  expect(await read(app.request(`/rl/jobs/${id}/rollouts/x/0/0`))).toEqual({ status: 422, body: { detail: 'path parameter iteration must be a non-negative integer, got "x"' } });
  expect((await read<{ detail: string }>(app.request(`/rl/jobs/${id}/rollouts/1/0/1`))).body.detail).toStartWith('no recorded train rollout at iteration 1, group 0, index 1');
  expect(await read(app.request(`/rl/jobs/${id}/rollouts/1/0/0/frames/5.png`))).toEqual({ status: 404, body: { detail: 'frame 5 out of range: the episode has frames 0..0' } });
  expect((await read(app.request(`/rl/jobs/${id}/rollouts/1/0/0/frames/0.jpg`))).status).toBe(422);
  expect((await read(app.request(`/rl/jobs/${id}/rollouts`, { headers: { 'x-org': OTHER_ORG } }))).status).toBe(404);
});
