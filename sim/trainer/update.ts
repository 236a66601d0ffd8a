// One GRPO update on any PolicyDevice: the sequences become scored rows, then num_inner_steps ×
// (forward the policy → the clipped surrogate + KL on the CPU (grpo.ts) → backward → clip + AdamW).
// Every device runs exactly this, so they differ only in where the arithmetic happens.
import type { PolicyDevice, RowBatch } from '../model/device.ts';
import { grammarMask, type GrammarTokens } from '../policy/generate.ts';
import { grpoLoss, type LossType } from './grpo.ts';

export interface TrainSequence {
  prompt: number[];
  completion: number[];
  /** Per completion token: drawn by the model (scored) or forced by the grammar (not scored). */
  sampled: boolean[];
  oldLogp: number[];
  advantage: number;
}

export interface UpdateOptions {
  temperature: number;
  maxActions: number;
  innerSteps: number;
  epsilonLow: number;
  epsilonHigh: number;
  beta: number;
  lossType: LossType;
  maxGradNorm: number;
}

export interface UpdateResult {
  /** Clipped surrogate + β·KL of the last inner step. */
  loss: number;
  /** The clipped surrogate alone of the last inner step. */
  policyLoss: number;
  kl: number;
  clipLow: number;
  clipHigh: number;
  entropy: number;
  gradNorm: number;
  tokens: number;
  sequences: number;
  seconds: number;
  /** Mean |ratio − 1| on the first inner step (≈ 0: sampling and training agree). */
  firstStepRatioDev: number;
}

/** The scored rows of a batch of sequences, with what the loss needs per row. */
export interface GrpoRows {
  batch: RowBatch;
  oldLogp: Float64Array;
  adv: Float64Array;
  seq: Int32Array;
  numSeqs: number;
}

/** Each sampled completion token becomes a row scored at the position before it, under its grammar mask. */
export function buildRows(sequences: readonly TrainSequence[], g: GrammarTokens, maxActions: number, temperature: number): GrpoRows {
  const V = g.vocabSize;
  const B = sequences.length;
  const T = Math.max(1, ...sequences.map((s) => s.prompt.length + s.completion.length - 1));
  const tokens = new Int32Array(B * T);
  const pos: number[] = [];
  const targets: number[] = [];
  const oldLogp: number[] = [];
  const adv: number[] = [];
  const seq: number[] = [];
  const masks: Uint8Array[] = [];
  sequences.forEach((s, b) => {
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
      masks.push(grammarMask(k, maxActions, g));
    });
  });
  const mask = new Uint8Array(pos.length * V);
  masks.forEach((row, r) => mask.set(row, r * V));
  return {
    batch: { tokens, B, T, pos: Int32Array.from(pos), targets: Int32Array.from(targets), mask, temperature },
    oldLogp: Float64Array.from(oldLogp), adv: Float64Array.from(adv), seq: Int32Array.from(seq), numSeqs: B,
  };
}

const meanOf = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return xs.length ? s / xs.length : 0;
};

export async function grpoUpdate(device: PolicyDevice, sequences: readonly TrainSequence[], g: GrammarTokens, o: UpdateOptions): Promise<UpdateResult> {
  const t0 = performance.now();
  const rows = buildRows(sequences, g, o.maxActions, o.temperature);
  const { batch, oldLogp } = rows;
  const M = batch.pos.length;
  const refLogp = o.beta > 0 ? (await device.forward(batch, 'reference')).logprobs : undefined;
  const loss = { epsilonLow: o.epsilonLow, epsilonHigh: o.epsilonHigh, beta: o.beta, lossType: o.lossType, maxCompletionLength: o.maxActions + 1 };
  let last = { loss: 0, policyLoss: 0, kl: 0, clipLow: 0, clipHigh: 0, entropy: 0, gradNorm: 0 };
  let firstStepRatioDev = 0;
  for (let step = 0; step < Math.max(1, o.innerSteps); step++) {
    const f = await device.forward(batch, 'policy');
    if (step === 0) firstStepRatioDev = meanOf(Array.from(f.logprobs, (lp, i) => Math.abs(Math.exp(lp - (oldLogp[i] as number)) - 1)));
    const r = grpoLoss({ logp: f.logprobs, oldLogp, adv: rows.adv, seq: rows.seq, numSeqs: rows.numSeqs, ...(refLogp !== undefined && { refLogp }) }, loss);
    if (!Number.isFinite(r.loss)) throw new Error(`loss is ${r.loss} at inner step ${step + 1}: training diverged (try a lower learning rate)`);
    const gradNorm = await device.backward(Float32Array.from(r.dlogp));
    if (!Number.isFinite(gradNorm)) throw new Error(`gradient norm is ${gradNorm}: training diverged`);
    await device.step({ maxGradNorm: o.maxGradNorm });
    last = { loss: r.loss, policyLoss: r.policyLoss, kl: r.kl, clipLow: r.clipLow, clipHigh: r.clipHigh, entropy: M ? meanOf(f.entropy) : 0, gradNorm };
  }
  return { ...last, tokens: batch.B * batch.T, sequences: batch.B, seconds: (performance.now() - t0) / 1000, firstStepRatioDev };
}
