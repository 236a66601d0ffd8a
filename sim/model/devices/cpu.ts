// The CPU device: data-parallel over shards, one per thread. Shard 0 runs on the device's own
// thread, shards 1..N−1 in Workers; all share one SharedArrayBuffer holding the master
// parameters, the AdamW moments, one gradient slot per shard and the summed gradients.
//
// A step: rows split by sequence across shards → each shard's forward/backward into its slot →
// every shard sums one slice of the slots, always in slot order (so a given thread count gives
// bit-identical results run after run) → one global-norm clip → every shard runs AdamW on its
// slice of the master parameters. Reference-GPT shards read those parameters in place, so
// nothing is broadcast; shards with a private copy re-read them on `sync`.
import { adamwDefaults } from '../adamw.ts';
import type { AdamWOptions } from '../adamw.ts';
import { numParams, type ModelConfig } from '../config.ts';
import type { DeviceInit, DeviceState, ForwardOut, PolicyDevice, RowBatch, SampleRequest, SampleResult, StepOptions } from '../device.ts';
import { betas, initialParams } from './reference.ts';
import { splitRows } from './rows.ts';
import { sampleBatch, toGrammarTokens } from './sampling.ts';
import { deviceMemory, layoutBytes, ShardCore, type DeviceMemory, type MemoryLayout, type ShardKernels, type ShardOp, type ShardReply } from './shard.ts';
import { LocalShardHost, WorkerShardHost, type ShardHost } from './shard-host.ts';

export class CpuDevice implements PolicyDevice {
  readonly kind = 'cpu' as const;
  readonly description: string;
  private readonly grammar;
  private readonly opts: Required<AdamWOptions>;
  private t: number;
  private lastParts: { rowLo: number; rowHi: number }[] = [];
  private lastNorm = 0;

  private constructor(
    readonly model: ModelConfig,
    private readonly mem: DeviceMemory,
    private readonly hosts: ShardHost[],
    init: DeviceInit,
    kernels: ShardKernels,
  ) {
    this.grammar = toGrammarTokens(init.grammar);
    this.opts = adamwDefaults({ lr: init.optimizer.lr, weightDecay: init.optimizer.weightDecay, ...betas(init) });
    this.t = init.state?.adamT ?? 0;
    const n = hosts.length;
    this.description = `cpu (${kernels === 'wasm' ? 'wasm simd' : 'reference'} kernels, ${n} thread${n === 1 ? '' : 's'})`;
  }

  /**
   * Starts the shards; `threads` = 1 runs everything on this thread (no Worker at all). `kernels`:
   * the WebAssembly GPT (default) or the reference GPT (same data parallelism, readable kernels).
   */
  static async create(init: DeviceInit, threads: number, kernels: ShardKernels = 'wasm'): Promise<CpuDevice> {
    const n = numParams(init.model);
    const layout: MemoryLayout = { n, slots: threads, withReference: init.withReference };
    const buf = threads > 1 ? new SharedArrayBuffer(layoutBytes(layout)) : new ArrayBuffer(layoutBytes(layout));
    const mem = deviceMemory(buf, layout);
    mem.params.set(initialParams(init));
    if (mem.refParams !== undefined) mem.refParams.set(init.referenceParams ?? mem.params);
    if (init.state !== undefined) {
      if (init.state.adamM.length !== n || init.state.adamV.length !== n) throw new Error(`optimizer state has ${init.state.adamM.length} entries, the model ${n}`);
      mem.adamM.set(init.state.adamM);
      mem.adamV.set(init.state.adamV);
    }
    const local = new LocalShardHost(new ShardCore(init.model, buf, layout, 0, kernels));
    // Workers start together (each compiles the kernels); if one fails, none is left running.
    const started = await Promise.allSettled(Array.from({ length: threads - 1 }, (_, i) => WorkerShardHost.start(init.model, buf as SharedArrayBuffer, layout, i + 1, kernels)));
    const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      for (const w of workers) w.dispose();
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    return new CpuDevice(init.model, mem, [local, ...workers], init, kernels);
  }

