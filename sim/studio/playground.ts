// The Studio's playground: what a checkpoint would do with one observation — its greedy choice and
// how its first action is distributed over samples at a temperature.
import { Hono } from 'hono';
import { z } from 'zod';
import type { SynthClient } from '../../src/index.ts';
import { readJson } from '../backend/request.ts';
import { buildPolicyRequest } from '../taskapp/prompt.ts';
import { upstream, type StudioEnv } from './upstream.ts';

const PLAYGROUND = z.strictObject({
  model: z.string().min(1),
  observation: z.string().max(64_000).optional(),
  messages: z.array(z.object({ role: z.string(), content: z.string() })).max(16).optional(),
  samples: z.number().int().min(1).max(32).default(12),
  temperature: z.number().min(0).max(2).default(1),
});

interface ToolArgs { actions?: unknown; reasoning?: unknown }

/** The action list and log-probabilities of one chat completion (interact tool call or JSON content). */
function readSample(answer: Record<string, unknown>): { actions: string[]; logprobs: number[]; reasoning: string } {
  const choice = (answer.choices as { message?: { tool_calls?: { function?: { arguments?: string } }[]; content?: string }; logprobs?: { content?: { token: string; logprob: number }[] } }[] | undefined)?.[0];
  let args: ToolArgs = {};
  try {
    args = JSON.parse(choice?.message?.tool_calls?.[0]?.function?.arguments ?? choice?.message?.content ?? '{}') as ToolArgs;
  } catch { /* a model may answer with free text: no actions */ }
  const actions = Array.isArray(args.actions) ? args.actions.map(String) : [];
  const logprobs = choice?.logprobs?.content?.map((t) => t.logprob) ?? [];
  return { actions, logprobs, reasoning: typeof args.reasoning === 'string' ? args.reasoning : '' };
}

/**
 * The checkpoint's choice (greedy, temperature 0) and how its first action is distributed over
 * `samples` answers at the given temperature.
 */
async function playground(client: SynthClient, req: z.infer<typeof PLAYGROUND>): Promise<unknown> {
  const ask = (temperature: number) => {
    const base = buildPolicyRequest(req.model, req.observation ?? '', { temperature, logprobs: true });
    const body = req.messages !== undefined && req.messages.length > 0 ? { ...base, messages: req.messages } : base;
    return client.http.json<Record<string, unknown>>({ method: 'POST', path: '/v1/chat/completions', json: body, retry: false, timeoutMs: 60_000 }).then(readSample);
  };
  const [choice, ...samples] = await Promise.all([ask(0), ...Array.from({ length: req.samples }, () => ask(req.temperature))]);
  const counts = new Map<string, { count: number; logprob: number }>();
  for (const s of samples) {
    const a = s.actions[0] ?? '(no action)';
    const entry = counts.get(a) ?? { count: 0, logprob: s.logprobs[0] ?? Number.NaN };
    entry.count += 1;
    counts.set(a, entry);
  }
  const distribution = [...counts.entries()].sort((x, y) => y[1].count - x[1].count)
    .map(([action, e]) => ({ action, count: e.count, share: e.count / samples.length, logprob: Number.isFinite(e.logprob) ? e.logprob : null }));
  return { model: req.model, temperature: req.temperature, choice, distribution, samples };
}

export function playgroundRoutes(): Hono<StudioEnv> {
  const api = new Hono<StudioEnv>();
  api.post('/playground', async (c) => {
    const parsed = await readJson(c, PLAYGROUND);
    if (!parsed.ok) return parsed.response;
    return upstream(c, (client) => playground(client, parsed.data));
  });
  return api;
}
