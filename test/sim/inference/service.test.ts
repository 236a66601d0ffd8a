// The inference service: a registry of policy models behind OpenAI chat completions, on the
// simulator's trainer-side /inference routes (trace ids in the path) and the backend's /api route.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { ChatCompletionResponse, type ChatCompletionRequest } from '../../../src/api/chat.ts';
import {
  BUILTIN_MODEL_IDS, InferenceError, InferenceService, createInferenceApp, policyCompletion, type InferenceContext, type PolicyModel,
} from '../../../sim/inference/index.ts';
import { startTestSim, type TestSim } from '../../helpers/sim.ts';

class Recorder implements PolicyModel {
  readonly contexts: InferenceContext[] = [];
  constructor(readonly id: string) {}
  async complete(req: ChatCompletionRequest, ctx: InferenceContext) {
    this.contexts.push(ctx);
    return policyCompletion(req, { actions: ['noop'], reasoning: 'recorded' });
  }
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('InferenceService', () => {
  test('register / has / unregister; duplicates need replace', () => {
    const s = new InferenceService();
    const m = new Recorder('rl:job');
    s.register(m);
    expect(s.has('rl:job')).toBe(true);
    expect(() => s.register(new Recorder('rl:job'))).toThrow('already registered');
    s.register(new Recorder('rl:job'), { replace: true });
    expect(s.unregister('rl:job')).toBe(true);
    expect(s.has('rl:job')).toBe(false);
    expect(s.unregister('rl:job')).toBe(false);
  });

  test('answers: 200 completion, 404 unknown model naming the served ones, 422 bad body, 400 stream', async () => {
    const s = new InferenceService();
    s.register(new Recorder('m1'));
    const ok = await s.complete(chat('m1'));
    expect(ok.status).toBe(200);
    expect(ChatCompletionResponse.parse(await ok.json()).model).toBe('m1');
    const missing = await s.complete(chat('m2'));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { detail: string }).detail).toBe('model "m2" not found; this inference server serves: m1');
    const bad = await s.complete({ model: 'm1' });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { detail: { loc: string[] }[] }).detail[0]?.loc).toEqual(['body', 'messages']);
    expect((await s.complete(chat('m1', { stream: true }))).status).toBe(400);
  });

  test("a model's InferenceError keeps its status; a crash is a 500 naming the model", async () => {
    const s = new InferenceService();
    s.register({ id: 'busy', complete: async () => { throw new InferenceError(429, 'busy, retry'); } });
    s.register({ id: 'broken', complete: async () => { throw new Error('kaput'); } });
    const busy = await s.complete(chat('busy'));
    expect(busy.status).toBe(429);
    expect(await busy.json()).toEqual({ detail: 'busy, retry' });
    const broken = await s.complete(chat('broken'));
    expect(broken.status).toBe(500);
    expect(((await broken.json()) as { detail: string }).detail).toBe('model broken failed: kaput');
  });
});

describe('routes', () => {
  test('/v1/chat/completions and /trace/<id>/v1/chat/completions; the trace id reaches the model', async () => {
    const s = new InferenceService();
    const m = new Recorder('rl:x');
    s.register(m);
    const app = createInferenceApp(s);
    const post = (path: string, body: unknown) => app.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect((await post('/inference/v1/chat/completions', chat('rl:x'))).status).toBe(200);
    expect((await post('/inference/trace/tr_123/v1/chat/completions', chat('rl:x'))).status).toBe(200);
    expect(m.contexts).toEqual([{}, { traceId: 'tr_123' }]);
    const malformed = await app.request('/inference/v1/chat/completions', { method: 'POST', body: '{oops' });
    expect(malformed.status).toBe(400);
    const models = await app.request('/inference/v1/models');
    expect(((await models.json()) as { data: { id: string }[] }).data.map((d) => d.id)).toEqual(['rl:x']);
    const nowhere = await app.request('/inference/v2/other');
    expect(nowhere.status).toBe(404);
  });
});

describe('in the simulator', () => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim();
  });
  afterAll(() => t.sim.stop());

  test('built-in policies are served at {sim}/inference without a key', async () => {
    expect(t.sim.inference.ids()).toEqual([...BUILTIN_MODEL_IDS]);
    expect(t.sim.inferenceUrl).toBe(`${t.sim.url}/inference`);
    const r = await fetch(`${t.sim.inferenceUrl}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat('sim:random', { tools: [{ type: 'function', function: { name: 'interact' } }] })),
    });
    expect(r.status).toBe(200);
    const body = ChatCompletionResponse.parse(await r.json());
    expect(body.choices[0]?.message.tool_calls?.[0]?.function.name).toBe('interact');
  });

  test("the backend's /api/v1/chat/completions routes to the same service (and still needs the API key)", async () => {
    const m = new Recorder('rl:model:job_1:checkpoint-epoch-1');
    t.sim.inference.register(m);
    try {
      const r = await t.json('/api/v1/chat/completions', { json: chat(m.id) });
      expect(r.status).toBe(200);
      expect(m.contexts[0]?.org).toBeDefined();
      const anon = await fetch(`${t.sim.url}/api/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat(m.id)), headers: { 'content-type': 'application/json' } });
      expect(anon.status).toBe(401);
      const trace = await fetch(`${t.sim.url}/inference/trace/abc/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat(m.id)), headers: { 'content-type': 'application/json' } });
      expect(trace.status).toBe(200);
      expect(m.contexts[1]).toEqual({ traceId: 'abc' });
    } finally {
      t.sim.inference.unregister(m.id);
    }
  });
});
