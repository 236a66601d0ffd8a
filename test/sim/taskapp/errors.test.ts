// Bad input never crashes or hangs the task app: each answer is 4xx/5xx JSON naming the problem,
// or (for a malformed model answer) a finished rollout with the reason recorded.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { RolloutResponse } from '../../../src/api/taskapp.ts';
import { actionsFromText } from '../../../sim/taskapp/index.ts';
import { withFallbackToolCall } from '../../../sim/taskapp/proxy.ts';
import { interact, rolloutBody, startInferenceStub, startTaskAppServer, toolCallAnswer, type InferenceStub, type TaskAppServer } from './helpers.ts';

interface ErrorBody {
  detail: { error: { code: string; message: string; upstream_status?: number; upstream_body?: string } };
}
interface InvalidBody {
  status: string;
  detail: { loc: (string | number)[]; msg: string }[];
}

let t: TaskAppServer;
let stub: InferenceStub;
beforeAll(async () => {
  t = await startTaskAppServer({ environmentApiKey: 'sk-env-test-key', inferenceTimeoutMs: 300 });
  stub = await startInferenceStub(() => interact(['noop']));
});
afterAll(async () => {
  await t.stop();
  await stub.stop();
});

function answerWith(answer: typeof stub.answer) {
  stub.answer = answer;
  stub.calls.length = 0;
}

