// What every route of the task app shares: accepted keys, env defaults, the env registry, inference
// settings and the log; plus the auth guard, the trace headers passed on, and the descriptions
// /info and /task_info both answer with.
import type { Context } from 'hono';
import { PRESETS, type Preset } from '../../crafter/index.ts';
import { allowedKeys, authFailure, authorize } from '../auth.ts';
import { DEFAULT_ENGINE_MAX_STEPS, DEFAULT_MAX_STEPS_PER_EPISODE, type EnvDefaults } from '../env-config.ts';
import type { TaskAppOptions } from '../options.ts';
import { EnvRegistry } from '../registry.ts';
import type { InferenceSettings } from '../rollout.ts';

export interface TaskAppContext {
  /** Accepted keys (primary first); none means the protected routes answer 503. */
  keys: readonly string[];
  preset: Preset;
  defaults: EnvDefaults;
  registry: EnvRegistry;
  inference: InferenceSettings;
  log: (line: string) => void;
}

/** The shared state of one task app; its registry's sweeper runs until `registry.stop()`. */
export function createTaskAppContext(opts: TaskAppOptions = {}): TaskAppContext {
  const preset = opts.preset ?? 'micro';
  const registry = new EnvRegistry({
    ...(opts.maxEnvs !== undefined && { maxEnvs: opts.maxEnvs }),
    ...(opts.envTtlMs !== undefined && { ttlMs: opts.envTtlMs }),
  });
  registry.startSweeper();
  return {
    keys: allowedKeys(opts.environmentApiKey, opts.environmentApiKeyAliases),
    preset,
    defaults: { preset, rewardMode: opts.rewardMode ?? 'step' },
    registry,
    inference: {
      timeoutMs: opts.inferenceTimeoutMs ?? 180_000,
      ...(opts.openaiApiKey !== undefined && { openaiApiKey: opts.openaiApiKey }),
      ...(opts.openaiBaseUrl !== undefined && { openaiBaseUrl: opts.openaiBaseUrl }),
      ...(opts.inferenceApiKey !== undefined && { inferenceApiKey: opts.inferenceApiKey }),
      ...(opts.fetch !== undefined && { fetch: opts.fetch }),
    },
    log: opts.log ?? (() => {}),
  };
}

/** The auth check; undefined when the caller may proceed, else the 401/503 answer. */
export function guard(ctx: TaskAppContext, c: Context): Response | undefined {
  const outcome = authorize(ctx.keys, c.req.raw.headers);
  return outcome === 'ok' ? undefined : authFailure(outcome);
}

/** Headers that identify a request across services; passed to inference and echoed unchanged. */
const TRACE_HEADERS = ['x-trace-id', 'x-correlation-id', 'x-request-id', 'traceparent', 'tracestate'] as const;

export function traceHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of TRACE_HEADERS) {
    const v = headers.get(h);
    if (v !== null && v.length <= 512) out[h] = v;
  }
  return out;
}

export const INFERENCE_INFO = {
  endpoint: '{policy.config.inference_url}/v1/chat/completions',
  tools: ['interact', 'terminate'],
  tool_choice: 'interact (forced)',
  openai_direct: 'inference_url containing api.openai.com or ending with /proxy',
  proxy: '/proxy/v1/chat/completions',
};

/** The limits block of /info and /task_info. */
export function limitsInfo(ctx: TaskAppContext): Record<string, number> {
  return {
    max_envs: ctx.registry.maxEnvs, env_ttl_s: Math.round(ctx.registry.ttlMs / 1000),
    default_max_steps_per_episode: DEFAULT_MAX_STEPS_PER_EPISODE, max_steps: DEFAULT_ENGINE_MAX_STEPS,
    max_ops: 100_000, max_time_s: 3600, inference_timeout_s: ctx.inference.timeoutMs / 1000,
  };
}

/** The dataset block of /info and /task_info. */
export function datasetInfo(ctx: TaskAppContext): Record<string, unknown> {
  return {
    id: 'crafter', name: 'Crafter (toy grid, simulated)', default_preset: ctx.preset,
    presets: Object.fromEntries(Object.entries(PRESETS).map(([k, v]) => [k, { map_size: v.size }])), seeds: 'any integer ≥ 0',
  };
}
