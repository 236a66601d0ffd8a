// How the task app reaches the model (docs/wire-contract.md §4.6): OpenAI directly (sanitised payload,
// Bearer OPENAI_API_KEY) when the inference URL names api.openai.com or ends with /proxy; otherwise
// the unmodified payload to `<inference_url>/v1/chat/completions`. Every call has a timeout; every
// failure becomes a typed outcome (never an exception), so /rollout can answer 502/504 naming it.

/** Fields OpenAI rejects (Synth/vLLM extensions). */
const OPENAI_REMOVE_FIELDS = ['stop_after_tool_calls', 'thinking_mode', 'thinking_budget', 'reasoning'] as const;
const OPENAI_REMOVE_SAMPLING_FIELDS = ['temperature', 'top_p'] as const;
const OPENAI_MAX_COMPLETION_TOKENS_MIN = 16_000;
const FORCED_INTERACT = { type: 'function', function: { name: 'interact' } };

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com';

/** OpenAI's sanitiser (`prepare_inference_payload_for_model`): strip extensions; gpt-5 rules. */
export function sanitizeForOpenAI(model: string | null | undefined, payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...payload };
  for (const k of OPENAI_REMOVE_FIELDS) delete out[k];
  if (typeof model === 'string' && model.includes('gpt-5')) {
    if (out.max_completion_tokens === undefined && out.max_tokens !== undefined) out.max_completion_tokens = out.max_tokens;
    delete out.max_tokens;
    for (const k of OPENAI_REMOVE_SAMPLING_FIELDS) delete out[k];
    const mct = out.max_completion_tokens;
    if (typeof mct !== 'number' || !Number.isInteger(mct) || mct < OPENAI_MAX_COMPLETION_TOKENS_MIN) out.max_completion_tokens = OPENAI_MAX_COMPLETION_TOKENS_MIN;
    out.tool_choice = FORCED_INTERACT;
    out.parallel_tool_calls = false;
  }
  return out;
}

/** True when the reference app would call OpenAI directly for this inference URL. */
export function routesToOpenAI(inferenceUrl: string): boolean {
  if (inferenceUrl.includes('api.openai.com')) return true;
  try {
    return new URL(inferenceUrl).pathname.replace(/\/+$/, '').endsWith('/proxy');
  } catch {
    return false;
  }
}

/**
 * `<base>/v1/chat/completions`, keeping the base's path (e.g. a trace id) and query untouched:
 * appended unless the path already ends with /chat/completions; after a trailing /v1 only
 * /chat/completions is added (the math app's rule, lenient to both URL styles).
 */
export function chatCompletionsUrl(base: string): string {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/chat/completions')) url.pathname = path;
  else if (path.endsWith('/v1')) url.pathname = `${path}/chat/completions`;
  else url.pathname = `${path}/v1/chat/completions`;
  return url.toString();
}

export type InferenceFailureCode =
  | 'inference_unreachable'
  | 'inference_timeout'
  | 'inference_upstream_error'
  | 'inference_invalid_response'
  | 'missing_openai_api_key'
  | 'deadline';

export type InferenceOutcome =
  | { ok: true; body: unknown; url: string; latencyMs: number }
  | { ok: false; code: InferenceFailureCode; message: string; url: string; upstreamStatus?: number; bodySnippet?: string };

export interface InferenceCallOptions {
  inferenceUrl: string;
  payload: Record<string, unknown>;
  timeoutMs: number;
  /** Aborted when the rollout's own deadline passes or its client goes away. */
  signal?: AbortSignal;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  /** Bearer token for non-OpenAI inference URLs (docs/reference-client.md §2.27: the reference sent none). */
  inferenceApiKey?: string;
  /** Trace/correlation headers passed through unchanged. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Force (or forbid) the OpenAI route instead of deciding from the URL (the /proxy route forces it). */
  direct?: boolean;
}

/** Status the task app answers with for a failed inference call. */
export function failureStatus(code: InferenceFailureCode): number {
  if (code === 'inference_timeout') return 504;
  if (code === 'missing_openai_api_key') return 503;
  return 502;
}

export async function callInference(opts: InferenceCallOptions): Promise<InferenceOutcome> {
  const direct = opts.direct ?? routesToOpenAI(opts.inferenceUrl);
  let url: string;
  try {
    url = direct ? chatCompletionsUrl(opts.openaiBaseUrl ?? DEFAULT_OPENAI_BASE_URL) : chatCompletionsUrl(opts.inferenceUrl);
  } catch {
    return { ok: false, code: 'inference_unreachable', message: `inference_url ${JSON.stringify(opts.inferenceUrl)} is not a valid URL`, url: opts.inferenceUrl };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...opts.headers };
  let payload = opts.payload;
  if (direct) {
    if (!opts.openaiApiKey) {
      return { ok: false, code: 'missing_openai_api_key', message: 'inference_url routes to OpenAI but OPENAI_API_KEY is not set in the task app', url };
    }
    headers.authorization = `Bearer ${opts.openaiApiKey}`;
    payload = sanitizeForOpenAI(typeof payload.model === 'string' ? payload.model : null, payload);
  } else if (opts.inferenceApiKey) {
    headers.authorization = `Bearer ${opts.inferenceApiKey}`;
  }
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const started = performance.now();
  let res: Response;
  let text: string;
  try {
    res = await (opts.fetch ?? fetch)(url, { method: 'POST', headers, body: JSON.stringify(payload), signal });
    text = await res.text();
  } catch (error) {
    if (opts.signal?.aborted) return { ok: false, code: 'deadline', message: 'rollout deadline passed during the inference call', url };
    if (timeout.aborted) return { ok: false, code: 'inference_timeout', message: `inference did not answer within ${opts.timeoutMs / 1000} s`, url };
    return { ok: false, code: 'inference_unreachable', message: `inference request failed: ${error instanceof Error ? error.message : String(error)}`, url };
  }
  const snippet = text.slice(0, 200);
  if (!res.ok) {
    return { ok: false, code: 'inference_upstream_error', message: `inference answered HTTP ${res.status}`, url, upstreamStatus: res.status, bodySnippet: snippet };
  }
  try {
    return { ok: true, body: JSON.parse(text) as unknown, url, latencyMs: performance.now() - started };
  } catch {
    return { ok: false, code: 'inference_invalid_response', message: 'inference answered 2xx with a body that is not JSON', url, upstreamStatus: res.status, bodySnippet: snippet };
  }
}

/** Secrets never leave in error details: strip userinfo and query from a URL shown to clients. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.slice(0, 200);
  }
}
