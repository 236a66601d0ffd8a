// The seam between the model and where its kernels run. Every layer is a forward/backward pair;
// a kernel set provides all of them with the same signatures and semantics (backward accumulates).
// The CPU kernels are the reference; a WebGPU kernel set provides WGSL twins of the same functions
// and is checked against them.
import * as cpu from './cpu/kernels.ts';

export type Kernels = Pick<typeof cpu,
  | 'encoderForward' | 'encoderBackward' | 'layernormForward' | 'layernormBackward' | 'matmulForward' | 'matmulBackward'
  | 'attentionForward' | 'attentionBackward' | 'geluForward' | 'geluBackward' | 'residualForward' | 'residualBackward'
  | 'logprobForward' | 'logprobBackward' | 'rowEntropy'>;

/** The kernels a GPT model runs its layers with, and a name for where they run. */
export interface KernelSet {
  readonly name: string;
  readonly kernels: Kernels;
}

export const CPU_KERNELS: KernelSet = { name: 'cpu', kernels: cpu };
