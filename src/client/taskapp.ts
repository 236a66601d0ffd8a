// The task app as the client sees it (docs/wire-contract.md §4.1–§4.2, §8): health probes that tell
// "unreachable", "key rejected" (401, the framework's 400, or a soft 200 with authorized:false —
// docs/reference-client.md §2.11, which check.py cannot see) and "no key configured on the app" apart. Also the probe of
// an OpenAI-compatible inference URL, the endpoint the task app calls for the policy.
import { HttpClient, HttpError, type RetryPolicy } from './http.ts';

export type CheckLevel = 'ok' | 'warn' | 'fail';

/** One diagnostic line: `name: OK|WARN|FAIL message`. */
export interface CheckResult {
  name: string;
  level: CheckLevel;
  message: string;
  url?: string;
  httpStatus?: number;
  ms?: number;
}

export type ProbeProblem = 'unreachable' | 'timeout' | 'auth' | 'no_key_configured' | 'not_found' | 'unhealthy' | 'http' | 'invalid_json';

export interface TaskAppProbe {
  url: string;
  ok: boolean;
  problem: ProbeProblem | undefined;
  httpStatus: number | undefined;
  /** From the body: false on a soft-200 rejection, true when the app confirms the key. */
  authorized: boolean | undefined;
  /** Some apps reveal the first characters of the key they expect; shown to help spot a mix-up. */
  expectedKeyPrefix: string | undefined;
  body: unknown;
  detail: string;
  ms: number;
}

export interface TaskAppClientOptions {
  baseUrl: string;
  /** ENVIRONMENT_API_KEY, sent as X-API-Key. */
  apiKey?: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function brief(v: unknown): string {
  if (v === undefined || v === null) return '';
  return (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 200);
}

/** The framework answers a wrong key with 400 {"detail":{"error":{"code":"unauthorised"}}} (docs/wire-contract.md §4.2). */
function isAuthDetail(detail: unknown): boolean {
  const text = brief(detail).toLowerCase();
  return /unauthori[sz]ed|api key|api_key|invalid key|forbidden/.test(text);
}

function mentionsMissingKey(detail: unknown): boolean {
  return /missing_environment_api_key|environment_api_key is not configured|missing environment_api_key|auth not configured/i.test(brief(detail));
}

export class TaskAppClient {
  readonly baseUrl: string;
  readonly hasKey: boolean;
  private readonly http: HttpClient;

  constructor(opts: TaskAppClientOptions) {
    this.baseUrl = opts.baseUrl.trim().replace(/\/+$/, '');
    this.hasKey = opts.apiKey !== undefined && opts.apiKey !== '';
    this.http = new HttpClient({
      baseUrl: this.baseUrl,
      timeoutMs: opts.timeoutMs ?? 10_000,
      retry: opts.retry ?? { retries: 1, baseDelayMs: 200 },
      ...(this.hasKey && { headers: { 'x-api-key': opts.apiKey as string } }),
      ...(opts.fetch !== undefined && { fetch: opts.fetch }),
    });
  }

  /** `GET /health`. */
  health(signal?: AbortSignal): Promise<TaskAppProbe> {
    return this.probe('/health', signal);
  }

  /** `GET /health/rollout`: the check the trainer's rollouts depend on. */
  rolloutHealth(signal?: AbortSignal): Promise<TaskAppProbe> {
    return this.probe('/health/rollout', signal);
  }

  /** `GET /info` (SDK framework apps), as JSON. */
  info(signal?: AbortSignal): Promise<unknown> {
    return this.http.json({ path: '/info', ...(signal && { signal }) });
  }

  private async probe(path: string, signal?: AbortSignal): Promise<TaskAppProbe> {
    const url = this.http.url(path);
    const t0 = performance.now();
    const base = { url, authorized: undefined, expectedKeyPrefix: undefined, body: undefined };
    const elapsed = () => Math.round(performance.now() - t0);
    let body: unknown;
    let status: number;
    try {
      const res = await this.http.request({ path, ...(signal && { signal }) });
      status = res.status;
      const text = await this.http.readText(res, { path, maxBodyBytes: 1024 * 1024 });
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        return { ...base, ok: false, problem: 'invalid_json', httpStatus: status, detail: `HTTP ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 80))}`, ms: elapsed() };
      }
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      const ms = elapsed();
      if (error.kind === 'network') return { ...base, ok: false, problem: 'unreachable', httpStatus: undefined, detail: error.message, ms };
      if (error.kind === 'timeout') return { ...base, ok: false, problem: 'timeout', httpStatus: undefined, detail: error.message, ms };
      if (error.kind !== 'http') return { ...base, ok: false, problem: 'http', httpStatus: error.status, detail: error.message, ms };
      const s = error.status ?? 0;
      const detail = brief(error.detail) || error.bodySnippet;
      const withPrefix = { ...base, body: error.detail, expectedKeyPrefix: expectedPrefix(error.detail) };
      if (s === 401 || s === 403 || (s === 400 && isAuthDetail(error.detail))) return { ...withPrefix, ok: false, problem: 'auth', httpStatus: s, detail: `HTTP ${s}: ${detail}`, ms };
      if (s === 503 && mentionsMissingKey(error.detail)) return { ...withPrefix, ok: false, problem: 'no_key_configured', httpStatus: s, detail: `HTTP ${s}: ${detail}`, ms };
      if (s === 404) return { ...withPrefix, ok: false, problem: 'not_found', httpStatus: s, detail: `HTTP 404: ${detail}`, ms };
      return { ...withPrefix, ok: false, problem: 'http', httpStatus: s, detail: `HTTP ${s}: ${detail}`, ms };
    }
    const ms = elapsed();
    const obj = isRecord(body) ? body : {};
    const authorized = typeof obj.authorized === 'boolean' ? obj.authorized : undefined;
    const result = { url, httpStatus: status, body, authorized, expectedKeyPrefix: expectedPrefix(body), ms };
    // Soft 200 (S7c): the app is up but says the key is wrong. check.py reports this as OK (docs/reference-client.md §2.11).
    if (authorized === false) return { ...result, ok: false, problem: 'auth', detail: `HTTP ${status} with authorized:false` };
    if (obj.healthy === false || obj.ok === false) return { ...result, ok: false, problem: 'unhealthy', detail: `HTTP ${status}: ${brief(body)}` };
    return { ...result, ok: true, problem: undefined, detail: `HTTP ${status}${authorized ? ', authorized' : ''}` };
  }
}

