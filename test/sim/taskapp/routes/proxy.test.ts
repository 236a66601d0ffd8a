// The /proxy sub-app alone, with OpenAI answered by a fake fetch.
import { afterAll, describe, expect, test } from 'bun:test';
import { proxyRoutes } from '../../../../sim/taskapp/routes/proxy.ts';
import { interact } from '../helpers.ts';
import { call, fakeFetch, testContext } from './helpers.ts';

const openai = fakeFetch(() => interact(['noop', 'do']));
const ctx = testContext({ openaiApiKey: 'sk-oa', openaiBaseUrl: 'http://openai.test', fetch: openai.fetch });
const app = proxyRoutes(ctx);
const keyless = testContext();
afterAll(() => {
  ctx.registry.stop();
  keyless.registry.stop();
});

describe('POST /proxy/v1/chat/completions', () => {
  test('forwards the completion with the interact tool and answers OpenAI\'s reply', async () => {
    const r = await call<{ choices: { message: { tool_calls: unknown[] } }[] }>(app, '/proxy/v1/chat/completions', { json: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'play' }] } });
    expect(r.status).toBe(200);
    expect(r.body.choices[0]?.message.tool_calls).toHaveLength(1);
    expect((openai.bodies[0]?.tools as { function: { name: string } }[])[0]?.function.name).toBe('interact');
  });

  test('no model: 422 naming it; no key: 401; no OPENAI_API_KEY: 503 naming it', async () => {
    const noModel = await call<{ detail: { loc: string[] }[] }>(app, '/proxy/v1/chat/completions', { json: { messages: [] } });
    expect(noModel.status).toBe(422);
    expect(noModel.body.detail[0]?.loc).toEqual(['body', 'model']);
    expect((await call(app, '/proxy/v1/chat/completions', { json: { model: 'x', messages: [] }, headers: { 'x-api-key': '' } })).status).toBe(401);
    const unset = await call<{ detail: unknown }>(proxyRoutes(keyless), '/proxy/v1/chat/completions', { json: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } });
    expect(unset.status).toBe(503);
    expect(JSON.stringify(unset.body.detail)).toContain('OPENAI_API_KEY');
  });
});
