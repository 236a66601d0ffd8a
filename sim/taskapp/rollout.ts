// POST /rollout (docs/wire-contract.md §4.3–§4.5): one Crafter episode driven by a model through its
// OpenAI-compatible inference URL. The ops list alternates "agent" (one model decision) and "env"
// (execute its tool calls). Differences from the reference loop, each a bug of docs/reference-client.md §2 fixed:
//   23 every one of the 17 action names steps its own action (the reference mapped 10 to noop);
//   24 a step's reward is that step's own reward (env.config.reward_mode = "cumulative" restores
//      the running total);
//   25 pending tool calls are cleared after every decision;
//   26 `terminate` ends the rollout (the reference only left the inner loop);
//   27 a missing inference_url is a 422, inference failures are 502/504 naming the upstream status.
// Malformed model answers (bad JSON arguments, unknown tools or actions) end the rollout with the
// reason in metrics.details instead of failing the request. safety.max_ops and max_time_s are
// enforced. The reference's "stop at max(3, 22 // 2) achievements" early exit is not reproduced:
// it only cut an action list short, and `terminate` is the policy's way to stop.
import type { RecordedToolCall, RolloutEndReason, RolloutRequest, RolloutStep } from '../../src/api/taskapp.ts';
import { AGENT_OPS, ENV_OPS } from '../../src/api/taskapp.ts';
import { ACHIEVEMENTS, achievementNames, type CrafterEnv } from '../crafter/index.ts';
import { EnvConfigInput, isCrafterEnvName, resolveEnvConfig, type EnvConfig, type EnvDefaults } from './env-config.ts';
import { invalid, issuesToErrors, taskError, type FieldError } from './http.ts';
import { callInference, failureStatus, safeUrl } from './inference.ts';
import { observationDict, promptText, reportedReward, round, NO_STEP, type LastStep } from './observation.ts';
import { buildPolicyRequest, type SamplingOverrides } from './prompt.ts';
import { CapacityError, type EnvHandle, type EnvRegistry } from './registry.ts';
import { interpretCall, parseToolCalls, type Decision } from './tool-calls.ts';

export interface InferenceSettings {
  /** Per-call timeout (the reference's httpx read timeout is 180 s). */
  timeoutMs: number;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  inferenceApiKey?: string;
  fetch?: typeof fetch;
}

export interface RolloutDeps {
  registry: EnvRegistry;
  defaults: EnvDefaults;
  inference: InferenceSettings;
}

export interface RolloutContext {
  /** Aborted when the caller disconnects. */
  signal?: AbortSignal;
  /** Trace/correlation headers of the /rollout request, forwarded to every inference call. */
  passHeaders?: Record<string, string>;
}

type Op = 'agent' | 'env';

const ABORTING_REASONS: ReadonlySet<RolloutEndReason> = new Set(['invalid_tool_call', 'max_ops', 'max_time', 'cancelled']);

/** Normalises ops; errors name each bad entry. */
export function normaliseOps(ops: RolloutRequest['ops']): { ops: Op[] } | { errors: FieldError[] } {
  const out: Op[] = [];
  const errors: FieldError[] = [];
  ops.forEach((raw, i) => {
    const name = typeof raw === 'string' ? raw : (raw.type ?? raw.op ?? '');
    const lower = name.trim().toLowerCase();
    if ((AGENT_OPS as readonly string[]).includes(lower)) out.push('agent');
    else if ((ENV_OPS as readonly string[]).includes(lower)) out.push('env');
    else {
      errors.push({
        type: 'value_error', loc: ['body', 'ops', i],
        msg: `ops.${i}: unknown op ${JSON.stringify(name)}; expected "agent" (or policy, model) or "env" (or environment, step)`,
      });
    }
  });
  return errors.length > 0 ? { errors } : { ops: out };
}

function numberSetting(config: Record<string, unknown>, key: string, errors: FieldError[], check: (n: number) => boolean, rule: string): number | undefined {
  const v = config[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
    errors.push({ type: 'value_error', loc: ['body', 'policy', 'config', key], msg: `policy.config.${key}: must be ${rule}, got ${JSON.stringify(v)}` });
    return undefined;
  }
  return v;
}

interface Plan {
  ops: Op[];
  config: EnvConfig;
  inferenceUrl: string | undefined;
  model: unknown;
  sampling: SamplingOverrides;
}

