// The step-level seam between the GRPO trainer and wherever the model's arithmetic runs.
//
// A device owns the policy's parameters, gradients, AdamW state and activations (and the frozen
// KL reference when asked for one). The trainer hands it token rows and per-row numbers and gets
// back per-row log-probabilities and a few scalars: nothing else has to cross, so a GPU device can
// keep everything resident and a multi-Worker CPU device can split rows across cores.
//
// One GRPO inner step is: forward('policy') → loss on the CPU over the returned log-probabilities
// (sim/trainer/grpo.ts) → backward(dlogp) → step(). The loss stays outside the device because it is
// a few hundred numbers and because every device must apply exactly the same objective.
//
// Devices (sim/model/devices/factory.ts creates them): 'reference' (plain-TS kernels on the calling
// thread: the readable reference every other device is checked against), 'cpu' (WebAssembly SIMD
// kernels, data-parallel over Workers), 'webgpu' (WGSL twins of every kernel).
import type { ModelConfig } from './config.ts';

export type DeviceKind = 'reference' | 'cpu' | 'webgpu';

/** Token rows and the positions to score, as GPT.forward takes them. */
export interface RowBatch {
  /** [B·T] token ids; short rows padded with any valid id (causal attention ignores the tail). */
  tokens: Int32Array;
  B: number;
  T: number;
  /** [M] flat position (b·T + t) whose prediction is scored. Rows of one sequence b are contiguous. */
  pos: Int32Array;
  /** [M] token scored at each position. */
  targets: Int32Array;
  /** [M·V] 0/1 allowed tokens per scored row (the sampling grammar); undefined: all allowed. */
  mask?: Uint8Array;
  /** Temperature the targets were sampled at (the log-softmax is tempered by it). */
  temperature: number;
}

export interface ForwardOut {
  /** [M] log π(target) per scored row. */
  logprobs: Float32Array;
  /** [M] entropy (nats) of the masked, tempered distribution per scored row. */
  entropy: Float32Array;
}

export interface StepOptions {
  /** Global L2 gradient-norm clip; ≤ 0 disables clipping. */
  maxGradNorm: number;
  /** Overrides the configured learning rate for this step. */
  lr?: number;
}

export interface OptimizerOptions {
  lr: number;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Everything needed to continue training bit-for-bit: checkpoints and crash resume use it. */
export interface DeviceState {
  params: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  adamT: number;
}

export interface DeviceInit {
  model: ModelConfig;
  /** Seeded initialisation when `state` is absent. */
  seed: number;
  optimizer: OptimizerOptions;
  /** Keep a frozen copy of the initial (or given) parameters as the KL reference. */
  withReference: boolean;
  /** Resume: parameters and optimiser state (the reference is `referenceParams` or these params). */
  state?: DeviceState;
  referenceParams?: Float32Array;
  /** The constrained sampling grammar (action tokens, then [END]); see sim/policy/generate.ts. */
  grammar: { vocabSize: number; actionIds: number[]; endId: number };
}

/** One sampling request of the constrained `interact` grammar (see sim/policy/generate.ts). */
export interface SampleRequest {
  prompt: number[];
  /** Per (iteration, rollout, turn): the sample must not depend on which requests share a batch. */
  seed: number;
  temperature: number;
  topP: number;
  maxActions: number;
}

export interface SampleResult {
  completion: number[];
  logprobs: number[];
  sampled: boolean[];
}

export interface PolicyDevice {
  readonly kind: DeviceKind;
  /** Human-readable: e.g. "cpu (wasm simd, 2 threads)", "webgpu (NVIDIA H200, Vulkan)". */
  readonly description: string;
  readonly model: ModelConfig;

  /** Scores rows with the policy (activations kept for backward) or the frozen reference. */
  forward(batch: RowBatch, which: 'policy' | 'reference'): Promise<ForwardOut>;
  /**
   * Sets the gradients to ∂(Σ_r dlogp[r]·logprob[r])/∂θ for the last policy forward (replacing,
   * not accumulating) and returns their global L2 norm before any clipping.
   */
  backward(dlogp: Float32Array): Promise<number>;
  /** Clips the gradients to maxGradNorm and takes one AdamW step. */
  step(opts: StepOptions): Promise<void>;
  /**
   * Samples completions; requests given together share forward passes, and each result depends
   * only on its own request (seed included), never on its batch-mates. Does not disturb a pending
   * forward → backward of the policy (devices sample with their own activations).
   */
  sample(requests: readonly SampleRequest[]): Promise<SampleResult[]>;
  /** Parameters and optimiser state, copied out. */
  exportState(): Promise<DeviceState>;
  /**
   * Gradients of the last backward, copied out: for tests and cross-device checks. Read them
   * between backward() and step(): step() clips them in place.
   */
  readGradients(): Promise<Float32Array>;
  dispose(): void;
}
