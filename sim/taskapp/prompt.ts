// The inference request the task app sends per decision (docs/wire-contract.md §4.6, S8 policy.py):
// the system prompt, the observation as the only user message (no history), the `interact` and
// `terminate` tools, `interact` forced, and Synth's sampling defaults. Text and tool schemas match
// the reference app byte for byte, so prompts can be diffed against it (fixtures/taskapp).
import { ACTION_NAMES } from '../crafter/index.ts';
import { interactTool } from '../../src/api/taskapp.ts';

const ACTIONS = ACTION_NAMES.join(', ');

export const SYSTEM_PROMPT =
  'You are an AI agent playing Crafter. Your goal is to unlock achievements by collecting resources and completing tasks.\n\n' +
  'CRITICAL RULES:\n' +
  '- You MUST provide MULTIPLE actions (2-5) in EVERY interact() tool call!\n' +
  "- Monitor your achievements_progress and use the terminate() tool when you've achieved significant progress (at least 3 achievements)\n" +
  '- Focus on exploration and resource collection to unlock achievements\n\n' +
  `Choose actions from: ${ACTIONS}`;

export const INTERACT_TOOL = interactTool(ACTION_NAMES);

export const TERMINATE_TOOL = {
  type: 'function',
  function: {
    name: 'terminate',
    description: 'End the episode when finished or no progress can be made.',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', description: 'Reason for termination' } },
      required: ['reason'],
    },
  },
} as const;

export const FORCED_INTERACT = { type: 'function', function: { name: 'interact' } } as const;

export const DEFAULT_TEMPERATURE = 0.2;
export const DEFAULT_MAX_TOKENS = 256;

/** Sampling settings a rollout's policy.config may override (the trainer sends its own). */
export interface SamplingOverrides {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  /** Ask for token log-probabilities (record.logprobs). */
  logprobs?: boolean;
}

export function buildPolicyRequest(model: unknown, userText: string, sampling: SamplingOverrides = {}): Record<string, unknown> {
  return {
    model: model ?? null,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: userText },
    ],
    tools: [INTERACT_TOOL, TERMINATE_TOOL],
    tool_choice: FORCED_INTERACT,
    stop_after_tool_calls: 1,
    temperature: sampling.temperature ?? DEFAULT_TEMPERATURE,
    ...(sampling.top_p !== undefined && { top_p: sampling.top_p }),
    max_tokens: sampling.max_tokens ?? DEFAULT_MAX_TOKENS,
    ...(sampling.logprobs === true && { logprobs: true }),
  };
}
