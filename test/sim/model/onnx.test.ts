// The exported ONNX checkpoint loads through @huggingface/transformers like any Hugging Face model,
// and agrees with the engine: same log-probabilities over the tokens the policy can produce, and
// the same greedy tokens.
import { tempDir } from '../../helpers/cli.ts';
import { beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Rng } from '../../../sim/crafter/rng.ts';
import { CrafterEnv, textObservation } from '../../../sim/crafter/index.ts';
import { Decoder } from '../../../sim/model/decode.ts';
import { GPT } from '../../../sim/model/gpt.ts';
import { normal } from '../../../sim/model/init.ts';
import { hfModelFiles } from '../../../sim/model/onnx/folder.ts';
import { sampleToken } from '../../../sim/model/sample.ts';
import { promptText } from '../../../src/policy/template.ts';
import { PolicyTokenizer } from '../../../sim/policy/tokenizer.ts';
import { loadTransformers, type Transformers } from '../../../src/runtime/transformers.ts';

/** Tolerance on log-probabilities: float32 in both, different summation orders (ORT vs JS). */
const TOL = 1e-4;

let tok: PolicyTokenizer;
let model: GPT;
let t: Transformers;
let allowed: number[];
let prompt: number[];
const root = tempDir();

beforeAll(async () => {
  tok = await PolicyTokenizer.builtin();
  model = new GPT({ vocabSize: tok.vocabSize, maxSeqLen: 96, nLayer: 2, nHead: 2, dModel: 32 }, { seed: 9 });
  // Push the weights away from init so logits differ clearly between tokens.
  const rng = new Rng(4);
  for (let i = 0; i < model.params.length; i++) model.params[i] = (model.params[i] as number) + 0.05 * normal(rng);
  allowed = [...tok.actionIds, tok.endId];
  for (const [rel, content] of Object.entries(hfModelFiles(model, { bos: tok.bosId, eos: tok.endId, pad: tok.padId }, allowed))) {
    mkdirSync(dirname(join(root, 'ckpt', rel)), { recursive: true });
    writeFileSync(join(root, 'ckpt', rel), content);
  }
  t = await loadTransformers(root);
  const env = new CrafterEnv({ preset: 'micro', seed: 1, maxSteps: 20 });
  env.reset(1);
  prompt = tok.encode(promptText([{ role: 'user', content: textObservation(env, { format: 'synth', previousToolCalls: [] }) }]));
});

function allowedMask(): Uint8Array {
  const m = new Uint8Array(tok.vocabSize);
  for (const id of allowed) m[id] = 1;
  return m;
}

function logSoftmaxAllowed(row: Float32Array): Map<number, number> {
  const maxv = Math.max(...allowed.map((i) => row[i] as number));
  const lse = maxv + Math.log(allowed.reduce((s, i) => s + Math.exp((row[i] as number) - maxv), 0));
  return new Map(allowed.map((i) => [i, (row[i] as number) - lse]));
}

describe('ONNX export', () => {
  test('logits: every position, every allowed token, matches the engine forward', async () => {
    const hf = await t.AutoModelForCausalLM.from_pretrained('ckpt');
    const ids = new t.Tensor('int64', BigInt64Array.from(prompt.map(BigInt)), [1, prompt.length]);
    const mask = new t.Tensor('int64', new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]);
    const out = (await hf({ input_ids: ids, attention_mask: mask })) as { logits: { data: Float32Array; dims: number[] } };
    expect(out.logits.dims).toEqual([1, prompt.length, tok.vocabSize]);
    const T = prompt.length;
    const pos = Int32Array.from(allowed.flatMap(() => Array.from({ length: T }, (_, i) => i)));
    const targets = Int32Array.from(allowed.flatMap((a) => Array.from({ length: T }, () => a)));
    const rowMask = new Uint8Array(pos.length * tok.vocabSize);
    for (let r = 0; r < pos.length; r++) rowMask.set(allowedMask(), r * tok.vocabSize);
    const engine = model.forward(Int32Array.from(prompt), 1, T, pos, targets, { mask: rowMask }).logprobs;
    let worst = 0;
    for (let r = 0; r < pos.length; r++) {
      const p = pos[r] as number;
      const onnx = logSoftmaxAllowed(out.logits.data.subarray(p * tok.vocabSize, (p + 1) * tok.vocabSize)).get(targets[r] as number) as number;
      worst = Math.max(worst, Math.abs(onnx - (engine[r] as number)));
    }
    expect(worst).toBeLessThan(TOL);
    await hf.dispose();
  });

  test('the KV cache path (past_key_values → present) matches the engine decoder', async () => {
    const hf = await t.AutoModelForCausalLM.from_pretrained('ckpt');
    const dec = new Decoder(model);
    const first = prompt.slice(0, -1);
    const last = prompt.at(-1) as number;
    dec.feed(first);
    const engineLogits = dec.feed([last]);
    const ids = new t.Tensor('int64', BigInt64Array.from(first.map(BigInt)), [1, first.length]);
    const out1 = (await hf({ input_ids: ids, attention_mask: new t.Tensor('int64', new BigInt64Array(first.length).fill(1n), [1, first.length]) })) as Record<string, unknown>;
    const past: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out1)) if (k.startsWith('present.')) past[k.replace('present', 'past_key_values')] = v;
    const out2 = (await hf({
      input_ids: new t.Tensor('int64', BigInt64Array.of(BigInt(last)), [1, 1]),
      attention_mask: new t.Tensor('int64', new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]),
      past_key_values: past,
    })) as { logits: { data: Float32Array } };
    const a = logSoftmaxAllowed(out2.logits.data);
    const b = logSoftmaxAllowed(engineLogits);
    for (const id of allowed) expect(Math.abs((a.get(id) as number) - (b.get(id) as number))).toBeLessThan(TOL);
    await hf.dispose();
  });

  test('greedy generation gives the same tokens as the engine; pipeline() loads the folder', async () => {
    const hf = await t.AutoModelForCausalLM.from_pretrained('ckpt');
    const steps = 4;
    const ids = new t.Tensor('int64', BigInt64Array.from(prompt.map(BigInt)), [1, prompt.length]);
    const gen = (await hf.generate({ inputs: ids, max_new_tokens: steps, do_sample: false, eos_token_id: -1 } as never)) as { data: BigInt64Array };
    const onnxTokens = Array.from(gen.data.slice(prompt.length), Number);
    const dec = new Decoder(model);
    let logits = dec.feed(prompt);
    const engineTokens: number[] = [];
    for (let i = 0; i < steps; i++) {
      const s = sampleToken(logits, { temperature: 0, allowed: allowedMask() }, new Rng(0));
      engineTokens.push(s.token);
      logits = dec.feed([s.token]);
    }
    expect(onnxTokens).toEqual(engineTokens);
    expect(onnxTokens.every((id) => allowed.includes(id))).toBe(true);
    await hf.dispose();
    const pipe = (await t.pipeline('text-generation', 'ckpt')) as unknown as ((text: string, o: object) => Promise<{ generated_text: string }[]>) & { dispose(): Promise<void> };
    const text = promptText([{ role: 'user', content: 'facing nothing' }]);
    const res = await pipe(text, { max_new_tokens: 2 });
    expect(typeof res[0]?.generated_text).toBe('string');
    await pipe.dispose();
  });
});
