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

/**
 * The 1-based line where the key at `path` is defined, if it can be found: handles [table]
 * headers, dotted keys (`a.b = …`) and inline keys. Good enough for error messages; not a parser.
 */
export function locateKey(text: string, path: readonly (string | number)[]): number | undefined {
  const target = path.map(String);
  let table: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/#.*$/, '').trim();
    if (line === '') continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header) {
      table = (header[1] as string).split('.').map(stripKey);
      if (table.join('.') === target.join('.')) return i + 1;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const full = [...table, ...line.slice(0, eq).split('.').map(stripKey)];
    // A key that is the target, holds it (inline table), or lies inside it (dotted key).
    const n = Math.min(full.length, target.length);
    if (full.slice(0, n).join('.') === target.slice(0, n).join('.')) return i + 1;
  }
  return undefined;
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
