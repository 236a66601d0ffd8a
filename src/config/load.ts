// Builds the effective configuration: flags > environment (.env fills only unset vars) > TOML >
// defaults, with every value tagged by where it came from.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { z } from 'zod';
import type { FlagValue } from '../cli/args.ts';
import { UsageError } from '../cli/errors.ts';
import { parseDotenv } from './dotenv.ts';
import { RlConfigFile } from '../api/rl-config.ts';
import { DEFAULT_CONFIG_PATH, SETTINGS, settingDef, type SettingDef, type SettingKey, type SettingValue } from './settings.ts';
import { displayKey, getPath, keyLocator, parseTomlFile, type KeyLocator, type TomlTable } from './toml.ts';
import { findUnknownKeys } from './schema-walk.ts';
import { formatIssue } from './issues.ts';

export type Source =
  | { kind: 'flag'; flag: string }
  | { kind: 'env'; name: string; dotenv?: { file: string; line: number } }
  | { kind: 'file'; file: string; key: string; line?: number }
  | { kind: 'default' }
  | { kind: 'unset' };

export interface Effective {
  readonly key: SettingKey;
  readonly value: SettingValue | undefined;
  readonly source: Source;
  readonly secret: boolean;
}

export interface LoadedFile {
  /** As the user named it (relative paths stay relative for display). */
  readonly path: string;
  readonly absolutePath: string;
  readonly text: string;
  readonly data: RlConfigFile;
  /** Line of a key path in `text` (indexed once). */
  readonly locate: KeyLocator;
}

export interface LoadOptions {
  /** Parsed flags by name; a setting's flag is looked up by its `flag` name. */
  readonly flags?: ReadonlyMap<string, FlagValue>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function describeSource(s: Source): string {
  switch (s.kind) {
    case 'flag':
      return `flag --${s.flag}`;
    case 'env':
      return s.dotenv ? `env ${s.name} (${s.dotenv.file}:${s.dotenv.line})` : `env ${s.name}`;
    case 'file':
      return `file ${s.file}${s.line ? `:${s.line}` : ''} ${s.key}`;
    case 'default':
      return 'default';
    case 'unset':
      return 'unset';
  }
}

export class EffectiveConfig {
  constructor(
    readonly values: ReadonlyMap<SettingKey, Effective>,
    readonly file: LoadedFile | undefined,
    readonly warnings: readonly string[],
    readonly envFiles: readonly string[],
    /** The environment after .env files filled unset variables. */
    readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  entry(key: SettingKey): Effective {
    const e = this.values.get(key);
    if (e === undefined) throw new Error(`setting ${key} was not resolved`);
    return e;
  }

  get(key: SettingKey): SettingValue | undefined {
    return this.entry(key).value;
  }

  string(key: SettingKey): string | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : String(v);
  }

  number(key: SettingKey): number | undefined {
    const v = this.get(key);
    return typeof v === 'number' ? v : undefined;
  }

