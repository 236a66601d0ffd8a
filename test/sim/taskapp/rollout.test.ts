// POST /rollout over real HTTP against a stub inference server (docs/wire-contract.md §4.3–§4.8):
// the documented response, the prompt byte for byte (golden fixture), and the fixed docs/reference-client.md §2.23–§2.26.
//
// The golden files were captured from this app and checked by hand against the reference
// (S8 policy.py system prompt and tools, S7b `_format_obs`); regenerate them only for an
// intended change of the prompt: UPDATE_GOLDEN=1 bun test test/sim/taskapp/rollout.test.ts
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RolloutResponse, type RolloutStep } from '../../../src/api/taskapp.ts';
import { ACTION_NAMES, CrafterEnv, actionIndex, textObservation } from '../../../sim/crafter/index.ts';
import { createInferenceApp, createInferenceService } from '../../../sim/inference/index.ts';
import { interact, rolloutBody, startInferenceStub, startTaskAppServer, toolCallAnswer, type InferenceStub, type TaskAppServer } from './helpers.ts';

const FIXTURES = resolve(import.meta.dir, '../../../fixtures/taskapp');
const SYSTEM_PROMPT_REFERENCE =
  'You are an AI agent playing Crafter. Your goal is to unlock achievements by collecting resources and completing tasks.\n\n' +
  'CRITICAL RULES:\n- You MUST provide MULTIPLE actions (2-5) in EVERY interact() tool call!\n' +
  "- Monitor your achievements_progress and use the terminate() tool when you've achieved significant progress (at least 3 achievements)\n" +
  '- Focus on exploration and resource collection to unlock achievements\n\n' +
  'Choose actions from: noop, move_left, move_right, move_up, move_down, do, sleep, place_stone, place_table, place_furnace, place_plant, ' +
  'make_wood_pickaxe, make_stone_pickaxe, make_iron_pickaxe, make_wood_sword, make_stone_sword, make_iron_sword';

let t: TaskAppServer;
beforeAll(async () => {
  t = await startTaskAppServer();
});
afterAll(() => t.stop());

async function withStub<T>(answer: Parameters<typeof startInferenceStub>[0], fn: (stub: InferenceStub) => Promise<T>): Promise<T> {
  const stub = await startInferenceStub(answer);
  try {
    return await fn(stub);
  } finally {
    await stub.stop();
  }
}

async function rollout(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const r = await t.json('/rollout', { json: body, headers });
  expect(r.status).toBe(200);
  return { body: RolloutResponse.parse(r.body), headers: r.headers };
}

describe('golden prompt', () => {
  test('decision 0 and 1 requests match the fixtures byte for byte', async () => {
    const answers = [interact(['move_left', 'do', 'place_table'], 'look around "here"'), interact(['noop', 'noop'], 'wait')];
    await withStub((_c, i) => answers[i] ?? interact(['noop']), async (stub) => {
      await rollout(rolloutBody(`${stub.url}/inference/trace/golden`, { run_id: 'golden', env: { seed: 7 } }, 2));
      expect(stub.calls).toHaveLength(2);
      const files = ['crafter-micro-seed7-decision0.request.json', 'crafter-micro-seed7-decision1.request.json'];
      for (const [i, name] of files.entries()) {
        const actual = `${JSON.stringify(stub.calls[i]?.body, null, 2)}\n`;
        if (process.env.UPDATE_GOLDEN === '1') writeFileSync(resolve(FIXTURES, name), actual);
        expect(actual).toBe(readFileSync(resolve(FIXTURES, name), 'utf8'));
      }
      const user1 = (stub.calls[1]?.body.messages as { content: string }[])[1]?.content;
      expect(user1).toBe(readFileSync(resolve(FIXTURES, 'crafter-micro-seed7-decision1.user.txt'), 'utf8'));
    });
  });

  test('the request is the reference policy: system prompt, forced interact, tools, sampling', async () => {
    const body = JSON.parse(readFileSync(resolve(FIXTURES, 'crafter-micro-seed7-decision0.request.json'), 'utf8')) as Record<string, unknown>;
    const messages = body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0]?.content).toBe(SYSTEM_PROMPT_REFERENCE);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'interact' } });
    expect(body).toMatchObject({ stop_after_tool_calls: 1, temperature: 0.2, max_tokens: 256, model: 'stub-model' });
    const tools = body.tools as { function: { name: string; parameters: { required: string[]; properties: { actions?: { items: { enum: string[] } } } } } }[];
    expect(tools.map((x) => x.function.name)).toEqual(['interact', 'terminate']);
    expect(tools[0]?.function.parameters.required).toEqual(['actions', 'reasoning']);
    expect(tools[0]?.function.parameters.properties.actions?.items.enum).toEqual([...ACTION_NAMES]);
    expect(tools[1]?.function.parameters.required).toEqual(['reason']);
  });

  test('the user message is docs/wire-contract.md §4.7 text of the env after the executed actions, with the last 3 steps as history', async () => {
    // Replay decision 0 on a local env: the task app's second prompt must be exactly its text.
    const env = new CrafterEnv({ preset: 'micro', seed: 7 });
    const call = { tool_name: 'interact', arguments: JSON.stringify({ actions: ['move_left', 'do', 'place_table'], reasoning: 'look around "here"' }) };
    for (const a of ['move_left', 'do', 'place_table']) env.step(actionIndex(a));
    const expected = textObservation(env, { previousToolCalls: [call, call, call] });
    expect(readFileSync(resolve(FIXTURES, 'crafter-micro-seed7-decision1.user.txt'), 'utf8')).toBe(expected);
  });
});

