// The client of the Synth backend API (docs/wire-contract.md §2, §3, §5): health, jobs, events,
// metrics, cancel, artifacts, models and env keys, on top of HttpClient (retries, timeouts) and
// apiBase() (never /api/api). Failures are BackendErrors (api-errors.ts); response shapes are read
// leniently (api-shapes.ts).
import { EnvKeyList, eventList, type EnvKeyUpload, type Job, type JobCreateBody, type PublicKeyResponse } from '../api/index.ts';
import { backendError, BackendError } from './api-errors.ts';
import { JOB_PREFIXES, metricList, normalizeJob, normalizeMetric, type Artifact, type CreatedJob, type EnvKeyStored, type MetricSample } from './api-shapes.ts';
import { HttpClient, type RequestOptions, type RetryEvent, type RetryPolicy } from './http.ts';
import { apiBase } from './url.ts';

type Query = RequestOptions['query'];

export interface SynthClientOptions {
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function optString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Response size limits per route: one job or status is small; lists are paged. */
const SMALL_BODY_BYTES = 1024 * 1024;
const LIST_BODY_BYTES = 32 * 1024 * 1024;

export class SynthClient {
  /** `…/api`, whatever form the user gave. */
  readonly apiBase: string;
  readonly http: HttpClient;
  private readonly apiKey: string;
  private readonly fetchImpl: typeof fetch;
  /** Which prefix answered for each job and route, so a 404-ing prefix is tried only once. */
  private readonly prefixFor = new Map<string, string>();

  constructor(opts: SynthClientOptions) {
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
