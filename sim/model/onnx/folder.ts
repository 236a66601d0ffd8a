// A checkpoint's Hugging Face model folder: config.json, generation_config.json, tokenizer files
// and onnx/model.onnx, ready for transformers.js `pipeline('text-generation', dir)`.
import { policyTokenizerFiles } from '../../../scripts/gen-policy-tokenizer.ts';
import type { GPT } from '../gpt.ts';
import { exportOnnx } from './export.ts';

export interface SpecialIds {
  bos: number;
  eos: number;
  pad: number;
}

export function hfConfig(model: GPT, ids: SpecialIds): Record<string, unknown> {
  const c = model.cfg;
  return {
    model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: c.vocabSize, n_positions: c.maxSeqLen, n_ctx: c.maxSeqLen,
    n_embd: c.dModel, n_layer: c.nLayer, n_head: c.nHead, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5,
    tie_word_embeddings: true, bos_token_id: ids.bos, eos_token_id: ids.eos, pad_token_id: ids.pad,
  };
}

/** −1e4 for every token outside `allowed` (the interact grammar's actions and [END]). */
export function grammarBias(vocabSize: number, allowed: Iterable<number>): Float32Array {
  const bias = new Float32Array(vocabSize).fill(-1e4);
  for (const id of allowed) bias[id] = 0;
  return bias;
}

/** The folder's files, relative path → contents. */
export function hfModelFiles(model: GPT, ids: SpecialIds, allowed: Iterable<number>, maxActions = 1): Record<string, string | Uint8Array> {
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  const tok = policyTokenizerFiles();
  return {
    'config.json': json(hfConfig(model, ids)),
    // Greedy by default: the checkpoint answers deterministically unless asked to sample.
    // max_new_tokens: the longest interact completion (actions, then [END]).
    'generation_config.json': json({ bos_token_id: ids.bos, eos_token_id: ids.eos, pad_token_id: ids.pad, do_sample: false, max_new_tokens: maxActions + 1 }),
    'tokenizer.json': tok['tokenizer.json'] as string,
    'tokenizer_config.json': tok['tokenizer_config.json'] as string,
    'onnx/model.onnx': exportOnnx(model, grammarBias(model.cfg.vocabSize, allowed)),
  };
}
