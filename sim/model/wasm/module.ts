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
  gemm(out: number, cin: number, bias: number, a: number, aT: number, b: number, bT: number, N: number, K: number, M: number, scratch: number): void;
  bias_backward(db: number, dout: number, N: number, OC: number): void;
  add(out: number, a: number, b: number, n: number): void;
  gelu_forward(out: number, inp: number, n: number): void;
  gelu_backward(dinp: number, inp: number, dout: number, n: number): void;
  encoder_forward(out: number, inp: number, wte: number, wpe: number, B: number, T: number, C: number): void;
  encoder_backward(dwte: number, dwpe: number, dout: number, inp: number, B: number, T: number, C: number): void;
  layernorm_forward(out: number, mean: number, rstd: number, inp: number, w: number, b: number, N: number, C: number): void;
  layernorm_backward(dinp: number, dw: number, db: number, dout: number, inp: number, w: number, mean: number, rstd: number, N: number, C: number): void;
  attention_forward(out: number, att: number, qkv: number, B: number, T: number, C: number, NH: number): void;
  attention_backward(dqkv: number, dout: number, qkv: number, att: number, scratch: number, B: number, T: number, C: number, NH: number): void;
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

export function instantiateKernels(): KernelExports {
  return new WebAssembly.Instance(kernelModule(), {}).exports as unknown as KernelExports;
}
