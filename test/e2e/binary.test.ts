// The compiled binary, run the way a user on a fresh machine would: from an empty directory with a
// minimal environment and no node_modules anywhere near it.
import { beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBinary } from '../../scripts/build.ts';
import { TINY_EXPECTED } from '../../src/runtime/tiny-model.ts';
import { VERSION } from '../../src/version.ts';
import { runTinyGrpoJob } from './grpo-job.ts';

let binary = '';

beforeAll(async () => {
  // A private build: tests must not depend on (or clobber) a dist/ the user made.
  binary = await buildBinary(join(mkdtempSync(join(tmpdir(), 'synth-rl-bin-')), 'synth-rl'));
}, 120_000);

function runBinary(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) {
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), 'synth-rl-empty-'));
  const env = { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env };
  const r = Bun.spawnSync([binary, ...args], { cwd, env, stdout: 'pipe', stderr: 'pipe' });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString(), cwd };
}

describe('compiled binary', () => {
  test('--version', () => {
    const r = runBinary(['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`synth-rl ${VERSION}\n`);
  });

  test('selftest passes from an empty temp dir with a minimal env, leaving no ORT debris', () => {
    const scratchTmp = mkdtempSync(join(tmpdir(), 'synth-rl-tmp-'));
    const r = runBinary(['selftest', '--json'], { env: { TMPDIR: scratchTmp } });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { ok: boolean; generated: string };
    expect(result).toMatchObject({ ok: true, generated: TINY_EXPECTED });
    expect(readdirSync(r.cwd)).toEqual([]);
    // Only Bun's extracted native libraries may remain (content-hashed, reused): no telemetry files.
    const left = readdirSync(scratchTmp).filter((f) => !f.startsWith('.bun-'));
    expect(left).toEqual([]);
  });

  test('the binary does not auto-load .env into the environment; our loader reports it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'synth-rl-env-'));
    Bun.write(join(cwd, '.env'), 'TRAINER_ID=from-dotenv\n');
    const r = runBinary(['config', '--json'], { cwd });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { values: Record<string, { value: unknown; source: string; kind: string }> };
    expect(out.values.trainer_id).toEqual({ value: 'from-dotenv', source: 'env TRAINER_ID (.env:1)', kind: 'env' });
  });

  test('bad TOML exits 2 naming file:line:col', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'synth-rl-toml-'));
    Bun.write(join(cwd, 'c.toml'), '[trainer]\nbatch_size = = 3\n');
    const r = runBinary(['config', '--config-path', 'c.toml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain('c.toml:2:');
  });

  test('unknown command exits 2 with a suggestion', () => {
    const r = runBinary(['selftets']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('did you mean selftest?');
    expect(existsSync(binary)).toBe(true);
  });

  test('sim from the binary runs a real GRPO job (Worker, tokenizer, checkpoint) to success', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'synth-rl-grpo-'));
    const proc = Bun.spawn([binary, 'sim', '--port', '0', '--ephemeral', '--api-key', 'sk-e2e'], {
      cwd, env: { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' }, stdout: 'pipe', stderr: 'pipe',
    });
    try {
      const reader = proc.stdout.getReader();
      let banner = '';
      while (!banner.includes('Ctrl-C')) {
        const { value, done } = await reader.read();
        if (done) break;
        banner += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      expect(banner).toContain('grpo (default)');
      const backend = /backend\s+(http:\/\/[\d.]+:\d+)\/api/.exec(banner)?.[1] as string;
      const taskApp = /task app\s+(http:\/\/[\d.]+:\d+)/.exec(banner)?.[1] as string;
      const envKey = /ENVIRONMENT_API_KEY=(\S+)/.exec(banner)?.[1] as string;
      const out = await runTinyGrpoJob(backend, 'sk-e2e', taskApp, envKey);
      expect(out.events.at(-1)?.message).toContain('job succeeded');
      expect(out.status).toBe('succeeded');
      expect(out.fineTunedModel).toBe(`rl:Qwen-Qwen3-0.6B:${out.jobId}:checkpoint-epoch-1`);
      expect(out.events.map((e) => e.type)).toContain('rl.checkpoint.saved');
    } finally {
      proc.kill('SIGTERM');
      await proc.exited;
    }
  }, 90_000);
});
