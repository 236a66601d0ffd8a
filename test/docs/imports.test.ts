// The layering rules of docs/architecture.md §1 and §6: the simulator (sim/) takes client code only
// through named, public modules, and the client (src/) imports the simulator only from the command
// entries that start part of it, so the client behaves the same against the hosted backend. And
// every package the shipped code imports at run time is a dependency, not a devDependency.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { moduleImports, relativeImports, sourceFiles } from '../../scripts/code-shape.ts';

const ROOT = join(import.meta.dir, '..', '..');

/** What sim/ may import from src/: a file, or a folder ending in '/'. */
const SIM_MAY_IMPORT = ['src/index.ts', 'src/api/', 'src/policy/', 'src/runtime/'];
/** The only src/ files that may import sim/. */
const SRC_MAY_IMPORT_SIM = ['src/cli/commands/sim.ts', 'src/cli/commands/task-app.ts', 'src/cli/commands/demo.ts', 'src/cli/commands/studio.ts'];

/** Repo-relative targets of a file's relative imports: static, re-exports, side-effect and dynamic. */
function importTargets(path: string, text: string): string[] {
  return relativeImports(text, join(ROOT, path)).map((abs) => relative(ROOT, abs).split('\\').join('/'));
}

const allowed = (target: string, rules: readonly string[]) =>
  rules.some((rule) => (rule.endsWith('/') ? target.startsWith(rule) : target === rule));

/** `file → target` for every import from `fromDir` into `intoDir` that the rules do not allow. */
async function violations(fromDir: string, intoDir: string, ok: (file: string, target: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const file of await sourceFiles(ROOT, [fromDir])) {
    for (const target of importTargets(file, readFileSync(join(ROOT, file), 'utf8'))) {
      if (target.startsWith(`${intoDir}/`) && !ok(file, target)) out.push(`${file} → ${target}`);
    }
  }
  return out;
}

describe('layering', () => {
  test('the import scanner sees every form of import', () => {
    const text = [
      "import { a } from '../../src/client/http.ts';",
      "import type {\n  B,\n} from '../../src/api/jobs.ts';",
      "export * from '../../src/index.ts';",
      "import '../../src/ui/live.ts';",
      "const m = await import('../../src/cli/main.ts');",
      "// import { x } from '../../src/not/code.ts';",
      "const s = 'text with from \\'../../src/not/either.ts\\'';",
      "export const NAME = '../../src/not/a-module.ts';",
    ].join('\n');
    expect(importTargets('sim/backend/x.ts', text)).toEqual([
      'src/client/http.ts', 'src/api/jobs.ts', 'src/index.ts', 'src/ui/live.ts', 'src/cli/main.ts',
    ]);
  });

  test('sim/ imports src/ only through the public modules of docs/architecture.md §6', async () => {
    expect(await violations('sim', 'src', (_file, target) => allowed(target, SIM_MAY_IMPORT))).toEqual([]);
  });

  test('src/ imports sim/ only from the command entries that start part of the simulator', async () => {
    expect(await violations('src', 'sim', (file) => SRC_MAY_IMPORT_SIM.includes(file))).toEqual([]);
  });

  test('docs/architecture.md §6 names every allowed module and command entry', () => {
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const start = doc.search(/^## \d+\. What the simulator reuses from the client$/m);
    expect(start).toBeGreaterThan(-1);
    const end = doc.indexOf('\n## ', start + 1);
    const section = doc.slice(start, end === -1 ? undefined : end);
    for (const module of SIM_MAY_IMPORT) expect(section).toContain(`\`${module}\``);
    for (const entry of SRC_MAY_IMPORT_SIM) expect(section).toContain(entry.replace('src/cli/commands/', ''));
  });
});

/** Packages a file imports at run time (type-only imports are erased), by package name. */
function runtimePackages(text: string): string[] {
  return moduleImports(text, 'x.ts')
    .filter((i) => !i.typeOnly)
    .map((i) => i.specifier)
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !s.startsWith('bun:') && s !== 'bun')
    .map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/'));
}

describe('dependencies', () => {
  test('the scanner keeps value imports and package names, drops type-only and built-in ones', () => {
    const text = "import type { X } from '@webgpu/types';\nimport { blake2b } from '@noble/hashes/blake2.js';\nimport {\n  a,\n} from 'hono/cookie';\nimport { readFileSync } from 'node:fs';\nimport { Database } from 'bun:sqlite';";
    expect(runtimePackages(text)).toEqual(['@noble/hashes', 'hono']);
  });

  test('every package src/ and sim/ import at run time is in package.json dependencies', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const missing: string[] = [];
    for (const file of await sourceFiles(ROOT, ['src', 'sim'])) {
      for (const name of runtimePackages(readFileSync(join(ROOT, file), 'utf8'))) {
        if (pkg.dependencies[name] === undefined) missing.push(`${file} imports ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
