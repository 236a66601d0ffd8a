// The GRPO step on WebGPU: parameters, gradients, AdamW moments and activations stay on the device
// for the whole update. Per step only token rows go up and the per-row log-probabilities, the
// entropy and the gradient norm come back.
//
// Sampling runs on a CPU copy of the policy (the batched sampler every device shares,
// sim/model/devices/sampling.ts) with the weights copied down once after each optimiser step
// (lazily, at the first sample): a GRPO iteration samples many short completions one token at a
// time, where a GPU spends its time on dispatch latency; see docs/webgpu.md for the measurement.
import { Rng } from '../../crafter/rng.ts';
import { DECAYED, numParams, paramOffsets, validateConfig, type ModelConfig, type ParamName } from '../config.ts';
import type { DeviceInit, DeviceState, ForwardOut, PolicyDevice, RowBatch, SampleRequest, SampleResult, StepOptions } from '../device.ts';
import { GPT } from '../gpt.ts';
import { initParams } from '../init.ts';
import type { GrammarTokens } from '../../policy/generate.ts';
import { lastLogitsOf } from '../devices/reference.ts';
import { sampleBatch } from '../devices/sampling.ts';
import { acquireGpu, type AdapterChoice } from '../../../src/runtime/webgpu.ts';
import { activationLayout, at, gradientLayout, type ActivationLayout, type GradientLayout } from './layout.ts';
import { GpuOps } from './ops.ts';
import { GpuRuntime } from './runtime.ts';
import { splitRows, type RowPart } from '../devices/rows.ts';

type Four = readonly [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer];

/** Activations of one (sub-)batch: an A buffer (grown as needed) and where each tensor sits in it. */
interface Slot { buf: GPUBuffer | undefined; capacity: number; layout?: ActivationLayout }

export class WebGpuDevice implements PolicyDevice {
  readonly kind = 'webgpu' as const;
  readonly description: string;
  readonly model: ModelConfig;
  private readonly ops: GpuOps;
  private readonly n: number;
  private readonly P: GPUBuffer;
  private readonly G: GPUBuffer;
  private readonly Mo: GPUBuffer;
  private readonly Vo: GPUBuffer;
  private lastNorm = 0;
  private readonly Pref: GPUBuffer | undefined;
  private D: GPUBuffer;
  private dCapacity = 1;
  private dLayout: GradientLayout | undefined;
  /** One activation buffer per sub-batch (a batch is cut by sequence to fit the binding limit). */
  private readonly policy: Slot[] = [];
  private readonly reference: Slot[] = [];
  private readonly sampling: Slot[] = [];
  private parts: RowPart[] = [];
  private backwardReady = false;
  private adamT: number;
  private readonly opt: Required<DeviceInit['optimizer']>;
  private readonly grammar: GrammarTokens;
  private sampler: GPT | undefined;
  private samplerStale = true;

  constructor(readonly rt: GpuRuntime, init: DeviceInit) {
    validateConfig(init.model);
    this.model = init.model;
    this.description = `webgpu (${rt.gpu.adapterName})`;
    this.ops = new GpuOps(rt);
    this.n = numParams(init.model);
    this.opt = { beta1: 0.9, beta2: 0.999, eps: 1e-8, ...init.optimizer };
    this.grammar = { vocabSize: init.grammar.vocabSize, actionIds: Int32Array.from(init.grammar.actionIds), endId: init.grammar.endId };
    const params = init.state?.params ?? new Float32Array(this.n);
    if (params.length !== this.n) throw new Error(`expected ${this.n} parameters, got ${params.length}`);
    if (init.state === undefined) initParams(params, init.model, init.seed);
    this.P = rt.buffer(this.n, 'params');
    this.G = rt.buffer(this.n, 'grads');
    if (this.n > rt.maxBindingFloats) throw new Error(`the model has ${this.n} parameters; this adapter's largest storage binding holds ${rt.maxBindingFloats} floats`);
    this.Mo = rt.buffer(this.n, 'adam-m');
    this.Vo = rt.buffer(this.n, 'adam-v');
    this.D = rt.buffer(1, 'dacts');
    rt.write(this.P, 0, params);
    this.adamT = init.state?.adamT ?? 0;
    if (init.state !== undefined) {
      rt.write(this.Mo, 0, init.state.adamM);
      rt.write(this.Vo, 0, init.state.adamV);
    }
    this.Pref = init.withReference ? rt.buffer(this.n, 'reference') : undefined;
    if (this.Pref !== undefined) rt.write(this.Pref, 0, init.referenceParams ?? params);
  }

