// Generation constrained to the `interact` grammar: 1..maxActions action tokens, then [END].
// The same masks are rebuilt at training time (grammarMask), so the trainer scores each token
// under exactly the distribution it was sampled from.
import type { Rng } from '../crafter/rng.ts';
import type { TokenDecoder } from '../model/decode.ts';
import { sampleToken } from '../model/sample.ts';

export interface GrammarTokens {
  vocabSize: number;
  actionIds: Int32Array;
  endId: number;
}

/** Allowed tokens at completion position `step`: actions first, then actions or [END]. */
export function grammarMask(step: number, maxActions: number, g: GrammarTokens): Uint8Array {
  const mask = new Uint8Array(g.vocabSize);
  if (step < maxActions) for (const id of g.actionIds) mask[id] = 1;
  if (step >= 1) mask[g.endId] = 1;
  return mask;
}

export interface GenerateOptions {
  temperature: number;
  topP?: number;
  maxActions: number;
}

export interface Generation {
  /** Completion token ids, ending with [END]. */
  completion: number[];
  /** Sampling log-probability of each completion token (0 for a forced [END]). */
  logprobs: number[];
  /** Whether each completion token was a model decision (false: forced by the grammar). */
  sampled: boolean[];
}

/** Keeps the prompt within the context, leaving room for the completion (drops the oldest tokens). */
export function fitPrompt(prompt: readonly number[], maxSeqLen: number, maxActions: number): number[] {
  const room = maxSeqLen - maxActions - 1;
  return prompt.length <= room ? [...prompt] : prompt.slice(prompt.length - room);
}

export function generate(dec: TokenDecoder, prompt: readonly number[], g: GrammarTokens, opts: GenerateOptions, rng: Rng): Generation {
  dec.reset();
  let logits = dec.feed(prompt);
  const out: Generation = { completion: [], logprobs: [], sampled: [] };
  for (let step = 0; ; step++) {
    if (step === opts.maxActions) {
      out.completion.push(g.endId);
      out.logprobs.push(0);
      out.sampled.push(false);
      return out;
    }
    const s = sampleToken(logits, { temperature: opts.temperature, allowed: grammarMask(step, opts.maxActions, g), ...(opts.topP !== undefined && { topP: opts.topP }) }, rng);
    out.completion.push(s.token);
    out.logprobs.push(s.logprob);
    out.sampled.push(true);
    if (s.token === g.endId) return out;
    logits = dec.feed([s.token]);
  }
}
