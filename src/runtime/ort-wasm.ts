// ONNX Runtime compiled to WebAssembly (onnxruntime-web), for platforms where onnxruntime-node
// ships no native library (darwin-x64 at the pinned version), or when SYNTH_RL_ORT=wasm asks for it.
//
// transformers.js takes an ONNX Runtime from globalThis[Symbol.for("onnxruntime")] in place of
// onnxruntime-node. Two things differ from the native runtime, and are bridged here:
// - under Bun, transformers hands sessions a model *path*; the web runtime would fetch() it, so
//   sessions are created from the file's bytes instead;
// - transformers lists no devices for an injected runtime, so sessions ask for device "auto"
//   (no execution provider named: the web runtime uses its WebAssembly CPU provider).
// One thread: the threaded build would start Workers from a script URL the binary does not have.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { NATIVE_LIBS } from './native-libs.ts';

export type OrtKind = 'native' | 'wasm';

const ORT_SYMBOL = Symbol.for('onnxruntime');
let installed: string | undefined;

/** Which ONNX Runtime this process uses: the build's choice, or SYNTH_RL_ORT=wasm|native. */
export function ortKind(env: Readonly<Record<string, string | undefined>> = process.env): OrtKind {
  const asked = env.SYNTH_RL_ORT;
  if (asked !== undefined && asked !== '' && asked !== 'wasm' && asked !== 'native') {
    throw new Error(`SYNTH_RL_ORT: expected "native" or "wasm", got ${JSON.stringify(asked)}`);
  }
  if (asked === 'wasm' || asked === 'native') return asked;
  return NATIVE_LIBS !== null && NATIVE_LIBS.ort === null && NATIVE_LIBS.ortWasm !== null ? 'wasm' : 'native';
}

/** The WebAssembly module's bytes: embedded in the executable, or onnxruntime-web's in node_modules. */
function wasmBytes(): Uint8Array {
  if (NATIVE_LIBS !== null) {
    if (NATIVE_LIBS.ortWasm === null) throw new Error(`this ${NATIVE_LIBS.target} build carries no WebAssembly ONNX Runtime; unset SYNTH_RL_ORT to use the native one`);
    return readFileSync(NATIVE_LIBS.ortWasm.path);
  }
  return readFileSync(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
}

/** Installs the WebAssembly runtime for transformers.js; returns its version. Idempotent. */
export async function installWasmOrt(): Promise<string> {
  if (installed !== undefined) return installed;
  const ort = await import('onnxruntime-web/wasm');
  const bytes = wasmBytes();
  // A file this large gets its own ArrayBuffer; copy only if it shares one.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  ort.env.wasm.wasmBinary = (whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
  // Any value stops transformers from pointing the runtime at a CDN; the bytes above are used.
  ort.env.wasm.wasmPaths = { wasm: 'embedded:ort-wasm-simd-threaded.wasm' };
  ort.env.wasm.numThreads = 1;
  const Session = ort.InferenceSession;
  const InferenceSession = {
    create: (model: string | Uint8Array, options?: Parameters<typeof Session.create>[1]) =>
      Session.create(typeof model === 'string' ? readFileSync(model) : model, options ?? {}),
  };
  (globalThis as Record<symbol, unknown>)[ORT_SYMBOL] = { ...ort, InferenceSession };
  installed = ort.env.versions.web ?? 'unknown';
  return installed;
}

/** The `device` option for transformers' from_pretrained/pipeline under this runtime. */
export function sessionDevice(kind: OrtKind = ortKind()): { device?: 'auto' } {
  return kind === 'wasm' ? { device: 'auto' } : {};
}
