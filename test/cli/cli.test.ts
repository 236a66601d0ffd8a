import { describe, expect, test } from 'bun:test';
import { COMMAND_MODULES } from '../../src/cli/commands.ts';
import { COMMANDS } from '../../src/cli/spec.ts';
import { VERSION } from '../../src/version.ts';
import { cli } from '../helpers/cli.ts';

const COMMAND_NAMES = ['run', 'check', 'env-key', 'rollout', 'train', 'infer', 'sim', 'task-app', 'demo', 'studio', 'config', 'selftest', 'version', 'help'];

describe('dispatch', () => {
  test('every command is in the catalogue', () => {
    expect(COMMANDS.map((c) => c.name).sort()).toEqual([...COMMAND_NAMES].sort());
  });

  test('every command in the catalogue has a module, and every module a catalogue entry', () => {
    expect([...COMMAND_MODULES].sort()).toEqual([...COMMAND_NAMES].sort());
  });

  test('--version and version', async () => {
    const a = await cli(['--version']);
    expect(a).toEqual({ code: 0, out: `synth-rl ${VERSION}\n`, err: '' });
    const b = await cli(['version', '--json']);
    expect(b.code).toBe(0);
    expect(JSON.parse(b.out)).toMatchObject({ name: 'synth-rl', version: VERSION });
  });

  test('version --json names the platform, the native libraries and the commit', async () => {
    const b = await cli(['version', '--json']);
    const info = JSON.parse(b.out) as Record<string, unknown>;
    const ortPkg = (await Bun.file('node_modules/onnxruntime-node/package.json').json()) as { version: string };
    expect(info).toMatchObject({ platform: `${process.platform}-${process.arch}`, target: null, onnxruntime: ortPkg.version });
    if (process.platform === 'linux' && process.arch === 'x64') expect(info.webgpu).toBe('0.1.7');
    expect(String(info.commit)).toMatch(/^([0-9a-f]{40} \(source tree\)|unknown \(source tree\))$/);
  });

  test('no arguments prints help to stderr and exits 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: synth-rl <command>');
  });

  test('--help lists every command', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const name of COMMAND_NAMES) expect(r.out).toContain(`  ${name} `);
  });

  test('unknown command suggests the closest', async () => {
    const r = await cli(['confg']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('synth-rl: error: unknown command "confg" (did you mean config?); run `synth-rl --help` for the list\n');
  });

  test('unknown flag on a command exits 2 with a suggestion', async () => {
    const r = await cli(['config', '--bach-size', '8']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown flag --bach-size for synth-rl config (did you mean --batch-size?)');
  });
});

describe('per-command help', () => {
  test('every command has --help with its flags, env vars and defaults', async () => {
    for (const spec of COMMANDS) {
      const r = await cli([spec.name, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toStartWith(`synth-rl ${spec.name} — `);
      for (const f of spec.flags) expect(r.out).toContain(`--${f.name}`);
    }
  });

  test('run --help documents the seed flags with env and defaults', async () => {
    const r = await cli(['run', '-h']);
    for (const flag of ['--backend-url', '--api-key', '--task-app-url', '--trainer-id', '--model', '--batch-size', '--group-size',
      '--job-config-id', '--config-path', '--job-id', '--stream-seconds', '--timeout', '--empty-polls', '--startup-deadline-s',
      '--json', '--max-seconds', '--idempotency-key']) {
      expect(r.out).toContain(flag);
    }
    expect(r.out).toContain('env: SYNTH_API_KEY');
    expect(r.out).toContain('default: Qwen/Qwen3-0.6B');
    expect(r.out).toContain('toml: [trainer].batch_size');
  });

  test('help <command> equals <command> --help', async () => {
    const a = await cli(['help', 'config']);
    const b = await cli(['config', '--help']);
    expect(a.out).toBe(b.out);
    const c = await cli(['help', 'nope']);
    expect(c.code).toBe(2);
  });
});