describe('rollout response (docs/wire-contract.md §4.4)', () => {
  test('steps carry obs, the decision\'s tool calls, own reward, done/truncated, info; final observation; metrics', async () => {
    await withStub((_c, i) => interact(i === 0 ? ['move_left', 'move_up'] : ['noop', 'do', 'noop']), async (stub) => {
      const { body } = await rollout(rolloutBody(stub.url, { run_id: 'shape', env: { seed: 3, config: { max_steps_per_episode: 4 } } }, 3));
      expect(body.run_id).toBe('shape');
      const traj = body.trajectories[0];
      expect(traj?.env_id).toMatch(/^env_[0-9a-f]{12}$/);
      expect(traj?.policy_id).toBe('crafter-react');
      expect(traj?.length).toBe(4);
      const steps = traj?.steps as RolloutStep[];
      expect(steps.map((s) => s.info?.action)).toEqual(['move_left', 'move_up', 'noop', 'do']);
      expect(steps.map((s) => s.info?.decision_index)).toEqual([0, 0, 1, 1]);
      expect(steps[0]?.tool_calls).toEqual([{ tool_name: 'interact', arguments: JSON.stringify({ actions: ['move_left', 'move_up'], reasoning: 'stub' }) }]);
      expect(steps.map((s) => s.obs.num_steps_taken)).toEqual([1, 2, 3, 4]);
      expect(steps.every((s) => s.done === false && s.truncated === false)).toBe(true);
      expect(traj?.final?.observation.num_steps_taken).toBe(4);
      expect(body.metrics).toMatchObject({ num_steps: 4, num_episodes: 1 });
      expect(body.metrics.details).toMatchObject({ end_reason: 'max_steps', decisions: 2, env_steps: 4, seed: 3, preset: 'micro' });
      // ops: 2 agent ops + 4 env steps.
      expect(body.ops_executed).toBe(6);
      expect(stub.calls).toHaveLength(2);
    });
  });

  test('a scripted agent on the built-in heuristic unlocks place_table and make_wood_pickaxe (bug 23: place_*/make_* are not noops)', async () => {
    const inference = Bun.serve({ port: 0, fetch: createInferenceApp(createInferenceService()).fetch });
    try {
      const body = rolloutBody(`http://127.0.0.1:${inference.port}/inference`, { env: { seed: 1, config: { max_steps_per_episode: 40 } }, policy: { config: { model: 'sim:heuristic' } } }, 40);
      const { body: r } = await rollout(body);
      const names = r.metrics.details.achievements as string[];
      expect(names).toContain('place_table');
      expect(names).toContain('make_wood_pickaxe');
      expect(r.metrics.mean_return).toBe(names.length);
      expect(r.metrics.outcome_score).toBe(names.length);
      const steps = r.trajectories[0]?.steps as RolloutStep[];
      // The step that unlocked place_table was a place_table action and consumed the wood.
      const placed = steps.find((s) => (s.info?.achievements_unlocked as string[]).includes('place_table'));
      expect(placed?.info?.action).toBe('place_table');
    } finally {
      await inference.stop(true);
    }
  });

  test('every one of the 17 action names reaches the env as itself', async () => {
    const all = [...ACTION_NAMES];
    await withStub(() => interact(all), async (stub) => {
      const { body } = await rollout(rolloutBody(stub.url, { env: { config: { max_steps_per_episode: 17 } } }, 1));
      expect((body.trajectories[0]?.steps as RolloutStep[]).map((s) => s.info?.action)).toEqual(all);
    });
  });
});

