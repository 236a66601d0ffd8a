// The code-shape check (scripts/code-shape.ts) finds what it promises: functions over 100 lines
// unless a leading comment says why they are long, import cycles (type imports included), and
// files over 400 lines, on small hand-made inputs rather than the live tree.
import { describe, expect, test } from 'bun:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importCycles, longFunctions, MAX_FILE_LINES, MAX_FUNCTION_LINES, relativeImports, scan } from '../../scripts/code-shape.ts';
import { tempDir } from '../helpers/cli.ts';

/** A function declaration of exactly `lines` lines (the signature and closing brace count). */
function fn(name: string, lines: number): string {
  return [`function ${name}(x: number): number {`, ...Array.from({ length: lines - 2 }, () => '  x++;'), '}'].join('\n');
}

describe('longFunctions', () => {
  test('the limit is 100 lines', () => {
    expect(MAX_FUNCTION_LINES).toBe(100);
  });

  test('a 101-line function is listed with its name, first line and length', () => {
    const text = `const a = 1;\n${fn('big', 101)}\n`;
    expect(longFunctions(text, 'x.ts')).toEqual([{ file: 'x.ts', name: 'big', line: 2, lines: 101 }]);
  });

  test('a 100-line function is not listed', () => {
    expect(longFunctions(fn('edge', 100), 'x.ts')).toEqual([]);
  });

  test('a 101-line function whose leading comment says "Long because" is not listed', () => {
    const text = `// Long because the table reads best in one place.\n${fn('big', 101)}\n`;
    expect(longFunctions(text, 'x.ts')).toEqual([]);
  });

  test('any other leading comment does not excuse it, even one that says the function is long', () => {
    const text = `// A long list of steps, one per line.\n${fn('big', 101)}\n`;
    expect(longFunctions(text, 'x.ts').map((f) => f.name)).toEqual(['big']);
  });

  test('arrow functions and test callbacks count too, named after their variable or anonymous', () => {
    const body = Array.from({ length: 99 }, () => '  x++;').join('\n');
    const text = `const run = (x: number) => {\n${body}\n};\ndescribe('d', () => {\n${body}\n});\n`;
    expect(longFunctions(text, 'x.test.ts').map((f) => [f.name, f.lines])).toEqual([['run', 101], ['(anonymous)', 101]]);
  });
});

describe('relativeImports', () => {
  test('counts value imports, `import type` and re-exports; ignores packages', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "import { parse } from '@babel/parser';",
      'export const x = 1;',
    ].join('\n');
    const file = '/r/src/m.ts';
    expect(relativeImports(text, file)).toEqual([resolve('/r/src/a.ts'), resolve('/r/b.ts'), resolve('/r/src/c.ts')]);
  });
});

describe('importCycles', () => {
  test('finds each cycle once as its sorted members, and nothing in an acyclic part', () => {
    const graph = new Map<string, string[]>([
      ['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []],
      ['e', ['f']], ['f', ['e']],
      ['g', ['d']],
    ]);
    expect(importCycles(graph).map((c) => c.join(',')).sort()).toEqual(['a,b,c', 'e,f']);
  });

  test('a graph without cycles (self-contained tree) gives none', () => {
    expect(importCycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });
});

describe('scan', () => {
  test('a tree: a long file, a long function and a type-only cycle through .ts and extensionless paths', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'src'), { recursive: true });
    writeFileSync(join(root, 'src/a.ts'), "import type { B } from './b';\nexport type A = { b?: B };\n");
    writeFileSync(join(root, 'src/b.ts'), "import type { A } from './a.ts';\nexport type B = { a?: A };\n");
    const constants = (n: number) => `${Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join('\n')}\n`;
    writeFileSync(join(root, 'src/long.ts'), constants(MAX_FILE_LINES + 1));
    writeFileSync(join(root, 'src/edge.ts'), constants(MAX_FILE_LINES));
    writeFileSync(join(root, 'src/fn.ts'), `${fn('big', 101)}\n`);
    const found = await scan(root);
    expect(found.longFiles).toEqual([{ file: 'src/long.ts', lines: MAX_FILE_LINES + 1 }]);
    expect(found.longFunctions.map((f) => `${f.file} ${f.name}`)).toEqual(['src/fn.ts big']);
    expect(found.cycles).toEqual([['src/a.ts', 'src/b.ts']]);
    expect(found.unparsable).toEqual([]);
  });

  test('a file that does not parse is listed by name instead of stopping the scan', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'src'), { recursive: true });
    writeFileSync(join(root, 'src/merge.ts'), '<<<<<<< HEAD\nexport const a = 1;\n=======\nexport const a = 2;\n>>>>>>> other\n');
    writeFileSync(join(root, 'src/fn.ts'), `${fn('big', 101)}\n`);
    const found = await scan(root);
    expect(found.unparsable.map((u) => u.file)).toEqual(['src/merge.ts']);
    expect(found.longFunctions.map((f) => f.name)).toEqual(['big']);
  });
});
