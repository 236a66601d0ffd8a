// flag > env > file > default, for each adjacent pair and each kind of setting.
import { describe, expect, test } from 'bun:test';
import { describeSource, loadConfig } from '../../src/config/load.ts';
import { cli, tempDir } from '../helpers/cli.ts';

const TOML = `
[trainer]
batch_size = 3
[training]
group_size = 16
batch_size = 99
[services]
task_url = "http://file-task-app:8001"
backend_url = "http://file-backend:8787"
[runner]
startup_deadline_s = 12.5
[model]
name = "file/model"
`;

function load(flags: [string, string | number | boolean][], env: Record<string, string>, files: Record<string, string> = { 'x.toml': TOML }) {
  const cwd = tempDir(files);
  return loadConfig({ flags: new Map([['config-path', 'x.toml'], ...flags]), env, cwd });
}

describe('precedence', () => {
  const cases: { key: Parameters<ReturnType<typeof load>['get']>[0]; flag: [string, string | number]; env: [string, string]; fileValue: unknown; fileSource: string; default?: unknown }[] = [
    { key: 'backend_url', flag: ['backend-url', 'http://flag:1'], env: ['PROD_BACKEND_URL', 'http://env:2'], fileValue: 'http://file-backend:8787', fileSource: 'file x.toml:9 [services].backend_url' },
    { key: 'task_app_url', flag: ['task-app-url', 'http://flag:1'], env: ['TASK_APP_BASE_URL', 'http://env:2'], fileValue: 'http://file-task-app:8001', fileSource: 'file x.toml:8 [services].task_url' },
    { key: 'model', flag: ['model', 'flag/model'], env: ['QWEN_MODEL', 'env/model'], fileValue: 'file/model', fileSource: 'file x.toml:13 [model].name', default: 'Qwen/Qwen3-0.6B' },
    { key: 'startup_deadline_s', flag: ['startup-deadline-s', 7], env: ['UNUSED_VAR', 'x'], fileValue: 12.5, fileSource: 'file x.toml:11 [runner].startup_deadline_s', default: 45 },
  ];

  for (const c of cases) {
    test(`${c.key}: flag beats env beats file beats default`, () => {
      const all = load([c.flag], { [c.env[0]]: c.env[1] });
      expect(all.get(c.key)).toBe(c.flag[1]);
      expect(describeSource(all.entry(c.key).source)).toBe(`flag --${c.flag[0]}`);

      if (c.env[0] !== 'UNUSED_VAR') {
        const envOnly = load([], { [c.env[0]]: c.env[1] });
        expect(envOnly.get(c.key)).toBe(c.env[1]);
        expect(describeSource(envOnly.entry(c.key).source)).toBe(`env ${c.env[0]}`);
      }

      const fileOnly = load([], {});
      expect(fileOnly.get(c.key)).toBe(c.fileValue as string);
      expect(describeSource(fileOnly.entry(c.key).source)).toBe(c.fileSource);

      const none = load([], {}, { 'x.toml': '' });
      if (c.default === undefined && c.key !== 'backend_url') expect(none.entry(c.key).source.kind).toBe('unset');
      else expect(none.entry(c.key).source.kind).toBe('default');
      if (c.default !== undefined) expect(none.get(c.key)).toBe(c.default as string);
    });
  }

  test('batch_size: [trainer] wins over [training]; group_size falls back to [training]', () => {
    const cfg = load([], {});
    expect(cfg.get('batch_size')).toBe(3);
    expect(describeSource(cfg.entry('batch_size').source)).toBe('file x.toml:3 [trainer].batch_size');
    expect(cfg.get('group_size')).toBe(16);
    expect(describeSource(cfg.entry('group_size').source)).toBe('file x.toml:5 [training].group_size');
  });

  test('the first of several env vars wins', () => {
    const cfg = load([], { TASK_APP_URL: 'http://second:1', TASK_APP_BASE_URL: 'http://first:1' });
    expect(cfg.get('task_app_url')).toBe('http://first:1');
  });

  test('empty env values count as unset', () => {
    const cfg = load([], { QWEN_MODEL: '' });
    expect(cfg.get('model')).toBe('file/model');
  });

  test('acceptance: config --config-path X.toml --batch-size 8 shows flag, file, env and default sources', async () => {
    const cwd = tempDir({ 'X.toml': TOML });
    const r = await cli(['config', '--config-path', 'X.toml', '--batch-size', '8', '--json'], { cwd, env: { SYNTH_API_KEY: 'sk-secret-value' } });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { values: Record<string, { value: unknown; source: string; kind: string }>; config_file: string };
    expect(out.config_file).toBe('X.toml');
    expect(out.values.batch_size).toMatchObject({ value: 8, kind: 'flag', source: 'flag --batch-size' });
    expect(out.values.group_size).toMatchObject({ value: 16, kind: 'file' });
    expect(out.values.api_key).toMatchObject({ kind: 'env', source: 'env SYNTH_API_KEY' });
    expect(out.values.timeout).toMatchObject({ value: 600, kind: 'default' });
    expect(r.out).not.toContain('sk-secret-value');

    const human = await cli(['config', '--config-path', 'X.toml', '--batch-size', '8'], { cwd, env: { SYNTH_API_KEY: 'sk-secret-value' } });
    expect(human.out).toMatch(/batch_size\s+8\s+flag --batch-size/);
    expect(human.out).toMatch(/group_size\s+16\s+file X\.toml:5 \[training\]\.group_size/);
    expect(human.out).toMatch(/api_key\s+<redacted, 15 chars>\s+env SYNTH_API_KEY/);
    expect(human.out).not.toContain('sk-secret-value');
  });

  test('the default config path is used only when it exists', () => {
    const cwd = tempDir({ 'examples/rl/config.toml': '[trainer]\ngroup_size = 6\n' });
    const cfg = loadConfig({ env: {}, cwd });
    expect(cfg.file?.path).toBe('examples/rl/config.toml');
    expect(cfg.get('group_size')).toBe(6);
    const bare = loadConfig({ env: {}, cwd: tempDir() });
    expect(bare.file).toBeUndefined();
    expect(bare.entry('config_path').source.kind).toBe('unset');
  });

  test('RL_CONFIG_PATH selects the file when no flag is given', () => {
    const cwd = tempDir({ 'a.toml': '[trainer]\ngroup_size = 5\n' });
    const cfg = loadConfig({ env: { RL_CONFIG_PATH: 'a.toml' }, cwd });
    expect(cfg.get('group_size')).toBe(5);
    expect(describeSource(cfg.entry('config_path').source)).toBe('env RL_CONFIG_PATH');
  });
});