describe('rewards (docs/wire-contract.md §4.8, bug 24)', () => {
  const decisions = (seed: number) => ({ env: { seed, config: { max_steps_per_episode: 40 } }, policy: { config: { model: 'sim:heuristic' } } });

  test('step reward is the step\'s own reward: they sum to the native return; "cumulative" restores running totals', async () => {
    const inference = Bun.serve({ port: 0, fetch: createInferenceApp(createInferenceService()).fetch });
    const url = `http://127.0.0.1:${inference.port}/inference`;
    try {
      const own = (await rollout(rolloutBody(url, decisions(2), 40))).body;
      const ownSteps = own.trajectories[0]?.steps as RolloutStep[];
      const rewards = ownSteps.map((s) => s.reward as number);
      const sum = rewards.reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(own.metrics.details.native_return as number, 6);
      expect(own.metrics.episode_returns[0]).toBeCloseTo(sum, 6);
      expect(rewards.filter((r) => r >= 1).length).toBeGreaterThanOrEqual(2);
      expect(own.metrics.details.reward_mode).toBe('step');

      const legacyBody = rolloutBody(url, decisions(2), 40) as { env: { config: Record<string, unknown> } };
      legacyBody.env.config.reward_mode = 'cumulative';
      const legacy = (await rollout(legacyBody)).body;
      const legacyRewards = (legacy.trajectories[0]?.steps as RolloutStep[]).map((s) => s.reward as number);
      // Same episode (deterministic policy and seed); each reported reward is the running total so far.
      let running = 0;
      rewards.forEach((r, i) => {
        running += r;
        expect(legacyRewards[i]).toBeCloseTo(running, 6);
      });
      expect(legacy.metrics.details.reward_mode).toBe('cumulative');
      expect(legacy.metrics.episode_returns[0]).toBeGreaterThan(own.metrics.episode_returns[0] as number);
    } finally {
      await inference.stop(true);
    }
  });
});

describe('ending a rollout', () => {
  test('terminate ends the rollout (bug 26): later ops make no inference call', async () => {
    await withStub((_c, i) => (i === 0 ? interact(['noop', 'noop']) : toolCallAnswer('terminate', { reason: 'done' })), async (stub) => {
      const { body } = await rollout(rolloutBody(stub.url, {}, 5));
      expect(stub.calls).toHaveLength(2);
      expect(body.metrics.details.end_reason).toBe('policy_terminated');
      expect(body.metrics.num_steps).toBe(2);
      expect(body.aborted).toBe(false);
    });
  });

  test('no tool calls ends the episode', async () => {
    const empty = { choices: [{ index: 0, message: { role: 'assistant', content: 'hmm', tool_calls: [] } }] };
    await withStub(() => empty, async (stub) => {
      const { body } = await rollout(rolloutBody(stub.url, {}, 3));
      expect(stub.calls).toHaveLength(1);
      expect(body.metrics.details.end_reason).toBe('no_tool_calls');
    });
  });

  test('safety.max_ops caps the ops executed', async () => {
    await withStub(() => interact(['noop', 'noop', 'noop']), async (stub) => {
      const { body } = await rollout(rolloutBody(stub.url, { safety: { max_ops: 5 } }, 5));
      expect(body.ops_executed).toBe(5);
      expect(body.metrics.details.end_reason).toBe('max_ops');
      expect(body.aborted).toBe(true);
    });
  });

  test('safety.max_time_s stops a rollout waiting on a slow model', async () => {
    await withStub(async () => {
      await Bun.sleep(3000);
      return interact(['noop']);
    }, async (stub) => {
      const started = performance.now();
      const { body } = await rollout(rolloutBody(stub.url, { safety: { max_time_s: 0.15 } }, 3));
      // Far below the model's 3 s: the rollout did not wait for it (margin for a loaded machine).
      expect(performance.now() - started).toBeLessThan(2000);
      expect(body.metrics.details.end_reason).toBe('max_time');
      expect(body.aborted).toBe(true);
    });
  });

  test('pending calls do not leak into the next env op (bug 25): an env op without a new decision steps nothing', async () => {
    await withStub(() => interact(['noop']), async (stub) => {
      const body = rolloutBody(stub.url, {}, 1) as { ops: string[] };
      body.ops = ['agent', 'env', 'env', 'env'];
      const r = (await rollout(body)).body;
      expect(r.metrics.num_steps).toBe(1);
      expect(r.ops_executed).toBe(2);
    });
  });
});

