// The OpenAI-direct test body the client sends (`rollout --via-backend`): built typed from the plan,
// valid under the schema the simulated backend validates with, and use_proxy decided by one rule.
import { describe, expect, test } from 'bun:test';
import { defaultUseProxy, OpenAIDirectRequest } from '../../src/api/openai-direct.ts';
import { directTestBody, type RolloutPlan } from '../../src/client/taskapp-rollout.ts';

const plan: RolloutPlan = {
  taskAppUrl: 'http://127.0.0.1:8001', model: 'sim:heuristic', inferenceUrl: '', numRollouts: 3, maxStepsEach: 12,
  timeoutSeconds: 60, concurrency: 2, seed: 4, preset: 'micro',
};

describe('defaultUseProxy', () => {
  test('an inference URL decides by itself: the task app\'s /proxy yes, anything else no', () => {
    expect(defaultUseProxy('sim:random', 'http://127.0.0.1:8001/proxy')).toBe(true);
    expect(defaultUseProxy('sim:random', 'http://127.0.0.1:8001/proxy/')).toBe(true);
    expect(defaultUseProxy('gpt-5-nano', 'http://127.0.0.1:8787/inference')).toBe(false);
  });

  test('without one, OpenAI models go through the proxy and others to the backend\'s inference server', () => {
    for (const m of ['gpt-5-nano', 'gpt-4o-mini', 'openai/gpt-4.1', 'o3-mini', 'chatgpt-4o-latest']) expect(defaultUseProxy(m)).toBe(true);
    for (const m of ['sim:heuristic', 'Qwen/Qwen3-0.6B', 'rl:job-123', 'llama-gpt-5']) expect(defaultUseProxy(m, '')).toBe(false);
  });
});

describe('directTestBody', () => {
  test('the reference fields plus the simulator extensions; valid under the server\'s schema', () => {
    const body = directTestBody(plan);
    expect(body).toEqual({
      endpoint_base_url: 'http://127.0.0.1:8001', model: 'sim:heuristic', max_steps: 12, max_steps_each: 12, num_rollouts: 3,
      use_proxy: false, seed: 4, concurrency: 2, timeout_seconds: 60, preset: 'micro',
    });
    expect(OpenAIDirectRequest.safeParse(body).success).toBe(true);
  });

  test('use_proxy: the plan\'s choice wins over the rule', () => {
    expect(directTestBody({ ...plan, model: 'gpt-5-nano' }).use_proxy).toBe(true);
    expect(directTestBody({ ...plan, model: 'gpt-5-nano', useProxy: false }).use_proxy).toBe(false);
    expect(directTestBody({ ...plan, useProxy: true }).use_proxy).toBe(true);
    expect(directTestBody({ ...plan, inferenceUrl: 'http://h/proxy' })).toMatchObject({ use_proxy: true, inference_url: 'http://h/proxy' });
  });

  test('a preset the backend does not know is an error naming it', () => {
    expect(() => directTestBody({ ...plan, preset: 'huge' })).toThrow('preset must be micro, small or classic, got "huge"');
  });
});