  private four(slot: Slot, which: 'policy' | 'reference'): Four {
    const p = which === 'reference' ? this.Pref : this.P;
    if (p === undefined) throw new Error('this device was created without a KL reference (withReference: false)');
    return [p, this.G, slot.buf as GPUBuffer, this.D];
  }

  private validate(batch: RowBatch): void {
    const { vocabSize: V, maxSeqLen } = this.model;
    const { B, T, tokens, pos, targets, mask } = batch;
    const M = pos.length;
    if (T > maxSeqLen) throw new Error(`sequence length ${T} exceeds the model's ${maxSeqLen}`);
    if (tokens.length !== B * T) throw new Error(`tokens has ${tokens.length} ids, expected B·T = ${B * T}`);
    if (targets.length !== M) throw new Error('pos and targets differ in length');
    if (mask !== undefined && mask.length !== M * V) throw new Error(`mask has ${mask.length} entries, expected M·V = ${M * V}`);
    if (!(batch.temperature > 0 && Number.isFinite(1 / batch.temperature))) throw new Error(`temperature must be positive, got ${batch.temperature}`);
    for (const t of tokens) if (t < 0 || t >= V) throw new Error(`token id ${t} out of range`);
    for (let r = 0; r < M; r++) {
      const p = pos[r] as number;
      const y = targets[r] as number;
      if (p < 0 || p >= B * T) throw new Error(`scored position ${p} outside B·T = ${B * T}`);
      if (y < 0 || y >= V) throw new Error(`target token ${y} out of range`);
      if (mask !== undefined && mask[r * V + y] === 0) throw new Error(`target token ${y} of row ${r} is not allowed by the mask`);
    }
  }

  /** Sub-batches by sequence, each small enough that its activations and gradients fit one binding. */
  private split(batch: RowBatch): RowPart[] {
    this.validate(batch);
    const max = this.rt.maxBindingFloats;
    const fits = (b: RowBatch) => Math.max(activationLayout(this.model, b.B, b.T, b.pos.length).size, gradientLayout(this.model, b.B, b.T, b.pos.length).size) <= max;
    if (fits(batch)) return [{ batch, rowLo: 0, rowHi: batch.pos.length }];
    for (let n = 2; n < 2 * batch.B; n *= 2) {
      const parts = splitRows(batch, n);
      if (parts.every((p) => fits(p.batch))) return parts;
    }
    throw new Error(`one sequence of ${batch.T} tokens needs more than the adapter's largest storage binding (${max * 4} bytes): use a smaller model or n_ctx`);
  }

  private prepare(slot: Slot, batch: RowBatch): ActivationLayout {
    const { vocabSize: V } = this.model;
    const { B, T, tokens, pos, targets, mask } = batch;
    const M = pos.length;
    const lay = activationLayout(this.model, B, T, M);
    if (slot.buf === undefined || slot.capacity < lay.size) {
      if (slot.buf !== undefined) this.rt.release(slot.buf);
      slot.capacity = Math.min(Math.ceil(lay.size * 1.25), this.rt.maxBindingFloats);
      slot.buf = this.rt.buffer(slot.capacity, 'activations');
    }
    slot.layout = lay;
    // Token ids go up as int32 bits in the float buffer (the kernels bitcast them back).
    this.rt.write(slot.buf, lay.tokens, tokens);
    this.rt.write(slot.buf, lay.csr, tokenIndex(tokens, V));
    this.rt.write(slot.buf, lay.pos, pos);
    this.rt.write(slot.buf, lay.targets, targets);
    if (mask !== undefined) this.rt.write(slot.buf, lay.mask, Float32Array.from(mask));
    return lay;
  }

