// Messages between the GRPO trainer (main thread) and its compute Worker. Only token ids and
// numbers cross: the Worker never tokenizes, never does I/O.
import type { ModelConfig } from '../model/config.ts';
import type { LossType } from './grpo.ts';

export interface Grammar {
  vocabSize: number;
  actionIds: number[];
  endId: number;
}

export interface InitMessage {
  kind: 'init';
  model: ModelConfig;
  seed: number;
  lr: number;
  weightDecay: number;
  /** Keep a frozen copy of the initial weights as the KL reference. */
  withReference: boolean;
  grammar: Grammar;
  /** Resume from these weights instead of a seeded init. */
  params?: Float32Array;
  /** Crash resume: weights and AdamW state to continue from bit-for-bit (wins over `params`). */
  state?: ExportResult;
  /** Crash resume: the KL reference weights (default: the initial weights). */
  referenceParams?: Float32Array;
}

export interface GenerateMessage {
  kind: 'generate';
  prompt: number[];
  /** Per (iteration, rollout, turn): the sample does not depend on request arrival order. */
  seed: number;
  temperature: number;
  topP: number;
  maxActions: number;
}

export interface TrainSequence {
  prompt: number[];
  completion: number[];
  /** Per completion token: drawn by the model (scored) or forced by the grammar (not scored). */
  sampled: boolean[];
  oldLogp: number[];
  advantage: number;
}

export interface TrainMessage {
  kind: 'train';
  sequences: TrainSequence[];
  temperature: number;
  maxActions: number;
  innerSteps: number;
  epsilonLow: number;
  epsilonHigh: number;
  beta: number;
  lossType: LossType;
  maxGradNorm: number;
}

export interface ExportMessage {
  kind: 'export';
}

export type ToWorker = (InitMessage | GenerateMessage | TrainMessage | ExportMessage) & { id: number };

export interface GenerateResult {
  completion: number[];
  logprobs: number[];
  sampled: boolean[];
}

export interface TrainResult {
  loss: number;
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

export interface ExportResult {
  params: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  adamT: number;
}

export type FromWorker =
  | { id: number; ok: true; value: GenerateResult | TrainResult | ExportResult | null }
  | { id: number; ok: false; error: string };
