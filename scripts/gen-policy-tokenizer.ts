#!/usr/bin/env bun
// Writes the simulator policy's tokenizer (WordPiece over whole words, as tokenizer.json +
// tokenizer_config.json) into a folder. The same files ship inside every checkpoint.
//   bun run scripts/gen-policy-tokenizer.ts [outDir]     (default fixtures/policy-tokenizer)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BOS, END, PAD, policyVocabulary, SEP, SPECIAL_TOKENS, UNK } from '../sim/policy/vocab.ts';
import { wordPieceTokenizer } from './wordpiece.ts';

export function policyTokenizerFiles(): Record<string, string> {
  const vocab = policyVocabulary();
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  return {
    'tokenizer.json': json(wordPieceTokenizer(SPECIAL_TOKENS, vocab, UNK)),
    'tokenizer_config.json': json({
      tokenizer_class: 'PreTrainedTokenizer', pad_token: PAD, unk_token: UNK, bos_token: BOS, sep_token: SEP, eos_token: END,
      model_max_length: 256,
    }),
  };
}

export function writePolicyTokenizer(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  return Object.entries(policyTokenizerFiles()).map(([name, text]) => {
    writeFileSync(join(outDir, name), text);
    return join(outDir, name);
  });
}

if (import.meta.main) {
  for (const p of writePolicyTokenizer(resolve(process.argv[2] ?? 'fixtures/policy-tokenizer'))) console.log(`wrote ${p}`);
}
