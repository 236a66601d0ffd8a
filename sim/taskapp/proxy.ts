// POST /proxy/v1/chat/completions: forwards a chat completion to OpenAI with the task app's
// OPENAI_API_KEY (docs/wire-contract.md §4.6, SDK proxy.py): sanitised payload, the `interact` tool
// injected when the caller sent no tools, and a synthesised `interact` call (id
// tool_interact_fallback) when the vendor answered in text. Requires the env key (the reference
// example app checked none, which made it an open proxy for its OpenAI key).
import { callInference, failureStatus, safeUrl, DEFAULT_OPENAI_BASE_URL } from './inference.ts';
import { taskError } from './http.ts';
import { INTERACT_TOOL } from './prompt.ts';
import type { InferenceSettings } from './rollout.ts';
import { actionsFromText } from './tool-calls.ts';

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Adds a fallback `interact` call to a text-only answer whose text names actions. */
export function withFallbackToolCall(resp: unknown): unknown {
  if (!isRecord(resp) || !Array.isArray(resp.choices)) return resp;
  const choice: unknown = resp.choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) return resp;
  const msg = choice.message;
  if (Array.isArray(msg.tool_calls) && msg.tool_calls.length > 0) return resp;
  const actions = typeof msg.content === 'string' ? actionsFromText(msg.content) : [];
  if (actions.length === 0) return resp;
  const call = {
    id: 'tool_interact_fallback', type: 'function',
    function: { name: 'interact', arguments: JSON.stringify({ actions, reasoning: 'parsed from the text answer' }) },
  };
  return { ...resp, choices: [{ ...choice, message: { ...msg, tool_calls: [call] } }, ...resp.choices.slice(1)] };
}

export async function proxyChatCompletion(body: unknown, settings: InferenceSettings, passHeaders: Record<string, string>): Promise<Response> {
  if (!isRecord(body)) return Response.json({ status: 'invalid', detail: [{ type: 'type_error', loc: ['body'], msg: 'body must be a JSON object (an OpenAI chat completion request)' }] }, { status: 422 });
  if (typeof body.model !== 'string' || body.model === '') {
    return Response.json({ status: 'invalid', detail: [{ type: 'missing', loc: ['body', 'model'], msg: 'model: required (an OpenAI model id such as gpt-4o-mini)' }] }, { status: 422 });
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return Response.json({ status: 'invalid', detail: [{ type: 'missing', loc: ['body', 'messages'], msg: 'messages: required, a non-empty list' }] }, { status: 422 });
  }
  if (!settings.openaiApiKey) return taskError(503, 'missing_openai_api_key', 'OPENAI_API_KEY is not set in the task app, so /proxy cannot reach OpenAI');
  const payload: Record<string, unknown> = { ...body };
  if (payload.tools === undefined) payload.tools = [INTERACT_TOOL];
  const outcome = await callInference({
    inferenceUrl: settings.openaiBaseUrl ?? DEFAULT_OPENAI_BASE_URL, payload, timeoutMs: settings.timeoutMs,
    openaiApiKey: settings.openaiApiKey, openaiBaseUrl: settings.openaiBaseUrl ?? DEFAULT_OPENAI_BASE_URL, headers: passHeaders, direct: true,
    ...(settings.fetch !== undefined && { fetch: settings.fetch }),
  });
  if (!outcome.ok) {
    return taskError(failureStatus(outcome.code), outcome.code, outcome.message, {
      url: safeUrl(outcome.url),
      ...(outcome.upstreamStatus !== undefined && { upstream_status: outcome.upstreamStatus }),
      ...(outcome.bodySnippet !== undefined && { upstream_body: outcome.bodySnippet }),
    });
  }
  return Response.json(withFallbackToolCall(outcome.body));
}
