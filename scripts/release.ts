#!/usr/bin/env bun
// `bun run release`: one executable per platform into dist/release/, plus SHA256SUMS.
// Bun fetches each target's runtime from the npm registry (@oven/bun-<os>-<arch>) on first use;
// the native libraries come from node_modules or `npm pack` (scripts/native-files.ts).
// `bun run release [--only linux-x64,linux-arm64] [--out DIR]`.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildBinary } from './build.ts';
import { RELEASE_TARGETS, root, targetByName, type ReleaseTarget } from './release-targets.ts';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function release(outDir: string, targets: readonly ReleaseTarget[] = RELEASE_TARGETS): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  rmSync(join(outDir, 'SHA256SUMS'), { force: true });
  const lines: string[] = [];
  for (const t of targets) {
    const t0 = performance.now();
    const out = await buildBinary(join(outDir, t.outName), t);
    lines.push(`${await sha256File(out)}  ${t.outName}`);
    console.log(`built ${t.outName} (${(statSync(out).size / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  // The linked sourcemaps Bun writes beside each build are not shipped (and would be overwritten
  // by the next target's anyway): the release folder holds the executables and their sums only.
  for (const f of readdirSync(outDir)) if (f.endsWith('.map')) rmSync(join(outDir, f));
  // The format `sha256sum -c SHA256SUMS` checks.
  writeFileSync(join(outDir, 'SHA256SUMS'), `${lines.join('\n')}\n`);
  return lines;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const only = flag('--only');
  const targets = only === undefined ? RELEASE_TARGETS : only.split(',').map(targetByName);
  const outDir = resolve(flag('--out') ?? join(root, 'dist/release'));
  const t0 = performance.now();
  await release(outDir, targets);
  console.log(`wrote ${targets.length} binaries and SHA256SUMS to ${outDir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
