// The task app's settings: what createTaskApp takes, and the same read from environment variables.
import type { Preset } from '../crafter/index.ts';
import type { RewardMode } from './env-config.ts';

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
