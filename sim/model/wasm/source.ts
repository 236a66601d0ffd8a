// Where the WebAssembly kernels' source and build live, and the tag that ties a build to its source:
// a custom section ("synth-rl.source", the source's hash) appended to the binary by
// scripts/build-wasm.ts and checked by the dev loader.
import { resolve } from 'node:path';

export const WAT_PATH = resolve(import.meta.dir, 'kernels.wat');
export const WASM_PATH = resolve(import.meta.dir, 'kernels.wasm');

const SECTION = 'synth-rl.source';

/** The custom section's bytes: id 0, size, name, then the hash in hex (all lengths < 128). */
export function sourceTag(source: string): Uint8Array {
  const hash = Bun.hash(source).toString(16).padStart(16, '0');
  const name = new TextEncoder().encode(SECTION);
  const body = new TextEncoder().encode(hash);
  const size = 1 + name.length + body.length;
  return Uint8Array.from([0, size, name.length, ...name, ...body]);
}
