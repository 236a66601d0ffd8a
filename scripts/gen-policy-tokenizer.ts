#!/usr/bin/env bun
// Writes the simulator policy's tokenizer (WordPiece over whole words, as tokenizer.json +
// tokenizer_config.json) into a folder. The same files ship inside every checkpoint.
//   bun run scripts/gen-policy-tokenizer.ts [outDir]     (default fixtures/policy-tokenizer)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BOS, END, PAD, policyVocabulary, SEP, SPECIAL_TOKENS, UNK } from '../sim/policy/vocab.ts';

export function policyTokenizerFiles(): Record<string, string> {
  const vocab = policyVocabulary();
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  return {
    'tokenizer.json': json({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL_TOKENS.map((content, id) => ({
        id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
      })),
      normalizer: { type: 'Lowercase' },
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: {
        type: 'WordPiece', unk_token: UNK, continuing_subword_prefix: '##', max_input_chars_per_word: 100,
        vocab: Object.fromEntries(vocab.map((w, i) => [w, i])),
      },
    }),
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