describe('bad values from env and flags', () => {
  test('a non-numeric env var for a numeric setting names the variable', async () => {
    const r = await cli(['config'], { env: { HTTP_TIMEOUT: 'soon' } });
    expect(r.code).toBe(2);
    expect(r.err).toContain('environment variable HTTP_TIMEOUT must be a number, got "soon"');
  });

  test('a malformed URL names its source', async () => {
    const a = await cli(['config', '--backend-url', 'not a url']);
    expect(a.code).toBe(2);
    expect(a.err).toContain('--backend-url must be an http(s) URL');
    const b = await cli(['config'], { env: { TASK_APP_BASE_URL: 'ftp://x' } });
    expect(b.code).toBe(2);
    expect(b.err).toContain('environment variable TASK_APP_BASE_URL must be an http(s) URL');
  });

  test('an explicit config path that does not exist exits 2 naming it', async () => {
    const r = await cli(['config', '--config-path', 'missing.toml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('config file not found: missing.toml (from flag --config-path)');
  });

  test('require() names the flag, env var and TOML key', () => {
    const cfg = loadConfig({ env: {}, cwd: tempDir() });
    expect(() => cfg.require('task_app_url')).toThrow(
      'missing base url of the task app the trainer calls for rollouts: pass --task-app-url, or set TASK_APP_BASE_URL or TASK_APP_URL, or add [services].task_url to the config file',
    );
  });
});