function expectedPrefix(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const v = body.expected_api_key_prefix ?? (isRecord(body.auth) ? body.auth.expected_prefix : undefined);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The check line for one task-app probe. `localKey` is the key that was sent (never printed; an
 * app's expected-prefix hint is only compared with it, since that prefix is half of a secret).
 */
export function taskAppCheck(name: string, probe: TaskAppProbe, localKey: string | undefined, keyName = 'ENVIRONMENT_API_KEY'): CheckResult {
  const hasKey = localKey !== undefined && localKey !== '';
  const common = { name, url: probe.url, ms: probe.ms, ...(probe.httpStatus !== undefined && { httpStatus: probe.httpStatus }) };
  const prefix = probe.expectedKeyPrefix;
  const hint = prefix === undefined || !hasKey ? ''
    : localKey.startsWith(prefix) ? ` (it matches the first ${prefix.length} characters the app reports, then differs)`
      : ' (it does not even start like the key the app reports)';
  if (probe.ok) {
    if (!hasKey) return { ...common, level: 'warn', message: `${probe.url} reachable (${probe.detail}), but ${keyName} is not set here, so the key was not verified` };
    return { ...common, level: 'ok', message: `${probe.url} (${probe.detail}, ${probe.ms} ms)` };
  }
  switch (probe.problem) {
    case 'unreachable':
    case 'timeout':
      return { ...common, level: 'fail', message: `task app unreachable at ${probe.url}: ${probe.detail}; is it running, and is the task app URL right?` };
    case 'auth':
      if (!hasKey) return { ...common, level: 'warn', message: `${probe.url} requires a key (${probe.detail}); set ${keyName} to verify it` };
      return { ...common, level: 'fail', message: `task app rejected ${keyName} (${probe.detail})${hint}: the value of ${keyName} differs from the task app's key` };
    case 'no_key_configured':
      return { ...common, level: 'fail', message: `the task app has no ${keyName} configured (${probe.detail}); set it in the task app's environment/secret` };
    case 'not_found':
      return { ...common, level: 'warn', message: `${probe.url} not found (HTTP 404; an older task app?)` };
    default:
      return { ...common, level: 'fail', message: `${probe.url}: ${probe.detail}` };
  }
}

/**
 * Probes an OpenAI-compatible base URL with `GET …/v1/models`. 404 is only a warning: not every
 * server lists models.
 */
export async function probeInference(baseUrl: string, opts: { apiKey?: string; timeoutMs?: number; fetch?: typeof fetch; signal?: AbortSignal } = {}): Promise<CheckResult> {
  const base = baseUrl.trim().replace(/\/+$/, '');
  const path = base.endsWith('/v1') ? '/models' : '/v1/models';
  const http = new HttpClient({
    baseUrl: base, timeoutMs: opts.timeoutMs ?? 10_000, retry: { retries: 1, baseDelayMs: 200 },
    ...(opts.apiKey && { apiKey: opts.apiKey }), ...(opts.fetch && { fetch: opts.fetch }),
  });
  const url = http.url(path);
  const t0 = performance.now();
  try {
    const res = await http.request({ path, ...(opts.signal && { signal: opts.signal }) });
    await res.body?.cancel().catch(() => {});
    const ms = Math.round(performance.now() - t0);
    return { name: 'inference', level: 'ok', message: `${url} (HTTP ${res.status}, ${ms} ms)`, url, httpStatus: res.status, ms };
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    const ms = Math.round(performance.now() - t0);
    const common = { name: 'inference', url, ms, ...(error.status !== undefined && { httpStatus: error.status }) };
    if (error.status === 404) return { ...common, level: 'warn', message: `${url} answered 404: the server is up but lists no models there` };
    if (error.status === 401 || error.status === 403) return { ...common, level: 'warn', message: `${url} requires auth (HTTP ${error.status}); the server is up` };
    if (error.kind === 'network' || error.kind === 'timeout') return { ...common, level: 'fail', message: `cannot reach the inference server at ${url}: ${error.message.replace(/^.*?: /, '')}` };
    return { ...common, level: 'fail', message: `inference URL not usable: ${error.message}` };
  }
}
