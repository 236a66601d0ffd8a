// The compiled binary, run the way a user on a fresh machine would: from an empty directory with a
// minimal environment and no node_modules anywhere near it.
import { tempDir } from '../helpers/cli.ts';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildBinary } from '../../scripts/build.ts';
import { hostTarget } from '../../scripts/release-targets.ts';
import { startServer, stopServer } from '../helpers/process.ts';
import { TINY_EXPECTED } from '../../src/runtime/tiny-model.ts';
import { VERSION } from '../../src/version.ts';

let binary = '';
let buildDir = '';

beforeAll(async () => {
  // A private build: tests must not depend on (or clobber) a dist/ the user made.
  buildDir = tempDir();
  binary = await buildBinary(join(buildDir, 'synth-rl'));
}, 120_000);

afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

function runBinary(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) {
  const cwd = opts.cwd ?? tempDir();
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

  test('version --json: the build host target with its embedded ONNX Runtime and WebGPU library and the commit', () => {
    const r = runBinary(['version', '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out) as Record<string, unknown>;
    const head = Bun.spawnSync(['git', 'rev-parse', 'HEAD']).stdout.toString().trim();
    expect(info).toMatchObject({ name: 'synth-rl', version: VERSION, platform: `${process.platform}-${process.arch}`, target: hostTarget().name, onnxruntime: '1.30.0', webgpu: hostTarget().webgpu?.version ?? null });
    expect(String(info.commit)).toMatch(new RegExp(`^${head}(-dirty)?$`));
  });

  test('selftest passes from an empty temp dir with a minimal env, leaving no ORT debris', () => {
    const scratchTmp = tempDir();
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
    const cwd = tempDir();
    Bun.write(join(cwd, '.env'), 'TRAINER_ID=from-dotenv\n');
    const r = runBinary(['config', '--json'], { cwd });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { values: Record<string, { value: unknown; source: string; kind: string }> };
    expect(out.values.trainer_id).toEqual({ value: 'from-dotenv', source: 'env TRAINER_ID (.env:1)', kind: 'env' });
  });

  test('bad TOML exits 2 naming file:line:col', () => {
    const cwd = tempDir();
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
});

/** The environment `synth-rl sim` tells the user to export, read from its banner. */
function envFromBanner(banner: string, base: Record<string, string>): Record<string, string> {
  const grab = (re: RegExp) => re.exec(banner)?.[1] as string;
  return {
    ...base,
    PROD_BACKEND_URL: grab(/export PROD_BACKEND_URL=(\S+)/),
    SYNTH_API_KEY: grab(/export SYNTH_API_KEY=(\S+)/),
    TASK_APP_BASE_URL: grab(/export TASK_APP_BASE_URL=(\S+)/),
    ENVIRONMENT_API_KEY: grab(/export ENVIRONMENT_API_KEY=(\S+)/),
  };
}

describe('compiled binary: the whole flow', () => {
  test('the whole flow with the binary alone: sim, env-key, check, run, infer, infer --weights', async () => {
    const cwd = tempDir();
    const minimal = { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' };
    const server = await startServer(['sim', '--port', '0', '--state-dir', 'state'], { binary, cwd, env: minimal });
    try {
      const banner = server.banner;
      expect(banner).toContain('grpo (default)');
      // The Studio's page and script are embedded in the binary (scripts/build.ts), not read from disk.
      const studio = /studio\s+(http:\/\/127\.0\.0\.1:\d+)\/studio\/\?token=/.exec(banner)?.[1] as string;
      const script = await fetch(`${studio}/studio/assets/app.js`);
      expect(script.status).toBe(200);
      expect((await script.text()).length).toBeGreaterThan(20_000);
      // The job below trains on the default cpu device: shard Workers inside the compiled binary.
      expect(banner).toMatch(/device {5}cpu, \d+ threads?/);
      const env = envFromBanner(banner, minimal);
      Bun.write(join(cwd, 'job.toml'), [
        '[training]', 'iterations_per_epoch = 2', '[trainer]', 'batch_size = 1', 'group_size = 4', '[env]', 'max_steps_per_episode = 4',
        '[evaluation]', 'seeds = [0, 1]', 'every_n_iters = 2', '[sim.model]', 'n_layer = 1', 'n_head = 1', 'd_model = 16', 'n_ctx = 96', '',
      ].join('\n'));
      const step = (args: string[], e: Record<string, string> = env) => runBinary(args, { cwd, env: e });
      expect(step(['env-key']).code).toBe(0);
      const check = step(['check']);
      expect(check.out + check.err).not.toContain('FAIL');
      expect(check.code).toBe(0);
      const run = step(['run', '--config-path', 'job.toml', '--poll-interval', '0.2']);
      expect(run.code).toBe(0);
      const model = /fine_tuned_model: (rl:\S+)/.exec(run.out)?.[1] as string;
      expect(model).toMatch(/^rl:Qwen-Qwen3-0\.6B:job_[0-9a-f]{19}:checkpoint-epoch-1$/);
      const viaBackend = step(['infer', '--model', model, '--json']);
      expect(viaBackend.code).toBe(0);
      expect((JSON.parse(viaBackend.out) as { tool_calls: { name: string }[] }).tool_calls[0]?.name).toBe('interact');
      const jobId = model.split(':')[2] as string;
      const offline = step(['infer', '--weights', join('state', 'checkpoints', jobId, 'checkpoint-epoch-1.tar.gz'), '--json'], minimal);
      expect(offline.err).toBe('');
      expect(offline.code).toBe(0);
      expect((JSON.parse(offline.out) as { mode: string }).mode).toBe('offline');
    } finally {
      await stopServer(server);
    }
  }, 120_000);
});
