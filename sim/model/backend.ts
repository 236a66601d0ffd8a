// The seam between the model and where its kernels run. Every layer is a forward/backward pair;
// a backend provides all of them with the same signatures and semantics (backward accumulates).
// The CPU backend is the reference; a WebGPU backend provides WGSL twins of the same functions and
// is checked against it.
import * as cpu from './cpu/kernels.ts';

export type Kernels = Pick<typeof cpu,
  | 'encoderForward' | 'encoderBackward' | 'layernormForward' | 'layernormBackward' | 'matmulForward' | 'matmulBackward'
  | 'attentionForward' | 'attentionBackward' | 'geluForward' | 'geluBackward' | 'residualForward' | 'residualBackward'
  | 'logprobForward' | 'logprobBackward' | 'rowEntropy'>;

export interface Backend {
  readonly name: string;
  readonly kernels: Kernels;
}

export const CPU_BACKEND: Backend = { name: 'cpu', kernels: cpu };