  /** Runs one op per host, Workers first so they work while this thread runs shard 0. */
  private async onEach(ops: ShardOp[]): Promise<ShardReply[]> {
    const pending: Promise<ShardReply>[] = new Array(ops.length);
    for (let i = ops.length - 1; i >= 0; i--) pending[i] = (this.hosts[i] as ShardHost).call(ops[i] as ShardOp);
    return Promise.all(pending);
  }

  async forward(b: RowBatch, which: 'policy' | 'reference'): Promise<ForwardOut> {
    const parts = splitRows(b, this.hosts.length);
    const outs = (await this.onEach(parts.map((p) => ({ op: 'forward', batch: p.batch, which })))) as ForwardOut[];
    if (which === 'policy') this.lastParts = parts.map((p) => ({ rowLo: p.rowLo, rowHi: p.rowHi }));
    const M = b.pos.length;
    const logprobs = new Float32Array(M);
    const entropy = new Float32Array(M);
    parts.forEach((p, i) => {
      logprobs.set((outs[i] as ForwardOut).logprobs, p.rowLo);
      entropy.set((outs[i] as ForwardOut).entropy, p.rowLo);
    });
    return { logprobs, entropy };
  }

  async backward(dlogp: Float32Array): Promise<number> {
    const parts = this.lastParts;
    if (parts.length === 0) throw new Error('backward() needs a policy forward() first');
    await this.onEach(parts.map((p) => ({ op: 'backward', dlogp: dlogp.slice(p.rowLo, p.rowHi) })));
    const active = parts.map((_, i) => i);
    const sums = (await this.onEach(this.slices().map(([lo, hi]) => ({ op: 'reduce', lo, hi, active })))) as number[];
    // Partial sums of squares combined in slice order: the norm is deterministic too.
    this.lastNorm = Math.sqrt(sums.reduce((a, s) => a + s, 0));
    return this.lastNorm;
  }

  async step(o: StepOptions): Promise<void> {
    const norm = this.lastNorm;
    // As clipGradNorm: scale by maxNorm / (norm + 1e-6) only when the norm exceeds the bound.
    const scale = o.maxGradNorm > 0 && norm > o.maxGradNorm ? o.maxGradNorm / (norm + 1e-6) : 1;
    this.t++;
    const args = { scale, lr: o.lr ?? this.opts.lr, t: this.t, opts: this.opts };
    await this.onEach(this.slices().map(([lo, hi]) => ({ op: 'adam', lo, hi, args })));
    await this.onEach(this.hosts.map(() => ({ op: 'sync' })));
  }

  /** The parameter range each host reduces and updates: contiguous, near-equal slices. */
  private slices(): [number, number][] {
    const n = this.mem.params.length;
    const k = this.hosts.length;
    return Array.from({ length: k }, (_, i) => [Math.floor((i * n) / k), Math.floor(((i + 1) * n) / k)]);
  }

  async sample(requests: readonly SampleRequest[]): Promise<SampleResult[]> {
    const V = this.model.vocabSize;
    return sampleBatch(requests, this.grammar, async (rows) => {
      const k = Math.min(this.hosts.length, rows.length);
      const cuts = Array.from({ length: k + 1 }, (_, i) => Math.floor((i * rows.length) / k));
      const outs = (await this.onEach(cuts.slice(0, k).map((lo, i) => ({ op: 'logits', rows: rows.slice(lo, cuts[i + 1]) })))) as Float32Array[];
      const logits = new Float32Array(rows.length * V);
      outs.forEach((o, i) => logits.set(o, (cuts[i] as number) * V));
      return logits;
    });
  }

  async exportState(): Promise<DeviceState> {
    const { params, adamM, adamV } = this.mem;
    return { params: Float32Array.from(params), adamM: Float32Array.from(adamM), adamV: Float32Array.from(adamV), adamT: this.t };
  }

  async readGradients(): Promise<Float32Array> {
    return Float32Array.from(this.mem.gradSum);
  }

  dispose(): void {
    for (const h of this.hosts) h.dispose();
  }
}
