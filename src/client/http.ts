// fetch with per-request timeouts, retries (retry.ts: exponential backoff and full jitter) on network
// errors, timeouts, 5xx and 429 (Retry-After honoured), and typed errors. Non-idempotent requests
// (POST, PATCH) are retried only when they carry an Idempotency-Key: repeating a job creation
// without one could start two jobs.
import { VERSION } from '../version.ts';
import { fetchFollowingSafely } from './redirect.ts';
import { abortableSleep, DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, retryDelay, type RetryPolicy } from './retry.ts';
import { joinUrl, withQuery } from './url.ts';

// The retry helpers live in retry.ts (shared with the job stream); re-exported for existing importers.
export { abortableSleep, backoffDelay, DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, type RetryPolicy } from './retry.ts';

export type HttpErrorKind = 'http' | 'network' | 'timeout' | 'aborted' | 'invalid_json' | 'too_large';

export class HttpError extends Error {
  readonly kind: HttpErrorKind;
  readonly status: number | undefined;
  readonly method: string;
  readonly url: string;
  /** First 200 characters of the response body (never the request, which may hold secrets). */
  readonly bodySnippet: string;
  /** `detail` of a FastAPI-style JSON error body, else the parsed JSON body, else undefined. */
  readonly detail: unknown;
  readonly attempts: number;

  constructor(init: {
    kind: HttpErrorKind; method: string; url: string; status?: number; bodySnippet?: string;
    detail?: unknown; attempts: number; reason?: string;
  }) {
    const what = init.status !== undefined ? `HTTP ${init.status}` : init.kind;
    const why = init.reason ?? describeDetail(init.detail) ?? (init.bodySnippet || undefined);
    super(`${what} for ${init.method} ${init.url}${why ? `: ${why}` : ''}`);
    this.name = 'HttpError';
    this.kind = init.kind;
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.bodySnippet = init.bodySnippet ?? '';
    this.detail = init.detail;
    this.attempts = init.attempts;
  }
}

function describeDetail(detail: unknown): string | undefined {
  if (detail === undefined || detail === null) return undefined;
  if (typeof detail === 'string') return detail;
  return JSON.stringify(detail).slice(0, 300);
}

export interface RetryEvent {
  attempt: number;
  delayMs: number;
  method: string;
  url: string;
  reason: string;
}

