// Rollouts straight against a task app (the reference's openai_in_task_app flow, S6): N rollouts of
// one model, a bounded number in flight, each POST /rollout with the environment key, then the
// summary a person compares models by (mean achievements, per-achievement success rates, Crafter
// score). Talks only HTTP, so it works against any task app that honours the contract.
import { defaultUseProxy, isDirectTestPreset, type OpenAIDirectRequestInput } from '../api/openai-direct.ts';
import { CRAFTER_ACHIEVEMENTS, RolloutResponse, type RolloutRequestInput } from '../api/taskapp.ts';
import { SynthClient } from './api-client.ts';
import { followJobEvents } from './follow.ts';
import { HttpClient, HttpError } from './http.ts';

export interface RolloutPlan {
  taskAppUrl: string;
  model: string;
  /** OpenAI-compatible base URL; '' lets the backend choose (--via-backend only). */
  inferenceUrl: string;
  numRollouts: number;
  /** Env steps per rollout (env.config.max_steps_per_episode); ops = agent/env × this. */
  maxStepsEach: number;
  timeoutSeconds: number;
  concurrency: number;
  /** Seed of rollout 0; rollout i uses seed + i. */
  seed: number;
  /** ENVIRONMENT_API_KEY of the task app. */
  envKey?: string;
  /** Map preset (simulated task app); absent: the task app's default. */
  preset?: string;
  /** Prefix of each run_id (unique per invocation by default). */
  runPrefix?: string;
  /** --via-backend: route through the task app's OpenAI proxy; absent: defaultUseProxy(model, inferenceUrl). */
  useProxy?: boolean;
}

export interface RolloutOutcome {
  index: number;
  seed: number;
  runId: string;
  ok: boolean;
  achievements: string[];
  /** Sum of step rewards (episode_returns[0]). */
  return: number;
  steps: number;
  endReason: string | undefined;
  /** Why the task app stopped early (metrics.details.error) or why the request failed. */
  error?: string;
  status?: number;
  elapsedMs: number;
  response?: RolloutResponse;
}

export interface RolloutSummary {
  model: string;
  num_rollouts: number;
  ok: number;
  failed: number;
  mean_achievements: number;
  mean_return: number;
  mean_steps: number;
  /** Fraction (0..1) of successful rollouts that unlocked each achievement, Crafter order. */
  achievement_rates: Record<string, number>;
  /** Crafter score in percent: exp(mean ln(1 + s_i)) − 1 over success rates s_i in percent. */
  crafter_score: number;
  end_reasons: Record<string, number>;
  elapsed_s: number;
  rollouts_per_s: number;
}

export function rolloutRequestBody(plan: RolloutPlan, index: number, runId: string): RolloutRequestInput {
  return {
    run_id: runId,
    env: {
      env_name: 'crafter',
      config: { max_steps_per_episode: plan.maxStepsEach, ...(plan.preset !== undefined && { preset: plan.preset }) },
      seed: plan.seed + index,
    },
    policy: { policy_name: 'crafter-react', config: { model: plan.model, inference_url: plan.inferenceUrl } },
    // One decision executes ≥ 1 step, so this many ops always reaches the step cap.
    ops: Array.from({ length: plan.maxStepsEach }, () => ['agent', 'env']).flat(),
    record: { trajectories: true },
    on_done: 'terminate',
    safety: { max_ops: 4 * plan.maxStepsEach + 4, max_time_s: plan.timeoutSeconds },
  };
}

function describeFailure(error: unknown): { message: string; status?: number } {
  if (!(error instanceof HttpError)) return { message: error instanceof Error ? error.message : String(error) };
  const d = error.detail;
  const inner = d !== null && typeof d === 'object' && 'error' in d ? (d as { error: { message?: unknown; upstream_status?: unknown } }).error : undefined;
  const message = inner && typeof inner.message === 'string'
    ? `HTTP ${error.status}: ${inner.message}${typeof inner.upstream_status === 'number' ? ` (upstream HTTP ${inner.upstream_status})` : ''}`
    : error.message;
  return { message, ...(error.status !== undefined && { status: error.status }) };
}

