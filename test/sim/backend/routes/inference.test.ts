// The inference sub-app on its own (sim/backend/routes/inference.ts): chat completions go to the
// chat service with the caller's org; bad bodies are 422 JSON; no engine is a 404 naming the model.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import type { ChatCompletionRequest } from '../../../../src/api/chat.ts';
import { inferenceRoutes, NO_MODELS } from '../../../../sim/backend/routes/inference.ts';
import { asOrg, backendParts, post, read, type Parts } from './fixture.ts';

let parts: Parts;
beforeEach(() => {
  parts = backendParts();
});
afterEach(() => parts.close());

test('a chat completion is answered by the chat service, for the caller\'s org', async () => {
  const seen: [string, ChatCompletionRequest][] = [];
  const chat = { complete: async (org: string, request: ChatCompletionRequest) => (seen.push([org, request]), Response.json({ id: 'c1', model: request.model })) };
  const app = asOrg(inferenceRoutes({ ...parts, chat }));
  const r = await read(app.request('/v1/chat/completions', post({ model: 'sim:random', messages: [{ role: 'user', content: 'hi' }] })));
  expect(r).toEqual({ status: 200, body: { id: 'c1', model: 'sim:random' } });
  expect(seen.map(([org, req]) => [org, req.model])).toEqual([['org_a', 'sim:random']]);
});

test('4xx: no model engine → 404 naming the model; bad bodies → 422 naming the field', async () => {
  const app = asOrg(inferenceRoutes({ ...parts, chat: NO_MODELS }));
  const none = await read<{ detail: string }>(app.request('/v1/chat/completions', post({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })));
  expect(none.status).toBe(404);
  expect(none.body.detail).toStartWith('model "m" not found');
  const bad = await read<{ detail: { loc: unknown[] }[] }>(app.request('/v1/chat/completions', post({ messages: [] })));
  expect(bad.status).toBe(422);
  expect(bad.body.detail.some((d) => d.loc.join('.') === 'body.model')).toBe(true);
  const direct = await read<{ detail: { loc: unknown[] }[] }>(app.request('/rl/tests/openai/direct', post({ endpoint_base_url: 'ftp://x', model: 'm' })));
  expect(direct.status).toBe(422);
  expect(direct.body.detail[0]?.loc).toEqual(['body', 'endpoint_base_url']);
});
