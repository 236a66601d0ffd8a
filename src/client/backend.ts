// The backend API the client uses (docs/wire-contract.md §2, §3, §5): health, jobs, events, metrics,
// cancel, artifacts and env keys, on top of HttpClient (retries, timeouts) and apiBase() (never
// /api/api). Every failure becomes a BackendError whose message says what went wrong in the
// user's terms: a rejected key, an unreachable host, a 5xx burst that outlasted the retries, or a
// body that is not JSON.
import { EnvKeyList, eventList, type EnvKeyUpload, type Job, type JobCreateBody, type PublicKeyResponse } from '../api/index.ts';
import { HttpClient, HttpError, type RequestOptions, type RetryEvent, type RetryPolicy } from './http.ts';
import type { CheckResult } from './taskapp.ts';
import { apiBase } from './url.ts';

export type BackendErrorKind = 'auth' | 'not_found' | 'http' | 'network' | 'timeout' | 'invalid_json' | 'invalid_response' | 'aborted';

export class BackendError extends Error {
  readonly kind: BackendErrorKind;
  readonly status: number | undefined;
  readonly url: string;
  /** The transport error behind this one, when there is one. */
  readonly http: HttpError | undefined;

  constructor(kind: BackendErrorKind, message: string, init: { url: string; status?: number; http?: HttpError }) {
    super(message);
    this.name = 'BackendError';
    this.kind = kind;
    this.url = init.url;
    this.status = init.status;
    this.http = init.http;
  }
}

/** The part of an HttpError message after "<what> for <METHOD> <url>: ". */
function reasonOf(e: HttpError): string {
  const prefix = `${e.status !== undefined ? `HTTP ${e.status}` : e.kind} for ${e.method} ${e.url}`;
  return e.message.startsWith(`${prefix}: `) ? e.message.slice(prefix.length + 2) : e.message === prefix ? '' : e.message;
}

/** Turns a transport error into a BackendError with a message a user can act on. */
export function backendError(error: unknown, base: string): unknown {
  if (!(error instanceof HttpError)) return error;
  const why = reasonOf(error);
  const tries = error.attempts > 1 ? ` (gave up after ${error.attempts} attempts)` : '';
  const init = { url: error.url, http: error, ...(error.status !== undefined && { status: error.status }) };
  switch (error.kind) {
    case 'http': {
      const status = error.status ?? 0;
      const detail = why ? `: ${why}` : '';
      if (status === 401 || status === 403) {
        return new BackendError('auth', `API key rejected by ${base} (HTTP ${status} for ${error.method} ${error.url}${detail})`, init);
      }
      if (status === 404) return new BackendError('not_found', `HTTP 404 for ${error.method} ${error.url}${detail}`, init);
      // The body snippet goes in even when `detail` was parsed, so HTML error pages are recognisable.
      const snippet = error.bodySnippet && !why.includes(error.bodySnippet.slice(0, 40)) ? ` | body: ${error.bodySnippet}` : '';
      return new BackendError('http', `HTTP ${status} for ${error.method} ${error.url}${detail}${snippet}${tries}`, init);
    }
    case 'invalid_json':
      return new BackendError('invalid_json',
        `${error.method} ${error.url} answered HTTP ${error.status ?? '?'} with a body that is not JSON (${why}); is the backend URL right?`, init);
    case 'network':
      return new BackendError('network', `cannot reach ${base}: ${error.method} ${error.url} failed: ${why}${tries}`, init);
    case 'timeout':
      return new BackendError('timeout', `${error.method} ${error.url}: ${why}${tries}`, init);
    case 'aborted':
      return new BackendError('aborted', `${error.method} ${error.url}: request aborted`, init);
    case 'too_large':
      return new BackendError('invalid_response', `${error.method} ${error.url} answered HTTP ${error.status ?? '?'}: ${why}`, init);
  }
}

