// The thin layer between the kernels and WebGPU: buffers, cached pipelines, and a queue of
// dispatches that is encoded into ONE compute pass per submit.
//
// Every layer kernel sees the same four storage buffers — P (parameters, read-only), G (gradients),
// A (activations), D (activation gradients and scratch) — and addresses tensors in them by element
// offsets passed as uniforms. That keeps every kernel within compatibility mode's four storage
// buffers per stage and lets one bind group serve a whole update. The optimiser kernel sees P
// (writable), G and the two AdamW moment buffers.
//
// Uniforms: each dispatch gets a 256-byte slot (16 u32 + 16 f32) in an arena that is written once
// per submit and bound with a dynamic offset.
import type { GpuHandle } from '../../../src/runtime/webgpu.ts';

export type BufName = 'P' | 'G' | 'A' | 'D';
export type BufferSet = Record<BufName, GPUBuffer>;
export type LayoutKind = 'layer' | 'opt';

const SLOT = 256;
const SLOT_WORDS = SLOT / 4;
const STORAGE = 0x80; // GPUBufferUsage.STORAGE
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;
const UNIFORM = 0x40;
const COMPUTE = 0x4; // GPUShaderStage.COMPUTE
const READ = 0x1; // GPUMapMode.READ

interface Dispatch { pipeline: GPUComputePipeline; group: GPUBindGroup; x: number; y: number; ints: readonly number[]; floats: readonly number[] }

/** Workgroup grid for `groups` workgroups: x capped so that y stays within the per-dimension limit. */
export function grid(groups: number): [number, number] {
  const x = Math.min(Math.max(groups, 1), 32768);
  return [x, Math.ceil(Math.max(groups, 1) / x)];
}

export class GpuRuntime {
  readonly device: GPUDevice;
  private readonly layouts: Record<LayoutKind, GPUBindGroupLayout>;
  private readonly pipelineLayouts: Record<LayoutKind, GPUPipelineLayout>;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly groups = new Map<string, GPUBindGroup>();
  private pending: Dispatch[] = [];
  private arena: GPUBuffer;
  private arenaSlots = 1024;
  private ids = new WeakMap<GPUBuffer, number>();
  private nextId = 1;
  /** The first validation/out-of-memory error Dawn reported; the next read() throws it. */
  private error: string | undefined;
  /** Largest storage binding in float32 elements (one activation buffer must fit in it). */
  readonly maxBindingFloats: number;
  /** Dispatches and submits so far (for tests and benchmarks). */
  dispatches = 0;
  submits = 0;

  private readonly owned = new Set<GPUBuffer>();

