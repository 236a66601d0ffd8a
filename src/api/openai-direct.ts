// POST /api/rl/tests/openai/direct (docs/wire-contract.md §2.3): the OpenAI-direct smoke test's
// request body. The simulated backend validates with this schema; the client builds the input type.
import { z } from 'zod';

/** Model names only OpenAI serves (gpt-*, chatgpt-*, the o-series), optionally prefixed `openai/`. */
const OPENAI_MODEL = /^(openai\/)?(gpt-|chatgpt-|o\d)/i;

/**
 * use_proxy when the caller does not choose (docs/wire-contract.md §2.3 "use_proxy"): an inference
 * URL ending in /proxy is the task app's OpenAI proxy; with no inference URL, an OpenAI model can only
 * be reached through that proxy; anything else goes to the backend's own inference server.
 */
export function defaultUseProxy(model: string, inferenceUrl?: string): boolean {
  if (inferenceUrl !== undefined && inferenceUrl !== '') return /\/proxy\/?$/.test(inferenceUrl);
  return OPENAI_MODEL.test(model);
}

/** Map presets of the simulated task app. */
export const DIRECT_TEST_PRESETS = ['micro', 'small', 'classic'] as const;
export type DirectTestPreset = (typeof DIRECT_TEST_PRESETS)[number];

export function isDirectTestPreset(name: string): name is DirectTestPreset {
  return (DIRECT_TEST_PRESETS as readonly string[]).includes(name);
}

export const OpenAIDirectRequest = z.looseObject({
  endpoint_base_url: z.url({ protocol: /^https?$/ }),
  model: z.string().min(1),
  num_rollouts: z.number().int().min(1).max(1000).default(1),
  max_steps_each: z.number().int().min(1).max(10_000).optional(),
  /** The reference client sends max_steps = max_steps_each. */
  max_steps: z.number().int().min(1).max(10_000).optional(),
  /** Absent: defaultUseProxy(model, inference_url). */
  use_proxy: z.boolean().optional(),
  // Extensions the simulator accepts (the hosted backend chooses these itself).
  inference_url: z.url({ protocol: /^https?$/ }).optional(),
  seed: z.number().int().min(0).default(0),
  concurrency: z.number().int().min(1).max(64).default(4),
  timeout_seconds: z.number().positive().max(3600).default(120),
  preset: z.enum(DIRECT_TEST_PRESETS).optional(),
  environment_api_key: z.string().min(1).optional(),
});
/** The validated body, defaults applied (what the server reads). */
export type OpenAIDirectRequest = z.infer<typeof OpenAIDirectRequest>;
/** The body as a client writes it (defaulted fields optional). */
export type OpenAIDirectRequestInput = z.input<typeof OpenAIDirectRequest>;