export interface BackendClientOptions {
  /** Backend root or API base, with or without `/api` (docs/wire-contract.md §2.1). */
  backendUrl: string;
  apiKey: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
  onRetry?: (event: RetryEvent) => void;
  headers?: Record<string, string>;
}

export interface CreatedJob {
  jobId: string;
  /** The HTTP status of the create call (201 created; 200 may mean an Idempotency-Key replay). */
  httpStatus: number;
  status: string | undefined;
  body: Record<string, unknown>;
}

export interface EnvKeyStored {
  id: string | undefined;
  name: string | undefined;
  updated_at: string | undefined;
}

/** A metric point as read from any backend version (lenient: step may be missing or 0). */
export interface MetricSample {
  name: string;
  value: number;
  step: number | undefined;
  epoch: number | null;
  phase: string | undefined;
  data: Record<string, unknown>;
  created_at: string | undefined;
  job_id: string | undefined;
}

export interface Artifact {
  label: string | undefined;
  role: string | undefined;
  uri: string | undefined;
  raw: Record<string, unknown>;
}

type Query = RequestOptions['query'];

/** Status, events and metrics live under three prefixes across backend versions (docs/wire-contract.md §2.3 "Job status"). */
export const JOB_PREFIXES = ['/learning/jobs', '/rl/jobs', '/orchestration/jobs'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function optString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Lenient job status: `job_id` or `id`, `status` or `state`, lower-cased (docs/wire-contract.md §2.3). */
export function normalizeJob(raw: unknown, requestedId: string): Job {
  const shape = () => JSON.stringify(raw)?.slice(0, 200) ?? String(raw);
  if (!isRecord(raw)) throw new Error(`the backend answered with an unexpected shape for job ${requestedId} (expected a JSON object): ${shape()}`);
  const given = raw.status ?? raw.state;
  // A body without a status cannot be followed: say so now, rather than poll until the startup deadline.
  if (typeof given !== 'string' || given.trim() === '') {
    throw new Error(`the backend answered with an unexpected shape for job ${requestedId} (no "status" string): ${shape()}`);
  }
  const status = given.toLowerCase();
  return { ...raw, job_id: String(raw.job_id ?? raw.id ?? requestedId), status };
}

export function normalizeMetric(raw: unknown): MetricSample | undefined {
  if (!isRecord(raw)) return undefined;
  const name = optString(raw.name);
  const value = toNumber(raw.value);
  if (name === undefined || value === undefined) return undefined;
  const step = toNumber(raw.step);
  const epoch = toNumber(raw.epoch);
  return {
    name, value,
    step: step === undefined ? undefined : Math.trunc(step),
    epoch: epoch === undefined ? null : epoch,
    phase: optString(raw.phase),
    data: isRecord(raw.data) ? raw.data : {},
    created_at: optString(raw.created_at),
    job_id: optString(raw.job_id),
  };
}

function metricList(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (!isRecord(body)) return [];
  for (const key of ['points', 'metrics', 'data']) {
    const v = body[key];
    if (Array.isArray(v)) return v;
  }
  return [];
}

/** Response size limits per route: one job or status is small; lists are paged. */
const SMALL_BODY_BYTES = 1024 * 1024;
const LIST_BODY_BYTES = 32 * 1024 * 1024;

export class BackendClient {
  /** `…/api`, whatever form the user gave. */
  readonly apiBase: string;
  readonly http: HttpClient;
  private readonly apiKey: string;
  private readonly fetchImpl: typeof fetch;
  /** Which prefix answered for each job and route, so a 404-ing prefix is tried only once. */
  private readonly prefixFor = new Map<string, string>();

  constructor(opts: BackendClientOptions) {
    this.apiBase = apiBase(opts.backendUrl);
    this.apiKey = opts.apiKey;
    this.fetchImpl = opts.fetch ?? fetch;
    this.http = new HttpClient({
      baseUrl: this.apiBase,
      apiKey: opts.apiKey,
      ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }),
      ...(opts.retry !== undefined && { retry: opts.retry }),
      ...(opts.fetch !== undefined && { fetch: opts.fetch }),
      ...(opts.onRetry !== undefined && { onRetry: opts.onRetry }),
      ...(opts.headers !== undefined && { headers: opts.headers }),
    });
  }

  url(path: string, query?: Query): string {
    return this.http.url(path, query);
  }

  /** Headers for requests made outside HttpClient (the SSE stream). */
  authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}` };
  }

  get fetch(): typeof fetch {
    return this.fetchImpl;
  }

  private async call<T>(req: RequestOptions): Promise<T> {
    try {
      return await this.http.json<T>(req);
    } catch (error) {
      throw backendError(error, this.apiBase);
    }
  }

  /** `GET /api/health` with auth; any 2xx is healthy. Resolves with the body. */
  health(signal?: AbortSignal): Promise<unknown> {
    return this.call({ path: '/health', maxBodyBytes: SMALL_BODY_BYTES, ...(signal && { signal }) });
  }

  /** `POST /api/rl/jobs`. The Idempotency-Key makes the POST retryable: a retry cannot start a second job. */
  async createJob(body: JobCreateBody, opts: { idempotencyKey: string; signal?: AbortSignal }): Promise<CreatedJob> {
    let res: Response;
    try {
      res = await this.http.request({ method: 'POST', path: '/rl/jobs', json: body, idempotencyKey: opts.idempotencyKey, ...(opts.signal && { signal: opts.signal }) });
    } catch (error) {
      throw backendError(error, this.apiBase);
    }
    const url = this.url('/rl/jobs');
    let text: string;
    try {
      text = await this.http.readText(res, { method: 'POST', path: '/rl/jobs', maxBodyBytes: SMALL_BODY_BYTES });
    } catch (error) {
      throw backendError(error, this.apiBase);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BackendError('invalid_json',
        `POST ${url} answered HTTP ${res.status} with a body that is not JSON (${res.headers.get('content-type') ?? 'no content-type'}: ${JSON.stringify(text.slice(0, 120))}); is the backend URL right?`,
        { url, status: res.status });
    }
    const obj = isRecord(parsed) ? parsed : {};
    const jobId = optString(obj.job_id) ?? optString(obj.id);
    if (jobId === undefined) {
      throw new BackendError('invalid_response', `POST ${url} answered HTTP ${res.status} without a job_id: ${text.slice(0, 200)}`, { url, status: res.status });
    }
    return { jobId, httpStatus: res.status, status: optString(obj.status), body: obj };
  }

  /**
   * GET on the first job prefix that knows this job (learning, then rl, then orchestration), as
   * JobHandle does; the answering prefix is remembered. All 404 → not_found.
   */
  private async jobGet<T>(jobId: string, suffix: string, query?: Query, signal?: AbortSignal): Promise<T> {
    const cacheKey = `${jobId}${suffix}`;
    const known = this.prefixFor.get(cacheKey);
    const prefixes = known !== undefined ? [known] : JOB_PREFIXES;
    let lastNotFound: BackendError | undefined;
    for (const prefix of prefixes) {
      try {
        const body = await this.call<T>({
          path: `${prefix}/${encodeURIComponent(jobId)}${suffix}`, maxBodyBytes: suffix === '' || suffix === '/status' ? SMALL_BODY_BYTES : LIST_BODY_BYTES,
          ...(query && { query }), ...(signal && { signal }),
        });
        this.prefixFor.set(cacheKey, prefix);
        return body;
      } catch (error) {
        if (error instanceof BackendError && error.kind === 'not_found') {
          lastNotFound = error;
          continue;
        }
        throw error;
      }
    }
    const tried = prefixes.map((p) => `${p}/${jobId}${suffix}`).join(', ');
    throw new BackendError('not_found', `job ${jobId} not found at ${this.apiBase} (HTTP 404 for ${tried})`, { url: lastNotFound?.url ?? this.apiBase, status: 404 });
  }

  async getJob(jobId: string, signal?: AbortSignal): Promise<Job> {
    const raw = await this.jobGet<unknown>(jobId, '', undefined, signal);
    try {
      return normalizeJob(raw, jobId);
    } catch (error) {
      const url = this.url(`${this.prefixFor.get(jobId) ?? '/learning/jobs'}/${jobId}`);
      throw new BackendError('invalid_response', `GET ${url}: ${(error as Error).message}`, { url });
    }
  }

  /** Raw events with seq > sinceSeq, ascending (normalise with normalizeEvent). */
  async listEvents(jobId: string, opts: { sinceSeq: number; limit?: number; signal?: AbortSignal }): Promise<unknown[]> {
    const body = await this.jobGet<unknown>(jobId, '/events', { since_seq: Math.max(0, opts.sinceSeq), limit: opts.limit ?? 200 }, opts.signal);
    return eventList(body);
  }

  /** Metric points with step > afterStep (-1: all, including step 0). */
  async listMetrics(jobId: string, opts: { afterStep: number; limit?: number; signal?: AbortSignal }): Promise<MetricSample[]> {
    const body = await this.jobGet<unknown>(jobId, '/metrics', { after_step: opts.afterStep, limit: opts.limit ?? 1000 }, opts.signal);
    return metricList(body).map(normalizeMetric).filter((m): m is MetricSample => m !== undefined);
  }

  async cancelJob(jobId: string, signal?: AbortSignal): Promise<{ status: string | undefined }> {
    const prefix = this.prefixFor.get(jobId);
    const order = prefix === undefined ? ['/rl/jobs', '/learning/jobs'] : [prefix, ...['/rl/jobs', '/learning/jobs'].filter((p) => p !== prefix)];
    let last: unknown;
    for (const p of order) {
      try {
        // Cancelling twice is harmless, so the key only serves to make the POST retryable.
        const body = await this.call<unknown>({ method: 'POST', path: `${p}/${encodeURIComponent(jobId)}/cancel`, json: {}, idempotencyKey: `cancel-${jobId}`, maxBodyBytes: SMALL_BODY_BYTES, ...(signal && { signal }) });
        return { status: isRecord(body) ? optString(body.status) : undefined };
      } catch (error) {
        last = error;
        if (!(error instanceof BackendError && error.kind === 'not_found')) throw error;
      }
    }
    throw last;
  }

  /** Checkpoints and other artifacts (`{artifacts: […]}` or a bare list); [] when the backend has no such route. */
  async listArtifacts(jobId: string, signal?: AbortSignal): Promise<Artifact[]> {
    let body: unknown;
    try {
      body = await this.call<unknown>({ path: `/orchestration/jobs/${encodeURIComponent(jobId)}/artifacts`, ...(signal && { signal }) });
    } catch (error) {
      if (error instanceof BackendError && error.kind === 'not_found') return [];
      throw error;
    }
    const list = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.artifacts) ? body.artifacts : [];
    return list.filter(isRecord).map((a) => ({
      label: optString(a.label), role: optString(a.role),
      uri: optString(a.s3_uri) ?? optString(a.uri) ?? optString(a.url) ?? optString(a.storage_path) ?? optString(a.key),
      raw: a,
    }));
  }

  // --- models, registry, inference (docs/wire-contract.md §7) ------------------------------------------------------------
  /** `GET /api/learning/models/rl`: rows with job_id and storage_path. */
  async listRlModels(signal?: AbortSignal): Promise<Record<string, unknown>[]> {
    const body = await this.call<unknown>({ path: '/learning/models/rl', query: { status: 'succeeded', limit: 200 }, ...(signal && { signal }) });
    return isRecord(body) && Array.isArray(body.models) ? body.models.filter(isRecord) : [];
  }

  /** `GET /api/learning/models/rl/registry`. */
  async listRegistry(signal?: AbortSignal): Promise<Record<string, unknown>[]> {
    const body = await this.call<unknown>({ path: '/learning/models/rl/registry', ...(signal && { signal }) });
    return isRecord(body) && Array.isArray(body.models) ? body.models.filter(isRecord) : [];
  }

  /** `POST /api/learning/models/rl/promote` (retried: promoting twice is harmless). */
  promoteModel(body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    return this.call({ method: 'POST', path: '/learning/models/rl/promote', json: body, idempotencyKey: `promote-${String(body.model_id)}`, ...(signal && { signal }) });
  }

  /** `POST /api/learning/models/ensure-on-modal`: makes the model servable; can take minutes. */
  ensureModel(body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    return this.call({ method: 'POST', path: '/learning/models/ensure-on-modal', json: body, timeoutMs: 180_000, idempotencyKey: `ensure-${String(body.model_id)}`, ...(signal && { signal }) });
  }

  /** `POST /api/v1/chat/completions`. */
  chatCompletion(body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    return this.call({ method: 'POST', path: '/v1/chat/completions', json: body, ...(signal && { signal }) });
  }

  // --- env keys (docs/wire-contract.md §5) -------------------------------------------------------------------------------
  async getPublicKey(signal?: AbortSignal): Promise<PublicKeyResponse> {
    const body = await this.call<unknown>({ path: '/v1/crypto/public-key', timeoutMs: 15_000, maxBodyBytes: SMALL_BODY_BYTES, ...(signal && { signal }) });
    const url = this.url('/v1/crypto/public-key');
    if (!isRecord(body)) throw new BackendError('invalid_response', `GET ${url}: the public key response must be a JSON object`, { url });
    if (typeof body.public_key !== 'string') throw new BackendError('invalid_response', `GET ${url}: the response has no string public_key`, { url });
    return { ...body, public_key: body.public_key, ...(typeof body.alg === 'string' && { alg: body.alg }) };
  }

  async uploadEnvKey(upload: EnvKeyUpload, signal?: AbortSignal): Promise<EnvKeyStored> {
    const body = await this.call<unknown>({
      method: 'POST', path: '/v1/env-keys', json: upload, timeoutMs: 15_000,
      // Storing the same sealed key twice is harmless, so the upload may be retried.
      idempotencyKey: crypto.randomUUID(),
      ...(signal && { signal }),
    });
    const obj = isRecord(body) ? body : {};
    return { id: optString(obj.id), name: optString(obj.name), updated_at: optString(obj.updated_at) };
  }

  /**
   * Names and update times of stored env keys, or undefined when the backend does not list them
   * (the simulator does; the hosted backend may answer 404 or 405).
   */
  async listEnvKeys(signal?: AbortSignal): Promise<EnvKeyStored[] | undefined> {
    let body: unknown;
    try {
      body = await this.call<unknown>({ path: '/v1/env-keys', timeoutMs: 15_000, ...(signal && { signal }) });
    } catch (error) {
      if (error instanceof BackendError && (error.kind === 'not_found' || error.status === 405)) return undefined;
      throw error;
    }
    const parsed = EnvKeyList.safeParse(body);
    if (!parsed.success) return undefined;
    return parsed.data.keys.map((k) => ({ id: k.id, name: k.name, updated_at: k.updated_at }));
  }
}

/**
 * Backend diagnostics (docs/wire-contract.md §8, with auth checked for real): `GET /health`, then an
 * authenticated route so a wrong key shows as such even where /health is public, then whether an
 * ENVIRONMENT_API_KEY is stored (when the backend lists keys). `keyHint` says where the key came from.
 */
export async function checkBackend(client: BackendClient, opts: { keyHint?: string; signal?: AbortSignal } = {}): Promise<CheckResult[]> {
  const hint = opts.keyHint ? `; check ${opts.keyHint}` : '';
  const out: CheckResult[] = [];
  const healthUrl = client.url('/health');
  let t0 = performance.now();
  try {
    await client.health(opts.signal);
    const ms = Math.round(performance.now() - t0);
    out.push({ name: 'backend.health', level: 'ok', message: `${healthUrl} (HTTP 2xx, ${ms} ms)`, url: healthUrl, ms });
  } catch (error) {
    if (!(error instanceof BackendError)) throw error;
    const ms = Math.round(performance.now() - t0);
    const status = error.status !== undefined ? { httpStatus: error.status } : {};
    out.push({ name: 'backend.health', level: 'fail', message: `${error.message}${error.kind === 'auth' ? hint : ''}`, url: healthUrl, ms, ...status });
    return out;
  }
  const keyUrl = client.url('/v1/crypto/public-key');
  t0 = performance.now();
  try {
    await client.getPublicKey(opts.signal);
    out.push({ name: 'backend.auth', level: 'ok', message: `API key accepted (GET ${keyUrl})`, url: keyUrl, ms: Math.round(performance.now() - t0) });
  } catch (error) {
    if (!(error instanceof BackendError)) throw error;
    const ms = Math.round(performance.now() - t0);
    const status = error.status !== undefined ? { httpStatus: error.status } : {};
    if (error.kind === 'auth') {
      out.push({ name: 'backend.auth', level: 'fail', message: `${error.message}${hint}`, url: keyUrl, ms, ...status });
      return out;
    }
    out.push({ name: 'backend.auth', level: 'warn', message: `could not verify the API key: ${error.message}`, url: keyUrl, ms, ...status });
  }
  try {
    const keys = await client.listEnvKeys(opts.signal);
    if (keys === undefined) return out;
    const stored = keys.find((k) => k.name === 'ENVIRONMENT_API_KEY');
    out.push(stored === undefined
      ? { name: 'backend.env_key', level: 'warn', message: 'no ENVIRONMENT_API_KEY stored on the backend: the trainer cannot call the task app until you run `synth-rl env-key`' }
      : { name: 'backend.env_key', level: 'ok', message: `ENVIRONMENT_API_KEY stored${stored.updated_at ? ` (updated ${stored.updated_at})` : ''}` });
  } catch (error) {
    if (!(error instanceof BackendError)) throw error;
    out.push({ name: 'backend.env_key', level: 'warn', message: `could not list env keys: ${error.message}` });
  }
  return out;
}

export interface JobRequest {
  model: string;
  /** The task app base URL the trainer calls (trailing slashes are dropped). */
  taskAppUrl: string;
  batchSize: number;
  groupSize: number;
  jobConfigId?: string;
  /** The parsed TOML, forwarded whole as `data.config`. */
  config?: Record<string, unknown>;
  /** Older flow (S1b); sent as data.trainer_id rather than silently dropped (docs/reference-client.md §2.12). */
  trainerId?: string;
  /** Add `training_start_url = <task app>/` as run_rl_job does (shape a); full_training omits it. */
  trainingStartUrl?: boolean;
}

/** The body of `POST /api/rl/jobs` in shape (a) of docs/wire-contract.md §2.3. */
export function jobCreateBody(r: JobRequest): JobCreateBody {
  const endpoint = r.taskAppUrl.trim().replace(/\/+$/, '');
  return {
    job_type: 'rl',
    data: {
      model: r.model,
      endpoint_base_url: endpoint,
      ...(r.jobConfigId !== undefined && { job_config_id: r.jobConfigId }),
      ...(r.config !== undefined && { config: r.config }),
      trainer: { batch_size: r.batchSize, group_size: r.groupSize },
      ...(r.trainingStartUrl === true && { training_start_url: `${endpoint}/` }),
      ...(r.trainerId !== undefined && { trainer_id: r.trainerId }),
    },
  };
}
