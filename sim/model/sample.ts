// Sampling one token from logits: temperature, nucleus (top-p) and an allowed-token mask for
// constrained decoding. Returns the token and its log-probability under the distribution it was
// actually drawn from (what the trainer records as the sampling logprob).
import type { Rng } from '../crafter/rng.ts';

export interface SampleOptions {
  temperature: number;
  topP?: number;
  /** 1 = may be produced. */
  allowed?: Uint8Array;
}

export interface Sampled {
  token: number;
  logprob: number;
}

export function sampleToken(logits: Float32Array, opts: SampleOptions, rng: Rng): Sampled {
  const V = logits.length;
  const allowed = opts.allowed;
  let maxv = -Infinity;
  let argmax = -1;
  for (let i = 0; i < V; i++) {
    if (allowed !== undefined && allowed[i] === 0) continue;
    if ((logits[i] as number) > maxv) {
      maxv = logits[i] as number;
      argmax = i;
    }
  }
  if (argmax < 0) throw new Error('no token is allowed');
  // Greedy (temperature 0): the argmax, with probability 1 under the greedy policy.
  if (opts.temperature <= 0) return { token: argmax, logprob: 0 };
  const invT = 1 / opts.temperature;
  const probs = new Float64Array(V);
  let sum = 0;
  for (let i = 0; i < V; i++) {
    if (allowed !== undefined && allowed[i] === 0) continue;
    const e = Math.exp(((logits[i] as number) - maxv) * invT);
    probs[i] = e;
    sum += e;
  }
  for (let i = 0; i < V; i++) probs[i] = (probs[i] as number) / sum;
  const topP = opts.topP ?? 1;
  if (topP < 1) {
    // Keep the smallest set of most likely tokens whose mass reaches top_p, renormalised.
    const order = Array.from({ length: V }, (_, i) => i).filter((i) => (probs[i] as number) > 0).sort((a, b) => (probs[b] as number) - (probs[a] as number));
    let mass = 0;
    const keep = new Uint8Array(V);
    for (const i of order) {
      keep[i] = 1;
      mass += probs[i] as number;
      if (mass >= topP) break;
    }
    for (let i = 0; i < V; i++) probs[i] = keep[i] === 1 ? (probs[i] as number) / mass : 0;
  }
  let u = rng.uniform();
  let token = argmax;
  for (let i = 0; i < V; i++) {
    const pi = probs[i] as number;
    if (pi === 0) continue;
    if (u < pi) {
      token = i;
      break;
    }
    u -= pi;
  }
  return { token, logprob: Math.log(probs[token] as number) };
}
