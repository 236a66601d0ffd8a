// The transformer's layers as explicit forward/backward pairs over flat arrays, in the manner of
// llm.c's train_gpt2.c. Shapes are row-major; B batch, T time, C channels, NH heads, V vocab.
// Backward functions ACCUMULATE (+=) into gradient buffers, so callers zero them once per step.
// Generic over Float32Array (training) and Float64Array (gradient checks).

export type Arr = Float32Array | Float64Array;

// --- token + position embeddings -------------------------------------------------------------
export function encoderForward(out: Arr, inp: Int32Array, wte: Arr, wpe: Arr, B: number, T: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C;
      const ix = (inp[b * T + t] as number) * C;
      const p = t * C;
      for (let i = 0; i < C; i++) out[o + i] = (wte[ix + i] as number) + (wpe[p + i] as number);
    }
  }
}

export function encoderBackward(dwte: Arr, dwpe: Arr, dout: Arr, inp: Int32Array, B: number, T: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C;
      const ix = (inp[b * T + t] as number) * C;
      const p = t * C;
      for (let i = 0; i < C; i++) {
        const d = dout[o + i] as number;
        dwte[ix + i] = (dwte[ix + i] as number) + d;
        dwpe[p + i] = (dwpe[p + i] as number) + d;
      }
    }
  }
}

// --- layer norm ------------------------------------------------------------------------------
const LN_EPS = 1e-5;

/** N rows of C: out = (x - mean) * rstd * w + b; keeps mean and rstd for the backward pass. */
export function layernormForward(out: Arr, mean: Arr, rstd: Arr, inp: Arr, w: Arr, b: Arr, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    let m = 0;
    for (let i = 0; i < C; i++) m += inp[x + i] as number;
    m /= C;
    let v = 0;
    for (let i = 0; i < C; i++) {
      const d = (inp[x + i] as number) - m;
      v += d * d;
    }
    v /= C;
    const s = 1 / Math.sqrt(v + LN_EPS);
    for (let i = 0; i < C; i++) out[x + i] = ((inp[x + i] as number) - m) * s * (w[i] as number) + (b[i] as number);
    mean[n] = m;
    rstd[n] = s;
  }
}

export function layernormBackward(dinp: Arr, dw: Arr, db: Arr, dout: Arr, inp: Arr, w: Arr, mean: Arr, rstd: Arr, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    const m = mean[n] as number;
    const s = rstd[n] as number;
    // Two reductions for the normalised-input gradient (llm.c's dnorm_mean, dnorm_norm_mean).
    let dnormMean = 0;
    let dnormNormMean = 0;
    for (let i = 0; i < C; i++) {
      const norm = ((inp[x + i] as number) - m) * s;
      const dnorm = (w[i] as number) * (dout[x + i] as number);
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
    }
    dnormMean /= C;
    dnormNormMean /= C;
    for (let i = 0; i < C; i++) {
      const norm = ((inp[x + i] as number) - m) * s;
      const d = dout[x + i] as number;
      db[i] = (db[i] as number) + d;
      dw[i] = (dw[i] as number) + norm * d;
      const dnorm = (w[i] as number) * d;
      dinp[x + i] = (dinp[x + i] as number) + (dnorm - dnormMean - norm * dnormNormMean) * s;
    }
  }
}

// --- matmul ----------------------------------------------------------------------------------
/** out[N,OC] = inp[N,C] · w[OC,C]ᵀ + bias[OC]. */
export function matmulForward(out: Arr, inp: Arr, w: Arr, bias: Arr | null, N: number, C: number, OC: number): void {
  // Four output channels per pass over the input row: each loaded input value is used four times.
  const OC4 = OC - (OC % 4);
  for (let n = 0; n < N; n++) {
    const x = n * C;
    const y = n * OC;
    for (let o = 0; o < OC4; o += 4) {
      const w0 = o * C;
      const w1 = w0 + C;
      const w2 = w1 + C;
      const w3 = w2 + C;
      let s0 = bias === null ? 0 : (bias[o] as number);
      let s1 = bias === null ? 0 : (bias[o + 1] as number);
      let s2 = bias === null ? 0 : (bias[o + 2] as number);
      let s3 = bias === null ? 0 : (bias[o + 3] as number);
      for (let i = 0; i < C; i++) {
        const v = inp[x + i] as number;
        s0 += v * (w[w0 + i] as number);
        s1 += v * (w[w1 + i] as number);
        s2 += v * (w[w2 + i] as number);
        s3 += v * (w[w3 + i] as number);
      }
      out[y + o] = s0;
      out[y + o + 1] = s1;
      out[y + o + 2] = s2;
      out[y + o + 3] = s3;
    }
    for (let o = OC4; o < OC; o++) {
      const wr = o * C;
      let s = bias === null ? 0 : (bias[o] as number);
      for (let i = 0; i < C; i++) s += (inp[x + i] as number) * (w[wr + i] as number);
      out[y + o] = s;
    }
  }
}

