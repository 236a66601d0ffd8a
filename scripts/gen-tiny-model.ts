#!/usr/bin/env bun
// Writes a tiny GPT-2-shaped ONNX text-generation model plus its WordPiece tokenizer into a
// Hugging Face model folder. The model counts: after "three" it greedily says "four five six …".
// It lets the self-test exercise transformers.js + ONNX Runtime end to end with no download.
//
//   bun run scripts/gen-tiny-model.ts [outDir]     (default fixtures/models/tiny-gpt2)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataType, encodeModel, floatTensor, int64Tensor, node, valueInfo } from '../sim/model/onnx/writer.ts';
import { wordPieceTokenizer } from './wordpiece.ts';

export const TINY_WORDS = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven',
  'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen',
] as const;
const SPECIAL = ['[UNK]', '[EOS]'] as const;
const EOS_ID = 1;
const VOCAB = [...SPECIAL, ...TINY_WORDS];
const V = VOCAB.length; // 16: also the embedding width, so the embedding is the identity
const HEAD_DIM = V;

/** id -> id of the word that follows it; the last word and the specials go to [EOS]. */
function successor(id: number): number {
  if (id < SPECIAL.length || id === V - 1) return EOS_ID;
  return id + 1;
}

export function tinyModelFiles(): Record<string, string | Uint8Array> {
  const wte = new Float32Array(V * V);
  for (let i = 0; i < V; i++) wte[i * V + i] = 1;
  const lmHead = new Float32Array(V * V);
  for (let i = 0; i < V; i++) lmHead[i * V + successor(i)] = 1;

  const kvShape = ['batch_size', 1, 'past_sequence_length', HEAD_DIM];
  const presentShape = ['batch_size', 1, 'total_sequence_length', HEAD_DIM];
  const onnxBytes = encodeModel({
    name: 'tiny-gpt2',
    inputs: [
      valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']),
      valueInfo('past_key_values.0.key', DataType.FLOAT, kvShape),
      valueInfo('past_key_values.0.value', DataType.FLOAT, kvShape),
    ],
    outputs: [
      valueInfo('logits', DataType.FLOAT, ['batch_size', 'sequence_length', V]),
      valueInfo('present.0.key', DataType.FLOAT, presentShape),
      valueInfo('present.0.value', DataType.FLOAT, presentShape),
    ],
    initializers: [
      floatTensor('wte', [V, V], wte),
      floatTensor('lm_head', [V, V], lmHead),
      int64Tensor('head_axis', [1]),
    ],
    nodes: [
      node('Gather', ['wte', 'input_ids'], ['emb'], { axis: 0 }),
      node('MatMul', ['emb', 'lm_head'], ['logits']),
      // The "cache" is the embeddings themselves: enough for transformers.js to drive the
      // past_key_values path exactly as it does for a real GPT-2 export.
      node('Unsqueeze', ['emb', 'head_axis'], ['kv_new']),
      node('Concat', ['past_key_values.0.key', 'kv_new'], ['present.0.key'], { axis: 2 }),
      node('Concat', ['past_key_values.0.value', 'kv_new'], ['present.0.value'], { axis: 2 }),
    ],
  });

  const tokenizer = wordPieceTokenizer(SPECIAL, VOCAB, '[UNK]');
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  return {
    'config.json': json({
      model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_layer: 1, n_head: 1, n_embd: HEAD_DIM,
      n_positions: 64, n_ctx: 64, vocab_size: V, bos_token_id: EOS_ID, eos_token_id: EOS_ID,
    }),
    'generation_config.json': json({ bos_token_id: EOS_ID, eos_token_id: EOS_ID, do_sample: false }),
    'tokenizer.json': json(tokenizer),
    'tokenizer_config.json': json({
      tokenizer_class: 'PreTrainedTokenizer', unk_token: '[UNK]', eos_token: '[EOS]', model_max_length: 64,
    }),
    'onnx/model.onnx': onnxBytes,
  };
}

export function writeTinyModel(outDir: string): string[] {
  const written: string[] = [];
  for (const [rel, content] of Object.entries(tinyModelFiles())) {
    const path = join(outDir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    written.push(path);
  }
  return written;
}

if (import.meta.main) {
  const outDir = resolve(process.argv[2] ?? 'fixtures/models/tiny-gpt2');
  for (const p of writeTinyModel(outDir)) console.log(`wrote ${p}`);
}
