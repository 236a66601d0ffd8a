// Model sizes and the flat parameter layout (llm.c order: one buffer, named views per tensor type,
// layers stacked along the first axis).

export interface ModelConfig {
  vocabSize: number;
  /** Longest sequence (positions in wpe). */
  maxSeqLen: number;
  nLayer: number;
  nHead: number;
  /** Channels (n_embd). Must be divisible by nHead. */
  dModel: number;
}

export const PARAM_NAMES = [
  'wte', 'wpe', 'ln1w', 'ln1b', 'qkvw', 'qkvb', 'attprojw', 'attprojb',
  'ln2w', 'ln2b', 'fcw', 'fcb', 'fcprojw', 'fcprojb', 'lnfw', 'lnfb',
] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

/** Element count of each parameter tensor, in layout order. */
export function paramSizes(cfg: ModelConfig): Record<ParamName, number> {
  const { vocabSize: V, maxSeqLen: T, nLayer: L, dModel: C } = cfg;
  return {
    wte: V * C, wpe: T * C,
    ln1w: L * C, ln1b: L * C,
    qkvw: L * 3 * C * C, qkvb: L * 3 * C,
    attprojw: L * C * C, attprojb: L * C,
    ln2w: L * C, ln2b: L * C,
    fcw: L * 4 * C * C, fcb: L * 4 * C,
    fcprojw: L * C * 4 * C, fcprojb: L * C,
    lnfw: C, lnfb: C,
  };
}

export function numParams(cfg: ModelConfig): number {
  return Object.values(paramSizes(cfg)).reduce((a, b) => a + b, 0);
}

/** [start, end) of every tensor in the flat buffer. */
export function paramOffsets(cfg: ModelConfig): Record<ParamName, [number, number]> {
  const sizes = paramSizes(cfg);
  const out = {} as Record<ParamName, [number, number]>;
  let at = 0;
  for (const name of PARAM_NAMES) {
    out[name] = [at, at + sizes[name]];
    at += sizes[name];
  }
  return out;
}

/** Weight matrices get weight decay; biases, layer norms and position embeddings do not. */
export const DECAYED: readonly ParamName[] = ['wte', 'qkvw', 'attprojw', 'fcw', 'fcprojw'];

export function validateConfig(cfg: ModelConfig): void {
  for (const [k, v] of Object.entries(cfg)) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`model config ${k} must be a positive integer, got ${v}`);
  }
  if (cfg.dModel % cfg.nHead !== 0) throw new Error(`model config dModel (${cfg.dModel}) must be divisible by nHead (${cfg.nHead})`);
}
