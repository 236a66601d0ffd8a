// Flag parsing for every command: `--name value`, `--name=value`, `--no-name` for booleans,
// `--` ends flags. Unknown flags fail with the closest valid name.
// Not node:util's parseArgs: its strict mode rejects `--lr -1e-3`, so it could only tokenize here
// and every rule below would stay; loading node:util also costs ~9 ms of CPU per process in the
// compiled binary.
import { UsageError } from './errors.ts';
import { didYouMean } from './suggest.ts';

export type FlagType = 'string' | 'int' | 'number' | 'boolean';
export type FlagValue = string | number | boolean | string[];

export interface FlagSpec {
  readonly name: string;
  readonly type: FlagType;
  readonly description: string;
  readonly placeholder?: string;
  readonly short?: string;
  /** Shown in help; the value used when the flag is absent is decided by the command or config. */
  readonly default?: string | number | boolean;
  /** Environment variables that supply this value (shown in help). */
  readonly env?: readonly string[];
  /** Collect every occurrence into a list. */
  readonly repeatable?: boolean;
  /** The config setting this flag sets (flag > env > file > default). */
  readonly setting?: string;
}

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, FlagValue>;
  readonly positionals: readonly string[];
}

const INT = /^[+-]?\d+$/;

function coerce(spec: FlagSpec, raw: string): FlagValue {
  const flag = `--${spec.name}`;
  switch (spec.type) {
    case 'string':
      return raw;
    case 'int': {
      if (!INT.test(raw.trim())) throw new UsageError(`${flag} expects an integer, got ${JSON.stringify(raw)}`);
      return Number.parseInt(raw, 10);
    }
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} expects a number, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'boolean': {
      const v = raw.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new UsageError(`${flag} expects true or false, got ${JSON.stringify(raw)}`);
    }
  }
}

/** Parses argv (without the command name) against `specs`. `where` names the command in errors. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], where: string): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short as string, s]));
  const flags = new Map<string, FlagValue>();
  const positionals: string[] = [];

  const set = (spec: FlagSpec, value: FlagValue) => {
    if (!spec.repeatable) return void flags.set(spec.name, value);
    const prev = flags.get(spec.name);
    flags.set(spec.name, [...(Array.isArray(prev) ? prev : []), String(value)]);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    let spec: FlagSpec | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      spec = byName.get(name);
      if (spec === undefined && name.startsWith('no-') && inline === undefined) {
        const negated = byName.get(name.slice(3));
        if (negated?.type === 'boolean') {
          set(negated, false);
          continue;
        }
      }
    } else {
      name = arg.slice(1);
      spec = byShort.get(name);
    }
    if (spec === undefined) {
      const known = specs.map((s) => s.name);
      throw new UsageError(`unknown flag ${arg.split('=')[0]} for ${where}${didYouMean(name, known, (s) => `--${s}`)}`);
    }
    if (spec.type === 'boolean') {
      set(spec, inline === undefined ? true : coerce(spec, inline));
      continue;
    }
    if (inline !== undefined) {
      set(spec, coerce(spec, inline));
      continue;
    }
    const next = argv[i + 1];
    const looksLikeFlag = next !== undefined && next.startsWith('--');
    if (next === undefined || looksLikeFlag) {
      throw new UsageError(`--${spec.name} expects a value${spec.placeholder ? ` (${spec.placeholder})` : ''}`);
    }
    set(spec, coerce(spec, next));
    i++;
  }
  return { flags, positionals };
}
