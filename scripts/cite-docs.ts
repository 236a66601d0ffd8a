// Rewrites comments that cite documents outside the repo (research notes, an issue tracker) into
// citations of docs/ in the repo, so a newcomer can follow every reference from a clone.
//
//   bun run scripts/cite-docs.ts           rewrite in place, print what changed
//   bun run scripts/cite-docs.ts --check   change nothing; exit 1 if anything would change
//
// Idempotent: a citation already of the form `docs/<file>.md §N` is left alone, so the script can be
// re-run after merging branches that still carry old citations. test/docs/citations.test.ts fails
// on anything this script leaves behind. This file and that test are the only files that may name
// the old documents (they hold the mapping); both are excluded from the scan.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const SCANNED_DIRS = ['src', 'sim', 'test', 'bench', 'scripts'];
export const EXCLUDED_FILES = ['scripts/cite-docs.ts', 'test/docs/citations.test.ts'];
const TEXT_FILE = /\.(ts|js|mjs|md|sh|toml|json|wat|wgsl|html|css)$/;

type OldDoc = 'wire' | 'crafter' | 'anchors' | 'docs';

/** Names under which comments cite each old document (longest first: the regex takes the first). */
const OLD_NAMES: [RegExp, OldDoc][] = [
  [/^docs\/[\w-]+\.md$/, 'docs'],
  [/crafter-rules(\.md)?$/, 'crafter'],
  [/synth-wire-contract(\.md)?$|^contract$|^reference$/, 'wire'],
  [/^anchors(\.md)?$/, 'anchors'],
];

/** anchors §x (a survey of GRPO practice and peer tools) → where this repo states what it does. */
const ANCHORS: Record<string, [string, string]> = {
  '2': ['trainer.md', '2'], '2.1': ['trainer.md', '4'], '2.2': ['trainer.md', '2'], '2.3': ['trainer.md', '2'],
  '2.4': ['trainer.md', '8'], '2.5': ['trainer.md', '1'],
};

/**
 * Where a numbered section of an old document lives now: [docs file, section]. The new documents
 * keep the old numbering (so most entries are the identity); the exceptions are listed here. A
 * section the new file does not have falls back to its nearest parent that it has.
 */
function mapSection(doc: Exclude<OldDoc, 'docs'>, section: string): [string, string] {
  if (doc === 'anchors') return ANCHORS[section] ?? ['architecture.md', '3'];
  if (doc === 'wire' && (section === '9.2' || section.startsWith('9.2.'))) return ['reference-client.md', '2'];
  if (doc === 'wire' && section === '0') return ['reference-client.md', '1'];
  const file = doc === 'crafter' ? 'crafter.md' : 'wire-contract.md';
  let s = section;
  while (s.includes('.') && !docSections(file).has(s)) s = s.slice(0, s.lastIndexOf('.'));
  return [file, s];
}

const sectionCache = new Map<string, Set<string>>();
/** Section numbers of a docs file's headings ("### 4.6 How…" → 4.6). */
function docSections(file: string): Set<string> {
  let found = sectionCache.get(file);
  if (found === undefined) {
    const text = readFileSync(join(import.meta.dir, '..', 'docs', file), 'utf8');
    found = new Set([...text.matchAll(/^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/gm)].map((m) => m[1] as string));
    sectionCache.set(file, found);
  }
  return found;
}

/** Whole phrases that have no numbered section to map from; applied before everything else. */
const LITERAL: [string, string][] = [
  ['Public API of the toy Crafter engine (issue 5). See DEVIATIONS.md for where it departs from',
    'Public API of the toy Crafter engine (docs/crafter.md §8). See docs/crafter.md §9 for where it departs from'],
  ['(issue 5, §8.3 item 9)', '(docs/crafter.md §8.3 item 9)'],
  ['// Issue 7 end to end:', '// The GRPO path end to end (docs/trainer.md §1):'],
  ['(DEVIATIONS 14)', '(docs/crafter.md §9.14)'],
  ['// Issue 14, acceptance 2: `kill -9`', '// Crash resume (docs/architecture.md §4): `kill -9`'],
  ['// Issue 14: the metrics of one step', '// Durable state (docs/architecture.md §4): the metrics of one step'],
];

/** Files whose bare `§N` (no document named on the line) mean Crafter's rules; all others the wire contract. */
function defaultDoc(path: string): Exclude<OldDoc, 'docs'> {
  return /(^|\/)crafter(\/|\.ts$)/.test(path) ? 'crafter' : 'wire';
}

const SEC = String.raw`\d+(?:\.\d+)*`;
const NAME = String.raw`(?:[\w./-]*crafter-rules(?:\.md)?|[\w./-]*synth-wire-contract(?:\.md)?|contract|reference|anchors(?:\.md)?|docs\/[\w-]+\.md)`;
/** `[NAME ]§A` then `, §B` / ` and §B` / `–§B` / `–B` continuations. */
const GROUP = new RegExp(String.raw`(?:(${NAME})\s+)?§(${SEC})((?:(?:,\s*|\s+and\s+|,\s+and\s+)§${SEC}|\s*[–-]\s*§?${SEC})*)`, 'g');
/** Names that set the document for later bare `§` on the line ("reference"/"contract" alone are too common). */
const NAME_ANYWHERE = /[\w./-]*crafter-rules(?:\.md)?|[\w./-]*synth-wire-contract(?:\.md)?|anchors(?:\.md)?(?=\s+§)|docs\/[\w-]+\.md/g;

