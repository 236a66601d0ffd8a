// `synth-rl rollout` against the simulator's task app and built-in policies (the openai_in_task_app
// flow, offline): per-rollout lines, the summary, --json, --out, and the errors a user can fix.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RolloutResponse } from '../../src/api/taskapp.ts';
import { cli, tempDir } from '../helpers/cli.ts';
import { decodeBase64Strict, encodeBase64, seal } from '../../src/crypto/sealedbox.ts';
import { TEST_KEY, startSimWithTaskApp, type TestSim } from '../helpers/sim.ts';

const ENV_KEY = 'sk-env-cli';
let t: TestSim;
let taskAppUrl: string;

beforeAll(async () => ({ t, taskAppUrl } = await startSimWithTaskApp(ENV_KEY)));
afterAll(() => t.sim.stop());

interface Summary {
  type: 'summary';
  model: string;
  num_rollouts: number;
  ok: number;
  failed: number;
  mean_achievements: number;
  achievement_rates: Record<string, number>;
  crafter_score: number;
}

const run = (model: string, extra: string[] = [], env: Record<string, string> = { ENVIRONMENT_API_KEY: ENV_KEY }) =>
  cli(['rollout', '--task-app-url', taskAppUrl, '--inference-url', t.sim.inferenceUrl, '--model', model, ...extra], { env });

