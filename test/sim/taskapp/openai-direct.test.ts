// The OpenAI-direct smoke test the simulated backend serves (POST /api/rl/tests/openai/direct, docs/wire-contract.md §2.3): validation, key resolution and
// the inference routing it chooses; the happy path is in test/cli/rollout.test.ts (--via-backend).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startSimWithTaskApp, type TestSim } from '../../helpers/sim.ts';

const ENV_KEY = 'sk-env-direct';
let t: TestSim;
let taskAppUrl: string;
beforeAll(async () => ({ t, taskAppUrl } = await startSimWithTaskApp(ENV_KEY)));
afterAll(() => t.sim.stop());

const ROUTE = '/api/rl/tests/openai/direct';

describe('POST /api/rl/tests/openai/direct', () => {
  test('needs the API key; a body without endpoint_base_url or model is a 422 naming the field', async () => {
    const anon = await fetch(`${t.sim.url}${ROUTE}`, { method: 'POST', body: '{}' });
    expect(anon.status).toBe(401);
    const r = await t.json<{ detail: { loc: string[] }[] }>(ROUTE, { json: { model: 'sim:random' } });
    expect(r.status).toBe(422);
    expect(r.body.detail[0]?.loc).toEqual(['body', 'endpoint_base_url']);
  });

  test('the reference body (no inference_url) runs on the simulator\'s own inference server', async () => {
    const r = await t.json<{ ok: boolean; mean_return: number; summary: { inference_url: string; rollouts: { index: number; ok: boolean; achievements_total: string[] }[] } }>(ROUTE, {
      json: { endpoint_base_url: taskAppUrl, model: 'sim:heuristic', max_steps: 20, num_rollouts: 2, max_steps_each: 20, use_proxy: false, environment_api_key: ENV_KEY },
    });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.summary.inference_url).toBe(`${t.sim.url}/inference`);
    expect(r.body.summary.rollouts.map((x) => x.index)).toEqual([0, 1]);
    expect(r.body.summary.rollouts[0]?.achievements_total).toContain('collect_wood');
    expect(r.body.mean_return).toBeGreaterThan(0);
  });

  test('use_proxy routes through the task app\'s OpenAI proxy; without OPENAI_API_KEY every rollout fails: 502 naming why', async () => {
    const r = await t.json<{ detail: string }>(ROUTE, {
      json: { endpoint_base_url: taskAppUrl, model: 'gpt-5-nano', num_rollouts: 1, max_steps_each: 5, use_proxy: true, environment_api_key: ENV_KEY },
    });
    expect(r.status).toBe(502);
    expect(r.body.detail).toContain('OPENAI_API_KEY is not set');
  });

  test('without use_proxy an OpenAI model takes the proxy by the shared rule (docs/wire-contract.md §2.3)', async () => {
    const r = await t.json<{ detail: string }>(ROUTE, {
      json: { endpoint_base_url: taskAppUrl, model: 'gpt-4o-mini', num_rollouts: 1, max_steps_each: 5, environment_api_key: ENV_KEY },
    });
    expect(r.status).toBe(502);
    expect(r.body.detail).toContain('OPENAI_API_KEY is not set');
  });

  test('a wrong task-app key: 502 with the task app\'s 401', async () => {
    const r = await t.json<{ detail: string }>(ROUTE, { json: { endpoint_base_url: taskAppUrl, model: 'sim:random', environment_api_key: 'sk-wrong' } });
    expect(r.status).toBe(502);
    expect(r.body.detail).toContain('HTTP 401');
  });
});