  /**
   * ownsDevice: destroy() also destroys the GPUDevice (otherwise only this runtime's buffers).
   * maxBindingFloats: a lower binding limit than the adapter's (tests of the sub-batch split).
   */
  constructor(readonly gpu: GpuHandle, private readonly ownsDevice = false, maxBindingFloats?: number) {
    this.device = gpu.device;
    this.maxBindingFloats = Math.min(maxBindingFloats ?? Infinity, Math.floor(Number(this.device.limits.maxStorageBufferBindingSize) / 4));
    // Errors would otherwise only be printed while the update carried on with garbage.
    this.device.onuncapturederror = (e: GPUUncapturedErrorEvent) => { this.error ??= e.error.message; };
    const entry = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({ binding, visibility: COMPUTE, buffer: { type } });
    const uni: GPUBindGroupLayoutEntry = { binding: 4, visibility: COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: SLOT } };
    const make = (types: GPUBufferBindingType[]) => this.device.createBindGroupLayout({ entries: [...types.map((t, i) => entry(i, t)), uni] });
    this.layouts = {
      layer: make(['read-only-storage', 'storage', 'storage', 'storage']),
      opt: make(['storage', 'read-only-storage', 'storage', 'storage']),
    };
    this.pipelineLayouts = {
      layer: this.device.createPipelineLayout({ bindGroupLayouts: [this.layouts.layer] }),
      opt: this.device.createPipelineLayout({ bindGroupLayouts: [this.layouts.opt] }),
    };
    this.arena = this.makeArena(this.arenaSlots);
  }

  private makeArena(slots: number): GPUBuffer {
    return this.device.createBuffer({ size: slots * SLOT, usage: UNIFORM | COPY_DST });
  }

  /** A storage buffer of n float32 (at least one element: zero-sized bindings are invalid). */
  buffer(n: number, label = 'tensor'): GPUBuffer {
    const b = this.device.createBuffer({ label, size: Math.max(4, Math.ceil(n) * 4), usage: STORAGE | COPY_SRC | COPY_DST });
    this.ids.set(b, this.nextId++);
    this.owned.add(b);
    return b;
  }

  pipeline(key: string, source: string, kind: LayoutKind): GPUComputePipeline {
    const have = this.pipelines.get(key);
    if (have !== undefined) return have;
    const module = this.device.createShaderModule({ code: source, label: key });
    const p = this.device.createComputePipeline({ label: key, layout: this.pipelineLayouts[kind], compute: { module, entryPoint: 'main' } });
    this.pipelines.set(key, p);
    return p;
  }

  /** One bind group per distinct set of four buffers (cached). */
  group(kind: LayoutKind, bufs: readonly [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer]): GPUBindGroup {
    const key = `${kind}:${bufs.map((b) => this.ids.get(b) ?? 0).join(',')}:${this.arenaSlots}`;
    const have = this.groups.get(key);
    if (have !== undefined) return have;
    const entries: GPUBindGroupEntry[] = bufs.map((buffer, binding) => ({ binding, resource: { buffer } }));
    entries.push({ binding: 4, resource: { buffer: this.arena, offset: 0, size: SLOT } });
    const g = this.device.createBindGroup({ layout: this.layouts[kind], entries });
    this.groups.set(key, g);
    return g;
  }

  enqueue(pipeline: GPUComputePipeline, kind: LayoutKind, bufs: readonly [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer], groups: [number, number], ints: readonly number[], floats: readonly number[] = []): void {
    if (ints.length > 16 || floats.length > 16) throw new Error('a kernel takes at most 16 integer and 16 float uniforms');
    if (this.pending.length >= this.arenaSlots) this.flush();
    this.pending.push({ pipeline, group: this.group(kind, bufs), x: groups[0], y: groups[1], ints, floats });
  }

  /** Encodes every queued dispatch into one compute pass and submits it (no wait). */
  flush(): void {
    const work = this.pending;
    if (work.length === 0) return;
    this.pending = [];
    const words = new Uint32Array(work.length * SLOT_WORDS);
    const asFloat = new Float32Array(words.buffer);
    work.forEach((d, i) => {
      d.ints.forEach((v, k) => { words[i * SLOT_WORDS + k] = v >>> 0; });
      d.floats.forEach((v, k) => { asFloat[i * SLOT_WORDS + 16 + k] = v; });
    });
    this.device.queue.writeBuffer(this.arena, 0, words);
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    work.forEach((d, i) => {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.group, [i * SLOT]);
      pass.dispatchWorkgroups(d.x, d.y);
    });
    pass.end();
    this.device.queue.submit([enc.finish()]);
    this.dispatches += work.length;
    this.submits++;
  }

  /** Writes host data at an element offset; queued dispatches are submitted first so they keep their order. */
  write(buf: GPUBuffer, offset: number, data: Float32Array | Int32Array | Uint32Array): void {
    this.flush();
    if (data.length === 0) return;
    this.device.queue.writeBuffer(buf, offset * 4, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copies n float32 from an element offset back to the host (submits what is queued, then waits). */
  async read(buf: GPUBuffer, offset: number, n: number): Promise<Float32Array> {
    this.flush();
    if (n === 0) return new Float32Array(0);
    const staging = this.device.createBuffer({ size: n * 4, usage: MAP_READ | COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buf, offset * 4, staging, 0, n * 4);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(READ);
    const out = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    this.check();
    return out;
  }

  /** Throws the first error Dawn reported since the last check. */
  check(): void {
    const e = this.error;
    if (e === undefined) return;
    this.error = undefined;
    throw new Error(`WebGPU error: ${e.split('\n')[0]}`);
  }

  /** Frees a buffer made by buffer(). */
  release(b: GPUBuffer): void {
    this.owned.delete(b);
    b.destroy();
  }

  destroy(): void {
    this.pending = [];
    for (const b of this.owned) b.destroy();
    this.owned.clear();
    this.arena.destroy();
    if (this.ownsDevice) this.device.destroy();
  }
}
