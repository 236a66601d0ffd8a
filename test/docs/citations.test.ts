// Every reference a comment makes must be followable from a clone: no file under src/, sim/, test/,
// bench/ or scripts/ cites a document outside the repo, and every `docs/<file>.md §N` cited names an
// existing file with a heading numbered N. Rather than naming outside documents, the rules are
// general: a `.md` path must resolve inside the repo and a `§N` must follow a docs file.
import { describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');
const SCANNED_DIRS = ['src', 'sim', 'test', 'bench', 'scripts'];
const EXCLUDED = new Set(['test/docs/citations.test.ts']);
const TEXT_FILE = /\.(ts|js|mjs|md|sh|toml|json|wat|wgsl|html|css)$/;
const DOCS = ['wire-contract.md', 'crafter.md', 'trainer.md', 'reference-client.md', 'architecture.md'];

/** References that cannot be followed from a clone, whatever document they name. */
const OUTSIDE: [RegExp, string][] = [
  [/(?:\.\.\/)+shared\b/, 'a folder above the repository'],
  [/\bissues?\s+#?\d+/i, 'an issue number (issues are not in the repo)'],
];

/** A Markdown file a line mentions must exist in the repo (from the root or beside the file). */
function missingMarkdown(line: string, path: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/(?:^|[\s(`'"[])((?:\.{1,2}\/)*[\w./-]*[\w-]+\.md)\b/g)) {
    const ref = m[1] as string;
    if (existsSync(join(ROOT, ref)) || existsSync(join(ROOT, dirname(path), ref))) continue;
    out.push(`cites ${ref}, which is not in the repo`);
  }
  return out;
}

const SEC = String.raw`\d+(?:\.\d+)*`;
/** `[docs/<file>.md ]§A` with `, §B` / ` and §B` / `–§B` continuations. */
const GROUP = new RegExp(String.raw`(?:docs\/([\w-]+\.md)\s+)?§(${SEC})((?:(?:,\s*|\s+and\s+)§${SEC}|\s*[–-]\s*§?${SEC})*)`, 'g');

function scannedFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (TEXT_FILE.test(name)) out.push(relative(ROOT, full));
    }
  };
  for (const d of SCANNED_DIRS) walk(join(ROOT, d));
  return out.filter((f) => !EXCLUDED.has(f)).sort();
}

/** Section numbers of a docs file's headings: "## 4. Task app" → 4, "### 4.6 How…" → 4.6. */
function headings(file: string): Set<string> {
  const text = readFileSync(join(ROOT, 'docs', file), 'utf8');
  return new Set([...text.matchAll(/^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/gm)].map((m) => m[1] as string));
}

/** Labels of the reference sources (docs/reference-client.md §1) and numbered bugs (§2). */
function referenceLabels(): { sources: Set<string>; bugs: Set<string> } {
  const text = readFileSync(join(ROOT, 'docs', 'reference-client.md'), 'utf8');
  return {
    sources: new Set([...text.matchAll(/^\| (S\d+[a-z]?) \|/gm)].map((m) => m[1] as string)),
    bugs: new Set([...text.matchAll(/^### 2\.(\d+) Bug (\d+)\b/gm)].filter((m) => m[1] === m[2]).map((m) => m[1] as string)),
  };
}

/** The comment part of a line ('' when it has none): after `//` (not `://`), or a `*` comment line. */
function commentOf(line: string, path: string): string {
  if (path.endsWith('.md') || /^\s*(\*|\/\*)/.test(line) || (path.endsWith('.sh') && /^\s*#/.test(line))) return line;
  const m = /(^|[^:])\/\/(?!\/)/.exec(line);
  return m === null ? '' : line.slice(m.index + (m[1] as string).length);
}

/** Problems of one line: outside citations, bare `§` with no docs file before it, unknown sections. */
function lineProblems(line: string, path: string, known: Map<string, Set<string>>, labels: ReturnType<typeof referenceLabels>): string[] {
  const problems: string[] = [];
  for (const [re, what] of OUTSIDE) if (re.test(line)) problems.push(`cites ${what}`);
  problems.push(...missingMarkdown(line, path));
  let current: string | undefined;
  for (const m of line.matchAll(GROUP)) {
    current = m[1] ?? current;
    if (current === undefined) {
      problems.push(`"§${m[2]}" names no document: write docs/<file>.md §${m[2]}`);
      continue;
    }
    const sections = known.get(current);
    if (sections === undefined) {
      problems.push(`docs/${current} does not exist`);
      continue;
    }
    const cited = [m[2] as string, ...[...(m[3] ?? '').matchAll(new RegExp(SEC, 'g'))].map((x) => x[0])];
    for (const s of cited) if (!sections.has(s)) problems.push(`docs/${current} has no section ${s}`);
  }
  for (const m of line.matchAll(/docs\/([\w-]+\.md)/g)) if (!known.has(m[1] as string)) problems.push(`docs/${m[1]} does not exist`);
  for (const m of line.matchAll(/\bbugs? (\d+)((?:(?:,\s*|\s+and\s+|\s*[–-]\s*)\d+)*)/g)) {
    for (const n of [m[1] as string, ...((m[2] ?? '').match(/\d+/g) ?? [])]) {
      if (!labels.bugs.has(n)) problems.push(`bug ${n} is not an entry of docs/reference-client.md §2`);
    }
  }
  for (const m of commentOf(line, path).matchAll(/\bS(\d{1,2}[a-z]?)\b/g)) {
    if (!labels.sources.has(`S${m[1]}`)) problems.push(`source label S${m[1]} is not in docs/reference-client.md §1`);
  }
  return problems;
}

describe('docs in the repo', () => {
  test('docs/ holds the documentation pages code cites', () => {
    for (const f of DOCS) expect(existsSync(join(ROOT, 'docs', f))).toBe(true);
  });

  test('no file under src/, sim/, test/, bench/, scripts/ cites a document outside the repo; every docs citation resolves', () => {
    const docFiles = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    const known = new Map(docFiles.map((f) => [f, headings(f)]));
    const labels = referenceLabels();
    const problems: string[] = [];
    for (const file of scannedFiles()) {
      readFileSync(join(ROOT, file), 'utf8').split('\n').forEach((line, i) => {
        for (const p of lineProblems(line, file, known, labels)) problems.push(`${file}:${i + 1}: ${p}`);
      });
    }
    expect(problems).toEqual([]);
  });

  test('the checker catches what it should (guards the guard)', () => {
    const known = new Map([['wire-contract.md', new Set(['4', '4.6'])]]);
    const labels = { sources: new Set(['S7c']), bugs: new Set(['24']) };
    const check = (line: string) => lineProblems(line, 'src/x.ts', known, labels);
    expect(check('// see docs/wire-contract.md §4.6, §4')).toEqual([]);
    expect(check('// soft 200 (S7c), bug 24')).toEqual([]);
    expect(check('// wire-notes §4.6')).not.toEqual([]);
    // Built from parts so that this file does not itself cite a folder above the repository.
    expect(check(`// see ${'..'}/${'shared'}/notes.md`)).not.toEqual([]);
    expect(check('// see notes/rules.md')).not.toEqual([]);
    expect(check('// see README.md')).toEqual([]);
    expect(check('// (contract §4.6)')).not.toEqual([]);
    expect(check('// (§4.6)')).not.toEqual([]);
    expect(check('// docs/wire-contract.md §9.9')).not.toEqual([]);
    expect(check('// docs/nope.md')).not.toEqual([]);
    expect(check('// issue 7 end to end')).not.toEqual([]);
    expect(check('// bug 99')).not.toEqual([]);
    expect(check('// (S99)')).not.toEqual([]);
    expect(check("const S3 = /s3:\\/\\/x/; // S3 keys")).not.toEqual([]);
  });
});
