// One data-parallel worker's share of the CPU device: a model that reads the device's master
// parameters, scores its part of the rows, and writes its gradients into its own slot of shared
// memory. ShardCore adds the slices of the reduction and of AdamW each worker does in parallel.
import { adamwRange, decayMask } from '../adamw.ts';
import type { AdamWOptions } from '../adamw.ts';
import { numParams, type ModelConfig } from '../config.ts';
import type { ForwardOut, RowBatch } from '../device.ts';
import { GPT } from '../gpt.ts';
import { CachedLastLogits } from '../wasm/decoder.ts';
import { WasmGPT } from '../wasm/model.ts';
import { lastLogitsOf } from './reference.ts';
import { lastPositionBatch } from './rows.ts';

/** What a model must offer to serve as a shard (the reference GPT; the wasm GPT). */
export interface Shard {
  /** Re-reads the master parameters after an optimiser step (no-op when it reads them in place). */
  syncParams(): void;
  forward(b: RowBatch, which: 'policy' | 'reference'): ForwardOut;
  /** Gradients of Σ dlogp·logprob for the last policy forward, written (not added) into the slot. */
  backward(dlogp: Float32Array): void;
  /** Raw logits [rows · V] at the last position of each row. */
  lastLogits(rows: number[][]): Float32Array;
}

/** The shared memory one shard sees: master parameters, the KL reference, its gradient slot. */
export interface ShardMemory {
  cfg: ModelConfig;
  params: Float32Array;
  refParams: Float32Array | undefined;
  grads: Float32Array;
}

export type ShardFactory = (mem: ShardMemory) => Shard;

/** The reference GPT as a shard: its weights and gradients are views on the shared memory. */
/** What both model classes offer for scoring a row batch (GPT's forward contract). */
type RowScorer = Pick<GPT | WasmGPT, 'forward'>;

/** One batch through a shard's policy or reference model. */
function scoreRows(m: RowScorer | undefined, b: RowBatch): ForwardOut {
  if (m === undefined) throw new Error('this device keeps no reference model (withReference was false)');
  const f = m.forward(b.tokens, b.B, b.T, b.pos, b.targets, { temperature: b.temperature, ...(b.mask !== undefined && { mask: b.mask }) });
  return { logprobs: f.logprobs, entropy: f.entropy };
}

export function referenceShard(mem: ShardMemory): Shard {
  const policy = new GPT(mem.cfg, { params: mem.params, grads: mem.grads });
  const sampler = new GPT(mem.cfg, { params: mem.params });
  const ref = mem.refParams === undefined ? undefined : new GPT(mem.cfg, { params: mem.refParams });
  return {
    syncParams() {},
    forward: (b, which) => scoreRows(which === 'policy' ? policy : ref, b),
    backward(dlogp) {
      policy.zeroGrad();
      policy.backward(dlogp);
    },
    lastLogits: (rows) => lastLogitsOf(sampler, rows),
  };
}

/** Raw logits at the last position of each row, from one full forward pass of a WasmGPT (no caches). */
export function wasmLastLogits(model: WasmGPT, rows: number[][]): Float32Array {
  const b = lastPositionBatch(rows);
  model.forward(b.tokens, b.B, b.T, b.pos, new Int32Array(b.B));
  return model.lastLogits();
}

/**
 * KV-cache slots of a shard's sampler: enough for the rows a shard scores at once in a GRPO batch
 * (64), fewer where a large model's caches would pass 64 MiB (more rows than slots stay correct,
 * they only re-feed their prompts).
 */
export function samplerSlots(cfg: ModelConfig): number {
  const bytesPerSlot = 4 * cfg.nLayer * 2 * cfg.maxSeqLen * cfg.dModel;
  return Math.max(1, Math.min(64, Math.floor((64 << 20) / bytesPerSlot)));
}

/**
 * The WebAssembly GPT as a shard. Its weights live in its own wasm memory, so it copies the master
 * parameters in when they changed (lazily: the sampler only when it next samples), and copies its
 * gradients out to the slot after backward. The sampler scores rows through KV caches (each decode
 * step feeds only the rows' new tokens); the caches are dropped whenever the parameters change.
 */
export function wasmShard(mem: ShardMemory): Shard {
  const policy = new WasmGPT(mem.cfg, { params: mem.params });
  const sampler = new WasmGPT(mem.cfg, { params: mem.params });
  const cache = new CachedLastLogits(sampler, samplerSlots(mem.cfg));
  const ref = mem.refParams === undefined ? undefined : new WasmGPT(mem.cfg, { params: mem.refParams });
  let version = 0;
  const seen = new Map<WasmGPT, number>([[policy, 0], [sampler, 0]]);
  const fresh = (m: WasmGPT): WasmGPT => {
    if (seen.get(m) !== version) {
      m.params.set(mem.params);
      seen.set(m, version);
      if (m === sampler) cache.invalidate();
    }
    return m;
  };
  return {
    syncParams() {
      version++;
    },
    forward: (b, which) => scoreRows(which === 'policy' ? fresh(policy) : ref, b),
    backward(dlogp) {
      policy.zeroGrad();
      policy.backward(dlogp);
      mem.grads.set(policy.grads);
    },
    lastLogits: (rows) => {
      fresh(sampler);
      return cache.lastLogits(rows);
    },
  };
}

