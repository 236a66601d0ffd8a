// Exports a trained GPT as an ONNX text-generation model that transformers.js loads like any
// Hugging Face GPT-2 export: inputs input_ids, attention_mask, past_key_values.{i}.{key,value};
// outputs logits, present.{i}.{key,value}. Opset 13, so layer norm and GELU are spelled out.
//
// The head adds `logitBias` (−1e4 for every token the interact grammar can never produce), so
// plain greedy decoding of the exported model gives the same tokens as the engine's constrained
// decoder; the allowed tokens' logits are unchanged.
//
// The steps below append to one graph in a fixed order (constants, sizes, mask, blocks, head);
// the order is the file's byte layout, pinned by test/sim/model/onnx-bytes.test.ts.
import type { ModelConfig } from '../config.ts';
import type { GPT } from '../gpt.ts';
import { DataType, encodeModel, floatTensor, int64Scalar, int64Tensor, node, valueInfo, type GraphSpec } from './writer.ts';

type Attrs = Record<string, number | number[] | string>;

/** The graph under construction: nodes and initializers in the order they are added. */
class Graph {
  readonly nodes: GraphSpec['nodes'] = [];
  readonly inits: GraphSpec['initializers'] = [];
  float(name: string, dims: number[], v: Float32Array): void { this.inits.push(floatTensor(name, dims, v)); }
  int64(name: string, v: number[]): void { this.inits.push(int64Tensor(name, v)); }
  op(op: string, ins: string[], outs: string[], attrs: Attrs = {}): void { this.nodes.push(node(op, ins, outs, attrs)); }
}

function transpose(src: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c] as number;
  return out;
}

/** Axes, shapes and scalars the other steps refer to by name. */
function addConstants(g: Graph, cfg: ModelConfig): void {
  const { nHead: NH, dModel: C } = cfg;
  const hs = C / NH;
  g.int64('c_axes0', [0]);
  g.int64('c_axes1', [1]);
  g.int64('c_axes12', [1, 2]);
  g.int64('c_zero', [0]);
  g.int64('c_one', [1]);
  g.int64('c_two', [2]);
  g.float('c_eps', [], Float32Array.of(1e-5));
  g.float('c_half', [], Float32Array.of(0.5));
  g.float('c_onef', [], Float32Array.of(1));
  g.float('c_gelu_k', [], Float32Array.of(Math.sqrt(2 / Math.PI)));
  g.float('c_gelu_c', [], Float32Array.of(0.044715));
  g.float('c_scale', [], Float32Array.of(1 / Math.sqrt(hs)));
  g.float('c_neg', [], Float32Array.of(-1e9));
  g.int64('c_heads', [0, 0, NH, hs]);
  g.int64('c_merge', [0, 0, C]);
  g.int64('c_split', [C, C, C]);
  g.inits.push(int64Scalar('c_one_s', 1), int64Scalar('c_zero_s', 0));
}

/** Sizes: batch, new tokens, past tokens; positions past..past+T−1; the embedded input `h0`. */
function addEmbedding(g: Graph): void {
  g.op('Shape', ['input_ids'], ['s_ids']);
  g.op('Gather', ['s_ids', 'c_one'], ['seq_len1'], { axis: 0 });
  g.op('Shape', ['past_key_values.0.key'], ['s_past']);
  g.op('Gather', ['s_past', 'c_two'], ['past_len1'], { axis: 0 });
  g.op('Squeeze', ['seq_len1', 'c_axes0'], ['seq_len']);
  g.op('Squeeze', ['past_len1', 'c_axes0'], ['past_len']);
  g.op('Add', ['past_len', 'seq_len'], ['total_len']);
  g.op('Range', ['past_len', 'total_len', 'c_one_s'], ['positions']);
  g.op('Gather', ['wte', 'input_ids'], ['tok_emb'], { axis: 0 });
  g.op('Gather', ['wpe', 'positions'], ['pos_emb'], { axis: 0 });
  g.op('Add', ['tok_emb', 'pos_emb'], ['h0']);
}

/**
 * Causal + padding mask `hidden`, [B or 1, 1, T, total]: key j is hidden from query i when
 * j > past + i or attention_mask[b, j] == 0.
 */
function addAttentionMask(g: Graph): void {
  g.op('Range', ['c_zero_s', 'total_len', 'c_one_s'], ['key_pos']);
  g.op('Unsqueeze', ['positions', 'c_axes1'], ['q_pos_col']);
  g.op('Greater', ['key_pos', 'q_pos_col'], ['future']);
  g.op('Cast', ['attention_mask'], ['am_bool'], { to: DataType.BOOL });
  g.op('Not', ['am_bool'], ['am_hidden']);
  g.op('Unsqueeze', ['am_hidden', 'c_axes12'], ['am_hidden4']);
  g.op('Or', ['future', 'am_hidden4'], ['hidden']);
}