/** Everything checkable before an env exists; a 422 naming each problem otherwise. */
function plan(req: RolloutRequest, defaults: EnvDefaults): Plan | Response {
  const errors: FieldError[] = [];
  const ops = normaliseOps(req.ops);
  if ('errors' in ops) errors.push(...ops.errors);
  if (!isCrafterEnvName(req.env.env_name)) {
    errors.push({ type: 'value_error', loc: ['body', 'env', 'env_name'], msg: `env.env_name: this task app serves Crafter (CrafterClassic), not ${JSON.stringify(req.env.env_name)}` });
  }
  const envInput = EnvConfigInput.safeParse(req.env.config);
  if (!envInput.success) errors.push(...issuesToErrors(envInput.error.issues, ['body', 'env', 'config']));
  const pc = req.policy.config;
  const url = pc.inference_url;
  const needsModel = 'ops' in ops && ops.ops.includes('agent');
  let inferenceUrl: string | undefined;
  if (typeof url === 'string' && url.trim() !== '') {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      errors.push({ type: 'value_error', loc: ['body', 'policy', 'config', 'inference_url'], msg: `policy.config.inference_url: must be an http(s) URL, got ${JSON.stringify(url)}` });
    } else inferenceUrl = url.trim();
  } else if (url !== undefined && url !== null) {
    errors.push({ type: 'value_error', loc: ['body', 'policy', 'config', 'inference_url'], msg: 'policy.config.inference_url: must be a non-empty URL string' });
  } else if (needsModel) {
    errors.push({ type: 'missing', loc: ['body', 'policy', 'config', 'inference_url'], msg: 'policy.config.inference_url: required (the OpenAI-compatible base URL the task app calls for "agent" ops)' });
  }
  const sampling: SamplingOverrides = {};
  const temperature = numberSetting(pc, 'temperature', errors, (n) => n >= 0 && n <= 2, 'a number in [0, 2]');
  const topP = numberSetting(pc, 'top_p', errors, (n) => n > 0 && n <= 1, 'a number in (0, 1]');
  const maxTokens = numberSetting(pc, 'max_tokens', errors, (n) => Number.isInteger(n) && n > 0, 'a positive integer');
  if (temperature !== undefined) sampling.temperature = temperature;
  if (topP !== undefined) sampling.top_p = topP;
  if (maxTokens !== undefined) sampling.max_tokens = maxTokens;
  if (req.record.logprobs) sampling.logprobs = true;
  if (errors.length > 0 || !('ops' in ops) || !envInput.success) return invalid(errors);
  return {
    ops: ops.ops,
    config: resolveEnvConfig(envInput.data, defaults, req.env.seed),
    inferenceUrl,
    model: pc.model,
    sampling,
  };
}

interface DecisionSample {
  decision_index: number;
  first_step: number;
  tool_calls: RecordedToolCall[];
  logprobs: unknown;
  usage: unknown;
  latency_ms: number;
}

/** One rollout in progress: what its steps read, and the tallies they keep. */
interface Episode {
  req: RolloutRequest;
  plan: Plan;
  handle: EnvHandle;
  deps: RolloutDeps;
  ctx: RolloutContext;
  /** The caller's abort and safety.max_time_s together. */
  signal: AbortSignal;
  started: number;
  steps: RolloutStep[];
  samples: DecisionSample[];
  /** The last decision's tool calls, executed by the next "env" op. */
  pending: { calls: RecordedToolCall[]; decisions: Decision[] } | undefined;
  opsExecuted: number;
  decisions: number;
  stepRewardSum: number;
  /** Set when the rollout ends early; the loop stops at once. */
  endReason: RolloutEndReason | undefined;
  error: string | undefined;
  last: LastStep;
}

export async function runRollout(req: RolloutRequest, deps: RolloutDeps, ctx: RolloutContext = {}): Promise<Response> {
  const p = plan(req, deps.defaults);
  if (p instanceof Response) return p;
  const started = performance.now();
  let handle: EnvHandle;
  try {
    handle = deps.registry.create(p.config, req.run_id);
  } catch (error) {
    if (error instanceof CapacityError) return taskError(429, 'too_many_envs', error.message, { limit: error.limit }, { 'retry-after': '1' });
    throw error;
  }
  const deadline = AbortSignal.timeout(Math.max(1, Math.round(req.safety.max_time_s * 1000)));
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, deadline]) : deadline;
  try {
    return await loop({
      req, plan: p, handle, deps, ctx, signal, started, steps: [], samples: [], pending: undefined,
      opsExecuted: 0, decisions: 0, stepRewardSum: 0, endReason: undefined, error: undefined, last: NO_STEP,
    });
  } finally {
    deps.registry.terminate(handle.id, 'rollout finished');
  }
}