export type ShardKernels = 'wasm' | 'reference';
export const SHARD_FACTORIES: Record<ShardKernels, ShardFactory> = { wasm: wasmShard, reference: referenceShard };

/** Offsets (in float32 elements) of the device's buffers inside one SharedArrayBuffer. */
export interface MemoryLayout {
  n: number;
  slots: number;
  withReference: boolean;
}

export function layoutBytes(l: MemoryLayout): number {
  return 4 * l.n * (4 + (l.withReference ? 1 : 0) + l.slots);
}

export interface DeviceMemory {
  params: Float32Array;
  refParams: Float32Array | undefined;
  adamM: Float32Array;
  adamV: Float32Array;
  gradSum: Float32Array;
  slots: Float32Array[];
}

export function deviceMemory(buf: SharedArrayBuffer | ArrayBuffer, l: MemoryLayout): DeviceMemory {
  let at = 0;
  const next = () => new Float32Array(buf, 4 * l.n * at++, l.n);
  const params = next();
  const adamM = next();
  const adamV = next();
  const gradSum = next();
  const refParams = l.withReference ? next() : undefined;
  const slots = Array.from({ length: l.slots }, next);
  return { params, refParams, adamM, adamV, gradSum, slots };
}

export interface AdamArgs {
  /** Clip factor applied to the summed gradients first (1: no clipping). */
  scale: number;
  lr: number;
  t: number;
  opts: Required<AdamWOptions>;
}

/** Operations the device asks of a shard; the same on the device's thread and in a Worker. */
export type ShardOp =
  | { op: 'forward'; batch: RowBatch; which: 'policy' | 'reference' }
  | { op: 'backward'; dlogp: Float32Array }
  | { op: 'logits'; rows: number[][] }
  | { op: 'reduce'; lo: number; hi: number; active: number[] }
  | { op: 'adam'; lo: number; hi: number; args: AdamArgs }
  | { op: 'sync' };

export type ShardReply = ForwardOut | Float32Array | number | null;

export class ShardCore {
  private readonly mem: DeviceMemory;
  private readonly shard: Shard;
  private readonly decay: Uint8Array;

  constructor(cfg: ModelConfig, buf: SharedArrayBuffer | ArrayBuffer, layout: MemoryLayout, readonly index: number, kernels: ShardKernels) {
    if (layout.n !== numParams(cfg)) throw new Error(`shared memory holds ${layout.n} parameters, the model ${numParams(cfg)}`);
    this.mem = deviceMemory(buf, layout);
    this.shard = SHARD_FACTORIES[kernels]({ cfg, params: this.mem.params, refParams: this.mem.refParams, grads: this.mem.slots[index] as Float32Array });
    this.decay = decayMask(cfg, layout.n);
  }

  handle(m: ShardOp): ShardReply {
    switch (m.op) {
      case 'forward': return this.shard.forward(m.batch, m.which);
      case 'backward': this.shard.backward(m.dlogp); return null;
      case 'logits': return this.shard.lastLogits(m.rows);
      case 'reduce': return this.reduce(m.lo, m.hi, m.active);
      case 'adam': return this.adam(m.lo, m.hi, m.args);
      case 'sync': this.shard.syncParams(); return null;
    }
  }

  /** gradSum[lo, hi) = Σ over the active slots, always in slot order; returns Σ gradSum². */
  private reduce(lo: number, hi: number, active: number[]): number {
    const { gradSum, slots } = this.mem;
    const first = slots[active[0] as number] as Float32Array;
    gradSum.set(first.subarray(lo, hi), lo);
    for (let k = 1; k < active.length; k++) {
      const s = slots[active[k] as number] as Float32Array;
      for (let i = lo; i < hi; i++) gradSum[i] = (gradSum[i] as number) + (s[i] as number);
    }
    let ss = 0;
    for (let i = lo; i < hi; i++) ss += (gradSum[i] as number) * (gradSum[i] as number);
    return ss;
  }

  private adam(lo: number, hi: number, a: AdamArgs): null {
    const { params, gradSum, adamM, adamV } = this.mem;
    if (a.scale !== 1) for (let i = lo; i < hi; i++) gradSum[i] = (gradSum[i] as number) * a.scale;
    adamwRange(params, gradSum, adamM, adamV, this.decay, lo, hi, a.t, a.opts, a.lr);
    return null;
  }
}
