// The reference device: the plain-TS GPT and AdamW on the calling thread, float32. Every other
// device is checked against it; it is also what `[sim] device = "reference"` trains with.
import { AdamW, clipGradNorm } from '../adamw.ts';
import type { ModelConfig } from '../config.ts';
import type { DeviceInit, DeviceState, ForwardOut, PolicyDevice, RowBatch, SampleRequest, SampleResult, StepOptions } from '../device.ts';
import { GPT } from '../gpt.ts';
import { lastPositionBatch } from './rows.ts';
import { sampleBatch, toGrammarTokens } from './sampling.ts';

/** The policy's initial parameters: the saved ones when resuming, else a seeded init. */
export function initialParams(init: DeviceInit): Float32Array {
  if (init.state !== undefined) return Float32Array.from(init.state.params);
  return new GPT(init.model, { seed: init.seed }).params;
}

/** Raw logits at the last position of each row, from one forward pass of `model`. */
export function lastLogitsOf(model: GPT, rows: number[][]): Float32Array {
  const b = lastPositionBatch(rows);
  model.forward(b.tokens, b.B, b.T, b.pos, new Int32Array(b.B));
  return model.lastLogits();
}

export class ReferenceDevice implements PolicyDevice {
  readonly kind = 'reference' as const;
  readonly description = 'reference (plain TypeScript kernels, float32, 1 thread)';
  readonly model: ModelConfig;
  private readonly policy: GPT;
  /** Shares the policy's parameters; its own activations, so sampling never clobbers a forward. */
  private readonly sampler: GPT;
  private readonly ref: GPT | undefined;
  private readonly opt: AdamW;
  private readonly grammar;
  private lastNorm = 0;

  constructor(init: DeviceInit) {
    this.model = init.model;
    this.policy = new GPT(init.model, { params: initialParams(init) });
    this.sampler = new GPT(init.model, { params: this.policy.params });
    const refParams = init.referenceParams ?? this.policy.params;
    this.ref = init.withReference ? new GPT(init.model, { params: Float32Array.from(refParams) }) : undefined;
    this.opt = new AdamW(init.model, this.policy.numParams, { lr: init.optimizer.lr, weightDecay: init.optimizer.weightDecay, ...betas(init) });
    if (init.state !== undefined) restoreAdam(this.opt, init.state);
    this.grammar = toGrammarTokens(init.grammar);
  }

  async forward(b: RowBatch, which: 'policy' | 'reference'): Promise<ForwardOut> {
    const model = which === 'policy' ? this.policy : this.ref;
    if (model === undefined) throw new Error('this device keeps no reference model (withReference was false)');
    const f = model.forward(b.tokens, b.B, b.T, b.pos, b.targets, { temperature: b.temperature, ...(b.mask !== undefined && { mask: b.mask }) });
    return { logprobs: f.logprobs, entropy: f.entropy };
  }

  async backward(dlogp: Float32Array): Promise<number> {
    this.policy.zeroGrad();
    this.policy.backward(dlogp);
    this.lastNorm = clipGradNorm(this.policy.grads, 0);
    return this.lastNorm;
  }

  async step(o: StepOptions): Promise<void> {
    clipGradNorm(this.policy.grads, o.maxGradNorm);
    this.opt.step(this.policy.params, this.policy.grads, o.lr);
  }

  async sample(requests: readonly SampleRequest[]): Promise<SampleResult[]> {
    return sampleBatch(requests, this.grammar, async (rows) => lastLogitsOf(this.sampler, rows));
  }

  async exportState(): Promise<DeviceState> {
    return { params: Float32Array.from(this.policy.params), adamM: Float32Array.from(this.opt.m), adamV: Float32Array.from(this.opt.v), adamT: this.opt.t };
  }

  async readGradients(): Promise<Float32Array> {
    return Float32Array.from(this.policy.grads);
  }

  dispose(): void {}
}

export function betas(init: DeviceInit): { beta1?: number; beta2?: number; eps?: number } {
  const o = init.optimizer;
  return { ...(o.beta1 !== undefined && { beta1: o.beta1 }), ...(o.beta2 !== undefined && { beta2: o.beta2 }), ...(o.eps !== undefined && { eps: o.eps }) };
}

function restoreAdam(opt: AdamW, s: DeviceState): void {
  if (s.adamM.length !== opt.m.length || s.adamV.length !== opt.v.length) throw new Error(`optimizer state has ${s.adamM.length} entries, the model ${opt.m.length}`);
  opt.m.set(s.adamM);
  opt.v.set(s.adamV);
  opt.t = s.adamT;
}