describe('rollout requests', () => {
  test('missing policy.config.inference_url: 422 naming the field (bug 27: the reference raised KeyError → 500)', async () => {
    const r = await t.json<InvalidBody>('/rollout', { json: rolloutBody(undefined) });
    expect(r.status).toBe(422);
    expect(r.body.status).toBe('invalid');
    expect(r.body.detail[0]?.loc).toEqual(['body', 'policy', 'config', 'inference_url']);
    expect(r.body.detail[0]?.msg).toContain('required');
  });

  test('a non-http inference_url: 422', async () => {
    const r = await t.json<InvalidBody>('/rollout', { json: rolloutBody('ftp://x') });
    expect(r.status).toBe(422);
    expect(r.body.detail[0]?.msg).toContain('http(s) URL');
  });

  test('unknown op: 422 naming its index and value', async () => {
    const body = rolloutBody(stub.url) as { ops: unknown[] };
    body.ops = ['agent', 'env', 'dance', { type: 'env' }, { op: 'fly' }];
    const r = await t.json<InvalidBody>('/rollout', { json: body });
    expect(r.status).toBe(422);
    expect(r.body.detail.map((d) => d.loc)).toEqual([['body', 'ops', 2], ['body', 'ops', 4]]);
    expect(r.body.detail[0]?.msg).toContain('"dance"');
  });

  test('schema violations: 422 with the field path (run_id missing, bad env config, bad sampling)', async () => {
    const noRun = await t.json<InvalidBody>('/rollout', { json: { ops: [] } });
    expect(noRun.status).toBe(422);
    expect(noRun.body.detail[0]?.loc).toEqual(['body', 'run_id']);
    const badPreset = await t.json<InvalidBody>('/rollout', { json: rolloutBody(stub.url, { env: { config: { preset: 'huge' } } }) });
    expect(badPreset.status).toBe(422);
    expect(badPreset.body.detail[0]?.loc).toEqual(['body', 'env', 'config', 'preset']);
    const badTemp = await t.json<InvalidBody>('/rollout', { json: rolloutBody(stub.url, { policy: { config: { temperature: 'hot' } } }) });
    expect(badTemp.status).toBe(422);
    expect(badTemp.body.detail[0]?.loc).toEqual(['body', 'policy', 'config', 'temperature']);
  });

  test('malformed JSON: 400; empty body: 400; oversized body: 413', async () => {
    const bad = await t.json<{ detail: string }>('/rollout', { json: '{"run_id": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('not valid JSON');
    const empty = await t.json<{ detail: string }>('/rollout', { method: 'POST', body: '', headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
    const huge = await t.json<{ detail: string }>('/rollout', { json: JSON.stringify({ run_id: 'x', ops: [], pad: 'x'.repeat(1_100_000) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.detail).toContain('too large');
  });
});

describe('malformed model answers end the rollout with the reason (never a 500)', () => {
  const cases: [string, () => Record<string, unknown>, string][] = [
    ['invalid JSON arguments', () => toolCallAnswer('interact', '{"actions": [noop'), 'arguments are not valid JSON'],
    ['arguments not an object', () => toolCallAnswer('interact', '["noop"]'), 'arguments must be a JSON object'],
    ['unknown action name', () => interact(['noop', 'fly']), 'unknown action "fly" at actions[1]'],
    ['empty actions', () => interact([]), 'actions is empty'],
    ['unknown tool', () => toolCallAnswer('dance', { steps: 1 }), 'unknown tool "dance"'],
    ['no choices', () => ({ choices: [] }), 'no choices'],
    ['tool call without function', () => ({ choices: [{ message: { tool_calls: [{ id: 'x' }] } }] }), "no 'function' object"],
  ];
  for (const [name, answer, message] of cases) {
    test(name, async () => {
      answerWith((_c, i) => (i === 0 ? interact(['noop']) : answer()));
      const r = await t.json('/rollout', { json: rolloutBody(stub.url, {}, 3) });
      expect(r.status).toBe(200);
      const body = RolloutResponse.parse(r.body);
      expect(body.metrics.details.end_reason).toBe('invalid_tool_call');
      expect(body.metrics.details.error).toContain(message);
      expect(body.metrics.details.error).toContain('decision 1');
      expect(body.aborted).toBe(true);
      // The step of the first, valid decision is kept; nothing of the bad one ran.
      expect(body.metrics.num_steps).toBe(1);
      expect(stub.calls).toHaveLength(2);
    });
  }
});

describe('inference failures: 502/504 naming the upstream', () => {
  test('upstream 5xx and 4xx: 502 with upstream_status and a body snippet', async () => {
    for (const status of [500, 503, 400, 404]) {
      answerWith(() => Response.json({ detail: `boom ${status}` }, { status }));
      const r = await t.json<ErrorBody>('/rollout', { json: rolloutBody(stub.url) });
      expect(r.status).toBe(502);
      expect(r.body.detail.error.code).toBe('inference_upstream_error');
      expect(r.body.detail.error.upstream_status).toBe(status);
      expect(r.body.detail.error.upstream_body).toContain(`boom ${status}`);
      expect(r.body.detail.error.message).toContain(`HTTP ${status}`);
    }
  });

  test('2xx with a non-JSON body: 502 inference_invalid_response', async () => {
    answerWith(() => new Response('<html>oops</html>', { status: 200 }));
    const r = await t.json<ErrorBody>('/rollout', { json: rolloutBody(stub.url) });
    expect(r.status).toBe(502);
    expect(r.body.detail.error.code).toBe('inference_invalid_response');
  });

  test('no answer within the inference timeout: 504', async () => {
    answerWith(async () => {
      await Bun.sleep(1_000);
      return interact(['noop']);
    });
    const started = performance.now();
    const r = await t.json<ErrorBody>('/rollout', { json: rolloutBody(stub.url) });
    expect(performance.now() - started).toBeLessThan(900);
    expect(r.status).toBe(504);
    expect(r.body.detail.error.code).toBe('inference_timeout');
  });

  test('unreachable inference server: 502 inference_unreachable', async () => {
    const dead = Bun.serve({ port: 0, fetch: () => new Response('') });
    const url = `http://127.0.0.1:${dead.port}`;
    await dead.stop(true);
    const r = await t.json<ErrorBody>('/rollout', { json: rolloutBody(url) });
    expect(r.status).toBe(502);
    expect(r.body.detail.error.code).toBe('inference_unreachable');
  });

  test('an OpenAI inference URL without OPENAI_API_KEY: 503 naming it', async () => {
    const r = await t.json<ErrorBody>('/rollout', { json: rolloutBody('https://api.openai.com') });
    expect(r.status).toBe(503);
    expect(r.body.detail.error.code).toBe('missing_openai_api_key');
  });
});

describe('env routes', () => {
  const ENV = '/env/CrafterClassic';
  const init = async () => (await t.json<{ env_id: string }>(`${ENV}/initialize`, { json: {} })).body.env_id;

  test('unknown action name: 422 listing the valid ones; out-of-range index too (bug 23: no silent noop)', async () => {
    const id = await init();
    const r = await t.json<InvalidBody>(`${ENV}/step`, { json: { env_id: id, action: 'fly' } });
    expect(r.status).toBe(422);
    expect(r.body.detail[0]?.loc).toEqual(['body', 'action']);
    expect(r.body.detail[0]?.msg).toContain('unknown action "fly"');
    expect(r.body.detail[0]?.msg).toContain('make_iron_sword');
    expect((await t.json(`${ENV}/step`, { json: { env_id: id, action: 17 } })).status).toBe(422);
  });

  test('stepping a terminated env: 409 env_terminated (the reference: KeyError → 500); unknown env: 404', async () => {
    const id = await init();
    await t.json(`${ENV}/terminate`, { json: { env_id: id } });
    const r = await t.json<ErrorBody>(`${ENV}/step`, { json: { env_id: id, action: 'noop' } });
    expect(r.status).toBe(409);
    expect(r.body.detail.error.code).toBe('env_terminated');
    const missing = await t.json<ErrorBody>(`${ENV}/step`, { json: { env_id: 'env_000000000000', action: 'noop' } });
    expect(missing.status).toBe(404);
    expect(missing.body.detail.error.code).toBe('env_not_found');
  });

  test('stepping after the episode ended: 409 episode_over', async () => {
    const id = (await t.json<{ env_id: string }>(`${ENV}/initialize`, { json: { env_config: { max_steps: 1 } } })).body.env_id;
    expect((await t.json(`${ENV}/step`, { json: { env_id: id, action: 'noop' } })).status).toBe(200);
    const r = await t.json<ErrorBody>(`${ENV}/step`, { json: { env_id: id, action: 'noop' } });
    expect(r.status).toBe(409);
    expect(r.body.detail.error.code).toBe('episode_over');
  });

  test('missing env_id / bad config: 422 naming the field; malformed JSON: 400', async () => {
    const r = await t.json<InvalidBody>(`${ENV}/step`, { json: { action: 'noop' } });
    expect(r.status).toBe(422);
    expect(r.body.detail[0]?.loc).toEqual(['body', 'env_id']);
    const cfg = await t.json<InvalidBody>(`${ENV}/initialize`, { json: { env_config: { max_steps: 0 } } });
    expect(cfg.status).toBe(422);
    expect(cfg.body.detail[0]?.loc).toEqual(['body', 'env_config', 'max_steps']);
    expect((await t.json(`${ENV}/step`, { json: '{nope' })).status).toBe(400);
  });
});

describe('the env limit', () => {
  test('past max_envs: 429 with a clear detail and Retry-After, for /env and /rollout', async () => {
    const small = await startTaskAppServer({ environmentApiKey: 'sk-env-test-key', maxEnvs: 2 });
    try {
      for (let i = 0; i < 2; i++) expect((await small.json('/env/CrafterClassic/initialize', { json: {} })).status).toBe(200);
      const r = await small.json<ErrorBody>('/env/CrafterClassic/initialize', { json: {} });
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.body.detail.error.code).toBe('too_many_envs');
      expect(r.body.detail.error.message).toContain('limit 2');
      const ro = await small.json<ErrorBody>('/rollout', { json: { run_id: 'x', ops: [] } });
      expect(ro.status).toBe(429);
    } finally {
      await small.stop();
    }
  });
});

describe('/proxy/v1/chat/completions', () => {
  test('forwards to OpenAI with the key, sanitised, the interact tool injected; a text answer gets a fallback tool call', async () => {
    const openai = await startInferenceStub(() => ({ choices: [{ index: 0, message: { role: 'assistant', content: 'Actions: move_left, do' } }] }));
    const app = await startTaskAppServer({ environmentApiKey: 'sk-env-test-key', openaiApiKey: 'sk-oa', openaiBaseUrl: openai.url });
    try {
      const r = await app.json<{ choices: { message: { tool_calls: { id: string; function: { name: string; arguments: string } }[] } }[] }>('/proxy/v1/chat/completions', {
        json: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'play' }], stop_after_tool_calls: 1, thinking_budget: 5 },
      });
      expect(r.status).toBe(200);
      expect(openai.calls[0]?.headers.get('authorization')).toBe('Bearer sk-oa');
      expect(openai.calls[0]?.body).not.toHaveProperty('stop_after_tool_calls');
      expect(openai.calls[0]?.body).not.toHaveProperty('thinking_budget');
      expect((openai.calls[0]?.body.tools as { function: { name: string } }[])[0]?.function.name).toBe('interact');
      const call = r.body.choices[0]?.message.tool_calls[0];
      expect(call?.id).toBe('tool_interact_fallback');
      expect(JSON.parse(call?.function.arguments ?? '{}').actions).toEqual(['move_left', 'do']);
      openai.answer = () => Response.json({ error: 'rate limited' }, { status: 429 });
      const limited = await app.json<ErrorBody>('/proxy/v1/chat/completions', { json: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } });
      expect(limited.status).toBe(502);
      expect(limited.body.detail.error.upstream_status).toBe(429);
      const noModel = await app.json<InvalidBody>('/proxy/v1/chat/completions', { json: { messages: [] } });
      expect(noModel.status).toBe(422);
      expect(noModel.body.detail[0]?.loc).toEqual(['body', 'model']);
    } finally {
      await app.stop();
      await openai.stop();
    }
  });

  test('text forms the fallback understands', () => {
    expect(actionsFromText('{"actions": ["do", "fly", "LEFT"]}')).toEqual(['do', 'move_left']);
    expect(actionsFromText('Action 1: move_up\nAction 2: do')).toEqual(['move_up', 'do']);
    expect(actionsFromText('I will wait.')).toEqual([]);
    const untouched = { choices: [{ message: { content: 'no actions here' } }] };
    expect(withFallbackToolCall(untouched)).toBe(untouched);
  });
});
