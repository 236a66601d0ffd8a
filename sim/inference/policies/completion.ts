// Builds the OpenAI chat-completion answer of a built-in policy: one `interact` tool call whose
// arguments are the JSON string {"actions": [...], "reasoning": "..."} (docs/wire-contract.md §4.6),
// or the same JSON as message content when the request offers no `interact` tool.
import type { ChatCompletionRequest, ChatCompletionResponse } from '../../../src/api/chat.ts';
import type { InferenceContext, PolicyModel } from '../service.ts';

/** Per-action log-probabilities, reported when the request asks for `logprobs`. */
export interface PolicyChoice {
  actions: string[];
  reasoning: string;
  logprobs?: number[];
}

function offersInteract(req: ChatCompletionRequest): boolean {
  if (req.tools === undefined) return false;
  return req.tools.some((t) => {
    if (t === null || typeof t !== 'object') return false;
    const fn = (t as { function?: { name?: unknown } }).function;
    return fn?.name === 'interact';
  });
}

/** Rough token count (4 characters a token), for the usage block clients print. */
function approxTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

let counter = 0;

export function policyCompletion(req: ChatCompletionRequest, choice: PolicyChoice): ChatCompletionResponse {
  const args = JSON.stringify({ actions: choice.actions, reasoning: choice.reasoning });
  const id = `chatcmpl-sim-${Date.now().toString(36)}${(counter++).toString(36)}`;
  const useTool = offersInteract(req);
  const promptText = req.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
  const logprobs = req.logprobs === true && choice.logprobs !== undefined
    ? { content: choice.actions.map((a, i) => ({ token: a, logprob: choice.logprobs?.[i] ?? 0, bytes: null, top_logprobs: [] })) }
    : undefined;
  const completionTokens = approxTokens(args);
  const promptTokens = approxTokens(promptText);
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: req.model,
    choices: [{
      index: 0,
      message: useTool
        ? { role: 'assistant', content: null, tool_calls: [{ id: `call_${id.slice(13)}`, type: 'function', function: { name: 'interact', arguments: args } }] }
        : { role: 'assistant', content: args },
      finish_reason: useTool ? 'tool_calls' : 'stop',
      ...(logprobs !== undefined && { logprobs }),
    }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    system_fingerprint: 'synth-rl-sim',
  };
}

/** A built-in policy: a fixed id and description, and one choice per request computed from it alone. */
export abstract class ScriptedPolicy implements PolicyModel {
  readonly id: string;
  readonly description: string;

  constructor(id: string, description: string) {
    this.id = id;
    this.description = description;
  }

  protected abstract choose(req: ChatCompletionRequest): PolicyChoice;

  async complete(req: ChatCompletionRequest, _ctx: InferenceContext = {}): Promise<ChatCompletionResponse> {
    return policyCompletion(req, this.choose(req));
  }
}
