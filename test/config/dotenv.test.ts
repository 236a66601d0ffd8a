import { describe, expect, test } from 'bun:test';
import { parseDotenv } from '../../src/config/dotenv.ts';
import { describeSource, loadConfig } from '../../src/config/load.ts';
import { cli, tempDir } from '../helpers/cli.ts';


describe('parseDotenv', () => {
  test('KEY=VALUE, export, comments, quotes, escapes, inline comments', () => {
    const { entries, bad } = parseDotenv([
      '# comment',
      '',
      'A=plain',
      'export B = spaced value  ',
      'C="double # not a comment\\nnext"',
      "D='single \\n raw'",
      'E=value # trailing comment',
      'F=',
      'not a line',
      'G=a=b',
    ].join('\n'));
    expect(Object.fromEntries(entries.map((e) => [e.key, e.value]))).toEqual({
      A: 'plain', B: 'spaced value', C: 'double # not a comment\nnext', D: 'single \\n raw', E: 'value', F: '', G: 'a=b',
    });
    expect(entries.find((e) => e.key === 'C')?.line).toBe(5);
    expect(bad).toEqual([{ line: 9, text: 'not a line' }]);
  });

  test('CRLF files parse the same', () => {
    expect(parseDotenv('A=1\r\nB=2\r\n').entries.map((e) => e.value)).toEqual(['1', '2']);
  });
});

describe('.env files in the loader', () => {
  test('.env only fills variables that are not already set', () => {
    const cwd = tempDir({ '.env': 'SYNTH_API_KEY=from-dotenv\nTRAINER_ID=t-dotenv\n' });
    const cfg = loadConfig({ env: { SYNTH_API_KEY: 'from-env' }, cwd });
    expect(cfg.get('api_key')).toBe('from-env');
    expect(describeSource(cfg.entry('api_key').source)).toBe('env SYNTH_API_KEY');
    expect(cfg.get('trainer_id')).toBe('t-dotenv');
    expect(describeSource(cfg.entry('trainer_id').source)).toBe('env TRAINER_ID (.env:2)');
  });

  test('order: --env-file, then ./.env, then examples/rl/.env; the first to set a key wins', () => {
    const cwd = tempDir({
      'custom.env': 'TRAINER_ID=custom\n',
      '.env': 'TRAINER_ID=root\nJOB_CONFIG_ID=root-job\n',
      'examples/rl/.env': 'JOB_CONFIG_ID=examples-job\nRL_JOB_ID=examples-attach\n',
    });
    const cfg = loadConfig({ flags: new Map([['env-file', ['custom.env']]]), env: {}, cwd });
    expect(cfg.get('trainer_id')).toBe('custom');
    expect(cfg.get('job_config_id')).toBe('root-job');
    expect(cfg.get('job_id')).toBe('examples-attach');
    expect(cfg.envFiles).toEqual(['custom.env', '.env', 'examples/rl/.env']);
  });

  test('.env values lose to flags and beat the file', () => {
    const cwd = tempDir({ '.env': 'QWEN_MODEL=dotenv/model\n', 'c.toml': '[job]\nmodel = "file/model"\n' });
    const base = { env: {}, cwd };
    expect(loadConfig({ ...base, flags: new Map([['config-path', 'c.toml']]) }).get('model')).toBe('dotenv/model');
    expect(loadConfig({ ...base, flags: new Map<string, string>([['config-path', 'c.toml'], ['model', 'flag/model']]) }).get('model')).toBe('flag/model');
  });

  test('the loader never changes the process environment', () => {
    const cwd = tempDir({ '.env': 'SYNTH_RL_TEST_ONLY_VAR=1\n' });
    const cfg = loadConfig({ env: {}, cwd });
    expect(cfg.env.SYNTH_RL_TEST_ONLY_VAR).toBe('1');
    expect(process.env.SYNTH_RL_TEST_ONLY_VAR).toBeUndefined();
  });

  test('malformed lines are warnings with file:line; a missing --env-file is an error', async () => {
    const cwd = tempDir({ '.env': 'A=1\n???\n' });
    const cfg = loadConfig({ env: {}, cwd });
    expect(cfg.warnings).toContain('.env:2: ignored line (expected KEY=VALUE)');
    const r = await cli(['config', '--env-file', 'nope.env'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain('--env-file nope.env: file not found');
  });

  test('secrets from .env are redacted in output', async () => {
    const cwd = tempDir({ '.env': 'ENVIRONMENT_API_KEY=env-supersecret\n' });
    const r = await cli(['config'], { cwd });
    expect(r.out).toMatch(/environment_api_key\s+<redacted, 15 chars>\s+env ENVIRONMENT_API_KEY \(\.env:1\)/);
    expect(r.out).not.toContain('supersecret');
  });
});
