// Inference through the backend's API (docs/wire-contract.md §2.3, §7): chat completions for the
// models the simulator serves, and the OpenAI-direct smoke test against the caller's task app.
import { Hono, type Context } from 'hono';
import { ChatCompletionRequest } from '../../../src/api/chat.ts';
import { OpenAIDirectRequest } from '../../../src/api/openai-direct.ts';
import { runOpenAIDirectTest } from '../../taskapp/openai-direct.ts';
import type { SealedKeys } from '../keys.ts';
import { detail, readJson } from '../request.ts';
import type { Store } from '../store.ts';
import type { BackendEnv } from './context.ts';

/** Serves chat completions for models the simulator knows; the model engine plugs in here. */
export interface ChatService {
  complete(org: string, request: ChatCompletionRequest): Promise<Response>;
}

export const NO_MODELS: ChatService = {
  async complete(_org, request) {
    return detail(404, `model ${JSON.stringify(request.model)} not found: this simulator has no model engine yet, so no model can be served`);
  },
};

export interface InferenceRouteDeps {
  store: Store;
  keys: SealedKeys;
  chat: ChatService;
}

// Rollouts against a hosted model take minutes: no idle cut for this request.
async function directTest(deps: InferenceRouteDeps, c: Context<BackendEnv>): Promise<Response> {
  const parsed = await readJson(c, OpenAIDirectRequest);
  if (!parsed.ok) return parsed.response;
  const stored = deps.store.getEnvKey(c.get('org'), 'ENVIRONMENT_API_KEY');
  const envKey = stored ? (deps.keys.open(stored.ciphertext) ?? undefined) : undefined;
  (c.env as { timeout?: (req: Request, seconds: number) => void } | undefined)?.timeout?.(c.req.raw, 0);
  return runOpenAIDirectTest(parsed.data, { envKey, simInferenceUrl: `${new URL(c.req.url).origin}/inference` });
}

export function inferenceRoutes(deps: InferenceRouteDeps): Hono<BackendEnv> {
  const api = new Hono<BackendEnv>();
  api.post('/v1/chat/completions', async (c) => {
    const parsed = await readJson(c, ChatCompletionRequest);
    if (!parsed.ok) return parsed.response;
    return deps.chat.complete(c.get('org'), parsed.data);
  });
  api.post('/rl/tests/openai/direct', (c) => directTest(deps, c));
  return api;
}
