// No config key is silently ignored: every key the schema accepts is listed in
// sim/backend/config-use.ts as read (by whom, in which file) or ignored (with a reason the job's
// warnings carry), and every example TOML in the repo loads with each key either read or warned.
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { CONFIG_KEYS, configWarnings, keyUse, setKeys } from '../../sim/backend/config-use.ts';
import { RlConfigFile } from '../../src/api/rl-config.ts';
import { findUnknownKeys } from '../../src/config/schema-walk.ts';
import { parseTomlFile } from '../../src/config/toml.ts';

const ROOT = join(import.meta.dir, '../..');

type Def = { type: string; innerType?: z.ZodType; options?: z.ZodType[] };
function objectShape(s: z.ZodType): Record<string, z.ZodType> | undefined {
  const d = (s as unknown as { def: Def }).def;
  if (d.type === 'optional') return objectShape(d.innerType as z.ZodType);
  if (d.type === 'union') return (d.options ?? []).map(objectShape).find((o) => o !== undefined);
  if (d.type === 'object') return (s as unknown as { shape: Record<string, z.ZodType> }).shape;
  return undefined;
}

/** Every key path the schema accepts, down to its leaves (a table-or-string key counts itself too). */
function schemaKeys(s: z.ZodType, prefix = ''): string[] {
  const shape = objectShape(s);
  if (shape === undefined) return [prefix];
  return Object.entries(shape).flatMap(([k, v]) => schemaKeys(v, prefix ? `${prefix}.${k}` : k));
}

const EXAMPLES = [...new Bun.Glob('{examples,fixtures}/**/*.toml').scanSync({ cwd: ROOT })].sort();

describe('config keys: read or warned', () => {
  test('every schema key is listed as read (by a file that mentions it) or ignored with a reason', () => {
    const keys = schemaKeys(RlConfigFile);
    expect(keys.length).toBeGreaterThan(150);
    const missing = keys.filter((k) => keyUse(k) === undefined);
    expect(missing).toEqual([]);
    for (const [key, use] of Object.entries(CONFIG_KEYS)) {
      if ('ignored' in use) {
        expect(use.ignored.length).toBeGreaterThan(20);
        continue;
      }
      const file = join(ROOT, use.by);
      expect([key, existsSync(file)]).toEqual([key, true]);
      const text = readFileSync(file, 'utf8');
      // The client's settings name the dotted path; the simulator's readers name the key itself.
      const needle = use.read === 'client' ? key.replace(/\.\*$/, '.') : (key.replace(/\.\*$/, '').split('.').at(-1) as string);
      expect([key, use.by, text.includes(needle)]).toEqual([key, use.by, true]);
    }
  });

  test('the repo has example configs to check', () => {
    expect(EXAMPLES).toEqual(expect.arrayContaining(['examples/rl/config.toml', 'fixtures/configs/crafter_online.toml']));
  });

  for (const rel of EXAMPLES) {
    test(`${rel}: each key is read, warned by the simulator, or reported unknown by the loader`, () => {
      const data = parseTomlFile(readFileSync(join(ROOT, rel), 'utf8'), rel);
      const config = RlConfigFile.parse(data);
      const unknown = new Set(findUnknownKeys(data, RlConfigFile).map((u) => u.path.join('.')));
      for (const trainer of ['grpo', 'replay']) {
        const warnings = configWarnings(config, trainer).join('\n');
        for (const key of setKeys(data)) {
          if ([...unknown].some((u) => key === u || key.startsWith(`${u}.`))) continue;
          const use = keyUse(key);
          expect([key, use === undefined]).toEqual([key, false]);
          if (use === undefined) continue;
          const honoured = 'read' in use && (use.read === 'client' || use.read === 'job' || use.read === trainer);
          const dot = key.lastIndexOf('.');
          const shown = dot < 0 ? key : `[${key.slice(0, dot)}] ${key.slice(dot + 1)}`;
          expect([trainer, key, honoured || warnings.includes(shown)]).toEqual([trainer, key, true]);
        }
      }
    });
  }

  test('the warning names the key and says why: [sim] port, [hyperparams] delta and kl_penalty', () => {
    const w = configWarnings(RlConfigFile.parse({ sim: { port: 9000 }, hyperparams: { delta: 4, kl_penalty: 0.1, beta: 0.01 } }), 'grpo');
    expect(w.find((x) => x.includes('[sim] port'))).toContain('--port');
    expect(w.find((x) => x.includes('[hyperparams] delta'))).toContain('epsilon_low/epsilon_high');
    expect(w.find((x) => x.includes('[hyperparams] kl_penalty'))).toContain('beta');
    expect(w.join('\n')).not.toMatch(/simulator: [^(]*\[hyperparams\] beta/); // beta is read, only mentioned in a reason
    // A replay job reads none of the GRPO trainer's keys, and says so.
    expect(configWarnings(RlConfigFile.parse({ hyperparams: { beta: 0.01 } }), 'replay')).toEqual([
      'config keys ignored by the simulator: [hyperparams] beta (they are read only by the grpo trainer and this job runs the replay trainer)',
    ]);
  });
});