export function matmulBackward(dinp: Arr, dw: Arr, dbias: Arr | null, dout: Arr, inp: Arr, w: Arr, N: number, C: number, OC: number): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    const y = n * OC;
    for (let o = 0; o < OC; o++) {
      const d = dout[y + o] as number;
      if (d === 0) continue;
      const wr = o * C;
      for (let i = 0; i < C; i++) {
        dinp[x + i] = (dinp[x + i] as number) + d * (w[wr + i] as number);
        dw[wr + i] = (dw[wr + i] as number) + d * (inp[x + i] as number);
      }
      if (dbias !== null) dbias[o] = (dbias[o] as number) + d;
    }
  }
}

// --- causal multi-head self-attention ------------------------------------------------------------
/**
 * qkv[B,T,3C] holds q, k, v side by side; out[B,T,C]. preatt/att[B,NH,T,T] keep the scores and
 * the softmax for the backward pass (only t2 ≤ t is used: causal).
 */
export function attentionForward(out: Arr, preatt: Arr, att: Arr, qkv: Arr, B: number, T: number, C: number, NH: number): void {
  const C3 = 3 * C;
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < NH; h++) {
        const q = b * T * C3 + t * C3 + h * hs;
        const row = ((b * NH + h) * T + t) * T;
        let maxv = -Infinity;
        for (let t2 = 0; t2 <= t; t2++) {
          const k = b * T * C3 + t2 * C3 + h * hs + C;
          let v = 0;
          for (let i = 0; i < hs; i++) v += (qkv[q + i] as number) * (qkv[k + i] as number);
          v *= scale;
          preatt[row + t2] = v;
          if (v > maxv) maxv = v;
        }
        let sum = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const e = Math.exp((preatt[row + t2] as number) - maxv);
          att[row + t2] = e;
          sum += e;
        }
        const inv = sum === 0 ? 0 : 1 / sum;
        for (let t2 = 0; t2 < T; t2++) att[row + t2] = t2 <= t ? (att[row + t2] as number) * inv : 0;
        const o = b * T * C + t * C + h * hs;
        for (let i = 0; i < hs; i++) out[o + i] = 0;
        for (let t2 = 0; t2 <= t; t2++) {
          const v = b * T * C3 + t2 * C3 + h * hs + 2 * C;
          const a = att[row + t2] as number;
          for (let i = 0; i < hs; i++) out[o + i] = (out[o + i] as number) + a * (qkv[v + i] as number);
        }
      }
    }
  }
}

export function attentionBackward(dqkv: Arr, dpreatt: Arr, datt: Arr, dout: Arr, qkv: Arr, att: Arr, B: number, T: number, C: number, NH: number): void {
  const C3 = 3 * C;
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < NH; h++) {
        const row = ((b * NH + h) * T + t) * T;
        const o = b * T * C + t * C + h * hs;
        const q = b * T * C3 + t * C3 + h * hs;
        // out = Σ att·v  →  datt, dv
        for (let t2 = 0; t2 <= t; t2++) {
          const v = b * T * C3 + t2 * C3 + h * hs + 2 * C;
          const a = att[row + t2] as number;
          let s = 0;
          for (let i = 0; i < hs; i++) {
            const d = dout[o + i] as number;
            s += (qkv[v + i] as number) * d;
            dqkv[v + i] = (dqkv[v + i] as number) + a * d;
          }
          datt[row + t2] = (datt[row + t2] as number) + s;
        }
        // softmax backward: dpre = att ⊙ (datt − Σ att·datt)
        let dot = 0;
        for (let t2 = 0; t2 <= t; t2++) dot += (att[row + t2] as number) * (datt[row + t2] as number);
        for (let t2 = 0; t2 <= t; t2++) {
          const a = att[row + t2] as number;
          dpreatt[row + t2] = (dpreatt[row + t2] as number) + a * ((datt[row + t2] as number) - dot);
        }
        // pre = scale · q·k  →  dq, dk
        for (let t2 = 0; t2 <= t; t2++) {
          const k = b * T * C3 + t2 * C3 + h * hs + C;
          const d = (dpreatt[row + t2] as number) * scale;
          for (let i = 0; i < hs; i++) {
            dqkv[q + i] = (dqkv[q + i] as number) + (qkv[k + i] as number) * d;
            dqkv[k + i] = (dqkv[k + i] as number) + (qkv[q + i] as number) * d;
          }
        }
      }
    }
  }
}

