// The mutation table (scripts/mutations.ts) must keep up with the code it patches: a patch whose
// search text is gone would silently test nothing, so it fails here, in the ordinary suite, first.
import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch, MUTATIONS } from '../../scripts/mutations.ts';

const ROOT = join(import.meta.dir, '../..');

test('every mutation applies exactly once to the current sources and changes them', () => {
  expect(MUTATIONS.length).toBeGreaterThanOrEqual(4);
  for (const m of MUTATIONS) {
    const text = readFileSync(join(ROOT, m.file), 'utf8');
    expect(applyPatch(text, m)).not.toBe(text);
  }
});

test('a patch that no longer applies fails loudly, naming the mutation and the file', () => {
  const m = { name: 'demo mutation', file: 'sim/x.ts', search: 'const a = 1;', replace: 'const a = 2;' };
  expect(() => applyPatch('nothing here', m)).toThrow('mutation "demo mutation" no longer applies: sim/x.ts contains its search text 0 times');
  expect(() => applyPatch('const a = 1; const a = 1;', m)).toThrow('2 times');
});
