// The rollout recorder on its own: what it keeps of an episode, the default's size budget, and a
// resumed job's rewritten iteration replacing the first.
import { expect, test } from 'bun:test';
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RolloutResponse, RolloutStep } from '../../../src/api/taskapp.ts';
import { CrafterEnv, textObservation } from '../../../sim/crafter/index.ts';
import { ACTION_NAMES } from '../../../sim/crafter/constants.ts';
import { DEFAULT_RECORD_ROLLOUTS } from '../../../sim/trainer/settings.ts';
import { jobRecorder, readEpisode, readIndex, rolloutsDir, RolloutRecorder, trainEpisodes, type EpisodeInput, type RecorderOptions } from '../../../sim/trainer/rollout-record.ts';
import { tempDir } from '../../helpers/cli.ts';

const opts = (perIteration: number): RecorderOptions => ({
  perIteration, preset: 'micro', maxStepsPerEpisode: 10,
  decode: (ids) => `[BOS] facing north inventory map ${ids.map(() => 'grass').join(' ')} [SEP]`,
  actionName: (id) => ACTION_NAMES[id],
});

/** A real micro-preset episode of `steps` random actions, shaped as the task app answers it. */
function episode(seed: number, group: number, index: number, steps = 10): EpisodeInput {
  const env = new CrafterEnv({ preset: 'micro', seed });
  const turns: EpisodeInput['turns'][number][] = [];
  const out: RolloutStep[] = [];
  for (let i = 0; i < steps; i++) {
    const a = (seed * 7 + i * 3 + index) % 17;
    turns.push({ prompt: Array.from({ length: 70 }, (_, k) => k), completion: [a, 99], logprobs: [-1.5, 0], sampled: [true, false], observation: textObservation(env) });
    const r = env.step(a);
    out.push({ obs: { player_position: [env.playerX, env.playerY], inventory: env.inventoryRecord() }, tool_calls: [], reward: r.reward, done: r.done, info: { action: ACTION_NAMES[a], decision_index: i, achievements_unlocked: [] } });
  }
  const result = {
    run_id: 'r', trajectories: [{ env_id: 'e', policy_id: 'p', steps: out, length: steps }], branches: {}, aborted: false, ops_executed: 2 * steps,
    metrics: { episode_returns: [0], mean_return: 0, num_steps: steps, num_episodes: 1, details: { end_reason: 'max_steps', achievements: [], preset: 'micro' } },
  } as RolloutResponse;
  return { group, index, seed, reward: index, advantage: index - 1.5, result, turns };
}

test('an episode keeps per decision the observation, prompt and sampled actions; per step action, reward, position', () => {
  const dir = tempDir();
  new RolloutRecorder(dir, opts(4)).record('train', 3, [episode(5, 0, 0, 3), episode(5, 0, 1, 3)]);
  const ep = readEpisode(dir, 'train', 3, 0, 1);
  expect(ep).toMatchObject({ kind: 'train', iteration: 3, group: 0, index: 1, seed: 5, reward: 1, advantage: -0.5, end_reason: 'max_steps' });
  expect(ep?.decisions.length).toBe(3);
  expect(ep?.decisions[0]?.observation).toContain('Local Map View');
  expect(ep?.decisions[0]?.prompt_tokens).toBe(70);
  expect(ep?.decisions[0]?.actions).toEqual([{ action: ep?.steps[0]?.action as string, logprob: -1.5 }]);
  expect(ep?.steps.map((s) => s.decision)).toEqual([0, 1, 2]);
  expect(ep?.steps[0]?.position?.length).toBe(2);
  expect(readEpisode(dir, 'train', 3, 0, 2)).toBeUndefined();
  expect(readEpisode(dir, 'eval', 3, 0, 1)).toBeUndefined();
});

