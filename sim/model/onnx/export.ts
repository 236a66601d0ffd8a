// Exports a trained GPT as an ONNX text-generation model that transformers.js loads like any
// Hugging Face GPT-2 export: inputs input_ids, attention_mask, past_key_values.{i}.{key,value};
// outputs logits, present.{i}.{key,value}. Opset 13, so layer norm and GELU are spelled out.
//
// The head adds `logitBias` (−1e4 for every token the interact grammar can never produce), so
// plain greedy decoding of the exported model gives the same tokens as the engine's constrained
// decoder; the allowed tokens' logits are unchanged.
import type { GPT } from '../gpt.ts';
import { DataType, encodeModel, floatTensor, int64Scalar, int64Tensor, node, valueInfo, type GraphSpec } from './writer.ts';

type Nodes = GraphSpec['nodes'];
type Inits = GraphSpec['initializers'];

function transpose(src: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c] as number;
  return out;
}

export function exportOnnx(model: GPT, logitBias?: Float32Array): Uint8Array {
  const { nLayer: L, nHead: NH, dModel: C, vocabSize: V, maxSeqLen } = model.cfg;
  const hs = C / NH;
  const p = model.p;
  const nodes: Nodes = [];
  const inits: Inits = [];
  const f = (name: string, dims: number[], v: Float32Array) => inits.push(floatTensor(name, dims, v));
  const i64 = (name: string, v: number[]) => inits.push(int64Tensor(name, v));
  const n = (op: string, ins: string[], outs: string[], attrs: Record<string, number | number[] | string> = {}) => nodes.push(node(op, ins, outs, attrs));

  // Constants.
  i64('c_axes0', [0]);
  i64('c_axes1', [1]);
  i64('c_axes12', [1, 2]);
  i64('c_zero', [0]);
  i64('c_one', [1]);
  i64('c_two', [2]);
  f('c_eps', [], Float32Array.of(1e-5));
  f('c_half', [], Float32Array.of(0.5));
  f('c_onef', [], Float32Array.of(1));
  f('c_gelu_k', [], Float32Array.of(Math.sqrt(2 / Math.PI)));
  f('c_gelu_c', [], Float32Array.of(0.044715));
  f('c_scale', [], Float32Array.of(1 / Math.sqrt(hs)));
  f('c_neg', [], Float32Array.of(-1e9));
  i64('c_heads', [0, 0, NH, hs]);
  i64('c_merge', [0, 0, C]);
  i64('c_split', [C, C, C]);
  inits.push(int64Scalar('c_one_s', 1), int64Scalar('c_zero_s', 0));

  // Sizes: batch, new tokens, past tokens; positions past..past+T−1.
  n('Shape', ['input_ids'], ['s_ids']);
  n('Gather', ['s_ids', 'c_one'], ['seq_len1'], { axis: 0 });
  n('Shape', ['past_key_values.0.key'], ['s_past']);
  n('Gather', ['s_past', 'c_two'], ['past_len1'], { axis: 0 });
  n('Squeeze', ['seq_len1', 'c_axes0'], ['seq_len']);
  n('Squeeze', ['past_len1', 'c_axes0'], ['past_len']);
  n('Add', ['past_len', 'seq_len'], ['total_len']);
  n('Range', ['past_len', 'total_len', 'c_one_s'], ['positions']);
  n('Gather', ['wte', 'input_ids'], ['tok_emb'], { axis: 0 });
  n('Gather', ['wpe', 'positions'], ['pos_emb'], { axis: 0 });
  n('Add', ['tok_emb', 'pos_emb'], ['h0']);

  // Causal + padding mask, [B or 1, 1, T, total]: key j is hidden from query i when j > past + i
  // or attention_mask[b, j] == 0.
  n('Range', ['c_zero_s', 'total_len', 'c_one_s'], ['key_pos']);
  n('Unsqueeze', ['positions', 'c_axes1'], ['q_pos_col']);
  n('Greater', ['key_pos', 'q_pos_col'], ['future']);
  n('Cast', ['attention_mask'], ['am_bool'], { to: DataType.BOOL });
  n('Not', ['am_bool'], ['am_hidden']);
  n('Unsqueeze', ['am_hidden', 'c_axes12'], ['am_hidden4']);
  n('Or', ['future', 'am_hidden4'], ['hidden']);

  const layerNorm = (x: string, w: string, b: string, out: string) => {
    n('ReduceMean', [x], [`${out}_mu`], { axes: [-1], keepdims: 1 });
    n('Sub', [x, `${out}_mu`], [`${out}_d`]);
    n('Mul', [`${out}_d`, `${out}_d`], [`${out}_d2`]);
    n('ReduceMean', [`${out}_d2`], [`${out}_var`], { axes: [-1], keepdims: 1 });
    n('Add', [`${out}_var`, 'c_eps'], [`${out}_ve`]);
    n('Sqrt', [`${out}_ve`], [`${out}_sd`]);
    n('Div', [`${out}_d`, `${out}_sd`], [`${out}_n`]);
    n('Mul', [`${out}_n`, w], [`${out}_nw`]);
    n('Add', [`${out}_nw`, b], [out]);
  };
  const linear = (x: string, w: Float32Array, b: Float32Array | null, inDim: number, outDim: number, name: string) => {
    f(`${name}_wT`, [inDim, outDim], transpose(w, outDim, inDim));
    n('MatMul', [x, `${name}_wT`], [b ? `${name}_mm` : name]);
    if (b) {
      f(`${name}_b`, [outDim], Float32Array.from(b));
      n('Add', [`${name}_mm`, `${name}_b`], [name]);
    }
  };

  let h = 'h0';
  for (let l = 0; l < L; l++) {
    const s = (a: Float32Array | Float64Array, per: number) => Float32Array.from(a.subarray(l * per, (l + 1) * per));
    const P = `l${l}`;
    f(`${P}_ln1w`, [C], s(p.ln1w, C));
    f(`${P}_ln1b`, [C], s(p.ln1b, C));
    layerNorm(h, `${P}_ln1w`, `${P}_ln1b`, `${P}_ln1`);
    linear(`${P}_ln1`, s(p.qkvw, 3 * C * C), s(p.qkvb, 3 * C), C, 3 * C, `${P}_qkv`);
    n('Split', [`${P}_qkv`, 'c_split'], [`${P}_q`, `${P}_k`, `${P}_v`], { axis: 2 });
    for (const t of ['q', 'k', 'v']) {
      n('Reshape', [`${P}_${t}`, 'c_heads'], [`${P}_${t}4`]);
      n('Transpose', [`${P}_${t}4`], [`${P}_${t}h`], { perm: [0, 2, 1, 3] });
    }
    n('Concat', [`past_key_values.${l}.key`, `${P}_kh`], [`present.${l}.key`], { axis: 2 });
    n('Concat', [`past_key_values.${l}.value`, `${P}_vh`], [`present.${l}.value`], { axis: 2 });
    n('Transpose', [`present.${l}.key`], [`${P}_kT`], { perm: [0, 1, 3, 2] });
    n('MatMul', [`${P}_qh`, `${P}_kT`], [`${P}_sc0`]);
    n('Mul', [`${P}_sc0`, 'c_scale'], [`${P}_sc`]);
    n('Where', ['hidden', 'c_neg', `${P}_sc`], [`${P}_scm`]);
    n('Softmax', [`${P}_scm`], [`${P}_att`], { axis: -1 });
    n('MatMul', [`${P}_att`, `present.${l}.value`], [`${P}_y4`]);
    n('Transpose', [`${P}_y4`], [`${P}_yT`], { perm: [0, 2, 1, 3] });
    n('Reshape', [`${P}_yT`, 'c_merge'], [`${P}_y`]);
    linear(`${P}_y`, s(p.attprojw, C * C), s(p.attprojb, C), C, C, `${P}_proj`);
    n('Add', [h, `${P}_proj`], [`${P}_r2`]);
    f(`${P}_ln2w`, [C], s(p.ln2w, C));
    f(`${P}_ln2b`, [C], s(p.ln2b, C));
    layerNorm(`${P}_r2`, `${P}_ln2w`, `${P}_ln2b`, `${P}_ln2`);
    linear(`${P}_ln2`, s(p.fcw, 4 * C * C), s(p.fcb, 4 * C), C, 4 * C, `${P}_fc`);
    // GELU, tanh form: 0.5·x·(1 + tanh(k·(x + c·x³)))
    n('Mul', [`${P}_fc`, `${P}_fc`], [`${P}_x2`]);
    n('Mul', [`${P}_x2`, `${P}_fc`], [`${P}_x3`]);
    n('Mul', [`${P}_x3`, 'c_gelu_c'], [`${P}_cx3`]);
    n('Add', [`${P}_fc`, `${P}_cx3`], [`${P}_inner`]);
    n('Mul', [`${P}_inner`, 'c_gelu_k'], [`${P}_kin`]);
    n('Tanh', [`${P}_kin`], [`${P}_th`]);
    n('Add', [`${P}_th`, 'c_onef'], [`${P}_1th`]);
    n('Mul', [`${P}_fc`, `${P}_1th`], [`${P}_xg`]);
    n('Mul', [`${P}_xg`, 'c_half'], [`${P}_gelu`]);
    linear(`${P}_gelu`, s(p.fcprojw, 4 * C * C), s(p.fcprojb, C), 4 * C, C, `${P}_mlp`);
    n('Add', [`${P}_r2`, `${P}_mlp`], [`${P}_out`]);
    h = `${P}_out`;
  }
  f('lnfw', [C], Float32Array.from(p.lnfw));
  f('lnfb', [C], Float32Array.from(p.lnfb));
  layerNorm(h, 'lnfw', 'lnfb', 'lnf');
  f('wte', [V, C], Float32Array.from(p.wte));
  f('wpe', [maxSeqLen, C], Float32Array.from(p.wpe));
  f('head', [C, V], transpose(p.wte, V, C));
  if (logitBias) {
    n('MatMul', ['lnf', 'head'], ['logits_raw']);
    f('logit_bias', [V], logitBias);
    n('Add', ['logits_raw', 'logit_bias'], ['logits']);
  } else {
    n('MatMul', ['lnf', 'head'], ['logits']);
  }

  const kv = (prefix: string, seq: string) => Array.from({ length: L }, (_, l) => ['key', 'value'].map((t) => valueInfo(`${prefix}.${l}.${t}`, DataType.FLOAT, ['batch_size', NH, seq, hs]))).flat();
  return encodeModel({
    name: 'synth-rl-gpt2',
    inputs: [
      valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']),
      ...kv('past_key_values', 'past_sequence_length'),
    ],
    outputs: [valueInfo('logits', DataType.FLOAT, ['batch_size', 'sequence_length', V]), ...kv('present', 'total_sequence_length')],
    initializers: inits,
    nodes,
  });
}
