// `.env` files: KEY=VALUE lines, `export ` prefix allowed, `#` comments, quotes stripped
// ("…" understands \n \t \" \\), unquoted values lose a trailing ` # comment`.
// Values only fill variables that are not already set (docs/wire-contract.md §3.10).
// Not node:util's parseEnv: it returns neither line numbers (a value's source reads `.env:2`) nor
// the malformed lines this file warns about.

export interface DotenvEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export interface DotenvParse {
  readonly entries: DotenvEntry[];
  /** Lines that are neither blank, comments nor KEY=VALUE: reported as warnings, never fatal. */
  readonly bad: { line: number; text: string }[];
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$/;

function unquote(raw: string): string {
  const q = raw[0];
  if ((q === '"' || q === "'") && raw.length >= 2) {
    const end = raw.lastIndexOf(q);
    if (end > 0) {
      const inner = raw.slice(1, end);
      if (q === "'") return inner;
      return inner.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' })[c] ?? c);
    }
  }
  const hash = raw.search(/\s#/);
  return (hash === -1 ? raw : raw.slice(0, hash)).trim();
}

export function parseDotenv(text: string): DotenvParse {
  const entries: DotenvEntry[] = [];
  const bad: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = LINE.exec(raw);
    if (m === null) return void bad.push({ line: i + 1, text: trimmed });
    entries.push({ key: m[1] as string, value: unquote(m[2] as string), line: i + 1 });
  });
  return { entries, bad };
}