test('only the sample is recorded step by step; the index has every episode', () => {
  const dir = tempDir();
  new RolloutRecorder(dir, opts(1)).record('train', 1, [episode(1, 0, 0, 2), episode(1, 0, 1, 2), episode(2, 1, 0, 2)]);
  const [entry] = readIndex(dir);
  expect(entry?.groups.map((g) => g.episodes.map((e) => e.recorded))).toEqual([[true, false], [false]]);
  expect(readEpisode(dir, 'train', 1, 0, 1)).toBeUndefined();
});

test('the default keeps a 100-iteration job of the default shape (2 groups of 4, 10 steps) under 2 MB', () => {
  const dir = tempDir();
  const rec = new RolloutRecorder(dir, opts(DEFAULT_RECORD_ROLLOUTS));
  for (let it = 1; it <= 100; it++) {
    rec.record('train', it, [0, 1].flatMap((g) => [0, 1, 2, 3].map((i) => episode(it * 2 + g, g, i))));
    if (it % 10 === 0) rec.record('eval', it, [0, 1, 2, 3, 4, 5, 6, 7].map((s) => episode(s, s, 0)));
  }
  const bytes = readdirSync(dir).reduce((a, f) => a + statSync(join(dir, f)).size, 0);
  console.log(`recorded rollouts, 100 iterations at the default: ${(bytes / 1e6).toFixed(2)} MB`);
  expect(bytes).toBeLessThan(2_000_000);
  expect(readIndex(dir).length).toBe(110);
});

test('a rewritten iteration (resumed job) replaces the earlier line; a torn last line is skipped', () => {
  const dir = tempDir();
  const rec = new RolloutRecorder(dir, opts(2));
  rec.record('train', 1, [episode(1, 0, 0, 2)]);
  rec.record('train', 2, [episode(2, 0, 0, 2)]);
  rec.record('train', 1, [episode(9, 0, 0, 2)]);
  appendFileSync(join(dir, 'index.jsonl'), '{"kind":"train","iter');
  expect(readIndex(dir).map((e) => [e.iteration, e.groups[0]?.seed])).toEqual([[1, 9], [2, 2]]);
  expect(readEpisode(dir, 'train', 1, 0, 0)?.seed).toBe(9);
});

test('a failure to write is returned, not thrown', () => {
  const file = join(tempDir({ f: 'x' }), 'f');
  expect(new RolloutRecorder(join(file, 'sub'), opts(1)).record('train', 1, [episode(1, 0, 0, 1)])).toContain('not recorded');
});

test('jobRecorder: a no-op without a jobs dir; a write failure is a warning and training goes on', () => {
  const settings = { recordRollouts: 2, preset: 'micro', maxStepsPerEpisode: 10 };
  const tok = { decode: () => '', actionName: (id: number) => ACTION_NAMES[id] };
  const warnings: [string, Record<string, unknown>][] = [];
  const warn = (m: string, d: Record<string, unknown>) => void warnings.push([m, d]);
  jobRecorder(undefined, 'job_1', settings, tok, warn)('train', 1, [episode(1, 0, 0, 1)]);
  const blocked = tempDir({ job_1: 'a file where the folder should be' });
  jobRecorder(blocked, 'job_1', settings, tok, warn)('train', 3, [episode(1, 0, 0, 1)]);
  expect(warnings.length).toBe(1);
  expect(warnings[0]?.[1]).toEqual({ iteration: 3, kind: 'train' });
  const ok = tempDir();
  const e = episode(4, 0, 0, 2);
  jobRecorder(ok, 'job_2', settings, tok, warn)('train', 1, trainEpisodes([{ seed: 4 }, { seed: 4 }], [0, 0], 2, [e.result, e.result], [e.turns, e.turns], [1, 0], [0.5, -0.5]));
  expect(readEpisode(rolloutsDir(ok, 'job_2'), 'train', 1, 0, 1)).toMatchObject({ seed: 4, reward: 0, advantage: -0.5 });
  expect(warnings.length).toBe(1);
});