  async forward(batch: RowBatch, which: 'policy' | 'reference'): Promise<ForwardOut> {
    if (which === 'policy') this.backwardReady = false;
    const slots = which === 'policy' ? this.policy : this.reference;
    const parts = this.split(batch);
    const layouts = parts.map((part, i) => {
      const slot = (slots[i] ??= { buf: undefined, capacity: 0 });
      const a = this.prepare(slot, part.batch);
      this.encodeForward(this.four(slot, which), a, part.batch);
      return a;
    });
    const M = batch.pos.length;
    const logprobs = new Float32Array(M);
    const entropy = new Float32Array(M);
    for (const [i, part] of parts.entries()) {
      const n = part.rowHi - part.rowLo;
      const out = await this.rt.read((slots[i] as Slot).buf as GPUBuffer, (layouts[i] as ActivationLayout).logprobs, 2 * n);
      logprobs.set(out.subarray(0, n), part.rowLo);
      entropy.set(out.subarray(n), part.rowLo);
    }
    if (which === 'policy') {
      this.parts = parts;
      this.backwardReady = true;
    }
    return { logprobs, entropy };
  }

  private encodeForward(b: Four, a: ActivationLayout, batch: RowBatch): void {
    const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = this.model;
    const { B, T } = batch;
    const M = batch.pos.length;
    const BT = B * T;
    const o = this.ops;
    const p = this.offsets();
    o.encoderForward(b, a.encoded, a.tokens, p.wte, p.wpe, B, T, C);
    for (let l = 0; l < L; l++) {
      const residual = l === 0 ? a.encoded : at(a.residual3, l - 1);
      o.layernormForward(b, at(a.ln1, l), at(a.ln1Mean, l), at(a.ln1Rstd, l), residual, p.ln1w + l * C, p.ln1b + l * C, BT, C);
      o.matmulForward(b, at(a.qkv, l), at(a.ln1, l), p.qkvw + l * 3 * C * C, p.qkvb + l * 3 * C, BT, C, 3 * C);
      o.attentionForward(b, at(a.atty, l), at(a.att, l), at(a.qkv, l), B, T, C, NH);
      o.matmulForward(b, at(a.attproj, l), at(a.atty, l), p.attprojw + l * C * C, p.attprojb + l * C, BT, C, C);
      o.residualForward(b, at(a.residual2, l), residual, at(a.attproj, l), BT * C);
      o.layernormForward(b, at(a.ln2, l), at(a.ln2Mean, l), at(a.ln2Rstd, l), at(a.residual2, l), p.ln2w + l * C, p.ln2b + l * C, BT, C);
      o.matmulForward(b, at(a.fch, l), at(a.ln2, l), p.fcw + l * 4 * C * C, p.fcb + l * 4 * C, BT, C, 4 * C);
      o.geluForward(b, at(a.fchGelu, l), at(a.fch, l), BT * 4 * C);
      o.matmulForward(b, at(a.fcproj, l), at(a.fchGelu, l), p.fcprojw + l * 4 * C * C, p.fcprojb + l * C, BT, 4 * C, C);
      o.residualForward(b, at(a.residual3, l), at(a.residual2, l), at(a.fcproj, l), BT * C);
    }
    o.gatherRows(b, a.sel, at(a.residual3, L - 1), a.pos, M, C);
    o.layernormForward(b, a.lnf, a.lnfMean, a.lnfRstd, a.sel, p.lnfw, p.lnfb, M, C);
    o.matmulForward(b, a.logits, a.lnf, p.wte, -1, M, C, V);
    o.logprobForward(b, a.logprobs, a.entropy, a.probs, a.logits, a.targets, batch.mask === undefined ? -1 : a.mask, M, V, 1 / batch.temperature);
  }

  /** Start of every parameter tensor; G has the same layout, so these also address gradients. */
  private offsets(): Record<ParamName, number> {
    return Object.fromEntries(Object.entries(paramOffsets(this.model)).map(([k, [s]]) => [k, s])) as Record<ParamName, number>;
  }

