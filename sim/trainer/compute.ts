// The compute half of the GRPO trainer: the policy model, its frozen reference, the optimiser.
// Runs inside a Worker (worker.ts) so training never blocks the simulator's HTTP server, and
// directly in tests.
import { Rng } from '../crafter/rng.ts';
import { AdamW, clipGradNorm } from '../model/adamw.ts';
import { Decoder } from '../model/decode.ts';
import { GPT } from '../model/gpt.ts';
import { generate, grammarMask, type GrammarTokens } from '../policy/generate.ts';
import { grpoLoss } from './grpo.ts';
import type { ExportResult, GenerateMessage, GenerateResult, InitMessage, TrainMessage, TrainResult } from './protocol.ts';

export class PolicyCompute {
  readonly model: GPT;
  private readonly ref: GPT | undefined;
  private readonly opt: AdamW;
  private readonly decoder: Decoder;
  private readonly grammar: GrammarTokens;

  constructor(init: Omit<InitMessage, 'kind'>) {
    const params = init.state?.params ?? init.params;
    this.model = params ? new GPT(init.model, { params: Float32Array.from(params) }) : new GPT(init.model, { seed: init.seed });
    const refParams = init.referenceParams ?? this.model.params;
    this.ref = init.withReference ? new GPT(init.model, { params: Float32Array.from(refParams) }) : undefined;
    this.opt = new AdamW(init.model, this.model.numParams, { lr: init.lr, weightDecay: init.weightDecay });
    if (init.state !== undefined) {
      // A resumed job continues the optimiser exactly where the crashed process left it.
      this.opt.m.set(init.state.adamM);
      this.opt.v.set(init.state.adamV);
      this.opt.t = init.state.adamT;
    }
    this.decoder = new Decoder(this.model);
    this.grammar = { vocabSize: init.grammar.vocabSize, actionIds: Int32Array.from(init.grammar.actionIds), endId: init.grammar.endId };
  }

  generate(m: Omit<GenerateMessage, 'kind'>): GenerateResult {
    const rng = new Rng(m.seed);
    const g = generate(this.decoder, m.prompt, this.grammar, { temperature: m.temperature, topP: m.topP, maxActions: m.maxActions }, rng);
    return { completion: g.completion, logprobs: g.logprobs, sampled: g.sampled };
  }

  /** One GRPO update (num_inner_steps optimiser steps) on a batch of scored sequences. */
  train(m: Omit<TrainMessage, 'kind'>): TrainResult {
    const t0 = performance.now();
    const V = this.model.cfg.vocabSize;
    const B = m.sequences.length;
    const T = Math.max(1, ...m.sequences.map((s) => s.prompt.length + s.completion.length - 1));
    const tokens = new Int32Array(B * T);
    const pos: number[] = [];
    const targets: number[] = [];
    const oldLogp: number[] = [];
    const adv: number[] = [];
    const seq: number[] = [];
    const masks: Uint8Array[] = [];
    m.sequences.forEach((s, b) => {
      const full = [...s.prompt, ...s.completion];
      for (let t = 0; t < T; t++) tokens[b * T + t] = full[Math.min(t, full.length - 1)] as number;
      s.completion.forEach((tok, k) => {
        if (!s.sampled[k]) return;
        // The token at prompt.length + k is predicted at the position before it.
        pos.push(b * T + s.prompt.length + k - 1);
        targets.push(tok);
        oldLogp.push(s.oldLogp[k] as number);
        adv.push(s.advantage);
        seq.push(b);
        masks.push(grammarMask(k, m.maxActions, this.grammar));
      });
    });
    const M = pos.length;
    const P = Int32Array.from(pos);
    const Y = Int32Array.from(targets);
    const mask = new Uint8Array(M * V);
    masks.forEach((row, r) => mask.set(row, r * V));
    const score = { mask, temperature: m.temperature };
    const refLogp = m.beta > 0 && this.ref ? Array.from(this.ref.forward(tokens, B, T, P, Y, score).logprobs) : undefined;
    let last = { loss: 0, kl: 0, clipLow: 0, clipHigh: 0, entropy: 0, gradNorm: 0 };
    let firstStepRatioDev = 0;
    for (let step = 0; step < Math.max(1, m.innerSteps); step++) {
      const f = this.model.forward(tokens, B, T, P, Y, score);
      if (step === 0) firstStepRatioDev = M ? f.logprobs.reduce((s, lp, i) => s + Math.abs(Math.exp(lp - (oldLogp[i] as number)) - 1), 0) / M : 0;
      const r = grpoLoss(
        { logp: f.logprobs, oldLogp, adv, seq, numSeqs: B, ...(refLogp !== undefined && { refLogp }) },
        { epsilonLow: m.epsilonLow, epsilonHigh: m.epsilonHigh, beta: m.beta, lossType: m.lossType, maxCompletionLength: m.maxActions + 1 },
      );
      if (!Number.isFinite(r.loss)) throw new Error(`loss is ${r.loss} at inner step ${step + 1}: training diverged (try a lower learning rate)`);
      this.model.zeroGrad();
      this.model.backward(r.dlogp);
      const gradNorm = clipGradNorm(this.model.grads, m.maxGradNorm);
      if (!Number.isFinite(gradNorm)) throw new Error(`gradient norm is ${gradNorm}: training diverged`);
      this.opt.step(this.model.params, this.model.grads);
      last = { loss: r.loss, kl: r.kl, clipLow: r.clipLow, clipHigh: r.clipHigh, entropy: M ? f.entropy.reduce((a, b) => a + b, 0) / M : 0, gradNorm };
    }
    return { ...last, tokens: B * T, sequences: B, seconds: (performance.now() - t0) / 1000, firstStepRatioDev };
  }

  export(): ExportResult {
    return { params: Float32Array.from(this.model.params), adamM: Float32Array.from(this.opt.m), adamV: Float32Array.from(this.opt.v), adamT: this.opt.t };
  }
}
