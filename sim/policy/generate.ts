// The `interact` grammar: 1..maxActions action tokens, then [END]. Devices sample under these
// masks (sim/model/devices/sampling.ts) and the trainer rebuilds the same masks (grammarMask), so
// each token is scored under exactly the distribution it was sampled from.

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

/** Keeps the prompt within the context, leaving room for the completion (drops the oldest tokens). */
export function fitPrompt(prompt: readonly number[], maxSeqLen: number, maxActions: number): number[] {
  const room = maxSeqLen - maxActions - 1;
  return prompt.length <= room ? [...prompt] : prompt.slice(prompt.length - room);
}
