// The Studio's server-side parts on their own: sessions and one-time tokens, config redaction,
// reading the backend's rollout shapes.
import { expect, test } from 'bun:test';
import { redactConfig } from '../../sim/studio/redact.ts';
import { normalizeEpisode, normalizeIndex } from '../../sim/studio/rollouts.ts';
import { StudioSessions } from '../../sim/studio/sessions.ts';

test('a login token opens one session, once; a newer token retires the older one', () => {
  const s = new StudioSessions('sk-a');
  const old = s.issueLoginToken() as string;
  const token = s.issueLoginToken() as string;
  expect(s.redeem(old)).toBeUndefined();
  const id = s.redeem(token) as string;
  expect(s.keyFor(id)).toBe('sk-a');
  expect(s.redeem(token)).toBeUndefined();
  s.close(id);
  expect(s.keyFor(id)).toBeUndefined();
  expect(new StudioSessions().issueLoginToken()).toBeUndefined();
});

test('the effective config hides values under secret-looking names, at any depth', () => {
  const shown = redactConfig({ job: { model: 'm' }, services: { api_key: 'sk-123456', nested: [{ token: 'abc' }] }, env: { ENVIRONMENT_API_KEY: 'e' } });
  expect(JSON.stringify(shown)).not.toMatch(/sk-123456|"abc"|"e"/);
  expect(shown).toEqual({ job: { model: 'm' }, services: { api_key: '<redacted, 9 chars>', nested: [{ token: '<redacted, 3 chars>' }] }, env: { ENVIRONMENT_API_KEY: '<redacted, 1 chars>' } });
});

test('rollout index: training iterations only, recorded episodes only, empty groups dropped', () => {
  const index = normalizeIndex({
    iterations: [
      { kind: 'eval', iteration: 0, groups: [{ group: 0, seed: 1, episodes: [{ index: 0, reward: 1, recorded: true }] }] },
      { kind: 'train', iteration: 1, reward_mean: 0.5, groups: [
        { group: 0, seed: 7, episodes: [{ index: 0, reward: 1, advantage: 0.5, recorded: true }, { index: 1, reward: 0, advantage: -0.5, recorded: false }] },
        { group: 1, seed: 8, episodes: [{ index: 0, reward: 0, advantage: 0, recorded: false }] },
      ] },
    ],
  });
  expect(index).toEqual({ iterations: [{ iteration: 1, reward_mean: 0.5, groups: [{ group: 0, seed: 7, rollouts: [{ index: 0, reward: 1, advantage: 0.5 }] }] }] });
  expect(normalizeIndex(null)).toEqual({ iterations: [] });
});

test('an episode: steps with the sampled actions and their logprobs, frames = steps + 1, the group', () => {
  const ep = normalizeEpisode({
    iteration: 2, group: 1, index: 3, seed: 9, reward: 1, advantage: 0.7, end_reason: 'max_steps', group_rewards: [0, 1], group_advantages: [-0.7, 0.7],
    frames: { count: 3 },
    steps: [
      { decision: 0, observation: 'obs', prompt: '[BOS] map …', actions: [{ action: 'move_left', logprob: -0.1 }, { action: 'do', logprob: -2 }], action: 'move_left', reward: 0, achievements: [], achievements_unlocked: [] },
      { decision: 0, observation: 'obs', prompt: '[BOS] map …', actions: [{ action: 'move_left', logprob: -0.1 }, { action: 'do', logprob: -2 }], action: 'do', reward: 1, achievements: ['collect_wood'], achievements_unlocked: ['collect_wood'] },
    ],
  });
  expect(ep.frames).toBe(3);
  expect(ep.steps[1]).toEqual({ decision: 0, observation: 'obs', prompt: '[BOS] map …', actions: [{ name: 'move_left', logprob: -0.1 }, { name: 'do', logprob: -2 }], action: 'do', reward: 1, achievements: ['collect_wood'], unlocked: ['collect_wood'] });
  expect(ep.group_advantages).toEqual([-0.7, 0.7]);
});

test('a backend without a jobs listing: the Studio answers an empty list that says so, and still opens jobs by id', async () => {
  const { createStudioApp } = await import('../../sim/studio/app.ts');
  const seen: string[] = [];
  const backend = (async (input: string | URL | Request) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    seen.push(url.pathname);
    if (url.pathname === '/api/learning/jobs/job_1') return Response.json({ job_id: 'job_1', status: 'running' });
    return Response.json({ detail: 'Not Found' }, { status: 404 });
  }) as typeof fetch;
  const app = createStudioApp({ backendUrl: 'https://backend.example', fetch: backend, sessions: new StudioSessions(), label: 'prod', simulated: false });
  const auth = { authorization: 'Bearer sk-prod' };
  expect(await (await app.request('/api/jobs', { headers: auth })).json()).toEqual({ jobs: [], listing: false });
  const job = await app.request('/api/jobs/job_1', { headers: auth });
  expect(job.status).toBe(200);
  expect(((await job.json()) as { status: string }).status).toBe('running');
  expect(seen).toContain('/api/rl/jobs');
});