async function loop(ep: Episode): Promise<Response> {
  for (const op of ep.plan.ops) {
    const stopped = checkLimits(ep);
    if (stopped !== undefined) return stopped;
    if (ep.endReason !== undefined) break;
    if (op === 'agent') {
      const failed = await agentOp(ep);
      if (failed !== undefined) return failed;
    } else envOp(ep);
    if (ep.endReason !== undefined) break;
  }
  return rolloutResponse(ep);
}

/** Before each op: safety.max_ops, the deadline or a cancel end the rollout; an env terminated under it is a 409. */
function checkLimits(ep: Episode): Response | undefined {
  if (ep.opsExecuted >= ep.req.safety.max_ops) {
    ep.endReason = 'max_ops';
    return undefined;
  }
  if (ep.signal.aborted) {
    ep.endReason = endByDeadline(ep);
    return undefined;
  }
  const h = ep.handle;
  if (h.terminatedBy !== undefined) return taskError(409, 'env_terminated', `env ${h.id} was terminated during the rollout (${h.terminatedBy})`, { env_id: h.id });
  return undefined;
}

function endByDeadline(ep: Episode): RolloutEndReason {
  return ep.ctx.signal?.aborted ? 'cancelled' : 'max_time';
}

/** An "agent" op: one model decision, kept in `pending`; a failed call is the 502/503/504 answer. */
async function agentOp(ep: Episode): Promise<Response | undefined> {
  const { deps, plan: p, handle, steps } = ep;
  // History as the reference builds it: the first tool call of each of the last 3 steps.
  const previous = steps.slice(-3).reverse().map((s) => s.tool_calls[0]).filter((c): c is RecordedToolCall => c !== undefined);
  const payload = buildPolicyRequest(p.model, promptText(handle.env, handle.config, previous), p.sampling);
  const t0 = performance.now();
  const outcome = await callInference({
    inferenceUrl: p.inferenceUrl as string, payload, timeoutMs: deps.inference.timeoutMs, signal: ep.signal,
    ...(deps.inference.openaiApiKey !== undefined && { openaiApiKey: deps.inference.openaiApiKey }),
    ...(deps.inference.openaiBaseUrl !== undefined && { openaiBaseUrl: deps.inference.openaiBaseUrl }),
    ...(deps.inference.inferenceApiKey !== undefined && { inferenceApiKey: deps.inference.inferenceApiKey }),
    ...(ep.ctx.passHeaders !== undefined && { headers: ep.ctx.passHeaders }),
    ...(deps.inference.fetch !== undefined && { fetch: deps.inference.fetch }),
  });
  if (outcome.ok) {
    acceptAnswer(ep, outcome.body, t0);
    return undefined;
  }
  if (outcome.code === 'deadline') {
    ep.endReason = endByDeadline(ep);
    return undefined;
  }
  return taskError(failureStatus(outcome.code), outcome.code, `${outcome.message} (decision ${ep.decisions}, POST ${safeUrl(outcome.url)})`, {
    url: safeUrl(outcome.url), decision_index: ep.decisions, steps_completed: steps.length,
    ...(outcome.upstreamStatus !== undefined && { upstream_status: outcome.upstreamStatus }),
    ...(outcome.bodySnippet !== undefined && { upstream_body: outcome.bodySnippet }),
  });
}

/** The model's answer: its tool calls interpreted into `pending`, or the reason the rollout ends. */
function acceptAnswer(ep: Episode, body: unknown, t0: number): void {
  ep.opsExecuted++;
  const index = ep.decisions++;
  const answer = parseToolCalls(body);
  if (!answer.ok) {
    ep.endReason = 'invalid_tool_call';
    ep.error = `decision ${index}: ${answer.error}`;
    return;
  }
  if (answer.calls.length === 0) {
    ep.endReason = 'no_tool_calls';
    return;
  }
  const interpreted: Decision[] = [];
  for (const call of answer.calls) {
    const r = interpretCall(call);
    if (!r.ok) {
      ep.endReason = 'invalid_tool_call';
      ep.error = `decision ${index}: ${r.error}`;
      return;
    }
    interpreted.push(r.decision);
  }
  ep.pending = { calls: answer.calls, decisions: interpreted };
  if (ep.req.record.logprobs || ep.req.record.return_trace) {
    ep.samples.push({
      decision_index: index, first_step: ep.steps.length, tool_calls: answer.calls, logprobs: answer.logprobs,
      usage: answer.usage, latency_ms: Math.round(performance.now() - t0),
    });
  }
}

