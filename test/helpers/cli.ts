// Runs the CLI in-process with an injected environment and cwd, capturing its output.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function cli(argv: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    env: opts.env ?? {},
    cwd: opts.cwd ?? tempDir(),
    out: { write: (s) => void (out += s) },
    err: { write: (s) => void (err += s) },
    isTTY: false,
  });
  return { code, out, err };
}

/** Every temp dir of a test run lives under one root, removed after the run (test/setup.ts). */
let root: string | undefined;
export function testRoot(): string {
  root ??= mkdtempSync(join(tmpdir(), 'synth-rl-test-'));
  return root;
}

export function removeTestRoot(): void {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(testRoot(), 'd-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}
