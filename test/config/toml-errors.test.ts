import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { RlConfigFile } from '../../src/api/rl-config.ts';
import { locateKey } from '../../src/config/toml.ts';
import { parse } from 'smol-toml';
import { cli, tempDir } from '../helpers/cli.ts';

describe('malformed TOML', () => {
  test('a syntax error exits 2 naming file, line and column', async () => {
    const cwd = tempDir({ 'bad.toml': '[trainer]\nbatch_size = 4\ngroup_size = \n' });
    const r = await cli(['config', '--config-path', 'bad.toml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toStartWith('synth-rl: error: bad.toml:3:14: invalid TOML');
    expect(r.out).toBe('');
  });

  test('a duplicate key is a syntax error too', async () => {
    const cwd = tempDir({ 'dup.toml': 'type = "rl"\ntype = "rl"\n' });
    const r = await cli(['config', '--config-path', 'dup.toml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/dup\.toml:2:\d+: invalid TOML/);
  });

  test('wrong types name the key path, its line and the expected type; all errors at once', async () => {
    const cwd = tempDir({
      'types.toml': '[trainer]\nbatch_size = "8"\n\n[hyperparams]\nbeta = "high"\n[sim]\ntrainer = "magic"\n[sim.model]\nn_layer = 1.5\n[evaluation]\nseeds = [1, "two"]\n',
    });
    const r = await cli(['config', '--config-path', 'types.toml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain('types.toml:2: [trainer].batch_size: expected an integer, got string "8"');
    expect(r.err).toContain('types.toml:5: [hyperparams].beta: expected a number, got string "high"');
    expect(r.err).toContain('types.toml:7: [sim].trainer: expected one of "replay", "grpo", got string "magic"');
    expect(r.err).toContain('types.toml:9: [sim.model].n_layer: expected an integer, got number 1.5');
    expect(r.err).toContain('types.toml:11: [evaluation].seeds[1]: expected an integer, got string "two"');
  });

  test('[sim] device and threads: a wrong value names the key and what is expected', async () => {
    const cwd = tempDir({ 'd.toml': '[sim]\ndevice = "gpu"\nthreads = 0\n' });
    const r = await cli(['config', '--config-path', 'd.toml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain('d.toml:2: [sim].device: expected one of "cpu", "reference", "webgpu", "auto", got string "gpu"');
    expect(r.err).toContain('d.toml:3: [sim].threads:');
    const ok = tempDir({ 'ok.toml': '[sim]\ndevice = "reference"\nthreads = 2\n' });
    expect((await cli(['config', '--config-path', 'ok.toml'], { cwd: ok })).code).toBe(0);
  });

  test('a section given as a value is reported as expecting a table', async () => {
    const cwd = tempDir({ 's.toml': 'trainer = 3\n' });
    const r = await cli(['config', '--config-path', 's.toml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain('s.toml:1: trainer: expected a table, got number 3');
  });

  test('unknown keys are warnings naming the closest key, and the value is kept', () => {
    const cwd = tempDir({ 'u.toml': '[trainer]\nbatch_sise = 4\n[hyperparam]\nbeta = 1\n[sim.model]\nd_modl = 8\n' });
    const cfg = loadConfig({ flags: new Map([['config-path', 'u.toml']]), env: {}, cwd });
    expect(cfg.warnings).toEqual([
      'u.toml:2: unknown key [trainer].batch_sise (did you mean batch_size?); kept and forwarded as-is',
      'u.toml:3: unknown key hyperparam (did you mean hyperparams?); kept and forwarded as-is',
      'u.toml:6: unknown key [sim.model].d_modl (did you mean d_model?); kept and forwarded as-is',
    ]);
    expect((cfg.file?.data.trainer as Record<string, unknown>).batch_sise).toBe(4);
  });

  test('eval configs with a string `model` are valid', () => {
    const cwd = tempDir({ 'e.toml': 'type = "rl"\nmodel = "rl:REPLACE_WITH_JOB_ID"\n' });
    const cfg = loadConfig({ flags: new Map([['config-path', 'e.toml']]), env: {}, cwd });
    expect(cfg.get('model')).toBe('rl:REPLACE_WITH_JOB_ID');
  });
});

describe('locateKey', () => {
  const text = '# c\ntop = 1\n[a]\nx = 1\ninline = { y = 2 }\n[a.b]\nz = 3\n[c]\nd.e = 4\n';
  test.each([
    [['top'], 2], [['a'], 3], [['a', 'x'], 4], [['a', 'inline', 'y'], 5], [['a', 'b', 'z'], 7], [['c', 'd', 'e'], 9], [['nope'], undefined],
  ] as const)('%p is on line %p', (path, line) => {
    expect(locateKey(text, path)).toBe(line);
  });
});

describe('example configs', () => {
  test('every TOML under fixtures/configs and examples validates with no warnings', () => {
    const dirs = ['fixtures/configs', 'examples/rl'];
    let seen = 0;
    for (const dir of dirs) {
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.toml'))) {
        const path = join(dir, name);
        const result = RlConfigFile.safeParse(parse(readFileSync(path, 'utf8')));
        expect(result.success).toBe(true);
        const cfg = loadConfig({ flags: new Map([['config-path', path]]), env: {}, cwd: process.cwd() });
        expect(cfg.warnings.filter((w) => w.startsWith(path))).toEqual([]);
        seen++;
      }
    }
    expect(seen).toBeGreaterThanOrEqual(2);
  });
});