  async backward(dlogp: Float32Array): Promise<number> {
    if (!this.backwardReady) throw new Error("backward() needs a forward(batch, 'policy') first");
    const total = this.parts.reduce((n, p) => n + p.rowHi - p.rowLo, 0);
    if (dlogp.length !== total) throw new Error(`dlogp has ${dlogp.length} values, expected ${total}`);
    const grads = this.parts.map((p) => gradientLayout(this.model, p.batch.B, p.batch.T, p.batch.pos.length));
    const need = Math.max(...grads.map((d) => d.size));
    if (this.dCapacity < need) {
      this.rt.release(this.D);
      this.dCapacity = Math.min(Math.ceil(need * 1.25), this.rt.maxBindingFloats);
      this.D = this.rt.buffer(this.dCapacity, 'dacts');
    }
    this.ops.fill(this.four(this.policy[0] as Slot, 'policy'), 'G', 0, this.n);
    for (const [i, part] of this.parts.entries()) {
      const slot = this.policy[i] as Slot;
      const d = grads[i] as GradientLayout;
      const b = this.four(slot, 'policy');
      this.ops.fill(b, 'D', 0, d.size);
      this.rt.write(this.D, d.dlogp, dlogp.subarray(part.rowLo, part.rowHi));
      this.encodeBackward(b, slot.layout as ActivationLayout, d, part.batch);
    }
    const d = grads[grads.length - 1] as GradientLayout;
    this.dLayout = d;
    this.ops.gradNorm(this.four(this.policy[0] as Slot, 'policy'), 0, this.n, d.partials, d.norm);
    this.lastNorm = (await this.rt.read(this.D, d.norm, 1))[0] as number;
    return this.lastNorm;
  }

  private encodeBackward(b: Four, a: ActivationLayout, d: GradientLayout, batch: RowBatch): void {
    const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = this.model;
    const { B, T } = batch;
    const M = batch.pos.length;
    const BT = B * T;
    const o = this.ops;
    const p = this.offsets();
    o.logprobBackward(b, d.logits, d.dlogp, a.probs, a.targets, M, V, 1 / batch.temperature);
    o.matmulBackward(b, d.lnf, p.wte, -1, d.logits, a.lnf, p.wte, M, C, V);
    o.layernormBackward(b, d.sel, p.lnfw, p.lnfb, d.lnf, a.sel, p.lnfw, a.lnfMean, a.lnfRstd, M, C);
    o.scatterRows(b, at(d.dres, L), d.sel, a.pos, M, C);
    for (let l = L - 1; l >= 0; l--) {
      if (l < L - 1) o.fill(b, 'D', d.scratchStart, d.scratchEnd - d.scratchStart);
      const residual = l === 0 ? a.encoded : at(a.residual3, l - 1);
      const dresidual = at(d.dres, l);
      o.residualBackward(b, d.residual2, d.fcproj, at(d.dres, l + 1), BT * C);
      o.matmulBackward(b, d.fchGelu, p.fcprojw + l * 4 * C * C, p.fcprojb + l * C, d.fcproj, at(a.fchGelu, l), p.fcprojw + l * 4 * C * C, BT, 4 * C, C);
      o.geluBackward(b, d.fch, at(a.fch, l), d.fchGelu, BT * 4 * C);
      o.matmulBackward(b, d.ln2, p.fcw + l * 4 * C * C, p.fcb + l * 4 * C, d.fch, at(a.ln2, l), p.fcw + l * 4 * C * C, BT, C, 4 * C);
      o.layernormBackward(b, d.residual2, p.ln2w + l * C, p.ln2b + l * C, d.ln2, at(a.residual2, l), p.ln2w + l * C, at(a.ln2Mean, l), at(a.ln2Rstd, l), BT, C);
      o.residualBackward(b, dresidual, d.attproj, d.residual2, BT * C);
      o.matmulBackward(b, d.atty, p.attprojw + l * C * C, p.attprojb + l * C, d.attproj, at(a.atty, l), p.attprojw + l * C * C, BT, C, C);
      o.attentionBackward(b, d.qkv, d.attScratch, d.atty, at(a.qkv, l), at(a.att, l), B, T, C, NH);
      o.matmulBackward(b, d.ln1, p.qkvw + l * 3 * C * C, p.qkvb + l * 3 * C, d.qkv, at(a.ln1, l), p.qkvw + l * 3 * C * C, BT, C, 3 * C);
      o.layernormBackward(b, dresidual, p.ln1w + l * C, p.ln1b + l * C, d.ln1, residual, p.ln1w + l * C, at(a.ln1Mean, l), at(a.ln1Rstd, l), BT, C);
    }
    o.encoderBackward(b, p.wte, p.wpe, at(d.dres, 0), a.csr, a.list, B, T, C, V);
  }

