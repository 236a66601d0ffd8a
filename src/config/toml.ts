// Reading the TOML config: parse errors become file:line:col messages, and any key path can be
// located back to its line so type errors and warnings point at the right place.
import { parse, TomlError } from 'smol-toml';
import { UsageError } from '../cli/errors.ts';

export { displayKey } from './keys.ts';

export type TomlTable = Record<string, unknown>;

export function parseTomlFile(text: string, displayPath: string): TomlTable {
  try {
    return parse(text) as TomlTable;
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.replace(/^Invalid TOML document:\s*/, '').split('\n')[0] ?? 'syntax error';
      throw new UsageError(`${displayPath}:${error.line}:${error.column}: invalid TOML: ${reason}\n${error.codeblock}`);
    }
    throw error;
  }
}

function stripKey(k: string): string {
  return k.trim().replace(/^["']|["']$/g, '');
}

/** Finds the line of a key path; built once per file so locating N keys costs O(lines + N). */
export type KeyLocator = (path: readonly (string | number)[]) => number | undefined;

/**
 * Indexes `text` for locateKey: one pass over the lines records, per joined key path, the first
 * line of a [table] header, of a key equal to the path, and of a key the path is a prefix of.
 */
export function keyLocator(text: string): KeyLocator {
  const headers = new Map<string, number>();
  const exact = new Map<string, number>();
  const under = new Map<string, number>();
  const first = (m: Map<string, number>, k: string, line: number) => {
    if (!m.has(k)) m.set(k, line);
  };
  let table: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/#.*$/, '').trim();
    if (line === '') continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header) {
      table = (header[1] as string).split('.').map(stripKey);
      first(headers, table.join('.'), i + 1);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const full = [...table, ...line.slice(0, eq).split('.').map(stripKey)];
    first(exact, full.join('.'), i + 1);
    for (let k = 1; k <= full.length; k++) first(under, full.slice(0, k).join('.'), i + 1);
  }
  return (path) => {
    const target = path.map(String);
    // A key that is the target or lies inside it (dotted key), a key that holds it (inline
    // table), or its [table] header: the earliest line wins, as a top-to-bottom scan would find.
    const found = [headers.get(target.join('.')), under.get(target.join('.'))];
    for (let k = 1; k < target.length; k++) found.push(exact.get(target.slice(0, k).join('.')));
    const lines = found.filter((n): n is number => n !== undefined);
    return lines.length === 0 ? undefined : Math.min(...lines);
  };
}

/**
 * The 1-based line where the key at `path` is defined, if it can be found: handles [table]
 * headers, dotted keys (`a.b = …`) and inline keys. Good enough for error messages; not a parser.
 * To locate many keys in one text, build a keyLocator once.
 */
export function locateKey(text: string, path: readonly (string | number)[]): number | undefined {
  return keyLocator(text)(path);
}

/** Reads a dotted key path ("trainer.batch_size") from a parsed TOML table. */
export function getPath(data: TomlTable, dotted: string): unknown {
  let cur: unknown = data;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as TomlTable)[part];
  }
  return cur;
}
