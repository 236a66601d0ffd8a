// The cpu device's wasm shard samples through KV caches (CachedLastLogits): its last-position
// logits must equal the uncached full forward (wasmLastLogits) on batches whose rows share
// prefixes, differ in length and grow a token per step, and must follow parameter updates
// (the caches are dropped when the master parameters change).
import { describe, expect, test } from 'bun:test';
import { Rng } from '../../../sim/crafter/rng.ts';
import { numParams, type ModelConfig } from '../../../sim/model/config.ts';
import { sampleBatch, toGrammarTokens } from '../../../sim/model/devices/sampling.ts';
import { samplerSlots, wasmLastLogits, wasmShard, type ShardMemory } from '../../../sim/model/devices/shard.ts';
import { GPT } from '../../../sim/model/gpt.ts';
import { WasmGPT } from '../../../sim/model/wasm/model.ts';
import { relErr } from '../../helpers/close.ts';

const TOL = 1e-5;
const cfg: ModelConfig = { vocabSize: 30, maxSeqLen: 40, nLayer: 2, nHead: 2, dModel: 16 };
const V = cfg.vocabSize;

function memory(seed: number): ShardMemory {
  const params = Float32Array.from(new GPT(cfg, { seed }).params);
  return { cfg, params, refParams: undefined, grads: new Float32Array(numParams(cfg)) };
}

/** The uncached path on the same parameters: a fresh WasmGPT's full forward. */
const uncached = (params: Float32Array, rows: number[][]) => wasmLastLogits(new WasmGPT(cfg, { params }), rows);

function expectRowsClose(got: Float32Array, want: Float32Array, rows: number): void {
  expect(got.length).toBe(want.length);
  for (let r = 0; r < rows; r++) expect(relErr(got.subarray(r * V, (r + 1) * V), want.subarray(r * V, (r + 1) * V))).toBeLessThan(TOL);
}

describe('cached sampler of the wasm shard', () => {
  test('equals the uncached forward on rows with shared prefixes and different lengths, step after step', () => {
    const mem = memory(5);
    const shard = wasmShard(mem);
    const prompt = [3, 1, 4, 1, 5, 9, 2, 6];
    let rows = [[...prompt], [...prompt, 7], [...prompt.slice(0, 5)], [11, 12], [...prompt, 7, 7, 2], [...prompt]];
    const rng = new Rng(1);
    for (let step = 0; step < 5; step++) {
      expectRowsClose(shard.lastLogits(rows), uncached(mem.params, rows), rows.length);
      // Most rows grow by one token; one row switches to a new prompt sharing a prefix.
      rows = rows.map((row, i) => (i === 2 && step === 2 ? [...prompt.slice(0, 3), 20, 21] : [...row, rng.below(V)]));
    }
  });

  test('follows parameter updates: after syncParams the cached prefixes of the old weights are not reused', () => {
    const mem = memory(6);
    const shard = wasmShard(mem);
    const rows = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6]];
    shard.lastLogits(rows);
    for (let i = 0; i < mem.params.length; i++) mem.params[i] = (mem.params[i] as number) * 1.05 + 0.01;
    shard.syncParams();
    const grown = [[1, 2, 3, 4, 5, 7], [1, 2, 3, 4, 5, 6, 8]];
    expectRowsClose(shard.lastLogits(grown), uncached(mem.params, grown), grown.length);
  });

  test('sampling through the cache draws the same tokens as the uncached path', async () => {
    const mem = memory(7);
    const shard = wasmShard(mem);
    const g = toGrammarTokens({ vocabSize: V, actionIds: [1, 2, 3, 4, 5, 6, 7], endId: 8 });
    const reqs = [0, 1, 2, 3].map((i) => ({ prompt: [9, 10, 11, 12 + (i % 2)], seed: 40 + i, temperature: 1, topP: 1, maxActions: 6 }));
    const cached = await sampleBatch(reqs, g, async (rows) => shard.lastLogits(rows));
    const plain = await sampleBatch(reqs, g, async (rows) => uncached(mem.params, rows));
    expect(cached.map((s) => s.completion)).toEqual(plain.map((s) => s.completion));
  });

  test('cache slots shrink for large models so a shard stays within 64 MiB', () => {
    expect(samplerSlots(cfg)).toBe(64);
    expect(samplerSlots({ vocabSize: 100, maxSeqLen: 1024, nLayer: 12, nHead: 12, dModel: 768 })).toBe(1);
  });
});
