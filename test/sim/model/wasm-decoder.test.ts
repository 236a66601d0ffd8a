// The batched KV-cache decoder of WasmGPT against the reference decoder (sim/model/decode.ts on
// GPT, float32): logits after every token, prompts fed as one prefill, several sequences advanced
// in one batched pass; all within 1e-5 normwise relative error.
import { describe, expect, test } from 'bun:test';
import { Rng } from '../../../sim/crafter/rng.ts';
import type { ModelConfig } from '../../../sim/model/config.ts';
import { Decoder } from '../../../sim/model/decode.ts';
import { GPT } from '../../../sim/model/gpt.ts';
import { CachedLastLogits, WasmDecoder } from '../../../sim/model/wasm/decoder.ts';
import { WasmGPT } from '../../../sim/model/wasm/model.ts';
import { relErr } from '../../helpers/close.ts';

const TOL = 1e-5;
const cfg: ModelConfig = { vocabSize: 23, maxSeqLen: 20, nLayer: 2, nHead: 3, dModel: 15 };

function pair(seed: number) {
  const ref = new GPT(cfg, { seed });
  const rng = new Rng(seed + 1);
  for (let i = 0; i < ref.params.length; i++) ref.params[i] = (ref.params[i] as number) + 0.05 * (rng.uniform() - 0.5);
  return { ref, fast: new WasmGPT(cfg, { params: ref.params }) };
}

describe('WasmDecoder matches the reference decoder', () => {
  test('token by token, and a prompt fed as one prefill', () => {
    const { ref, fast } = pair(2);
    const tokens = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7];
    const rd = new Decoder(ref);
    const wd = new WasmDecoder(fast).slot(0);
    for (const t of tokens) expect(relErr(wd.feed([t]), rd.feed([t]))).toBeLessThan(TOL);
    expect(wd.length).toBe(tokens.length);
    wd.reset();
    rd.reset();
    expect(relErr(wd.feed(tokens.slice(0, 9)), rd.feed(tokens.slice(0, 9)))).toBeLessThan(TOL);
    expect(relErr(wd.feed(tokens.slice(9)), rd.feed(tokens.slice(9)))).toBeLessThan(TOL);
  });

  test('several sequences in one batched pass equal each fed alone', () => {
    const { ref, fast } = pair(4);
    const prompts = [[1, 2, 3, 4, 5, 6, 7], [9], [11, 12, 13, 0, 22], [7, 7]];
    const dec = new WasmDecoder(fast, prompts.length);
    const refs = prompts.map(() => new Decoder(ref));
    const want = prompts.map((pr, i) => (refs[i] as Decoder).feed(pr));
    const got = dec.feedMany(prompts.map((tokens, slot) => ({ slot, tokens })));
    const V = cfg.vocabSize;
    prompts.forEach((_, i) => expect(relErr(got.subarray(i * V, (i + 1) * V), want[i] as Float32Array)).toBeLessThan(TOL));
    // Decode steps: one token each for a subset of the slots, in a different order.
    for (let step = 0; step < 3; step++) {
      const items = [{ slot: 2, tokens: [step + 1] }, { slot: 0, tokens: [step + 5] }, { slot: 3, tokens: [20 - step] }];
      const out = dec.feedMany(items);
      items.forEach((it, i) => expect(relErr(out.subarray(i * V, (i + 1) * V), (refs[it.slot] as Decoder).feed(it.tokens))).toBeLessThan(TOL));
    }
    expect(Array.from(dec.lengths)).toEqual([10, 1, 8, 5]);
  });

  test('the decoder follows parameter updates (weights are read at every call)', () => {
    const { ref, fast } = pair(6);
    const dec = new WasmDecoder(fast).slot(0);
    dec.feed([1, 2, 3]);
    for (let i = 0; i < ref.params.length; i++) ref.params[i] = (ref.params[i] as number) * 1.01;
    fast.params.set(ref.params);
    const rd = new Decoder(ref);
    rd.feed([1, 2, 3]);
    dec.reset();
    dec.feed([1, 2, 3]);
    expect(relErr(dec.feed([4]), rd.feed([4]))).toBeLessThan(TOL);
  });

  test('bad input: clear errors', () => {
    const { fast } = pair(1);
    const dec = new WasmDecoder(fast, 2);
    expect(() => dec.feedMany([{ slot: 2, tokens: [1] }])).toThrow(/slot 2 out of range/);
    expect(() => dec.feedMany([{ slot: 0, tokens: [1] }, { slot: 0, tokens: [2] }])).toThrow(/appears twice/);
    expect(() => dec.feedMany([{ slot: 0, tokens: [99] }])).toThrow(/out of range/);
    expect(() => dec.feedMany([{ slot: 1, tokens: new Array(21).fill(1) }])).toThrow(/context full/);
    expect(() => new WasmDecoder(fast, 0)).toThrow(/slots must be/);
  });
});

describe('CachedLastLogits (batched sampling through the KV caches)', () => {
  test('rows that grow by a token per call: logits match the full forward, and equal a fresh cache bit for bit', () => {
    const { fast } = pair(3);
    const V = cfg.vocabSize;
    const cached = new CachedLastLogits(fast, 3);
    let rows = [[1, 2, 3, 4, 5], [1, 2, 3, 9], [7, 7, 7, 7, 7, 7], [1, 2, 3, 4, 5]];
    for (let step = 0; step < 4; step++) {
      const got = cached.lastLogits(rows);
      const fresh = new CachedLastLogits(fast, 5).lastLogits(rows);
      expect(Array.from(got)).toEqual(Array.from(fresh));
      rows.forEach((row, i) => {
        const T = row.length;
        const want = (() => {
          fast.forward(Int32Array.from(row), 1, T, Int32Array.from([T - 1]), Int32Array.from([0]));
          return fast.lastLogits();
        })();
        expect(relErr(got.subarray(i * V, (i + 1) * V), want)).toBeLessThan(TOL);
      });
      rows = rows.map((row, i) => [...row, (step * 5 + i) % V]);
    }
  });
});