function docOfName(name: string): OldDoc | undefined {
  const base = name.replace(/^.*\//, '');
  for (const [re, doc] of OLD_NAMES) if (re.test(name) || re.test(base)) return doc;
  return undefined;
}

/** The document a bare `§` refers to: the nearest document named earlier on the line, else the file's. */
function contextDoc(line: string, at: number, fallback: Exclude<OldDoc, 'docs'>): OldDoc {
  let found: OldDoc | undefined;
  for (const m of line.slice(0, at).matchAll(NAME_ANYWHERE)) found = docOfName(m[0]) ?? found;
  return found ?? fallback;
}

/**
 * Rewrites each `§` group of a line. A bare group that follows a citation of the same docs file on
 * the line keeps its bare form ("docs/wire-contract.md §4.2, the response of §4.4"): the test reads
 * a bare `§` as the nearest docs file named before it on the line.
 */
function rewriteGroups(line: string, fallback: Exclude<OldDoc, 'docs'>): string {
  let lastFile: string | undefined;
  return line.replace(GROUP, (whole, name: string | undefined, first: string, rest: string, offset: number) => {
    const doc = name !== undefined ? (docOfName(name) ?? fallback) : contextDoc(line, offset, fallback);
    if (doc === 'docs') {
      lastFile = name?.replace(/^docs\//, '') ?? lastFile;
      return whole;
    }
    const parts: { sep: string; sec: string }[] = [{ sep: '', sec: first }];
    for (const m of rest.matchAll(new RegExp(String.raw`(,\s*|\s+and\s+|,\s+and\s+|\s*[–-]\s*)§?(${SEC})`, 'g'))) {
      parts.push({ sep: m[1] as string, sec: m[2] as string });
    }
    const mapped = parts.map((p) => ({ sep: p.sep, file: mapSection(doc, p.sec)[0], sec: mapSection(doc, p.sec)[1] }));
    let prev = name === undefined ? lastFile : undefined;
    const body = mapped.map((p) => {
      const text = `${p.sep}${p.file === prev ? '' : `docs/${p.file} `}§${p.sec}`;
      prev = p.file;
      return text;
    }).join('');
    lastFile = prev;
    return body;
  });
}

/** The comment part of a line ('' when it has none): after `//` (not `://`), or a `*` / `#` comment line. */
function commentStart(line: string, path: string): number {
  if (path.endsWith('.md')) return 0;
  if (/^\s*(\*|\/\*)/.test(line) || (path.endsWith('.sh') && /^\s*#/.test(line))) return 0;
  const m = /(^|[^:])\/\/(?!\/)/.exec(line);
  return m === null ? -1 : m.index + (m[1] as string).length;
}

/** `bug 24` → `docs/reference-client.md §2.24` (comments only; strings keep the in-repo numbering). */
function rewriteBugs(line: string, path: string): string {
  const at = commentStart(line, path);
  if (at < 0) return line;
  const comment = line.slice(at).replace(/\bbugs? (\d+)((?:(?:,\s*|\s+and\s+|\s*[–-]\s*)\d+)*)/g, (_w, first: string, rest: string) => {
    const more = [...rest.matchAll(/(,\s*|\s+and\s+|\s*[–-]\s*)(\d+)/g)].map((m) => `${m[1]}§2.${m[2]}`);
    return `docs/reference-client.md §2.${first}${more.join('')}`;
  });
  return line.slice(0, at) + comment;
}

export function rewrite(text: string, path: string): string {
  let out = text;
  for (const [from, to] of LITERAL) out = out.split(from).join(to);
  const fallback = defaultDoc(path);
  return out.split('\n').map((line) => rewriteBugs(rewriteGroups(line, fallback), path)).join('\n');
}

export function scannedFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (TEXT_FILE.test(name)) files.push(relative(root, full));
    }
  };
  for (const d of SCANNED_DIRS) walk(join(root, d));
  return files.filter((f) => !EXCLUDED_FILES.includes(f)).sort();
}

if (import.meta.main) {
  const root = join(import.meta.dir, '..');
  const check = process.argv.includes('--check');
  let changed = 0;
  for (const file of scannedFiles(root)) {
    const before = readFileSync(join(root, file), 'utf8');
    const after = rewrite(before, file);
    if (after === before) continue;
    changed++;
    const a = before.split('\n');
    const b = after.split('\n');
    b.forEach((line, i) => { if (line !== a[i]) console.log(`${file}:${i + 1}: ${line.trim()}`); });
    if (!check) writeFileSync(join(root, file), after);
  }
  console.log(`${changed} file(s) ${check ? 'would change' : 'changed'}`);
  if (check && changed > 0) process.exit(1);
}