  async step(opts: StepOptions): Promise<void> {
    if (this.dLayout === undefined) throw new Error('step() needs a backward() first');
    this.adamT++;
    const { beta1, beta2, eps, weightDecay } = this.opt;
    const off = paramOffsets(this.model);
    const norm = this.lastNorm;
    const clip = opts.maxGradNorm > 0 && norm > opts.maxGradNorm ? opts.maxGradNorm / (norm + 1e-6) : 1;
    this.ops.adamw([this.P, this.G, this.Mo, this.Vo], this.n, DECAYED.map((k) => off[k]), {
      lr: opts.lr ?? this.opt.lr, beta1, beta2, eps, wd: weightDecay, bc1: 1 - beta1 ** this.adamT, bc2: 1 - beta2 ** this.adamT, clip,
    });
    this.rt.flush();
    this.samplerStale = true;
  }

  async sample(requests: readonly SampleRequest[]): Promise<SampleResult[]> {
    const model = await this.cpuSampler();
    return sampleBatch(requests, this.grammar, async (rows) => lastLogitsOf(model, rows));
  }

  /** Forces the next sample() to copy the weights again (benchmarks time the copy). */
  invalidateSampler(): void {
    this.samplerStale = true;
  }

  /**
   * Logits [rows.length · V] at the last position of each row, by one batched forward on the
   * device: the on-device sampling route that docs/webgpu.md measures against the CPU decoder.
   */
  async lastLogits(rows: readonly number[][]): Promise<Float32Array> {
    const B = rows.length;
    const T = Math.max(1, ...rows.map((r) => r.length));
    const tokens = new Int32Array(B * T);
    rows.forEach((r, b) => { for (let t = 0; t < T; t++) tokens[b * T + t] = r[Math.min(t, r.length - 1)] ?? 0; });
    const pos = Int32Array.from(rows, (r, b) => b * T + Math.max(r.length, 1) - 1);
    const batch: RowBatch = { tokens, B, T, pos, targets: new Int32Array(B), temperature: 1 };
    const V = this.model.vocabSize;
    const out = new Float32Array(B * V);
    for (const [i, part] of this.split(batch).entries()) {
      const slot = (this.sampling[i] ??= { buf: undefined, capacity: 0 });
      const a = this.prepare(slot, part.batch);
      this.encodeForward(this.four(slot, 'policy'), a, part.batch);
      out.set(await this.rt.read(slot.buf as GPUBuffer, a.logits, (part.rowHi - part.rowLo) * V), part.rowLo * V);
    }
    return out;
  }

  /** A CPU copy of the policy with the current weights (copied down once per optimiser step). */
  private async cpuSampler(): Promise<GPT> {
    if (this.sampler !== undefined && !this.samplerStale) return this.sampler;
    const params = await this.rt.read(this.P, 0, this.n);
    if (this.sampler === undefined) this.sampler = new GPT(this.model, { params });
    else this.sampler.params.set(params);
    this.samplerStale = false;
    return this.sampler;
  }

  async exportState(): Promise<DeviceState> {
    const params = await this.rt.read(this.P, 0, this.n);
    return { params, adamM: await this.rt.read(this.Mo, 0, this.n), adamV: await this.rt.read(this.Vo, 0, this.n), adamT: this.adamT };
  }

  async readGradients(): Promise<Float32Array> {
    return this.rt.read(this.G, 0, this.n);
  }

  dispose(): void {
    this.rt.destroy();
  }
}

/** Positions grouped by token id (CSR: V+1 starts, then the positions), for the dwte kernel. */
export function tokenIndex(tokens: Int32Array, V: number): Int32Array {
  const out = new Int32Array(V + 1 + tokens.length);
  for (const t of tokens) out[t + 1]! += 1;
  for (let v = 0; v < V; v++) out[v + 1]! += out[v]!;
  const next = out.slice(0, V);
  tokens.forEach((t, i) => { out[V + 1 + next[t]!++] = i; });
  return out;
}

/** A WebGPU device on the chosen kind of adapter; throws with the reason when there is none. */
export async function createWebGpuDevice(init: DeviceInit, adapter: AdapterChoice = 'hardware'): Promise<WebGpuDevice> {
  const got = await acquireGpu(adapter);
  if (!got.ok) throw new Error(`WebGPU is not usable: ${got.reason}`);
  return new WebGpuDevice(new GpuRuntime(got.gpu, true), init);
}