  /** The value, or a usage error (exit 2) that names every way to provide it. */
  require(key: SettingKey): SettingValue {
    const v = this.get(key);
    if (v !== undefined) return v;
    throw new UsageError(`missing ${settingDef(key).description.toLowerCase()}: ${howToSet(settingDef(key))}`);
  }
}

export function howToSet(def: SettingDef): string {
  const ways: string[] = [];
  if (def.flag) ways.push(`pass --${def.flag}`);
  if (def.env?.length) ways.push(`set ${def.env.join(' or ')}`);
  if (def.file?.length) ways.push(`add ${displayKey((def.file[0] as string).split('.'))} to the config file`);
  return ways.join(', or ');
}

const INT = /^[+-]?\d+$/;

/** Converts a raw value from a flag, env var or file to the setting's type; `from` names it in errors. */
function coerce(def: SettingDef, raw: unknown, from: string): SettingValue {
  const value = coerceType(def, raw, from);
  if (def.positive === true && typeof value === 'number' && !(value > 0)) throw new UsageError(`${from} must be greater than 0, got ${value}`);
  if (def.max !== undefined && typeof value === 'number' && value > def.max) {
    throw new UsageError(`${from} must be at most ${def.max} (limit, see README "Limits"), got ${value}`);
  }
  return value;
}

function coerceType(def: SettingDef, raw: unknown, from: string): SettingValue {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (def.type) {
    case 'int': {
      if (typeof text === 'number' && Number.isInteger(text)) return text;
      if (typeof text === 'string' && INT.test(text)) return Number.parseInt(text, 10);
      throw new UsageError(`${from} must be an integer, got ${JSON.stringify(raw)}`);
    }
    case 'number': {
      if (typeof text === 'number' && Number.isFinite(text)) return text;
      if (typeof text === 'string' && text !== '' && Number.isFinite(Number(text))) return Number(text);
      throw new UsageError(`${from} must be a number, got ${JSON.stringify(raw)}`);
    }
    case 'boolean': {
      if (typeof text === 'boolean') return text;
      const v = String(text).toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new UsageError(`${from} must be true or false, got ${JSON.stringify(raw)}`);
    }
    case 'url': {
      if (typeof text !== 'string') throw new UsageError(`${from} must be a URL string, got ${JSON.stringify(raw)}`);
      if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol) || new URL(text).hostname === '') {
        throw new UsageError(`${from} must be an http(s) URL like http://127.0.0.1:8787, got ${JSON.stringify(raw)}`);
      }
      return text;
    }
    case 'string':
    case 'path': {
      if (typeof text === 'string' || typeof text === 'number') return String(text);
      throw new UsageError(`${from} must be a string, got ${JSON.stringify(raw)}`);
    }
  }
}

function displayPath(cwd: string, abs: string): string {
  const rel = relative(cwd, abs);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
}

interface MergedEnv {
  env: Record<string, string | undefined>;
  origin: Map<string, { file: string; line: number }>;
  files: string[];
  warnings: string[];
}

/** The process environment plus .env files: explicit --env-file first, then ./.env, examples/rl/.env. */
function mergeDotenv(opts: LoadOptions, explicit: readonly string[]): MergedEnv {
  const env: Record<string, string | undefined> = { ...opts.env };
  const origin = new Map<string, { file: string; line: number }>();
  const files: string[] = [];
  const warnings: string[] = [];
  const candidates = [
    ...explicit.map((p) => ({ path: resolve(opts.cwd, p), required: true, given: p })),
    ...['.env', 'examples/rl/.env'].map((p) => ({ path: resolve(opts.cwd, p), required: false, given: p })),
  ];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c.path)) continue;
    seen.add(c.path);
    if (!existsSync(c.path) || !statSync(c.path).isFile()) {
      if (c.required) throw new UsageError(`--env-file ${c.given}: file not found`);
      continue;
    }
    const shown = displayPath(opts.cwd, c.path);
    files.push(shown);
    const parsed = parseDotenv(readFileSync(c.path, 'utf8'));
    for (const b of parsed.bad) warnings.push(`${shown}:${b.line}: ignored line (expected KEY=VALUE)`);
    for (const e of parsed.entries) {
      if (env[e.key] !== undefined) continue;
      env[e.key] = e.value;
      origin.set(e.key, { file: shown, line: e.line });
    }
  }
  return { env, origin, files, warnings };
}

function validateFile(data: TomlTable, locateKey: KeyLocator, shown: string): { parsed: RlConfigFile; warnings: string[] } {
  const warnings = findUnknownKeys(data, RlConfigFile).map((u) => {
    const line = locateKey(u.path);
    const hint = u.suggestion ? ` (did you mean ${u.suggestion}?)` : '';
    return `${shown}${line ? `:${line}` : ''}: unknown key ${displayKey(u.path)}${hint}; kept and forwarded as-is`;
  });
  const result = RlConfigFile.safeParse(data);
  if (result.success) return { parsed: result.data, warnings };
  const errors = result.error.issues.map((issue: z.core.$ZodIssue) => {
    const line = locateKey(issue.path as (string | number)[]);
    return `${shown}${line ? `:${line}` : ''}: ${displayKey(issue.path as (string | number)[])}: ${formatIssue(issue, data, RlConfigFile)}`;
  });
  throw new UsageError(`invalid config file ${shown}:\n  ${errors.join('\n  ')}`);
}