/** One rollout; never throws (failures are outcomes). */
export async function runOneRollout(client: HttpClient, plan: RolloutPlan, index: number, runId: string, signal?: AbortSignal): Promise<RolloutOutcome> {
  const started = performance.now();
  const base = { index, seed: plan.seed + index, runId };
  try {
    const raw = await client.json({
      method: 'POST', path: '/rollout', json: rolloutRequestBody(plan, index, runId), retry: false,
      // The task app stops at safety.max_time_s; the extra seconds let its answer arrive.
      timeoutMs: plan.timeoutSeconds * 1000 + 10_000,
      ...(signal !== undefined && { signal }),
    });
    const parsed = RolloutResponse.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ...base, ok: false, achievements: [], return: 0, steps: 0, endReason: undefined, elapsedMs: performance.now() - started, error: `task app answered a body that is not a RolloutResponse (${issue?.path.join('.')}: ${issue?.message})` };
    }
    const r = parsed.data;
    const details = r.metrics.details;
    const achievements = Array.isArray(details.achievements) ? details.achievements.filter((a): a is string => typeof a === 'string') : achievementsFromSteps(r);
    const error = typeof details.error === 'string' ? details.error : undefined;
    return {
      ...base, ok: true, achievements, return: r.metrics.episode_returns[0] ?? 0, steps: r.metrics.num_steps,
      endReason: typeof details.end_reason === 'string' ? details.end_reason : undefined, elapsedMs: performance.now() - started,
      response: r, ...(error !== undefined && { error }),
    };
  } catch (e) {
    const f = describeFailure(e);
    return { ...base, ok: false, achievements: [], return: 0, steps: 0, endReason: undefined, elapsedMs: performance.now() - started, error: f.message, ...(f.status !== undefined && { status: f.status }) };
  }
}

/** Achievements from the final observation's achievements_status (task apps without details). */
function achievementsFromSteps(r: RolloutResponse): string[] {
  const status = r.trajectories[0]?.final?.observation.achievements_status;
  if (status === null || typeof status !== 'object') return [];
  return Object.entries(status as Record<string, unknown>).filter(([, v]) => v === true).map(([k]) => k);
}

export interface RunOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Called as each rollout finishes (completion order). */
  onResult?: (outcome: RolloutOutcome) => void;
}

