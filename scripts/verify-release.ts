#!/usr/bin/env bun
// Verifies `bun run release` output without running it: each binary's format and CPU from its
// header, its SHA256SUMS line, and for every native library it must carry (scripts/release-targets.ts)
// that the library's bytes are inside it and that the embedded copy's header names the same OS
// format and CPU. Prints one `ok:` / `FAILED:` line per check and `N passed, N failed`; exit 1 on
// any failure. `bun run verify:release [DIR]` (default dist/release).
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { findEmbedded, readHeader } from './binary-format.ts';
import { nativeFiles } from './native-files.ts';
import { sha256File } from './release.ts';
import { RELEASE_TARGETS, root, type ReleaseTarget } from './release-targets.ts';

interface Check { name: string; ok: boolean; detail: string }

function headerCheck(name: string, bytes: Buffer, t: ReleaseTarget): Check {
  const h = readHeader(bytes);
  const ok = h !== null && h.format === t.format && h.cpus.includes(t.cpu) && h.bits64;
  return { name, ok, detail: h === null ? 'no ELF/Mach-O/PE header' : `${h.format} ${h.cpus.join('+')}${h.bits64 ? '' : ' 32-bit'} (want ${t.format} ${t.cpu})` };
}

/** The libraries a target's binary must carry: ORT's binding and library (or its WebAssembly module), and the WebGPU library. */
function expectedLibs(t: ReleaseTarget): string[] {
  const f = nativeFiles(t);
  return [f.ortBinding, ...(f.ort?.libs.map((l) => l.file) ?? []), f.webgpu?.file, f.ortWasm?.file].filter((p): p is string => typeof p === 'string');
}

const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);

/** A WebAssembly module runs on any CPU: its check is the module header, not an OS format. */
function embeddedCheck(name: string, head: Buffer, libPath: string, t: ReleaseTarget): Check {
  if (!libPath.endsWith('.wasm')) return headerCheck(name, head, t);
  const ok = head.subarray(0, 4).equals(WASM_MAGIC);
  return { name, ok, detail: ok ? `WebAssembly module, version ${head.readUInt32LE(4)}` : 'no WebAssembly header' };
}

export async function verifyTarget(dir: string, t: ReleaseTarget, sums: Map<string, string>): Promise<Check[]> {
  const path = join(dir, t.outName);
  if (!existsSync(path)) return [{ name: `${t.outName} exists`, ok: false, detail: `${path} missing` }];
  const bin = readFileSync(path);
  const checks = [headerCheck(`${t.outName}: executable format`, bin, t)];
  const sum = await sha256File(path);
  checks.push({ name: `${t.outName}: SHA256SUMS`, ok: sums.get(t.outName) === sum, detail: `sha256 ${sum.slice(0, 16)}…, listed ${(sums.get(t.outName) ?? 'nothing').slice(0, 16)}…` });
  for (const libPath of expectedLibs(t)) {
    const lib = readFileSync(libPath);
    const at = findEmbedded(bin, lib);
    const name = `${t.outName}: embeds ${basename(libPath)}`;
    if (at < 0) { checks.push({ name, ok: false, detail: `${libPath} (${lib.length} B) not found inside` }); continue; }
    const c = embeddedCheck(name, bin.subarray(at, at + 4096), libPath, t);
    checks.push({ ...c, detail: `${lib.length} B at offset ${at}: ${c.detail}` });
  }
  // A library of another platform (the building machine's, say) must not ride along.
  const foreign = RELEASE_TARGETS.filter((o) => o.name !== t.name).flatMap((o) => expectedLibs(o).map((p) => ({ o, p })))
    .filter(({ p }) => bin.indexOf(readFileSync(p).subarray(0, 65536)) >= 0).map(({ o, p }) => `${o.name}'s ${basename(p)}`);
  checks.push({ name: `${t.outName}: carries no other platform's library`, ok: foreign.length === 0, detail: foreign.length === 0 ? 'none found' : `found ${foreign.join(', ')}` });
  return checks;
}

export function readSums(dir: string): Map<string, string> {
  const p = join(dir, 'SHA256SUMS');
  if (!existsSync(p)) return new Map();
  return new Map(readFileSync(p, 'utf8').trim().split('\n').map((l) => { const [h = '', n = ''] = l.split(/\s+\*?/); return [n, h]; }));
}

if (import.meta.main) {
  const dir = resolve(process.argv[2] ?? join(root, 'dist/release'));
  const sums = readSums(dir);
  let passed = 0;
  let failed = 0;
  const listed = [...sums.keys()].sort().join(' ');
  const want = RELEASE_TARGETS.map((t) => t.outName).sort().join(' ');
  const checks: Check[] = [{ name: 'SHA256SUMS lists the five binaries', ok: listed === want, detail: listed || 'no SHA256SUMS' }];
  // One binary at a time: each is read whole (~170 MB).
  for (const t of RELEASE_TARGETS) checks.push(...(await verifyTarget(dir, t, sums)));
  for (const c of checks) {
    console.log(`${c.ok ? 'ok' : 'FAILED'}: ${c.name} — ${c.detail}`);
    if (c.ok) passed++;
    else failed++;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}
