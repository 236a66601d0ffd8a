// One kernel instance and its linear memory, carved up by a bump allocator. Growing the memory
// detaches every typed-array view of it, so holders keep byte offsets and ask for views when they
// need them (views are cached until the next growth).
import { kernelModule, type KernelExports } from './module.ts';

const PAGE = 65536;

/** A resizable block (activations for the current batch shape): see Arena.fit. */
export interface Region {
  ptr: number;
  bytes: number;
}

export class Arena {
  readonly k: KernelExports;
  private top = 64; // offset 0 stays unused: the kernels read pointer 0 as "absent"
  private f32Cache: Float32Array;
  private i32Cache: Int32Array;

  /** `module` replaces the built kernels (tests instantiate deliberately broken builds). */
  constructor(module: WebAssembly.Module = kernelModule()) {
    this.k = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
    this.f32Cache = new Float32Array(this.k.memory.buffer);
    this.i32Cache = new Int32Array(this.k.memory.buffer);
  }

  /** Reserves `n` floats (16-byte aligned), growing the memory if needed; returns the byte offset. */
  alloc(n: number): number {
    const at = this.top;
    this.top = at + Math.ceil((n * 4) / 16) * 16;
    this.ensure(this.top);
    return at;
  }

  /**
   * Makes `region` hold at least `bytes`: unchanged when it does; grown in place when it is the
   * last block; otherwise moved to the top with 1.5× headroom (its old space is not reused, so the
   * waste stays bounded by the geometric growth). Contents are not preserved.
   */
  fit(region: Region | undefined, bytes: number): Region {
    if (region !== undefined && region.bytes >= bytes) return region;
    const aligned = Math.ceil(bytes / 16) * 16;
    if (region !== undefined && region.ptr + region.bytes === this.top) {
      this.top = region.ptr + aligned;
      this.ensure(this.top);
      return { ptr: region.ptr, bytes: aligned };
    }
    const size = region === undefined ? aligned : Math.ceil((Math.max(bytes, region.bytes * 1.5)) / 16) * 16;
    const ptr = this.top;
    this.top = ptr + size;
    this.ensure(this.top);
    return { ptr, bytes: size };
  }

  private ensure(bytes: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.k.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /** Float32 view of all memory (re-created after growth). */
  get f32(): Float32Array {
    if (this.f32Cache.buffer !== this.k.memory.buffer) this.f32Cache = new Float32Array(this.k.memory.buffer);
    return this.f32Cache;
  }

  get i32(): Int32Array {
    if (this.i32Cache.buffer !== this.k.memory.buffer) this.i32Cache = new Int32Array(this.k.memory.buffer);
    return this.i32Cache;
  }

  /** `n` floats at byte offset `ptr`. */
  view(ptr: number, n: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, n);
  }

  zero(ptr: number, n: number): void {
    this.f32.fill(0, ptr >> 2, (ptr >> 2) + n);
  }
}

/** Lays out consecutive float arrays from a base offset (16-byte aligned each); `bytes` is the total. */
export class Layout {
  bytes = 0;
  /** Byte offset (relative to the region) of the next `n` floats. */
  take(n: number): number {
    const at = this.bytes;
    this.bytes += Math.ceil((n * 4) / 16) * 16;
    return at;
  }
}
