// One seeded PRNG per environment (docs/crafter.md §8.3 item 9). sfc32: 128 bits of state in four
// 32-bit words, fast with plain int32 arithmetic in JS (PCG32 would need 64-bit multiplies), passes
// PractRand well past the ~10^9 draws an environment ever makes. Rendering and text formatting never
// draw from it, so observing an episode cannot change its future.

const TWO_POW_32_INV = 1 / 4294967296;

/** Mixes an integer of up to 53 bits into a well-spread 32-bit value (splitmix-style finaliser). */
export function mix32(value: number): number {
  const lo = value | 0;
  const hi = Math.floor(value / 4294967296) | 0;
  let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(hi + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines two integers into a 32-bit seed; used for per-attempt and per-episode sub-seeds. */
export function combineSeeds(a: number, b: number): number {
  return mix32(mix32(a) ^ Math.imul(mix32(b) + 0x6d2b79f5, 0x9e3779b1));
}

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Restarts the stream from an integer seed (any safe integer, negative allowed). */
  seed(seed: number): void {
    const s = mix32(seed);
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = s;
    // Discard the first outputs so nearby seeds diverge completely.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Next raw 32-bit output as an unsigned integer. */
  nextU32(): number {
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.c = (r + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  uniform(): number {
    return this.nextU32() * TWO_POW_32_INV;
  }

  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (multiply-shift; bias < n / 2^32). */
  below(n: number): number {
    return Math.floor(this.nextU32() * TWO_POW_32_INV * n);
  }

  /** Uniform direction index 0..3 from the top two bits. */
  dir4(): number {
    return this.nextU32() >>> 30;
  }

  /** The four state words, for hashing trajectories and snapshots. */
  state(): [number, number, number, number] {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  setState(s: readonly [number, number, number, number]): void {
    this.a = s[0] | 0;
    this.b = s[1] | 0;
    this.c = s[2] | 0;
    this.d = s[3] | 0;
  }
}
