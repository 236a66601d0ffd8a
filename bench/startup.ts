#!/usr/bin/env bun
// Startup time of the compiled binary (`--version`, `selftest`) and its size.
// Baselines in the same run for context: a bun-compiled hello world (the runtime's floor, interleaved
// with --version), the uncompiled CLI under `bun`, and `node -e 0`.
//   bun run bench:startup [--runs N] [--binary PATH] [--reference PATH]
// --binary: measure that executable instead of dist/synth-rl (e.g. dist/release/synth-rl-linux-x64).
// --reference: another build (say, of an earlier commit) measured in the same run, interleaved.
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildBinary } from '../scripts/build.ts';

const root = resolve(import.meta.dir, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
const argOf = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const binary = resolve(argOf('--binary') ?? join(root, 'dist/synth-rl'));
const reference = argOf('--reference');
if (!existsSync(binary) || process.argv.includes('--rebuild')) await buildBinary(binary);

const cwd = mkdtempSync(join(tmpdir(), 'synth-rl-bench-'));
const env = { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' };

/** CPU time (user + system) of each run, ms: less disturbed than wall clock on a loaded machine. */
const cpuTimes = new Map<string, number[]>();

function timeRuns(cmd: string[], runs: number): number[] {
  for (let i = 0; i < 2; i++) Bun.spawnSync(cmd, { cwd, env, stdout: 'ignore', stderr: 'ignore' }); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = Bun.spawnSync(cmd, { cwd, env, stdout: 'ignore', stderr: 'pipe' });
    times.push(performance.now() - t0);
    const cpu = cpuTimes.get(cmd.join(' ')) ?? [];
    cpu.push(Number(r.resourceUsage.cpuTime.total) / 1000);
    cpuTimes.set(cmd.join(' '), cpu);
    if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${r.exitCode}: ${r.stderr.toString()}`);
  }
  return times.sort((a, b) => a - b);
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] as number;
const p90 = (xs: number[]) => xs[Math.floor(xs.length * 0.9)] as number;

/**
 * The runtime's own floor: a compiled one-line program that prints a version, built by the same
 * Bun. Our `--version` cannot beat it; the gap above it is what synth-rl itself costs.
 */
function buildFloor(): string {
  const dir = mkdtempSync(join(tmpdir(), 'synth-rl-floor-'));
  writeFileSync(join(dir, 'hello.ts'), 'console.log("hello 0.0.0");\n');
  const out = join(dir, 'hello');
  const r = Bun.spawnSync([process.execPath, 'build', '--compile', join(dir, 'hello.ts'), '--outfile', out], { stdout: 'ignore', stderr: 'pipe' });
  if (r.exitCode !== 0) throw new Error(`building the floor binary failed: ${r.stderr.toString()}`);
  return out;
}

/** --version of the binary, the reference and the floor in turn (the machine's load hits all alike). */
function interleaved(cmds: string[][], runs: number): number[][] {
  const times: number[][] = cmds.map(() => []);
  for (let i = 0; i < runs; i++) cmds.forEach((cmd, k) => times[k]!.push(...timeRuns(cmd, 1)));
  return times.map((xs) => xs.sort((x, y) => x - y));
}
const floor = buildFloor();
const versionCmds = [[binary, '--version'], [floor, '--version'], ...(reference === undefined ? [] : [[resolve(reference), '--version']])];
const [versionTimes = [], floorTimes = [], referenceTimes = []] = interleaved(versionCmds, RUNS);
const rows: [string, number[]][] = [
  ['synth-rl --version', versionTimes],
  ['bun-compiled hello world (floor)', floorTimes],
  ...(reference === undefined ? [] : [['reference --version', referenceTimes] as [string, number[]]]),
  ['synth-rl selftest', timeRuns([binary, 'selftest'], Math.max(5, Math.floor(RUNS / 3)))],
  ['bun src/cli/main.ts --version (uncompiled)', timeRuns([process.execPath, join(root, 'src/cli/main.ts'), '--version'], Math.max(5, Math.floor(RUNS / 3)))],
  ['node -e 0 (baseline)', timeRuns(['node', '-e', '0'], Math.max(5, Math.floor(RUNS / 3)))],
];
const sizeMb = statSync(binary).size / 1e6;

console.log(`startup of ${binary}${reference === undefined ? '' : ` (reference: ${reference})`} (${RUNS} runs for --version; wall clock incl. process spawn, warm page cache)`);
for (const [name, xs] of rows) {
  console.log(`  ${name.padEnd(44)} median ${median(xs).toFixed(1).padStart(7)} ms   p90 ${p90(xs).toFixed(1).padStart(7)} ms   (n=${xs.length})`);
}
const cpuOf = (path: string) => (cpuTimes.get(`${path} --version`) ?? []).sort((a, b) => a - b);
console.log(`  --version CPU time (user+sys) median: synth-rl ${median(cpuOf(binary)).toFixed(1)} ms${reference === undefined ? '' : `, reference ${median(cpuOf(resolve(reference))).toFixed(1)} ms`}`);
console.log(`  binary size ${sizeMb.toFixed(1)} MB`);
console.log(`BENCH startup.version_ms ${median(versionTimes).toFixed(2)} ms`);
console.log(`BENCH startup.floor_version_ms ${median(floorTimes).toFixed(2)} ms`);
if (reference !== undefined) console.log(`BENCH startup.reference_version_ms ${median(referenceTimes).toFixed(2)} ms`);
console.log(`BENCH startup.selftest_ms ${median(rows.find(([n]) => n.endsWith('selftest'))?.[1] ?? []).toFixed(2)} ms`);
console.log(`BENCH startup.version_cpu_ms ${median(cpuOf(binary)).toFixed(2)} ms`);
if (reference !== undefined) console.log(`BENCH startup.reference_version_cpu_ms ${median(cpuOf(resolve(reference))).toFixed(2)} ms`);
console.log(`BENCH binary.size_mb ${sizeMb.toFixed(1)} MB`);
