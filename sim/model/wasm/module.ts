// Loads the WebAssembly SIMD kernels (sim/model/wasm/kernels.wat) and instantiates them.
//
// Inside the compiled executable the bytes are embedded (embedded.ts, filled in by scripts/build.ts).
// In the source tree they come from kernels.wasm, which is gitignored: when it is missing or was
// built from another version of kernels.wat, scripts/build-wasm.ts is run first (synchronously, so
// models can be constructed without awaiting; a fresh clone needs no extra step).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EMBEDDED_WASM } from './embedded.ts';
import { sourceTag, WASM_PATH, WAT_PATH } from './source.ts';

/** The kernels' exports; every pointer is a byte offset into `memory`, every size an element count. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  gemm_scratch(N: number, K: number, M: number): number;
  gemm(out: number, ldo: number, cin: number, bias: number, a: number, san: number, sak: number, b: number, sbk: number, sbm: number,
    N: number, K: number, M: number, mode: number, scratch: number): void;
  gemm_pack_b(dst: number, b: number, sbk: number, sbm: number, K: number, M: number): void;
  gemm_packed(out: number, ldo: number, cin: number, bias: number, a: number, san: number, pairs: number, pb: number, N: number, K: number, M: number, mode: number, tile: number): void;
  bias_backward(db: number, dout: number, N: number, OC: number): void;
  add(out: number, a: number, b: number, n: number): void;
  gelu_forward(out: number, inp: number, n: number): void;
  gelu_backward(dinp: number, inp: number, dout: number, n: number): void;
  gelu_forward_keep(out: number, sig: number, inp: number, n: number): void;
  gelu_backward_kept(dinp: number, inp: number, sig: number, dout: number, n: number): void;
  encoder_forward(out: number, inp: number, wte: number, wpe: number, B: number, T: number, C: number): void;
  encoder_backward(dwte: number, dwpe: number, dout: number, inp: number, B: number, T: number, C: number): void;
  layernorm_forward(out: number, mean: number, rstd: number, inp: number, w: number, b: number, N: number, C: number): void;
  layernorm_backward(dinp: number, dw: number, db: number, dout: number, inp: number, w: number, mean: number, rstd: number, N: number, C: number): void;
  softmax_causal(att: number, T: number, scale: number): void;
  softmax_causal_backward(d: number, P: number, T: number, scale: number): void;
  attention_decode(out: number, q: number, kc: number, vc: number, n: number, C: number, NH: number, scratch: number): void;
  sumsq(x: number, n: number): number;
  scale(x: number, a: number, n: number): void;
  adamw(p: number, g: number, m: number, v: number, n: number, lr: number, b1: number, b2: number, c1: number, c2: number, eps: number, wd: number, bc1: number, bc2: number): void;
}

let compiled: WebAssembly.Module | undefined;

function isFresh(bytes: Uint8Array, source: string): boolean {
  const tag = sourceTag(source);
  if (bytes.length < tag.length) return false;
  const tail = bytes.subarray(bytes.length - tag.length);
  return tail.every((b, i) => b === tag[i]);
}

function devBytes(): Uint8Array {
  const source = readFileSync(WAT_PATH, 'utf8');
  if (existsSync(WASM_PATH)) {
    const have = new Uint8Array(readFileSync(WASM_PATH));
    if (isFresh(have, source)) return have;
  }
  const script = resolve(import.meta.dir, '../../../scripts/build-wasm.ts');
  const r = Bun.spawnSync([process.execPath, script], { stdout: 'ignore', stderr: 'pipe' });
  if (r.exitCode !== 0) throw new Error(`building ${WASM_PATH} from ${WAT_PATH} failed: ${r.stderr.toString().trim()}`);
  return new Uint8Array(readFileSync(WASM_PATH));
}

/** The compiled module (compiled once per thread; each model instantiates its own memory). */
export function kernelModule(): WebAssembly.Module {
  if (compiled !== undefined) return compiled;
  const bytes = EMBEDDED_WASM !== null ? Uint8Array.from(Buffer.from(EMBEDDED_WASM, 'base64')) : devBytes();
  compiled = new WebAssembly.Module(bytes);
  return compiled;
}

/** Scratch bytes one gemm of out[N,M] = A[N,K]·B[K,M] needs (mirrors gemm_scratch in kernels.wat). */
export function gemmScratchBytes(N: number, K: number, M: number): number {
  return 128 + 4 * ((N + 1) * K + K * Math.ceil(M / 16) * 16);
}

/**
 * out[N,M] (row-major) = cin + bias + A·B for dense operands: A is [N,K] row-major, or stored
 * [K,N] when aT; B is [K,M] row-major, or stored [M,K] when bT (the layout of a weight W in
 * out = inp·Wᵀ). cin/bias 0 = absent; cin = out accumulates.
 */
export function matmul(k: KernelExports, out: number, cin: number, bias: number, a: number, aT: boolean, b: number, bT: boolean,
  N: number, K: number, M: number, scratch: number): void {
  k.gemm(out, M, cin, bias, a, aT ? 1 : K, aT ? N : 1, b, bT ? 1 : M, bT ? K : 1, N, K, M, 0, scratch);
}