/** An "env" op: executes the pending decision's actions; nothing pending is not an op (the reference skips it uncounted). */
function envOp(ep: Episode): void {
  if (ep.pending === undefined) return;
  const { calls, decisions: todo } = ep.pending;
  ep.pending = undefined;
  for (const d of todo) {
    if (d.kind === 'terminate') {
      ep.endReason = 'policy_terminated';
      return;
    }
    executeActions(ep, calls, d);
    if (ep.endReason !== undefined) return;
  }
  const { env, config } = ep.handle;
  if (env.done) ep.endReason = env.endReason === 'died' ? 'died' : 'env_max_steps';
  else if (ep.steps.length >= config.maxStepsPerEpisode) ep.endReason = 'max_steps';
}

/** Steps the env through one interact call's actions, recording each step. */
function executeActions(ep: Episode, calls: RecordedToolCall[], d: Extract<Decision, { kind: 'interact' }>): void {
  const { env, config } = ep.handle;
  for (let i = 0; i < d.actions.length; i++) {
    if (ep.steps.length >= config.maxStepsPerEpisode || env.done) return;
    if (ep.opsExecuted >= ep.req.safety.max_ops) {
      ep.endReason = 'max_ops';
      return;
    }
    const r = env.step(d.actions[i] as number);
    ep.last = { reward: r.reward, terminated: r.terminated, truncated: r.truncated };
    const reward = reportedReward(env, config, ep.last);
    ep.stepRewardSum += reward;
    ep.opsExecuted++;
    ep.steps.push({
      obs: observationDict(env, config, ep.last),
      tool_calls: calls,
      reward: round(reward),
      done: r.done,
      truncated: r.truncated,
      info: { action: d.names[i], decision_index: ep.decisions - 1, achievements_unlocked: achievementNames(r.unlockedMask) },
    });
  }
}

/** metrics.details: what happened, for people reading a rollout. */
function episodeDetails(ep: Episode, reason: RolloutEndReason): Record<string, unknown> {
  const { env, config } = ep.handle;
  const unlocked = env.achievements;
  return {
    achievements: unlocked,
    achievements_count: unlocked.length,
    achievements_available: ACHIEVEMENTS.length,
    end_reason: reason,
    native_return: round(env.totalReward),
    reward_mode: config.rewardMode,
    decisions: ep.decisions,
    env_steps: ep.steps.length,
    seed: env.seed,
    preset: config.preset,
    map_size: env.size,
    elapsed_ms: Math.round(performance.now() - ep.started),
    simulated: true,
    ...(ep.error !== undefined && { error: ep.error }),
  };
}

/** The 200 answer (docs/wire-contract.md §4.4); trace headers are echoed. */
function rolloutResponse(ep: Episode): Response {
  const { req, handle, steps, samples } = ep;
  const reason: RolloutEndReason = ep.endReason ?? 'ops_exhausted';
  const unlocked = handle.env.achievements;
  const passHeaders = ep.ctx.passHeaders ?? {};
  return Response.json({
    run_id: req.run_id,
    trajectories: req.record.trajectories
      ? [{
          env_id: handle.id,
          policy_id: req.policy.policy_name ?? req.policy.policy_id ?? 'crafter-policy',
          steps,
          final: { observation: observationDict(handle.env, handle.config, ep.last) },
          length: steps.length,
          ...(req.record.logprobs && { decision_samples: samples }),
        }]
      : [],
    branches: {},
    metrics: {
      episode_returns: [round(ep.stepRewardSum)],
      mean_return: unlocked.length,
      num_steps: steps.length,
      num_episodes: 1,
      outcome_score: unlocked.length,
      events_score: null,
      details: episodeDetails(ep, reason),
    },
    aborted: ABORTING_REASONS.has(reason),
    ops_executed: ep.opsExecuted,
    trace: req.record.return_trace
      ? { format: req.record.trace_format, run_id: req.run_id, training_session_id: req.training_session_id ?? null, headers: passHeaders, decisions: samples }
      : null,
  }, { headers: { ...passHeaders } });
}
