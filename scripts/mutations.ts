#!/usr/bin/env bun
// The mutation check: do the learning tests notice when learning breaks? Each mutation below is a
// (file, search, replace) patch that breaks one part of GRPO on purpose. The script copies the
// repository's sources to a temporary folder (production code carries no test switches), runs the
// learning tests there once unpatched (they must pass), then once per mutation with that one patch
// applied, and prints mutation → failing tests. Exit 1 if a mutation survives (no test failed), if
// a patch no longer applies (the code moved: update the table), or if the unpatched run fails.
// The quick unit tests run first; the slow end-to-end learning test runs only for a mutation they
// did not catch (--all runs every test for every mutation, for the full table).
//   bun run mutations [--only <name substring>] [--all]
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

interface Mutation {
  name: string;
  file: string;
  search: string;
  replace: string;
}

/** The patches. `search` must occur exactly once in `file`. Keep them small: one idea each. */
export const MUTATIONS: Mutation[] = [
  {
    name: 'advantage sign flipped (group-relative advantages)',
    file: 'sim/trainer/grpo.ts',
    search: 'const centred = r - s.mean;',
    replace: 'const centred = s.mean - r;',
  },
  {
    name: 'advantage sign flipped (trainer → update)',
    file: 'sim/trainer/grpo-run.ts',
    search: 'advantage: adv.advantages[i] as number',
    replace: 'advantage: -(adv.advantages[i] as number)',
  },
  {
    name: 'advantage sign flipped (inside the loss)',
    file: 'sim/trainer/grpo.ts',
    search: 'const a = b.adv[i] as number;',
    replace: 'const a = -(b.adv[i] as number);',
  },
  {
    name: 'clipping removed',
    file: 'sim/trainer/grpo.ts',
    search: 'const useClipped = clippedTerm < unclippedTerm;',
    replace: 'const useClipped = false;',
  },
  {
    name: 'KL term dropped when beta > 0 (loss)',
    file: 'sim/trainer/grpo.ts',
    search: 'if (o.beta > 0 && b.refLogp !== undefined) {',
    replace: 'if (false) {',
  },
  {
    name: 'KL term dropped when beta > 0 (reference never scored)',
    file: 'sim/trainer/update.ts',
    search: 'const refLogp = o.beta > 0 ?',
    replace: 'const refLogp = false ?',
  },
  {
    name: 'optimiser step skipped (trainer)',
    file: 'sim/trainer/update.ts',
    search: 'await device.step({ maxGradNorm: o.maxGradNorm });',
    replace: '// (optimiser step skipped)',
  },
  {
    name: 'optimiser step skipped (reference device)',
    file: 'sim/model/devices/reference.ts',
    search: 'this.opt.step(this.policy.params, this.policy.grads, o.lr);',
    replace: '// (optimiser step skipped)',
  },
  {
    name: 'optimiser step skipped (cpu device)',
    file: 'sim/model/devices/cpu.ts',
    search: "await this.onEach(this.slices().map(([lo, hi]) => ({ op: 'adam', lo, hi, args })));",
    replace: '// (optimiser step skipped)',
  },
];

/** The tests that guard learning, cheapest first. */
const UNIT_TESTS = ['test/sim/trainer/grpo.test.ts', 'test/sim/trainer/learning-update.test.ts'];
const E2E_TESTS = ['test/sim/trainer/learning-e2e.test.ts'];

const ROOT = resolve(import.meta.dir, '..');
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const only = arg('only');
const all = process.argv.includes('--all');

/** Applies a patch to the copy's text; throws, naming the mutation, when it no longer applies. */
export function applyPatch(text: string, m: Mutation): string {
  const count = text.split(m.search).length - 1;
  if (count !== 1) {
    throw new Error(`mutation "${m.name}" no longer applies: ${m.file} contains its search text ${count} times, expected once:\n  ${m.search}\nThe code moved: update MUTATIONS in scripts/mutations.ts.`);
  }
  return text.replace(m.search, m.replace);
}

interface TestRun {
  ok: boolean;
  failed: string[];
  seconds: number;
  /** The end of bun's output, shown when the unpatched run fails. */
  tail: string;
  /** What the end-to-end test printed about the rewards it saw. */
  notes: string[];
}

