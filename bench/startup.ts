#!/usr/bin/env bun
// Startup time of the compiled binary (`--version`, `selftest`) and its size.
// Baselines in the same run for context: the uncompiled CLI under `bun`, and `node -e 0`.
//   bun run bench:startup [--runs N]
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildBinary } from '../scripts/build.ts';

const root = resolve(import.meta.dir, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
const binary = join(root, 'dist/synth-rl');
if (!existsSync(binary) || process.argv.includes('--rebuild')) await buildBinary(binary);

const cwd = mkdtempSync(join(tmpdir(), 'synth-rl-bench-'));
const env = { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' };

function timeRuns(cmd: string[], runs: number): number[] {
  for (let i = 0; i < 2; i++) Bun.spawnSync(cmd, { cwd, env, stdout: 'ignore', stderr: 'ignore' }); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = Bun.spawnSync(cmd, { cwd, env, stdout: 'ignore', stderr: 'pipe' });
    times.push(performance.now() - t0);
    if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${r.exitCode}: ${r.stderr.toString()}`);
  }
  return times.sort((a, b) => a - b);
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] as number;
const p90 = (xs: number[]) => xs[Math.floor(xs.length * 0.9)] as number;

const rows: [string, number[]][] = [
  ['dist/synth-rl --version', timeRuns([binary, '--version'], RUNS)],
  ['dist/synth-rl selftest', timeRuns([binary, 'selftest'], Math.max(5, Math.floor(RUNS / 3)))],
  ['bun src/cli/main.ts --version (uncompiled)', timeRuns([process.execPath, join(root, 'src/cli/main.ts'), '--version'], Math.max(5, Math.floor(RUNS / 3)))],
  ['node -e 0 (baseline)', timeRuns(['node', '-e', '0'], Math.max(5, Math.floor(RUNS / 3)))],
];
const sizeMb = statSync(binary).size / 1e6;

console.log(`startup (${RUNS} runs for --version; wall clock incl. process spawn, warm page cache)`);
for (const [name, xs] of rows) {
  console.log(`  ${name.padEnd(44)} median ${median(xs).toFixed(1).padStart(7)} ms   p90 ${p90(xs).toFixed(1).padStart(7)} ms   (n=${xs.length})`);
}
console.log(`  binary size ${sizeMb.toFixed(1)} MB`);
console.log(`BENCH startup.version_ms ${median(rows[0]?.[1] ?? []).toFixed(2)} ms`);
console.log(`BENCH startup.selftest_ms ${median(rows[1]?.[1] ?? []).toFixed(2)} ms`);
console.log(`BENCH binary.size_mb ${sizeMb.toFixed(1)} MB`);
