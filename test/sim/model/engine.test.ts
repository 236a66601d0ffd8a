// The engine beyond gradients: decoder ≡ training forward, sampling, AdamW, determinism, and that
// the whole stack can fit a small supervised task (loss must fall, not merely change).
import { describe, expect, test } from 'bun:test';
import { Rng } from '../../../sim/crafter/rng.ts';
import { AdamW, clipGradNorm } from '../../../sim/model/adamw.ts';
import { numParams, paramOffsets, type ModelConfig } from '../../../sim/model/config.ts';
import { Decoder } from '../../../sim/model/decode.ts';
import { GPT } from '../../../sim/model/gpt.ts';
import { sampleToken } from '../../../sim/model/sample.ts';

const cfg: ModelConfig = { vocabSize: 13, maxSeqLen: 16, nLayer: 2, nHead: 2, dModel: 16 };

function logSoftmax(logits: Float32Array): Float64Array {
  const m = Math.max(...logits);
  const lse = m + Math.log(logits.reduce((s, v) => s + Math.exp(v - m), 0));
  return Float64Array.from(logits, (v) => v - lse);
}

describe('decoder', () => {
  test('KV-cached logits equal the training forward at every position', () => {
    const model = new GPT(cfg, { seed: 11 });
    const tokens = Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]);
    const T = tokens.length;
    const dec = new Decoder(model);
    for (let t = 0; t < T; t++) {
      const logits = dec.feed([tokens[t] as number]);
      const lsm = logSoftmax(logits);
      // training forward: score every vocabulary entry at position t
      const pos = Int32Array.from({ length: cfg.vocabSize }, () => t);
      const targets = Int32Array.from({ length: cfg.vocabSize }, (_, v) => v);
      const lp = model.forward(tokens, 1, T, pos, targets).logprobs;
      for (let v = 0; v < cfg.vocabSize; v++) expect(Math.abs((lp[v] as number) - (lsm[v] as number))).toBeLessThan(2e-5);
    }
    expect(dec.length).toBe(T);
    dec.reset();
    expect(Array.from(dec.feed(tokens.subarray(0, 3)))).toEqual(Array.from(new Decoder(model).feed(tokens.subarray(0, 3))));
  });

  test('the context limit is enforced with a clear error', () => {
    const dec = new Decoder(new GPT(cfg, { seed: 1 }));
    expect(() => dec.feed(new Array(cfg.maxSeqLen + 1).fill(1))).toThrow('context full');
  });
});

describe('sampling', () => {
  const logits = Float32Array.from([2, 1, 0, -1, 3]);

  test('frequencies follow softmax(logits / T) and the returned logprob is that of the draw', () => {
    const rng = new Rng(1);
    const counts = new Array(5).fill(0);
    const n = 40_000;
    const T = 1.5;
    const z = Array.from(logits, (v) => Math.exp(v / T));
    const sum = z.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) {
      const s = sampleToken(logits, { temperature: T }, rng);
      counts[s.token]++;
      expect(s.logprob).toBeCloseTo(Math.log((z[s.token] as number) / sum), 10);
    }
    for (let i = 0; i < 5; i++) expect(Math.abs(counts[i] / n - (z[i] as number) / sum)).toBeLessThan(0.01);
  });

  test('masked tokens are never drawn; top-p keeps only the nucleus; temperature 0 is greedy', () => {
    const rng = new Rng(2);
    const allowed = Uint8Array.from([1, 1, 1, 1, 0]);
    for (let i = 0; i < 2000; i++) expect(sampleToken(logits, { temperature: 1, allowed }, rng).token).not.toBe(4);
    // p ≈ [.23,.09,.03,.01,.63]: top_p 0.8 keeps tokens 4 and 0 only
    for (let i = 0; i < 2000; i++) expect([0, 4]).toContain(sampleToken(logits, { temperature: 1, topP: 0.8 }, rng).token);
    expect(sampleToken(logits, { temperature: 0 }, rng)).toEqual({ token: 4, logprob: 0 });
    expect(sampleToken(logits, { temperature: 0, allowed }, rng).token).toBe(0);
  });
});

describe('AdamW', () => {
  test('one step matches the closed form; decay applies to weight matrices only', () => {
    const n = numParams(cfg);
    const params = new Float32Array(n).fill(1);
    const grads = new Float32Array(n).fill(0.5);
    const opt = new AdamW(cfg, n, { lr: 0.1, weightDecay: 0.01 });
    opt.step(params, grads);
    // t = 1: m̂ = g, v̂ = g², update = g/|g| = 1 (+ eps) → p = 1 − lr·(1 + wd·1) for decayed.
    const off = paramOffsets(cfg);
    expect(params[off.qkvw[0]] as number).toBeCloseTo(1 - 0.1 * (1 + 0.01), 6);
    expect(params[off.ln1w[0]] as number).toBeCloseTo(1 - 0.1, 6);
    expect(params[off.qkvb[0]] as number).toBeCloseTo(1 - 0.1, 6);
  });

  test('clipGradNorm scales to the bound and returns the original norm', () => {
    const g = Float32Array.from([3, 4]);
    expect(clipGradNorm(g, 1)).toBeCloseTo(5, 6);
    expect(Math.hypot(g[0] as number, g[1] as number)).toBeCloseTo(1, 4);
    const h = Float32Array.from([0.3, 0.4]);
    clipGradNorm(h, 1);
    expect(Array.from(h)).toEqual([Float32Array.from([0.3])[0] as number, Float32Array.from([0.4])[0] as number]);
  });
});

describe('training', () => {
  test('same seed → identical parameters; different seed → different', () => {
    expect(new GPT(cfg, { seed: 5 }).params).toEqual(new GPT(cfg, { seed: 5 }).params);
    expect(new GPT(cfg, { seed: 5 }).params).not.toEqual(new GPT(cfg, { seed: 6 }).params);
  });

  test('learns a next-token task: after 150 AdamW steps the sequence is predicted with > 95% probability', () => {
    const model = new GPT(cfg, { seed: 21 });
    const opt = new AdamW(cfg, model.numParams, { lr: 3e-3 });
    // After "2" the next token depends on the first token (3 after "1 2", 9 after "4 2"): the model
    // must attend to earlier context, not just the current token.
    const seqs = [[1, 2, 3, 4, 5, 6, 7, 8], [4, 2, 9, 10, 11, 12, 0, 3]];
    const B = 2, T = 8;
    const tokens = Int32Array.from(seqs.flat());
    const pos: number[] = [];
    const targets: number[] = [];
    seqs.forEach((s, b) => s.slice(1).forEach((tok, t) => {
      pos.push(b * T + t);
      targets.push(tok);
    }));
    const P = Int32Array.from(pos), Y = Int32Array.from(targets);
    const meanLp = () => model.forward(tokens, B, T, P, Y).logprobs.reduce((a, b) => a + b, 0) / P.length;
    const before = meanLp();
    for (let step = 0; step < 150; step++) {
      model.forward(tokens, B, T, P, Y);
      model.zeroGrad();
      model.backward(new Float32Array(P.length).fill(-1 / P.length)); // minimise −mean logprob
      clipGradNorm(model.grads, 1);
      opt.step(model.params, model.grads);
    }
    const after = meanLp();
    expect(before).toBeLessThan(Math.log(0.2));
    expect(Math.exp(after)).toBeGreaterThan(0.95);
  });
});