/** Runs every rollout with at most `concurrency` in flight; outcomes in index order. */
export async function runRollouts(plan: RolloutPlan, opts: RunOptions = {}): Promise<RolloutOutcome[]> {
  const headers: Record<string, string> = plan.envKey ? { 'x-api-key': plan.envKey } : {};
  const client = new HttpClient({ baseUrl: plan.taskAppUrl, headers, ...(opts.fetch !== undefined && { fetch: opts.fetch }) });
  const prefix = plan.runPrefix ?? `rollout-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const outcomes: RolloutOutcome[] = new Array(plan.numRollouts);
  let next = 0;
  const worker = async () => {
    while (next < plan.numRollouts && !opts.signal?.aborted) {
      const i = next++;
      const outcome = await runOneRollout(client, plan, i, `${prefix}-${i}`, opts.signal);
      outcomes[i] = outcome;
      opts.onResult?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(plan.concurrency, plan.numRollouts)) }, worker));
  return outcomes.filter((o): o is RolloutOutcome => o !== undefined);
}

/** Crafter score (percent) from success rates in percent. */
export function crafterScorePercent(ratesPercent: readonly number[]): number {
  if (ratesPercent.length === 0) return 0;
  const mean = ratesPercent.reduce((s, r) => s + Math.log(1 + r), 0) / ratesPercent.length;
  return Math.exp(mean) - 1;
}

export function summarize(model: string, outcomes: readonly RolloutOutcome[], elapsedMs: number): RolloutSummary {
  const ok = outcomes.filter((o) => o.ok);
  const n = ok.length;
  const rates: Record<string, number> = {};
  for (const a of CRAFTER_ACHIEVEMENTS) rates[a] = n === 0 ? 0 : ok.filter((o) => o.achievements.includes(a)).length / n;
  const endReasons: Record<string, number> = {};
  for (const o of outcomes) {
    const r = o.ok ? (o.endReason ?? 'unknown') : 'request_failed';
    endReasons[r] = (endReasons[r] ?? 0) + 1;
  }
  const mean = (f: (o: RolloutOutcome) => number) => (n === 0 ? 0 : ok.reduce((s, o) => s + f(o), 0) / n);
  return {
    model,
    num_rollouts: outcomes.length,
    ok: n,
    failed: outcomes.length - n,
    mean_achievements: mean((o) => o.achievements.length),
    mean_return: mean((o) => o.return),
    mean_steps: mean((o) => o.steps),
    achievement_rates: rates,
    crafter_score: crafterScorePercent(CRAFTER_ACHIEVEMENTS.map((a) => 100 * (rates[a] ?? 0))),
    end_reasons: endReasons,
    elapsed_s: elapsedMs / 1000,
    rollouts_per_s: elapsedMs > 0 ? outcomes.length / (elapsedMs / 1000) : 0,
  };
}

// --- through the backend: POST /api/rl/tests/openai/direct (docs/wire-contract.md §2.3) ----------------------------------

export interface ViaBackendOptions {
  backendUrl: string;
  apiKey: string;
  /** Between event polls when the backend answers with a job (the reference polls every 2 s). */
  pollIntervalMs?: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export interface DirectTestResult {
  outcomes: RolloutOutcome[];
  /** The backend's own message, when it sent one. */
  message?: string;
  jobId?: string;
}

/** The OpenAI-direct test body for a plan; use_proxy is the plan's, else the shared rule's. */
export function directTestBody(plan: RolloutPlan): OpenAIDirectRequestInput {
  const preset = plan.preset;
  if (preset !== undefined && !isDirectTestPreset(preset)) throw new Error(`preset must be micro, small or classic, got ${JSON.stringify(preset)}`);
  return {
    endpoint_base_url: plan.taskAppUrl, model: plan.model, max_steps: plan.maxStepsEach, num_rollouts: plan.numRollouts,
    max_steps_each: plan.maxStepsEach, use_proxy: plan.useProxy ?? defaultUseProxy(plan.model, plan.inferenceUrl),
    ...(plan.inferenceUrl !== '' && { inference_url: plan.inferenceUrl }), seed: plan.seed, concurrency: plan.concurrency, timeout_seconds: plan.timeoutSeconds,
    ...(preset !== undefined && { preset }),
  };
}

const DIRECT_SUCCESS = ['test.openai.direct.ok', 'test.openai.direct.success', 'workflow.succeeded', 'workflow.completed'];
const DIRECT_FAILURE = ['test.openai.direct.failed', 'workflow.failed', 'workflow.error'];

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Outcomes from the S6 batch summary: `rollouts: [{index, ok, reward, achievements_last[], achievements_total[]}]`. */
export function outcomesFromBatch(plan: RolloutPlan, rollouts: unknown): RolloutOutcome[] {
  if (!Array.isArray(rollouts)) return [];
  return rollouts.map((raw, i) => {
    const r = asRecord(raw) ?? {};
    const names = Array.isArray(r.achievements_total) ? r.achievements_total : Array.isArray(r.achievements_last) ? r.achievements_last : [];
    const index = typeof r.index === 'number' ? r.index : i;
    const error = typeof r.error === 'string' ? r.error : undefined;
    return {
      index, seed: typeof r.seed === 'number' ? r.seed : plan.seed + index, runId: typeof r.run_id === 'string' ? r.run_id : '',
      ok: r.ok !== false, achievements: names.filter((a): a is string => typeof a === 'string'),
      return: typeof r.reward === 'number' ? r.reward : 0, steps: typeof r.steps === 'number' ? r.steps : 0,
      endReason: typeof r.end_reason === 'string' ? r.end_reason : undefined, elapsedMs: 0, ...(error !== undefined && { error }),
    };
  });
}

/**
 * Asks the backend to run the rollouts. A job-less answer carries the summary; a job id is
 * followed (followJobEvents) until `test.openai.direct.batch.ok` or a terminal event.
 */
export async function runViaBackend(plan: RolloutPlan, opts: ViaBackendOptions): Promise<DirectTestResult> {
  const client = new HttpClient({ baseUrl: opts.backendUrl, apiKey: opts.apiKey, ...(opts.fetch !== undefined && { fetch: opts.fetch }) });
  const batches = Math.ceil(plan.numRollouts / Math.max(1, plan.concurrency));
  const budgetMs = plan.timeoutSeconds * 1000 * batches + 30_000;
  const created = asRecord(await client.json({
    method: 'POST', path: '/api/rl/tests/openai/direct', retry: false, timeoutMs: budgetMs,
    json: directTestBody(plan),
    ...(opts.signal !== undefined && { signal: opts.signal }),
  })) ?? {};
  const jobId = typeof created.job_id === 'string' ? created.job_id : typeof created.id === 'string' ? created.id : undefined;
  const message = typeof created.message === 'string' ? created.message : undefined;
  if (jobId === undefined) {
    const summary = asRecord(created.summary) ?? created;
    return { outcomes: outcomesFromBatch(plan, summary.rollouts), ...(message !== undefined && { message }) };
  }
  return followDirectTest(plan, opts, jobId, budgetMs);
}

/** Follows a backend test job until its batch summary, a terminal event or status, or the budget runs out. */
async function followDirectTest(plan: RolloutPlan, opts: ViaBackendOptions, jobId: string, budgetMs: number): Promise<DirectTestResult> {
  const client = new SynthClient({ backendUrl: opts.backendUrl, apiKey: opts.apiKey, ...(opts.fetch !== undefined && { fetch: opts.fetch }) });
  let answer: DirectTestResult | undefined;
  let failure: string | undefined;
  const result = await followJobEvents({
    client, jobId, pollIntervalMs: opts.pollIntervalMs ?? 2000, maxSeconds: budgetMs / 1000,
    // The budget is the only guard: a test job may be quiet for long between rollouts.
    startupDeadlineSeconds: 0, emptyPollsThreshold: 0,
    ...(opts.signal !== undefined && { signal: opts.signal }),
    onEvent: (e) => {
      if (e.type === 'test.openai.direct.batch.ok') answer = { outcomes: outcomesFromBatch(plan, (asRecord(e.data.summary) ?? e.data).rollouts), jobId };
      else if (DIRECT_SUCCESS.includes(e.type)) answer = { outcomes: [], jobId, message: e.message || e.type };
      else if (DIRECT_FAILURE.includes(e.type)) failure = e.message || e.type;
      return answer !== undefined || failure !== undefined;
    },
  });
  if (failure !== undefined) throw new Error(`backend test job ${jobId} failed: ${failure}`);
  if (answer !== undefined) return answer;
  switch (result.outcome) {
    case 'succeeded':
      return { outcomes: [], jobId, message: `job ${jobId} succeeded` };
    case 'watchdog':
      throw new Error(`backend test job ${jobId} did not finish within ${Math.round(budgetMs / 1000)} s`);
    case 'interrupted':
      throw opts.signal?.reason ?? new Error(`stopped following backend test job ${jobId}`);
    default:
      throw new Error(`backend test job ${jobId} ${result.status ?? result.outcome}: ${result.reason}`);
  }
}