function loadFile(opts: LoadOptions, cfgPath: Effective): { file?: LoadedFile; warnings: string[] } {
  if (cfgPath.value === undefined) return { warnings: [] };
  const given = String(cfgPath.value);
  const abs = resolve(opts.cwd, given);
  if (!existsSync(abs)) {
    if (cfgPath.source.kind === 'default') return { warnings: [] };
    throw new UsageError(`config file not found: ${given} (from ${describeSource(cfgPath.source)})`);
  }
  if (!statSync(abs).isFile()) throw new UsageError(`config path is not a file: ${given}`);
  const shown = displayPath(opts.cwd, abs);
  const text = readFileSync(abs, 'utf8');
  const locate = keyLocator(text);
  const { parsed, warnings } = validateFile(parseTomlFile(text, shown), locate, shown);
  return { file: { path: shown, absolutePath: abs, text, data: parsed, locate }, warnings };
}

function resolveSetting(
  def: SettingDef,
  flagValue: FlagValue | undefined,
  merged: MergedEnv,
  file: LoadedFile | undefined,
): Effective {
  const key = def.key as SettingKey;
  const secret = def.secret === true;
  if (def.flag !== undefined && flagValue !== undefined && !Array.isArray(flagValue)) {
    return { key, secret, value: coerce(def, flagValue, `--${def.flag}`), source: { kind: 'flag', flag: def.flag } };
  }
  for (const name of def.env ?? []) {
    const raw = merged.env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const dotenv = merged.origin.get(name);
    const source: Source = dotenv ? { kind: 'env', name, dotenv } : { kind: 'env', name };
    return { key, secret, value: coerce(def, raw, `environment variable ${name}`), source };
  }
  if (file !== undefined) {
    for (const dotted of def.file ?? []) {
      const raw = getPath(file.data as TomlTable, dotted);
      if (raw === undefined || (typeof raw === 'object' && raw !== null)) continue;
      const path = dotted.split('.');
      const line = file.locate(path);
      const shownKey = displayKey(path);
      const value = coerce(def, raw, `${file.path}${line ? `:${line}` : ''} ${shownKey}`);
      return { key, secret, value, source: { kind: 'file', file: file.path, key: shownKey, ...(line && { line }) } };
    }
  }
  if (def.default !== undefined) return { key, secret, value: def.default, source: { kind: 'default' } };
  return { key, secret, value: undefined, source: { kind: 'unset' } };
}

/** Loads .env files and the TOML file and resolves every setting. Throws UsageError (exit 2) on bad input. */
export function loadConfig(opts: LoadOptions): EffectiveConfig {
  const flags = opts.flags ?? new Map<string, FlagValue>();
  const flagFor = (def: SettingDef): FlagValue | undefined => (def.flag === undefined ? undefined : flags.get(def.flag));
  const envFileFlag = flags.get('env-file');
  const explicitEnvFiles = Array.isArray(envFileFlag) ? envFileFlag : typeof envFileFlag === 'string' ? [envFileFlag] : [];
  const merged = mergeDotenv(opts, explicitEnvFiles);

  const cfgDef = settingDef('config_path');
  const cfgResolved = resolveSetting(cfgDef, flagFor(cfgDef), merged, undefined);
  const cfgPath: Effective = cfgResolved.value === undefined
    ? { ...cfgResolved, value: DEFAULT_CONFIG_PATH, source: { kind: 'default' } }
    : cfgResolved;
  const { file, warnings: fileWarnings } = loadFile(opts, cfgPath);

  const values = new Map<SettingKey, Effective>();
  for (const def of SETTINGS as readonly SettingDef[]) {
    if (def.key === 'config_path') {
      values.set('config_path', file === undefined && cfgPath.source.kind === 'default'
        ? { key: 'config_path', secret: false, value: undefined, source: { kind: 'unset' } }
        : cfgPath);
      continue;
    }
    values.set(def.key as SettingKey, resolveSetting(def, flagFor(def), merged, file));
  }
  return new EffectiveConfig(values, file, [...merged.warnings, ...fileWarnings], merged.files, merged.env);
}