/** Layer norm over the last axis; its weight and bias go in as initializers `wName`/`bName` first. */
function addLayerNorm(g: Graph, x: string, w: Float32Array, b: Float32Array, wName: string, bName: string, out: string): void {
  g.float(wName, [w.length], w);
  g.float(bName, [b.length], b);
  g.op('ReduceMean', [x], [`${out}_mu`], { axes: [-1], keepdims: 1 });
  g.op('Sub', [x, `${out}_mu`], [`${out}_d`]);
  g.op('Mul', [`${out}_d`, `${out}_d`], [`${out}_d2`]);
  g.op('ReduceMean', [`${out}_d2`], [`${out}_var`], { axes: [-1], keepdims: 1 });
  g.op('Add', [`${out}_var`, 'c_eps'], [`${out}_ve`]);
  g.op('Sqrt', [`${out}_ve`], [`${out}_sd`]);
  g.op('Div', [`${out}_d`, `${out}_sd`], [`${out}_n`]);
  g.op('Mul', [`${out}_n`, wName], [`${out}_nw`]);
  g.op('Add', [`${out}_nw`, bName], [out]);
}

/** x·Wᵀ + b with W stored [outDim, inDim] in the model and transposed for MatMul. */
function addLinear(g: Graph, x: string, w: Float32Array, b: Float32Array, inDim: number, outDim: number, name: string): void {
  g.float(`${name}_wT`, [inDim, outDim], transpose(w, outDim, inDim));
  g.op('MatMul', [x, `${name}_wT`], [`${name}_mm`]);
  g.float(`${name}_b`, [outDim], b);
  g.op('Add', [`${name}_mm`, `${name}_b`], [name]);
}

/** One layer's weights, as float32 copies of its slices of the model's parameters. */
function layerWeights(model: GPT, l: number) {
  const C = model.cfg.dModel;
  const p = model.p;
  const s = (a: Float32Array | Float64Array, per: number) => Float32Array.from(a.subarray(l * per, (l + 1) * per));
  return {
    ln1w: s(p.ln1w, C), ln1b: s(p.ln1b, C), qkvw: s(p.qkvw, 3 * C * C), qkvb: s(p.qkvb, 3 * C),
    attprojw: s(p.attprojw, C * C), attprojb: s(p.attprojb, C), ln2w: s(p.ln2w, C), ln2b: s(p.ln2b, C),
    fcw: s(p.fcw, 4 * C * C), fcb: s(p.fcb, 4 * C), fcprojw: s(p.fcprojw, 4 * C * C), fcprojb: s(p.fcprojb, C),
  };
}
type LayerWeights = ReturnType<typeof layerWeights>;

/**
 * Multi-head causal self-attention of layer `l` on the normed input `l{l}_ln1`, appending this
 * step's keys and values to the cache (present.{l}.*); returns the projected output's name.
 */
function addAttention(g: Graph, w: LayerWeights, l: number, C: number): string {
  const P = `l${l}`;
  addLinear(g, `${P}_ln1`, w.qkvw, w.qkvb, C, 3 * C, `${P}_qkv`);
  g.op('Split', [`${P}_qkv`, 'c_split'], [`${P}_q`, `${P}_k`, `${P}_v`], { axis: 2 });
  for (const t of ['q', 'k', 'v']) {
    g.op('Reshape', [`${P}_${t}`, 'c_heads'], [`${P}_${t}4`]);
    g.op('Transpose', [`${P}_${t}4`], [`${P}_${t}h`], { perm: [0, 2, 1, 3] });
  }
  g.op('Concat', [`past_key_values.${l}.key`, `${P}_kh`], [`present.${l}.key`], { axis: 2 });
  g.op('Concat', [`past_key_values.${l}.value`, `${P}_vh`], [`present.${l}.value`], { axis: 2 });
  g.op('Transpose', [`present.${l}.key`], [`${P}_kT`], { perm: [0, 1, 3, 2] });
  g.op('MatMul', [`${P}_qh`, `${P}_kT`], [`${P}_sc0`]);
  g.op('Mul', [`${P}_sc0`, 'c_scale'], [`${P}_sc`]);
  g.op('Where', ['hidden', 'c_neg', `${P}_sc`], [`${P}_scm`]);
  g.op('Softmax', [`${P}_scm`], [`${P}_att`], { axis: -1 });
  g.op('MatMul', [`${P}_att`, `present.${l}.value`], [`${P}_y4`]);
  g.op('Transpose', [`${P}_y4`], [`${P}_yT`], { perm: [0, 2, 1, 3] });
  g.op('Reshape', [`${P}_yT`, 'c_merge'], [`${P}_y`]);
  addLinear(g, `${P}_y`, w.attprojw, w.attprojb, C, C, `${P}_proj`);
  return `${P}_proj`;
}