// --- GELU (tanh approximation, as GPT-2) -----------------------------------------------------------
const GELU_K = Math.sqrt(2 / Math.PI);

export function geluForward(out: Arr, inp: Arr, N: number): void {
  for (let i = 0; i < N; i++) {
    const x = inp[i] as number;
    out[i] = 0.5 * x * (1 + Math.tanh(GELU_K * (x + 0.044715 * x * x * x)));
  }
}

export function geluBackward(dinp: Arr, inp: Arr, dout: Arr, N: number): void {
  for (let i = 0; i < N; i++) {
    const x = inp[i] as number;
    const u = GELU_K * (x + 0.044715 * x * x * x);
    const th = Math.tanh(u);
    const sech2 = 1 - th * th;
    const grad = 0.5 * (1 + th) + 0.5 * x * sech2 * GELU_K * (1 + 3 * 0.044715 * x * x);
    dinp[i] = (dinp[i] as number) + grad * (dout[i] as number);
  }
}

// --- residual ----------------------------------------------------------------------------------
export function residualForward(out: Arr, a: Arr, b: Arr, N: number): void {
  for (let i = 0; i < N; i++) out[i] = (a[i] as number) + (b[i] as number);
}

export function residualBackward(da: Arr, db: Arr, dout: Arr, N: number): void {
  for (let i = 0; i < N; i++) {
    const d = dout[i] as number;
    da[i] = (da[i] as number) + d;
    db[i] = (db[i] as number) + d;
  }
}

// --- log-softmax of the chosen tokens ----------------------------------------------------------------
/**
 * For M rows of logits[M,V]: probs = softmax(logits · invT) restricted to the allowed tokens
 * (mask[M·V] = 1; null allows all: constrained decoding samples from exactly this distribution),
 * kept for backward and entropy, and the log probability of each target (which must be allowed).
 */
export function logprobForward(
  logprobs: Arr, probs: Arr, logits: Arr, targets: Int32Array, M: number, V: number, mask: Uint8Array | null = null, invT = 1,
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
    for (let i = 0; i < V; i++) probs[r + i] = (probs[r + i] as number) / sum;
    const tgt = targets[m] as number;
    if (mask !== null && mask[r + tgt] === 0) throw new Error(`target token ${tgt} of row ${m} is not allowed by the mask`);
    logprobs[m] = (logits[r + tgt] as number) * invT - maxv - Math.log(sum);
  }
}

/** dlogits[m,i] += invT · dlogprob[m] · (1[i = target] − probs[m,i]); masked tokens have probs 0. */
export function logprobBackward(dlogits: Arr, dlogprobs: Arr, probs: Arr, targets: Int32Array, M: number, V: number, invT = 1): void {
  for (let m = 0; m < M; m++) {
    const d = (dlogprobs[m] as number) * invT;
    if (d === 0) continue;
    const r = m * V;
    for (let i = 0; i < V; i++) dlogits[r + i] = (dlogits[r + i] as number) - d * (probs[r + i] as number);
    const tgt = r + (targets[m] as number);
    dlogits[tgt] = (dlogits[tgt] as number) + d;
  }
}

/** Entropy of each probability row (nats); for metrics, no gradient. */
export function rowEntropy(out: Arr, probs: Arr, M: number, V: number): void {
  for (let m = 0; m < M; m++) {
    let h = 0;
    for (let i = 0; i < V; i++) {
      const p = probs[m * V + i] as number;
      if (p > 0) h -= p * Math.log(p);
    }
    out[m] = h;
  }
}
