// Seeded 2D gradient noise standing in for Crafter's OpenSimplex (a documented deviation): integer
// hashing of lattice corners, eight unit gradients, quintic fade. Each Crafter noise "layer" (its z
// argument) is an independent hash seed plus a random lattice offset, so layers are uncorrelated and
// the origin is not pinned to 0. NOISE_GAIN rescales classic Perlin's ±0.71 range to about ±1, the
// range of Crafter's noise, so its thresholds (0.15, 0.4, …) keep roughly their meaning.

import { mix32 } from './rng.ts';

export const NOISE_GAIN = 1.4;
const D = Math.SQRT1_2;
const GX = new Float64Array([1, -1, 0, 0, D, -D, D, -D]);
const GY = new Float64Array([0, 0, 1, -1, D, D, -D, -D]);

function hash2(seed: number, ix: number, iy: number): number {
  let h = seed ^ Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return h ^ (h >>> 15);
}

/**
 * One noise layer: a hash seed and a lattice offset. Instances remember the gradients of the last
 * lattice cell they evaluated: world generation walks the map in columns, so consecutive calls of
 * one instance mostly land in the same cell and skip the four hashes. Give each sampling frequency
 * its own instance (reseeded with the same layer) to keep that cache warm.
 */
export class NoiseLayer {
  seed = 0;
  offX = 0;
  offY = 0;
  private cellX = 0x7fffffff;
  private cellY = 0x7fffffff;
  private g00 = 0;
  private g10 = 0;
  private g01 = 0;
  private g11 = 0;

  reseed(worldSeed: number, layer: number): void {
    this.seed = mix32(worldSeed * 31 + layer * 0x9e37 + 7) | 0;
    const h = mix32(this.seed ^ 0x5bd1e995);
    this.offX = (h & 0xffff) / 256;
    this.offY = (h >>> 16) / 256;
    this.cellX = 0x7fffffff;
    this.cellY = 0x7fffffff;
  }

  /** Noise at (x, y) in lattice units (x, y ≥ 0), roughly in [-1, 1]. */
  at(x: number, y: number): number {
    const X = x + this.offX;
    const Y = y + this.offY;
    const xf = Math.floor(X);
    const yf = Math.floor(Y);
    if (xf !== this.cellX || yf !== this.cellY) {
      const s = this.seed;
      this.cellX = xf;
      this.cellY = yf;
      this.g00 = hash2(s, xf, yf) & 7;
      this.g10 = hash2(s, xf + 1, yf) & 7;
      this.g01 = hash2(s, xf, yf + 1) & 7;
      this.g11 = hash2(s, xf + 1, yf + 1) & 7;
    }
    const fx = X - xf;
    const fy = Y - yf;
    const g00 = this.g00;
    const g10 = this.g10;
    const g01 = this.g01;
    const g11 = this.g11;
    const n00 = GX[g00]! * fx + GY[g00]! * fy;
    const n10 = GX[g10]! * (fx - 1) + GY[g10]! * fy;
    const n01 = GX[g01]! * fx + GY[g01]! * (fy - 1);
    const n11 = GX[g11]! * (fx - 1) + GY[g11]! * (fy - 1);
    const u = fx * fx * fx * (fx * (fx * 6 - 15) + 10);
    const v = fy * fy * fy * (fy * (fy * 6 - 15) + 10);
    const a = n00 + u * (n10 - n00);
    const b = n01 + u * (n11 - n01);
    return NOISE_GAIN * (a + v * (b - a));
  }
}