/** GELU, tanh form: 0.5·x·(1 + tanh(k·(x + c·x³))); intermediates are named `${P}_…`. */
function addGelu(g: Graph, x: string, P: string, out: string): void {
  g.op('Mul', [x, x], [`${P}_x2`]);
  g.op('Mul', [`${P}_x2`, x], [`${P}_x3`]);
  g.op('Mul', [`${P}_x3`, 'c_gelu_c'], [`${P}_cx3`]);
  g.op('Add', [x, `${P}_cx3`], [`${P}_inner`]);
  g.op('Mul', [`${P}_inner`, 'c_gelu_k'], [`${P}_kin`]);
  g.op('Tanh', [`${P}_kin`], [`${P}_th`]);
  g.op('Add', [`${P}_th`, 'c_onef'], [`${P}_1th`]);
  g.op('Mul', [x, `${P}_1th`], [`${P}_xg`]);
  g.op('Mul', [`${P}_xg`, 'c_half'], [out]);
}

/** Transformer block `l` (pre-norm attention and MLP, each with a residual); returns its output's name. */
function addBlock(g: Graph, model: GPT, l: number, h: string): string {
  const C = model.cfg.dModel;
  const P = `l${l}`;
  const w = layerWeights(model, l);
  addLayerNorm(g, h, w.ln1w, w.ln1b, `${P}_ln1w`, `${P}_ln1b`, `${P}_ln1`);
  const att = addAttention(g, w, l, C);
  g.op('Add', [h, att], [`${P}_r2`]);
  addLayerNorm(g, `${P}_r2`, w.ln2w, w.ln2b, `${P}_ln2w`, `${P}_ln2b`, `${P}_ln2`);
  addLinear(g, `${P}_ln2`, w.fcw, w.fcb, C, 4 * C, `${P}_fc`);
  addGelu(g, `${P}_fc`, P, `${P}_gelu`);
  addLinear(g, `${P}_gelu`, w.fcprojw, w.fcprojb, 4 * C, C, `${P}_mlp`);
  g.op('Add', [`${P}_r2`, `${P}_mlp`], [`${P}_out`]);
  return `${P}_out`;
}

/** Final layer norm, the embedding tables, and the tied head `logits` (plus `logitBias` when given). */
function addHead(g: Graph, model: GPT, h: string, logitBias: Float32Array | undefined): void {
  const { dModel: C, vocabSize: V, maxSeqLen } = model.cfg;
  const p = model.p;
  addLayerNorm(g, h, Float32Array.from(p.lnfw), Float32Array.from(p.lnfb), 'lnfw', 'lnfb', 'lnf');
  g.float('wte', [V, C], Float32Array.from(p.wte));
  g.float('wpe', [maxSeqLen, C], Float32Array.from(p.wpe));
  g.float('head', [C, V], transpose(p.wte, V, C));
  if (!logitBias) {
    g.op('MatMul', ['lnf', 'head'], ['logits']);
    return;
  }
  g.op('MatMul', ['lnf', 'head'], ['logits_raw']);
  g.float('logit_bias', [V], logitBias);
  g.op('Add', ['logits_raw', 'logit_bias'], ['logits']);
}

/** The graph's inputs and outputs, named and shaped as transformers.js expects of a GPT-2 export. */
function graphIO(cfg: ModelConfig): Pick<GraphSpec, 'inputs' | 'outputs'> {
  const { nLayer: L, nHead: NH, dModel: C, vocabSize: V } = cfg;
  const hs = C / NH;
  const kv = (prefix: string, seq: string) => Array.from({ length: L }, (_, l) => ['key', 'value'].map((t) => valueInfo(`${prefix}.${l}.${t}`, DataType.FLOAT, ['batch_size', NH, seq, hs]))).flat();
  return {
    inputs: [
      valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']),
      ...kv('past_key_values', 'past_sequence_length'),
    ],
    outputs: [valueInfo('logits', DataType.FLOAT, ['batch_size', 'sequence_length', V]), ...kv('present', 'total_sequence_length')],
  };
}

export function exportOnnx(model: GPT, logitBias?: Float32Array): Uint8Array {
  const g = new Graph();
  addConstants(g, model.cfg);
  addEmbedding(g);
  addAttentionMask(g);
  let h = 'h0';
  for (let l = 0; l < model.cfg.nLayer; l++) h = addBlock(g, model, l, h);
  addHead(g, model, h, logitBias);
  return encodeModel({ name: 'synth-rl-gpt2', ...graphIO(model.cfg), initializers: g.inits, nodes: g.nodes });
}