function jsonLines(out: string): Record<string, unknown>[] {
  return out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('acceptance: sim:heuristic vs sim:random on micro, 20 rollouts', () => {
  test('heuristic mean achievements ≥ 3; random far below; summary has rates and the Crafter score', async () => {
    const args = ['--num-rollouts', '20', '--max-steps-each', '50', '--concurrency', '4', '--preset', 'micro', '--json'];
    const h = await run('sim:heuristic', args);
    const r = await run('sim:random', args);
    expect(h.code).toBe(0);
    expect(r.code).toBe(0);
    const hLines = jsonLines(h.out);
    const rLines = jsonLines(r.out);
    expect(hLines).toHaveLength(21);
    const hs = hLines.at(-1) as unknown as Summary;
    const rs = rLines.at(-1) as unknown as Summary;
    expect(hs.type).toBe('summary');
    expect(hs.ok).toBe(20);
    expect(hs.mean_achievements).toBeGreaterThanOrEqual(3);
    expect(rs.mean_achievements).toBeLessThan(hs.mean_achievements / 2);
    expect(hs.achievement_rates.collect_wood).toBeGreaterThanOrEqual(0.9);
    expect(hs.achievement_rates.place_table).toBeGreaterThanOrEqual(0.9);
    expect(hs.achievement_rates.make_wood_pickaxe).toBeGreaterThanOrEqual(0.9);
    expect(Object.keys(hs.achievement_rates)).toHaveLength(22);
    expect(hs.crafter_score).toBeGreaterThan(rs.crafter_score);
    // Every rollout line agrees with the summary.
    const perRollout = hLines.slice(0, 20) as { index: number; seed: number; num_achievements: number; ok: boolean }[];
    expect(perRollout.map((l) => l.index).sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    expect(perRollout.reduce((s, l) => s + l.num_achievements, 0) / 20).toBeCloseTo(hs.mean_achievements, 9);
    console.log(`sim:heuristic mean achievements ${hs.mean_achievements.toFixed(2)} (Crafter score ${hs.crafter_score.toFixed(2)} %); sim:random ${rs.mean_achievements.toFixed(2)} (${rs.crafter_score.toFixed(2)} %)`);
  });
});

describe('output', () => {
  test('human: one line per rollout with achievements and return, then the summary', async () => {
    const r = await run('sim:heuristic', ['--num-rollouts', '3', '--max-steps-each', '30', '--seed', '5']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('3 rollouts of sim:heuristic');
    expect(r.out).toMatch(/rollout 1\/3 seed 5: \d+ achievements? \(.*collect_wood.*\), return \d+\.\d\d, 30 steps, max_steps/);
    expect(r.out).toContain('summary: 3 rollouts of sim:heuristic (3 ok, 0 failed)');
    expect(r.out).toMatch(/mean achievements {2}\d+\.\d\d \/ 22/);
    expect(r.out).toMatch(/Crafter score {6}\d+\.\d\d %/);
    expect(r.out).toMatch(/collect_wood +100 %/);
    expect(r.out).not.toContain(ENV_KEY);
  });

  test('--out writes one JSON line per rollout with the whole response, in index order', async () => {
    const dir = tempDir();
    const r = await cli(['rollout', '--task-app-url', taskAppUrl, '--inference-url', t.sim.inferenceUrl, '--model', 'sim:random', '--num-rollouts', '4', '--concurrency', '3', '--out', 'traj.jsonl'], { env: { ENVIRONMENT_API_KEY: ENV_KEY }, cwd: dir });
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'traj.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { index: number; seed: number; ok: boolean; response: unknown });
    expect(lines.map((l) => [l.index, l.seed])).toEqual([[0, 0], [1, 1], [2, 2], [3, 3]]);
    for (const l of lines) {
      const resp = RolloutResponse.parse(l.response);
      expect(resp.trajectories[0]?.steps.length).toBe(10);
    }
    expect(r.out).toContain(`trajectories: ${join(dir, 'traj.jsonl')}`);
  });
});

describe('errors', () => {
  test('missing --inference-url / --task-app-url / ENVIRONMENT_API_KEY: exit 2 naming how to set each', async () => {
    const noInference = await cli(['rollout', '--task-app-url', taskAppUrl, '--model', 'sim:random'], { env: { ENVIRONMENT_API_KEY: ENV_KEY } });
    expect(noInference.code).toBe(2);
    expect(noInference.err).toContain('--inference-url');
    const noTask = await cli(['rollout', '--inference-url', t.sim.inferenceUrl], { env: { ENVIRONMENT_API_KEY: ENV_KEY } });
    expect(noTask.code).toBe(2);
    expect(noTask.err).toContain('--task-app-url');
    const noKey = await run('sim:random', [], {});
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain('ENVIRONMENT_API_KEY');
  });

  test('bad flag values: exit 2 naming the flag', async () => {
    for (const [flag, value] of [['--num-rollouts', '0'], ['--concurrency', '0'], ['--max-steps-each', '0'], ['--timeout-seconds', '0'], ['--preset', 'huge']] as const) {
      const r = await run('sim:random', [flag, value]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(flag);
    }
  });

  test('a wrong key: exit 1, each rollout FAILED with the 401 detail', async () => {
    const r = await run('sim:random', ['--num-rollouts', '2'], { ENVIRONMENT_API_KEY: 'sk-wrong' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAILED HTTP 401');
    expect(r.out).toContain('Invalid or missing API key');
    expect(r.out).toContain('(0 ok, 2 failed)');
  });

  test('an unknown model: exit 1, the 502 names the upstream 404', async () => {
    const r = await run('gpt-nope', ['--json']);
    expect(r.code).toBe(1);
    const line = jsonLines(r.out)[0] as { ok: boolean; status: number; error: string };
    expect(line.ok).toBe(false);
    expect(line.status).toBe(502);
    expect(line.error).toContain('upstream HTTP 404');
  });

  test('--via-backend against a server without the route: exit 2, not supported by this backend', async () => {
    // The task app has no /api/rl/tests/openai/direct: a 404, as from a backend that lacks it.
    const r = await run('sim:random', ['--via-backend', '--backend-url', taskAppUrl, '--api-key', 'sk-x']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--via-backend is not supported by this backend');
  });
});

describe('--via-backend (POST /api/rl/tests/openai/direct)', () => {
  const backendArgs = () => ['--via-backend', '--backend-url', t.sim.url, '--api-key', TEST_KEY];

  test('without an uploaded env key the backend says how to fix it (exit 1)', async () => {
    const r = await cli(['rollout', '--task-app-url', taskAppUrl, '--model', 'sim:heuristic', ...backendArgs()], { env: {} });
    expect(r.code).toBe(1);
    expect(r.err).toContain('upload it first (synth-rl env-key)');
  });

  test('with the sealed env key uploaded: the backend runs the rollouts on its own inference and answers the summary', async () => {
    const { body } = await t.json<{ public_key: string }>('/api/v1/crypto/public-key');
    const sealed = seal(new TextEncoder().encode(ENV_KEY), decodeBase64Strict(body.public_key) as Uint8Array);
    expect((await t.json('/api/v1/env-keys', { json: { name: 'ENVIRONMENT_API_KEY', ciphertext_b64: encodeBase64(sealed) } })).status).toBe(200);
    const r = await cli(['rollout', '--task-app-url', taskAppUrl, '--model', 'sim:heuristic', '--num-rollouts', '3', '--max-steps-each', '30', '--json', ...backendArgs()], { env: {} });
    expect(r.code).toBe(0);
    const lines = jsonLines(r.out);
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).map((l) => l.index)).toEqual([0, 1, 2]);
    const summary = lines.at(-1) as unknown as Summary;
    expect(summary.ok).toBe(3);
    expect(summary.mean_achievements).toBeGreaterThanOrEqual(3);
    // The same rollouts run directly give the same achievements (deterministic policy and seeds).
    const direct = await run('sim:heuristic', ['--num-rollouts', '3', '--max-steps-each', '30', '--json']);
    expect((jsonLines(direct.out).at(-1) as unknown as Summary).mean_achievements).toBe(summary.mean_achievements);
  });
});
