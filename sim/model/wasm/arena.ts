// One kernel instance and its linear memory, carved up by a bump allocator. Growing the memory
// detaches every typed-array view of it, so holders keep byte offsets and ask for views when they
// need them (views are cached until the next growth).
import { instantiateKernels, type KernelExports } from './module.ts';

const PAGE = 65536;

export class Arena {
  readonly k: KernelExports;
  private top = 64; // offset 0 stays unused: the kernels read pointer 0 as "absent"
  private f32Cache: Float32Array;
  private i32Cache: Int32Array;

  constructor() {
    this.k = instantiateKernels();
    this.f32Cache = new Float32Array(this.k.memory.buffer);
    this.i32Cache = new Int32Array(this.k.memory.buffer);
  }

  get used(): number {
    return this.top;
  }

  /** Reserves `n` floats (16-byte aligned), growing the memory if needed; returns the byte offset. */
  alloc(n: number): number {
    const at = this.top;
    this.top = at + Math.ceil((n * 4) / 16) * 16;
    this.ensure(this.top);
    return at;
  }

  /** Frees everything allocated after byte offset `mark` (a value of `used` taken earlier). */
  release(mark: number): void {
    this.top = mark;
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