export interface HttpClientOptions {
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`. */
  apiKey?: string;
  headers?: Record<string, string>;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform [0, 1): injectable so tests can pin the jitter. */
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
  /** Largest response body read by `json()` unless a request sets its own. */
  maxBodyBytes?: number;
}

export interface RequestOptions {
  method?: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialised as JSON with Content-Type application/json. */
  json?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** false: exactly one attempt. */
  retry?: Partial<RetryPolicy> | false;
  /** Largest response body `json()` reads (default: the client's, else DEFAULT_MAX_BODY_BYTES). */
  maxBodyBytes?: number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Largest response body read by default (per request: RequestOptions.maxBodyBytes). */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** An error body is read for its detail only: no more than this. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** A response body larger than the caller's limit (the rest was not read). */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`response body exceeds the ${formatBytes(limitBytes)} limit for this request`);
    this.name = 'BodyTooLargeError';
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * The body as text, reading at most `maxBytes`: an endless or huge body (chunked, no length)
 * stops the read and throws BodyTooLargeError instead of growing memory without bound.
 */
export async function readCappedText(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(maxBytes);
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new BodyTooLargeError(maxBytes);
      chunks.push(value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readSnippet(res: Response): Promise<{ snippet: string; detail: unknown }> {
  const text = await readCappedText(res, MAX_ERROR_BODY_BYTES).catch(() => '');
  let detail: unknown;
  try {
    const parsed: unknown = JSON.parse(text);
    detail = parsed !== null && typeof parsed === 'object' && 'detail' in parsed ? (parsed as { detail: unknown }).detail : parsed;
  } catch {
    detail = undefined;
  }
  return { snippet: text.slice(0, 200), detail };
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly opts: HttpClientOptions;
  private readonly retry: RetryPolicy;

  constructor(opts: HttpClientOptions) {
    this.opts = opts;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
  }

  url(path: string, query?: RequestOptions['query']): string {
    return withQuery(joinUrl(this.baseUrl, path), query);
  }

  /** Sends the request with retries; resolves with a 2xx Response, else throws HttpError. */
  async request(req: RequestOptions): Promise<Response> {
    const method = (req.method ?? (req.json === undefined ? 'GET' : 'POST')).toUpperCase();
    const url = this.url(req.path, req.query);
    const policy: RetryPolicy = req.retry === false ? { ...this.retry, retries: 0 } : { ...this.retry, ...req.retry };
    const canRetry = IDEMPOTENT.has(method) || req.idempotencyKey !== undefined;
    const doFetch = this.opts.fetch ?? fetch;
    const sleep = this.opts.sleep ?? abortableSleep;
    const random = this.opts.random ?? Math.random;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': `synth-rl/${VERSION}`,
      ...this.opts.headers,
      ...req.headers,
    };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    if (req.idempotencyKey !== undefined) headers['idempotency-key'] = req.idempotencyKey;
    if (req.json !== undefined) headers['content-type'] = 'application/json';
    const body = req.json === undefined ? undefined : JSON.stringify(req.json);

    for (let attempt = 0; ; attempt++) {
      const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs ?? 30_000;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
      let failure: HttpError;
      let retryAfterMs: number | undefined;
      try {
        const res = await fetchFollowingSafely(doFetch, url, { method, headers, body, signal });
        if (res.ok) return res;
        const { snippet, detail } = await readSnippet(res);
        failure = new HttpError({ kind: 'http', method, url, status: res.status, bodySnippet: snippet, detail, attempts: attempt + 1 });
        if (!isRetryableStatus(res.status)) throw failure;
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (error) {
        if (error instanceof HttpError) throw error;
        if (req.signal?.aborted) {
          throw new HttpError({ kind: 'aborted', method, url, attempts: attempt + 1, reason: 'request aborted' });
        }
        const timedOut = timeout.aborted;
        const reason = timedOut ? `no response within ${timeoutMs / 1000} s` : error instanceof Error ? error.message : String(error);
        failure = new HttpError({ kind: timedOut ? 'timeout' : 'network', method, url, attempts: attempt + 1, reason });
      }
      if (!canRetry || attempt >= policy.retries) throw failure;
      const delayMs = retryDelay(attempt, policy, retryAfterMs, random);
      this.opts.onRetry?.({ attempt: attempt + 1, delayMs, method, url, reason: failure.message });
      await sleep(delayMs, req.signal);
    }
  }

  /** The body of a response to `req`, within its size limit (else a `too_large` HttpError). */
  async readText(res: Response, req: RequestOptions, method = (req.method ?? (req.json === undefined ? 'GET' : 'POST')).toUpperCase()): Promise<string> {
    const limit = req.maxBodyBytes ?? this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    try {
      return await readCappedText(res, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      throw new HttpError({
        kind: 'too_large', method, url: res.url || this.url(req.path, req.query), status: res.status, attempts: 1,
        reason: `${error.message}; stopped reading (is the URL right? a backend answers this route with a small JSON body)`,
      });
    }
  }

  /** A request whose 2xx response must be JSON; a non-JSON body is an `invalid_json` HttpError. */
  async json<T = unknown>(req: RequestOptions): Promise<T> {
    const res = await this.request(req);
    const method = (req.method ?? (req.json === undefined ? 'GET' : 'POST')).toUpperCase();
    const text = await this.readText(res, req, method);
    const type = res.headers.get('content-type') ?? '';
    try {
      if (res.status === 204 || text === '') return undefined as T;
      return JSON.parse(text) as T;
    } catch {
      throw new HttpError({
        kind: 'invalid_json', method, url: res.url || this.url(req.path, req.query), status: res.status,
        bodySnippet: text.slice(0, 200), attempts: 1,
        reason: `expected JSON, got ${type || 'no content-type'}: ${JSON.stringify(text.slice(0, 120))}`,
      });
    }
  }
}
