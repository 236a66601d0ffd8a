// The policy model's vocabulary: every word the chat template can produce from a Crafter
// observation, plus the 17 action names and the control tokens. scripts/gen-policy-tokenizer.ts
// writes it as a Hugging Face WordPiece tokenizer.json; a test checks the fixture matches.
import { ACHIEVEMENTS, ACTION_NAMES, ITEM_NAMES, SEMANTIC_NAMES } from '../crafter/index.ts';

import { SPECIAL_TOKENS } from '../../src/policy/tokens.ts';

export { BOS, END, PAD, SEP, SPECIAL_TOKENS, UNK } from '../../src/policy/tokens.ts';

export const DIRECTION_WORDS = ['north', 'south', 'east', 'west'] as const;
/** Section words of the template. */
export const TEMPLATE_WORDS = ['facing', 'inventory', 'map', 'observation'] as const;
export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Words in id order after the special tokens; actions are whole tokens, so one action = one token. */
export function policyVocabulary(): string[] {
  const words = [
    ...ACTION_NAMES, ...TEMPLATE_WORDS, ...DIRECTION_WORDS, ...DIGITS,
    ...SEMANTIC_NAMES, 'player', 'unknown', ...ITEM_NAMES, ...ACHIEVEMENTS,
  ];
  const seen = new Set<string>(SPECIAL_TOKENS);
  const out: string[] = [...SPECIAL_TOKENS];
  for (const w of words) {
    const lw = w.toLowerCase();
    if (seen.has(lw)) continue;
    seen.add(lw);
    out.push(lw);
  }
  return out;
}