describe('pass-through', () => {
  test('record.logprobs carries the model\'s logprobs per decision', async () => {
    const logprobs = { content: [{ token: 'noop', logprob: -0.25, bytes: null, top_logprobs: [] }] };
    await withStub(() => toolCallAnswer('interact', { actions: ['noop'], reasoning: 'r' }, { logprobs }), async (stub) => {
      const { body } = await rollout(rolloutBody(stub.url, { record: { logprobs: true } }, 2));
      expect(stub.calls[0]?.body.logprobs).toBe(true);
      const samples = body.trajectories[0]?.decision_samples as { decision_index: number; first_step: number; logprobs: unknown }[];
      expect(samples.map((s) => [s.decision_index, s.first_step])).toEqual([[0, 0], [1, 1]]);
      expect(samples[0]?.logprobs).toEqual(logprobs);
    });
    await withStub(() => interact(['noop']), async (stub) => {
      const { body } = await rollout(rolloutBody(stub.url, {}, 1));
      expect(stub.calls[0]?.body.logprobs).toBeUndefined();
      expect(body.trajectories[0]?.decision_samples).toBeUndefined();
    });
  });

  test('trace ids: the inference URL path and query reach the model unchanged; correlation headers pass both ways', async () => {
    await withStub(() => interact(['noop']), async (stub) => {
      const url = `${stub.url}/inference/trace/tr-42?cid=abc`;
      const { body, headers } = await rollout(rolloutBody(url, { record: { return_trace: true } }, 1), { 'x-correlation-id': 'corr-1', traceparent: '00-abc-def-01' });
      expect(stub.calls[0]?.path).toBe('/inference/trace/tr-42/v1/chat/completions');
      expect(stub.calls[0]?.search).toBe('?cid=abc');
      expect(stub.calls[0]?.headers.get('x-correlation-id')).toBe('corr-1');
      expect(stub.calls[0]?.headers.get('traceparent')).toBe('00-abc-def-01');
      // Non-OpenAI inference URLs get no key unless one is configured.
      expect(stub.calls[0]?.headers.get('authorization')).toBeNull();
      expect(headers.get('x-correlation-id')).toBe('corr-1');
      expect(body.trace).toMatchObject({ run_id: body.run_id, headers: { 'x-correlation-id': 'corr-1' } });
    });
  });

  test('policy.config sampling overrides reach the request', async () => {
    await withStub(() => interact(['noop']), async (stub) => {
      await rollout(rolloutBody(stub.url, { policy: { config: { temperature: 0.7, top_p: 0.9, max_tokens: 64 } } }, 1));
      expect(stub.calls[0]?.body).toMatchObject({ temperature: 0.7, top_p: 0.9, max_tokens: 64 });
    });
  });
});

describe('OpenAI-direct inference (docs/wire-contract.md §4.6)', () => {
  test('an api.openai.com inference URL goes to OpenAI with the key and a sanitised payload (gpt-5 rules)', async () => {
    await withStub(() => interact(['noop']), async (stub) => {
      const app = await startTaskAppServer({ environmentApiKey: 'sk-env-test-key', openaiApiKey: 'sk-openai-test', openaiBaseUrl: stub.url });
      try {
        const body = rolloutBody('https://api.openai.com', { policy: { config: { model: 'gpt-5-nano' } } }, 1);
        const r = await app.json('/rollout', { json: body });
        expect(r.status).toBe(200);
        const call = stub.calls[0];
        expect(call?.path).toBe('/v1/chat/completions');
        expect(call?.headers.get('authorization')).toBe('Bearer sk-openai-test');
        expect(call?.body).not.toHaveProperty('stop_after_tool_calls');
        expect(call?.body).not.toHaveProperty('temperature');
        expect(call?.body).not.toHaveProperty('max_tokens');
        expect(call?.body).toMatchObject({ max_completion_tokens: 16000, parallel_tool_calls: false, tool_choice: { type: 'function', function: { name: 'interact' } } });
        const mini = rolloutBody('https://api.openai.com/v1', { policy: { config: { model: 'gpt-4o-mini' } } }, 1);
        await app.json('/rollout', { json: mini });
        expect(stub.calls[1]?.body).toMatchObject({ temperature: 0.2, max_tokens: 256 });
        expect(stub.calls[1]?.body).not.toHaveProperty('stop_after_tool_calls');
      } finally {
        await app.stop();
      }
    });
  });
});
