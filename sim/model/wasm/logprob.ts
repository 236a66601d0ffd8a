// The scored rows' masked, tempered log-softmax for the fast model: the same arithmetic as the
// reference (sim/model/cpu/kernels.ts: logprobForward, logprobBackward, rowEntropy), typed
// Float32Array only so these call sites never see the float64 arrays of the gradient checks
// (JavaScriptCore specialises a call site to the array types it has seen). It is M·V work
// (a few hundred rows), small next to the matmuls.

/** probs = softmax(logits·invT) over allowed tokens; logprobs[m] = log π(targets[m]). */
export function logprobForward32(
  logprobs: Float32Array, probs: Float32Array, logits: Float32Array, targets: Int32Array, M: number, V: number, mask: Uint8Array | null, invT: number,
): void {
  for (let m = 0; m < M; m++) {
    const r = m * V;
    let maxv = -Infinity;
    for (let i = 0; i < V; i++) {
      if (mask !== null && mask[r + i] === 0) continue;
      const z = (logits[r + i] as number) * invT;
      if (z > maxv) maxv = z;
    }
    let sum = 0;
    for (let i = 0; i < V; i++) {
      const e = mask !== null && mask[r + i] === 0 ? 0 : Math.exp((logits[r + i] as number) * invT - maxv);
      probs[r + i] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let i = 0; i < V; i++) probs[r + i] = (probs[r + i] as number) * inv;
    const tgt = targets[m] as number;
    if (mask !== null && mask[r + tgt] === 0) throw new Error(`target token ${tgt} of row ${m} is not allowed by the mask`);
    logprobs[m] = (logits[r + tgt] as number) * invT - maxv - Math.log(sum);
  }
}

/** dlogits[m,i] = invT·dlogprob[m]·(1[i = target] − probs[m,i]) (overwrites). */
export function logprobBackward32(dlogits: Float32Array, dlogprobs: ArrayLike<number>, probs: Float32Array, targets: Int32Array, M: number, V: number, invT: number): void {
  for (let m = 0; m < M; m++) {
    const d = (dlogprobs[m] as number) * invT;
    const r = m * V;
    for (let i = 0; i < V; i++) dlogits[r + i] = -d * (probs[r + i] as number);
    const tgt = r + (targets[m] as number);
    dlogits[tgt] = (dlogits[tgt] as number) + d;
  }
}

export function rowEntropy32(out: Float32Array, probs: Float32Array, M: number, V: number): void {
  for (let m = 0; m < M; m++) {
    let h = 0;
    for (let i = 0; i < V; i++) {
      const p = probs[m * V + i] as number;
      if (p > 0) h -= p * Math.log(p);
    }
    out[m] = h;
  }
}
