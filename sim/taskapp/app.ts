// The simulated Crafter task app (docs/wire-contract.md §4, §9.1 "Task app simulator"): the S7c
// surface — GET/HEAD /, soft /health and /health/rollout, /info, /task_info, /actions,
// /test_auth, /env/CrafterClassic/{initialize,step,terminate}, /rollout and the OpenAI /proxy —
// with the status codes of docs/wire-contract.md §4.2, the response schema of §4.4 and the prompt text of §4.7.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { EnvInitializeRequest, EnvStepRequest, EnvTerminateRequest, RolloutRequest } from '../../src/api/taskapp.ts';
import { VERSION } from '../../src/index.ts';
import { ACHIEVEMENTS, ACTION_NAMES, CrafterEnv, PRESETS, achievementNames, actionIndex, type Preset } from '../crafter/index.ts';
import { detail } from '../backend/request.ts';
import { allowedKeys, authFailure, authorize, expectedKeyPrefix, UNCONFIGURED_DETAIL } from './auth.ts';
import {
  DEFAULT_ENGINE_MAX_STEPS, DEFAULT_MAX_STEPS_PER_EPISODE, ENV_NAME, EnvConfigInput, isCrafterEnvName, resolveEnvConfig,
  type EnvDefaults, type RewardMode,
} from './env-config.ts';
import { issuesToErrors, invalid, readBody, taskError } from './http.ts';
import { observationDict, promptText, reportedReward, round, NO_STEP } from './observation.ts';
import { proxyChatCompletion } from './proxy.ts';
import { CapacityError, EnvRegistry, type EnvHandle } from './registry.ts';
import { runRollout, type InferenceSettings } from './rollout.ts';

export interface TaskAppOptions {
  /** ENVIRONMENT_API_KEY; without any key the protected routes answer 503. */
  environmentApiKey?: string;
  /** ENVIRONMENT_API_KEY_ALIASES: more accepted keys (comma list or array). */
  environmentApiKeyAliases?: string | readonly string[];
  /** OPENAI_API_KEY, for inference URLs that route to OpenAI and for /proxy. */
  openaiApiKey?: string;
  /** Where "OpenAI" is (default https://api.openai.com); tests point it at a stub. */
  openaiBaseUrl?: string;
  /** Bearer token sent to non-OpenAI inference URLs (none by default). */
  inferenceApiKey?: string;
  /** Map preset when a request does not choose one. Default 'micro'. */
  preset?: Preset;
  /** Default reward semantics ('step'; 'cumulative' reproduces docs/reference-client.md §2.24 for old clients). */
  rewardMode?: RewardMode;
  /** Live environments at most (429 past it). Default 256. */
  maxEnvs?: number;
  /** Idle env TTL. Default 10 minutes. */
  envTtlMs?: number;
  /** Per inference call. Default 180 s (the reference's read timeout). */
  inferenceTimeoutMs?: number;
  fetch?: typeof fetch;
  /** One line per rollout and per error answer, for the foreground command. */
  log?: (line: string) => void;
}

export interface TaskApp {
  app: Hono;
  registry: EnvRegistry;
  /** Accepted keys (primary first). */
  keys: readonly string[];
  /** The primary key (ENVIRONMENT_API_KEY), if any: what a trainer uploads and sends. */
  environmentApiKey: string | undefined;
  preset: Preset;
  close(): void;
}

/** Task-app settings from environment variables (the names the reference app reads). */
export function taskAppOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): TaskAppOptions {
  const out: TaskAppOptions = {};
  if (env.ENVIRONMENT_API_KEY) out.environmentApiKey = env.ENVIRONMENT_API_KEY;
  if (env.ENVIRONMENT_API_KEY_ALIASES) out.environmentApiKeyAliases = env.ENVIRONMENT_API_KEY_ALIASES;
  if (env.OPENAI_API_KEY) out.openaiApiKey = env.OPENAI_API_KEY;
  if (env.OPENAI_BASE_URL) out.openaiBaseUrl = env.OPENAI_BASE_URL;
  if (env.TASK_APP_INFERENCE_API_KEY) out.inferenceApiKey = env.TASK_APP_INFERENCE_API_KEY;
  return out;
}

/** Headers that identify a request across services; passed to inference and echoed unchanged. */
const TRACE_HEADERS = ['x-trace-id', 'x-correlation-id', 'x-request-id', 'traceparent', 'tracestate'] as const;

function traceHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of TRACE_HEADERS) {
    const v = headers.get(h);
    if (v !== null && v.length <= 512) out[h] = v;
  }
  return out;
}

const MAX_TASK_INFO_SEEDS = 100;

export function createTaskApp(opts: TaskAppOptions = {}): TaskApp {
  const keys = allowedKeys(opts.environmentApiKey, opts.environmentApiKeyAliases);
  const preset = opts.preset ?? 'micro';
  const defaults: EnvDefaults = { preset, rewardMode: opts.rewardMode ?? 'step' };
  const registry = new EnvRegistry({
    ...(opts.maxEnvs !== undefined && { maxEnvs: opts.maxEnvs }),
    ...(opts.envTtlMs !== undefined && { ttlMs: opts.envTtlMs }),
  });
  registry.startSweeper();
  const inference: InferenceSettings = {
    timeoutMs: opts.inferenceTimeoutMs ?? 180_000,
    ...(opts.openaiApiKey !== undefined && { openaiApiKey: opts.openaiApiKey }),
    ...(opts.openaiBaseUrl !== undefined && { openaiBaseUrl: opts.openaiBaseUrl }),
    ...(opts.inferenceApiKey !== undefined && { inferenceApiKey: opts.inferenceApiKey }),
    ...(opts.fetch !== undefined && { fetch: opts.fetch }),
  };
  const log = opts.log ?? (() => {});
  const app = new Hono();

  app.onError((err, c) => {
    log(`500 ${c.req.method} ${new URL(c.req.url).pathname}: ${err.message}`);
    return detail(500, `internal error: ${err.message}`);
  });
  app.notFound((c) => detail(404, `Not Found: ${c.req.method} ${new URL(c.req.url).pathname}`));

  /** The auth check; undefined when the caller may proceed. */
  const guard = (c: Context): Response | undefined => {
    const outcome = authorize(keys, c.req.raw.headers);
    return outcome === 'ok' ? undefined : authFailure(outcome);
  };

  // --- probes ---------------------------------------------------------------------------------------
  app.get('/', (c) => c.json({ ok: true, status: 'ok', service: 'synth-ai task app', task: 'crafter', simulated: true }));

  const health = (rollout: boolean) => (c: Context) => {
    if (keys.length === 0) return c.json({ detail: UNCONFIGURED_DETAIL, healthy: false, authorized: false }, 503);
    if (authorize(keys, c.req.raw.headers) !== 'ok') {
      // Soft 200 (S7c): the service is up, the caller's key is not the expected one.
      return c.json({ status: 'healthy', healthy: true, authorized: false, expected_api_key_prefix: expectedKeyPrefix(keys) });
    }
    return c.json(rollout
      ? { ok: true, status: 'healthy', healthy: true, authorized: true }
      : { status: 'healthy', healthy: true, authorized: true, service: 'synth-ai task app', simulated: true, version: VERSION });
  };
  app.get('/health', health(false));
  app.get('/health/rollout', health(true));

  app.get('/test_auth', (c) => guard(c) ?? c.json({ ok: true }));
  app.get('/actions', (c) => c.json({ actions: [...ACTION_NAMES] }));

  const inferenceInfo = {
    endpoint: '{policy.config.inference_url}/v1/chat/completions',
    tools: ['interact', 'terminate'],
    tool_choice: 'interact (forced)',
    openai_direct: 'inference_url containing api.openai.com or ending with /proxy',
    proxy: '/proxy/v1/chat/completions',
  };
  const limits = {
    max_envs: registry.maxEnvs, env_ttl_s: Math.round(registry.ttlMs / 1000),
    default_max_steps_per_episode: DEFAULT_MAX_STEPS_PER_EPISODE, max_steps: DEFAULT_ENGINE_MAX_STEPS,
    max_ops: 100_000, max_time_s: 3600, inference_timeout_s: inference.timeoutMs / 1000,
  };
  const dataset = {
    id: 'crafter', name: 'Crafter (toy grid, simulated)', default_preset: preset,
    presets: Object.fromEntries(Object.entries(PRESETS).map(([k, v]) => [k, { map_size: v.size }])), seeds: 'any integer ≥ 0',
  };

  app.get('/info', (c) => guard(c) ?? c.json({
    service: { task: { id: 'crafter', name: 'Crafter', environment: ENV_NAME }, version: VERSION, simulated: true },
    dataset,
    rubrics: null,
    inference: inferenceInfo,
    envs: { live: registry.size, max: registry.maxEnvs },
    capabilities: ['rollout', 'env', 'proxy', 'logprobs', 'reward_mode:step', 'reward_mode:cumulative', 'observation_format:synth', 'observation_format:grid'],
    limits,
  }));

  app.get('/task_info', (c) => {
    const denied = guard(c);
    if (denied) return denied;
    const raw = [...(c.req.queries('seed') ?? []), ...(c.req.queries('seeds') ?? []).flatMap((s) => s.split(','))].map((s) => s.trim()).filter((s) => s !== '');
    if (raw.length === 0) {
      return c.json({ taskset: { id: 'crafter', name: 'Crafter', environment: ENV_NAME, dataset, action_space: [...ACTION_NAMES], achievements: [...ACHIEVEMENTS], simulated: true } });
    }
    if (raw.length > MAX_TASK_INFO_SEEDS) return invalid([{ type: 'value_error', loc: ['query', 'seed'], msg: `at most ${MAX_TASK_INFO_SEEDS} seeds per request, got ${raw.length}` }]);
    const bad = raw.find((s) => !/^\d+$/.test(s) || !Number.isSafeInteger(Number(s)));
    if (bad !== undefined) return invalid([{ type: 'int_parsing', loc: ['query', 'seed'], msg: `seed must be a non-negative integer, got ${JSON.stringify(bad)}` }]);
    const infos = raw.map((s) => {
      const seed = Number(s);
      const env = new CrafterEnv({ preset, seed });
      return {
        task: { id: 'crafter', name: 'Crafter', version: VERSION },
        environment: ENV_NAME,
        action_space: { type: 'discrete', size: ACTION_NAMES.length, actions: [...ACTION_NAMES] },
        observation: { type: 'text+dict', keys: Object.keys(observationDict(env, resolveEnvConfig({}, defaults, seed), NO_STEP)), text: 'docs/wire-contract.md §4.7' },
        dataset: { ...dataset, seed, preset },
        rubric: null,
        inference: inferenceInfo,
        limits,
        task_metadata: { seed, preset, map_size: env.size, start_position: [env.playerX, env.playerY], achievements: [...ACHIEVEMENTS] },
      };
    });
    return c.json(infos.length === 1 ? infos[0] : infos);
  });

  // --- /env/{name}/... ---------------------------------------------------------------------------------
  const envName = (c: Context): Response | undefined => {
    const name = c.req.param('name');
    return isCrafterEnvName(name) ? undefined : detail(404, `unknown environment ${JSON.stringify(name)}; this task app serves ${ENV_NAME}`);
  };

  /** The live env for a request, or the answer saying why not (404 unknown, 409 terminated, 403 not yours). */
  const liveEnv = (c: Context, id: string): EnvHandle | Response => {
    const found = registry.lookup(id);
    if (found.kind === 'unknown') return taskError(404, 'env_not_found', `no environment ${JSON.stringify(id)}; initialize one first`, { env_id: id });
    if (found.kind === 'terminated') return taskError(409, 'env_terminated', `environment ${id} is terminated (${found.reason}); initialize a new one`, { env_id: id });
    const runId = c.req.header('x-run-id');
    if (runId !== undefined && found.handle.runId !== undefined && runId !== found.handle.runId) {
      return taskError(403, 'env_not_owned', `environment ${id} belongs to run ${JSON.stringify(found.handle.runId)}, not ${JSON.stringify(runId)}`, { env_id: id });
    }
    return found.handle;
  };

  app.post('/env/:name/initialize', async (c) => {
    const denied = guard(c) ?? envName(c);
    if (denied) return denied;
    const body = await readBody(c, EnvInitializeRequest, { allowEmpty: true });
    if (!body.ok) return body.response;
    if (!isCrafterEnvName(body.data.env_name)) {
      return invalid([{ type: 'value_error', loc: ['body', 'env_name'], msg: `env_name: this task app serves ${ENV_NAME}, not ${JSON.stringify(body.data.env_name)}` }]);
    }
    const cfgInput = EnvConfigInput.safeParse(body.data.env_config ?? body.data.config ?? {});
    if (!cfgInput.success) return invalid(issuesToErrors(cfgInput.error.issues, ['body', 'env_config']));
    const config = resolveEnvConfig(cfgInput.data, defaults, body.data.seed);
    let handle: EnvHandle;
    try {
      handle = registry.create(config, c.req.header('x-run-id') || undefined);
    } catch (error) {
      if (error instanceof CapacityError) return taskError(429, 'too_many_envs', error.message, { limit: error.limit }, { 'retry-after': '1' });
      throw error;
    }
    return c.json({
      env_id: handle.id,
      observation: observationDict(handle.env, config, NO_STEP),
      observation_text: promptText(handle.env, config, []),
      config: { preset: config.preset, max_steps: config.maxSteps, observation_format: config.observationFormat, reward_mode: config.rewardMode, seed: handle.env.seed },
    });
  });

  app.post('/env/:name/step', async (c) => {
    const denied = guard(c) ?? envName(c);
    if (denied) return denied;
    const body = await readBody(c, EnvStepRequest);
    if (!body.ok) return body.response;
    const handle = liveEnv(c, body.data.env_id);
    if (handle instanceof Response) return handle;
    const a = body.data.action;
    const index = typeof a === 'string' ? actionIndex(a) : a >= 0 && a < ACTION_NAMES.length ? a : -1;
    if (index < 0) {
      return invalid([{ type: 'value_error', loc: ['body', 'action'], msg: `action: unknown action ${JSON.stringify(a)}; valid: ${ACTION_NAMES.join(', ')} (or their indices 0..${ACTION_NAMES.length - 1})` }]);
    }
    const env = handle.env;
    if (env.done) {
      return taskError(409, 'episode_over', `environment ${handle.id}'s episode is over (${env.endReason}); terminate it and initialize a new one`, { env_id: handle.id, end_reason: env.endReason });
    }
    const r = env.step(index);
    const last = { reward: r.reward, terminated: r.terminated, truncated: r.truncated };
    const reward = reportedReward(env, handle.config, last);
    return c.json({
      observation: observationDict(env, handle.config, last),
      reward: round(reward),
      done: r.done,
      info: { action: ACTION_NAMES[index], achievements_unlocked: achievementNames(r.unlockedMask), terminated: r.terminated, truncated: r.truncated, end_reason: r.endReason },
      observation_text: promptText(env, handle.config, []),
    });
  });

  app.post('/env/:name/terminate', async (c) => {
    const denied = guard(c) ?? envName(c);
    if (denied) return denied;
    const body = await readBody(c, EnvTerminateRequest);
    if (!body.ok) return body.response;
    const found = registry.lookup(body.data.env_id);
    if (found.kind === 'unknown') return taskError(404, 'env_not_found', `no environment ${JSON.stringify(body.data.env_id)}`, { env_id: body.data.env_id });
    if (found.kind === 'terminated') return c.json({ ok: true, already_terminated: true });
    const owned = liveEnv(c, body.data.env_id);
    if (owned instanceof Response) return owned;
    registry.terminate(owned.id);
    return c.json({ ok: true });
  });

  // --- rollouts ----------------------------------------------------------------------------------------
  app.post('/rollout', async (c) => {
    const denied = guard(c);
    if (denied) return denied;
    const body = await readBody(c, RolloutRequest);
    if (!body.ok) return body.response;
    // A rollout against a slow model outlasts Bun's idle cut (255 s at most); safety.max_time_s bounds it instead.
    (c.env as { timeout?: (req: Request, seconds: number) => void } | undefined)?.timeout?.(c.req.raw, 0);
    const res = await runRollout(body.data, { registry, defaults, inference }, { signal: c.req.raw.signal, passHeaders: traceHeaders(c.req.raw.headers) });
    log(`rollout ${body.data.run_id}: HTTP ${res.status}`);
    return res;
  });

  app.post('/proxy/v1/chat/completions', async (c) => {
    const denied = guard(c);
    if (denied) return denied;
    const body = await readBody(c, z.unknown());
    if (!body.ok) return body.response;
    return proxyChatCompletion(body.data, inference, traceHeaders(c.req.raw.headers));
  });

  return { app, registry, keys, environmentApiKey: keys[0], preset, close: () => {
    registry.stop();
    registry.clear();
  } };
}
