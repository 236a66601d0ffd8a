// The simulator's inference server: a registry of policy models answering OpenAI chat completions.
// Built-in policies (sim:random, sim:heuristic) register at start; the GRPO trainer registers its
// `rl:`/job policies later. Answers are Responses so every route (trainer-side /inference, the
// backend's authenticated /api/v1/chat/completions) shares one error vocabulary.
import { ChatCompletionRequest, type ChatCompletionResponse } from '../../src/api/chat.ts';
import { detail, validationError } from '../backend/request.ts';

export interface InferenceContext {
  /** Trace id the trainer put in the inference URL (`/inference/trace/<id>/v1/...`). */
  traceId?: string;
  /** Backend org of an authenticated caller (absent on the loopback trainer-side route). */
  org?: string;
  /** The job policy a capability in the URL grants (`/inference/c/<capability>/…`). */
  granted?: string;
}

/** Job policies (`sim-policy:<job>`) are private to their job: served only to holders of its capability. */
export const JOB_POLICY_PREFIX = 'sim-policy:';
const isJobPolicy = (id: string) => id.startsWith(JOB_POLICY_PREFIX);

/** A model the service can serve. `complete` may throw InferenceError to answer 4xx/5xx. */
export interface PolicyModel {
  readonly id: string;
  /** One line for listings and banners. */
  readonly description?: string;
  complete(req: ChatCompletionRequest, ctx: InferenceContext): Promise<ChatCompletionResponse>;
}

/** An error a model raises on purpose; becomes `{detail}` with this status. */
export class InferenceError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'InferenceError';
  }
}

/** Finds models not registered up front (e.g. a promoted rl: checkpoint, loaded on first use). */
export type ModelResolver = (id: string, ctx: InferenceContext) => Promise<PolicyModel | undefined>;

export class InferenceService {
  private readonly models = new Map<string, PolicyModel>();
  private resolver: ModelResolver | undefined;
  /** Capability → the job policy it grants. Unguessable (128 random bits), one per running job. */
  private readonly grants = new Map<string, string>();

  /** A new capability for `modelId`: the trainer puts it in the inference URL it hands the task app. */
  grant(modelId: string): string {
    const capability = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex');
    this.grants.set(capability, modelId);
    return capability;
  }

  revoke(capability: string): void {
    this.grants.delete(capability);
  }

  /** The model a capability grants, or undefined (unknown or revoked). */
  granted(capability: string): string | undefined {
    return this.grants.get(capability);
  }

  setResolver(resolver: ModelResolver): void {
    this.resolver = resolver;
  }

  /** Adds a model; an id already registered is replaced only with `{ replace: true }`. */
  register(model: PolicyModel, opts: { replace?: boolean } = {}): void {
    if (model.id.trim() === '') throw new Error('model id must not be empty');
    if (this.models.has(model.id) && opts.replace !== true) throw new Error(`model ${JSON.stringify(model.id)} is already registered`);
    this.models.set(model.id, model);
  }

  unregister(id: string): boolean {
    return this.models.delete(id);
  }

  has(id: string): boolean {
    return this.models.has(id);
  }

  get(id: string): PolicyModel | undefined {
    return this.models.get(id);
  }

  ids(): string[] {
    return [...this.models.keys()];
  }

  /** OpenAI's GET /v1/models shape: the public models, and the job policy `granted` if any. */
  listResponse(granted?: string): { object: 'list'; data: { id: string; object: 'model'; owned_by: string; description?: string }[] } {
    return {
      object: 'list',
      data: [...this.models.values()].filter((m) => !isJobPolicy(m.id) || m.id === granted).map((m) => ({
        id: m.id, object: 'model' as const, owned_by: 'synth-rl-simulator', ...(m.description !== undefined && { description: m.description }),
      })),
    };
  }

  /**
   * Validates a chat-completion body and answers it: 422 for a bad body, 400 for streaming (not
   * served), 404 for an unknown model, the model's own InferenceError status, 500 for a crash.
   */
  async complete(body: unknown, ctx: InferenceContext = {}): Promise<Response> {
    const parsed = ChatCompletionRequest.safeParse(body);
    if (!parsed.success) return validationError(parsed.error.issues);
    const req = parsed.data;
    if (req.stream === true) return detail(400, 'stream: true is not supported by the simulated inference server; send stream: false');
    // A job policy (sim-policy:<job>) is served only through its job's capability URL, so no one
    // else on the host can use, discover or feed turns to another job's policy.
    const allowed = !isJobPolicy(req.model) || req.model === ctx.granted;
    let model = allowed ? this.models.get(req.model) : undefined;
    try {
      model ??= await this.resolver?.(req.model, ctx);
    } catch (error) {
      if (error instanceof InferenceError) return detail(error.status, error.message);
      return detail(500, `model ${req.model} could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (model === undefined) {
      const served = this.ids().filter((id) => !isJobPolicy(id) || id === ctx.granted);
      // The requested name is not echoed for job policies: the answer reveals nothing about jobs.
      const name = isJobPolicy(req.model) ? 'requested' : JSON.stringify(req.model);
      return detail(404, `model ${name} not found; this inference server serves: ${served.join(', ') || '(none)'}${ctx.org === undefined ? '' : ' and the rl: checkpoints of your jobs'}`);
    }
    try {
      return Response.json(await model.complete(req, ctx));
    } catch (error) {
      if (error instanceof InferenceError) return detail(error.status, error.message);
      return detail(500, `model ${req.model} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
