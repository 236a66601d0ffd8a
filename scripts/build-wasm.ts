#!/usr/bin/env bun
// Compiles the WebAssembly SIMD kernels from their source, sim/model/wasm/kernels.wat, into
// sim/model/wasm/kernels.wasm (gitignored: always regenerated from the source).
//
// The binary ends with a custom section holding a hash of the source it was built from, so the dev
// loader (sim/model/wasm/module.ts) can tell a stale build from a fresh one without wabt; it runs
// this script when they differ. `bun run build` embeds the bytes in the executable instead.
//   bun run scripts/build-wasm.ts [--check]
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sourceTag, WASM_PATH, WAT_PATH } from '../sim/model/wasm/source.ts';

export async function compileWat(source: string): Promise<Uint8Array> {
  const wabt = await (await import('wabt')).default();
  const mod = wabt.parseWat(WAT_PATH, source, { simd: true, bulk_memory: true, multi_value: true });
  try {
    mod.resolveNames();
    mod.validate();
    const { buffer } = mod.toBinary({ write_debug_names: true });
    const tag = sourceTag(source);
    const out = new Uint8Array(buffer.length + tag.length);
    out.set(buffer, 0);
    out.set(tag, buffer.length);
    return out;
  } finally {
    mod.destroy();
  }
}

/** Writes kernels.wasm from kernels.wat unless it is already up to date; returns the bytes. */
export async function buildWasm(force = false): Promise<Uint8Array> {
  const source = readFileSync(WAT_PATH, 'utf8');
  if (!force && existsSync(WASM_PATH)) {
    const have = new Uint8Array(readFileSync(WASM_PATH));
    if (isFresh(have, source)) return have;
  }
  const bytes = await compileWat(source);
  // Write then rename: concurrent builders (test processes, Workers) never see half a file.
  const tmp = resolve(WASM_PATH, `../.kernels.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(tmp, bytes);
  renameSync(tmp, WASM_PATH);
  return bytes;
}

function isFresh(bytes: Uint8Array, source: string): boolean {
  const tag = sourceTag(source);
  if (bytes.length < tag.length) return false;
  const tail = bytes.subarray(bytes.length - tag.length);
  return tail.every((b, i) => b === tag[i]);
}

if (import.meta.main) {
  const t0 = performance.now();
  const bytes = await buildWasm(process.argv.includes('--force'));
  console.log(`${WASM_PATH}: ${bytes.length} bytes (${(performance.now() - t0).toFixed(0)} ms)`);
}
