// The compute half of the GRPO trainer: a PolicyDevice, sampling on it, and the GRPO update.
// Runs inside a Worker (worker.ts) so training never blocks the simulator's HTTP server, and
// directly in tests.
import type { PolicyDevice, SampleRequest, SampleResult } from '../model/device.ts';
import { createDevice } from '../model/devices/factory.ts';
import { toGrammarTokens } from '../model/devices/sampling.ts';
import type { GrammarTokens } from '../policy/generate.ts';
import type { ExportResult, InitMessage, InitResult, TrainMessage, TrainResult } from './protocol.ts';
import { grpoUpdate } from './update.ts';

export class PolicyCompute {
  private constructor(private readonly device: PolicyDevice, private readonly grammar: GrammarTokens) {}

  static async create(m: Omit<InitMessage, 'kind'>): Promise<PolicyCompute> {
    const device = await createDevice(m.device, m.init, { threads: m.threads, ...(m.webgpuAdapter !== undefined && { webgpuAdapter: m.webgpuAdapter }) });
    return new PolicyCompute(device, toGrammarTokens(m.init.grammar));
  }

  info(): InitResult {
    return { description: this.device.description };
  }

  sample(requests: SampleRequest[]): Promise<SampleResult[]> {
    return this.device.sample(requests);
  }

  /** One GRPO update (num_inner_steps optimiser steps) on a batch of scored sequences. */
  train(m: Omit<TrainMessage, 'kind'>): Promise<TrainResult> {
    const { sequences, ...options } = m;
    return grpoUpdate(this.device, sequences, this.grammar, options);
  }

  export(): Promise<ExportResult> {
    return this.device.exportState();
  }

  dispose(): void {
    this.device.dispose();
  }
}
