// One GRPO update on a tiny policy, through the trainer's own update path, and an independent way
// to score sequences before and after it. The learning tests (test/sim/trainer/learning*.test.ts)
// go through this file only, so when the trainer's compute moves (engine → device seam), this is
// the one place that changes.
import { GPT } from '../../sim/model/gpt.ts';
import type { ModelConfig } from '../../sim/model/config.ts';
import { grammarMask, type GrammarTokens } from '../../sim/policy/generate.ts';
import type { DeviceChoice } from '../../sim/model/devices/factory.ts';
import { InlineEngine } from '../../sim/trainer/engine.ts';
import type { TrainResult } from '../../sim/trainer/protocol.ts';
import type { LossType } from '../../sim/trainer/grpo.ts';

/** A vocabulary of 12: prompt tokens 0..1 and 9..11, actions 2..7, [END] 8. */
export const GRAMMAR = { vocabSize: 12, actionIds: [2, 3, 4, 5, 6, 7], endId: 8 };
export const TINY: ModelConfig = { vocabSize: GRAMMAR.vocabSize, maxSeqLen: 12, nLayer: 1, nHead: 2, dModel: 16 };
/** One action per turn, then a forced [END]: each sequence has exactly one scored token. */
export const MAX_ACTIONS = 1;

export interface Seq {
  prompt: number[];
  /** The chosen action; the completion is [action, END]. */
  action: number;
  advantage: number;
  /** log π_old(action); default: the policy's current log-probability (ratio 1, on-policy). */
  oldLogp?: number;
}

export interface UpdateOptions {
  epsilonLow?: number;
  epsilonHigh?: number;
  beta?: number;
  innerSteps?: number;
  lossType?: LossType;
  maxGradNorm?: number;
}

export interface TinyPolicy {
  /** log π(action | prompt) per sequence, scored by a fresh GPT on the current parameters. */
  logp(seqs: readonly Seq[]): Promise<number[]>;
  /** One GRPO update (innerSteps optimiser steps) through the trainer's compute. */
  update(seqs: readonly Seq[], opts?: UpdateOptions): Promise<TrainResult>;
  params(): Promise<Float32Array>;
  close(): void;
}

/** log π(action | prompt) under `params`, with the sampling grammar's mask, at temperature 1. */
export function scoreSeqs(params: Float32Array, seqs: readonly Seq[]): number[] {
  const model = new GPT(TINY, { params: Float32Array.from(params) });
  const g: GrammarTokens = { vocabSize: GRAMMAR.vocabSize, actionIds: Int32Array.from(GRAMMAR.actionIds), endId: GRAMMAR.endId };
  return seqs.map((s) => {
    const tokens = Int32Array.from(s.prompt);
    const f = model.forward(tokens, 1, tokens.length, Int32Array.of(tokens.length - 1), Int32Array.of(s.action), { mask: grammarMask(0, MAX_ACTIONS, g), temperature: 1 });
    return f.logprobs[0] as number;
  });
}

/** The devices the learning tests run on: the readable reference and the default fast one. */
export const LEARNING_DEVICES: readonly { device: DeviceChoice; threads: number }[] = [{ device: 'reference', threads: 1 }, { device: 'cpu', threads: 2 }];

/** A seeded tiny policy (with a frozen KL reference) on the trainer's update path. */
export async function tinyPolicy(opts: { seed?: number; lr?: number; device?: DeviceChoice; threads?: number } = {}): Promise<TinyPolicy> {
  const engine = new InlineEngine();
  await engine.init({
    device: opts.device ?? 'reference', threads: opts.threads ?? 1,
    init: { model: TINY, seed: opts.seed ?? 1, optimizer: { lr: opts.lr ?? 1e-2, weightDecay: 0 }, withReference: true, grammar: GRAMMAR },
  });
  const params = async () => (await engine.export()).params;
  return {
    params,
    logp: async (seqs) => scoreSeqs(await params(), seqs),
    update: async (seqs, o = {}) => {
      const current = scoreSeqs(await params(), seqs);
      return engine.train({
        sequences: seqs.map((s, i) => ({
          prompt: s.prompt, completion: [s.action, GRAMMAR.endId], sampled: [true, false],
          oldLogp: [s.oldLogp ?? (current[i] as number), 0], advantage: s.advantage,
        })),
        temperature: 1, maxActions: MAX_ACTIONS, innerSteps: o.innerSteps ?? 1, epsilonLow: o.epsilonLow ?? 0.2,
        epsilonHigh: o.epsilonHigh ?? 0.2, beta: o.beta ?? 0, lossType: o.lossType ?? 'dapo', maxGradNorm: o.maxGradNorm ?? 1,
      });
    },
    close: () => engine.close(),
  };
}