/** Runs the tests in `dir`; the names of failing tests from bun's `(fail) …` lines. */
async function runTests(dir: string, tests: readonly string[]): Promise<TestRun> {
  const t0 = performance.now();
  const proc = Bun.spawn([process.execPath, 'test', '--timeout=120000', ...tests], { cwd: dir, stdout: 'pipe', stderr: 'pipe', env: { ...process.env, NO_COLOR: '1' } });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  const failed = [...new Set([...`${out}\n${err}`.matchAll(/^\(fail\) (.+?)(?: \[[\d.]+m?s\])?$/gm)].map((x) => x[1] as string))];
  // A crash that names no test (a syntax error, say) still counts as a failure.
  if (code !== 0 && failed.length === 0) failed.push(`(exit ${code}, no test named: ${err.trim().split('\n').slice(-3).join(' / ')})`);
  const tail = `${out}\n${err}`.split('\n').filter((l) => !l.startsWith('(pass)')).slice(-40).join('\n');
  const notes = [...out.matchAll(/^learning e2e: .*$/gm)].map((x) => x[0]);
  return { ok: code === 0, failed, seconds: (performance.now() - t0) / 1000, tail, notes };
}

/** The working tree as it is (tracked and untracked, not ignored files); node_modules is linked. */
function copyWorkingTree(dir: string): void {
  const ls = Bun.spawnSync(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  if (ls.exitCode !== 0) throw new Error(`git ls-files failed in ${ROOT}: ${ls.stderr.toString().trim()} (the mutation check copies the git working tree)`);
  for (const file of ls.stdout.toString().split('\0').filter((f) => f !== '')) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    // A file deleted but not yet staged is listed and absent: skip it.
    try {
      cpSync(join(ROOT, file), join(dir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** Unit tests first; the end-to-end test only when they all passed (or with --all). */
async function killRun(dir: string): Promise<TestRun> {
  if (all) return runTests(dir, [...UNIT_TESTS, ...E2E_TESTS]);
  const unit = await runTests(dir, UNIT_TESTS);
  if (unit.failed.length > 0) return unit;
  const e2e = await runTests(dir, E2E_TESTS);
  return { ...e2e, seconds: unit.seconds + e2e.seconds };
}

async function main(): Promise<number> {
  const selected = MUTATIONS.filter((m) => only === undefined || m.name.includes(only));
  if (selected.length === 0) throw new Error(`--only ${only}: no mutation's name contains it`);
  const dir = mkdtempSync(join(tmpdir(), 'synth-rl-mutations-'));
  try {
    copyWorkingTree(dir);
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    // Every patch is checked before anything runs: a stale table fails fast.
    const originals = new Map(selected.map((m) => [m.file, readFileSync(join(dir, m.file), 'utf8')]));
    for (const m of selected) applyPatch(originals.get(m.file) as string, m);

    console.log(`learning tests: ${[...UNIT_TESTS, ...E2E_TESTS].join(' ')}`);
    const base = await runTests(dir, [...UNIT_TESTS, ...E2E_TESTS]);
    console.log(`unpatched: ${base.ok ? 'pass' : 'FAIL'} (${base.seconds.toFixed(0)} s)`);
    for (const n of base.notes) console.log(`  ${n}`);
    if (!base.ok) {
      console.error(`the learning tests fail without any mutation: ${base.failed.join('; ')}\n${base.tail}`);
      return 1;
    }
    const rows: { m: Mutation; run: TestRun }[] = [];
    for (const m of selected) {
      writeFileSync(join(dir, m.file), applyPatch(originals.get(m.file) as string, m));
      const run = await killRun(dir);
      writeFileSync(join(dir, m.file), originals.get(m.file) as string);
      rows.push({ m, run });
      console.log(`${run.failed.length > 0 ? 'killed  ' : 'SURVIVED'}  ${m.name}  (${m.file}, ${run.seconds.toFixed(0)} s): ${run.failed.length} failing`);
      for (const t of run.failed) console.log(`            ✗ ${t}`);
      for (const n of run.notes) console.log(`              ${n}`);
    }
    const survivors = rows.filter((r) => r.run.failed.length === 0);
    console.log(`\n${rows.length - survivors.length}/${rows.length} mutations killed${survivors.length ? `; survived: ${survivors.map((r) => r.m.name).join(', ')}` : ''}`);
    console.log(`BENCH mutations.killed ${rows.length - survivors.length} count`);
    console.log(`BENCH mutations.survived ${survivors.length} count`);
    return survivors.length === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(`mutations: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
