// The tokenizer.json of a whole-word WordPiece tokenizer (lowercased, split on whitespace), as
// transformers.js loads it: shared by the policy tokenizer and the tiny self-test model.

/** `vocab[i]` gets id i; `special` are the first ids of `vocab`, marked as added special tokens. */
export function wordPieceTokenizer(special: readonly string[], vocab: readonly string[], unk: string): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((w, i) => [w, i])),
    },
  };
}
