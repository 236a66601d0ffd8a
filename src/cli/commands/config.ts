// `synth-rl config`: the effective configuration and where each value came from.
import type { CommandContext } from '../context.ts';
import { describeSource, loadConfig, type EffectiveConfig } from '../../config/load.ts';
import { redact } from '../../config/redact.ts';
import { displayKey, type KeyLocator, type TomlTable } from '../../config/toml.ts';

function shown(e: { value: unknown; secret: boolean }): string | number | boolean | null {
  if (e.value === undefined) return null;
  if (e.secret) return redact(String(e.value));
  return e.value as string | number | boolean;
}

interface FileLeaf {
  key: string;
  value: unknown;
  line?: number;
}

/** Every scalar or array value in the TOML file, with its display key and line. */
function fileLeaves(data: TomlTable, locateKey: KeyLocator, path: string[] = []): FileLeaf[] {
  const leaves: FileLeaf[] = [];
  for (const [k, v] of Object.entries(data)) {
    const p = [...path, k];
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)) {
      leaves.push(...fileLeaves(v as TomlTable, locateKey, p));
      continue;
    }
    const line = locateKey(p);
    leaves.push({ key: displayKey(p), value: v, ...(line !== undefined && { line }) });
  }
  return leaves;
}

function toJson(cfg: EffectiveConfig, showFile: boolean): unknown {
  const values: Record<string, unknown> = {};
  for (const [key, e] of cfg.values) {
    values[key] = { value: shown(e), source: describeSource(e.source), kind: e.source.kind, ...(e.secret && { secret: true }) };
  }
  return {
    precedence: ['flag', 'env', 'file', 'default'],
    config_file: cfg.file?.path ?? null,
    env_files: cfg.envFiles,
    values,
    warnings: cfg.warnings,
    ...(showFile && cfg.file && { file: fileLeaves(cfg.file.data as TomlTable, cfg.file.locate) }),
  };
}

function toText(cfg: EffectiveConfig, showFile: boolean): string {
  const rows = [...cfg.values.values()].map((e) => {
    const v = shown(e);
    return [e.key, v === null ? '(unset)' : String(v), e.source.kind === 'unset' ? '-' : describeSource(e.source)];
  });
  const w0 = Math.max(...rows.map((r) => (r[0] as string).length), 7);
  const w1 = Math.min(48, Math.max(...rows.map((r) => (r[1] as string).length), 5));
  const lines = [
    'Effective config (precedence: flag > env > file > default)',
    `  config file: ${cfg.file?.path ?? '(none)'}`,
    `  .env files:  ${cfg.envFiles.length ? cfg.envFiles.join(', ') : '(none)'}`,
    '',
    `  ${'SETTING'.padEnd(w0)}  ${'VALUE'.padEnd(w1)}  SOURCE`,
    ...rows.map(([k, v, s]) => `  ${(k as string).padEnd(w0)}  ${(v as string).padEnd(w1)}  ${s}`),
  ];
  if (showFile && cfg.file) {
    lines.push('', `Values in ${cfg.file.path}:`);
    for (const leaf of fileLeaves(cfg.file.data as TomlTable, cfg.file.locate)) {
      lines.push(`  ${leaf.key} = ${JSON.stringify(leaf.value)}${leaf.line ? `   (line ${leaf.line})` : ''}`);
    }
  }
  if (cfg.warnings.length) lines.push('', 'Warnings:', ...cfg.warnings.map((w) => `  ${w}`));
  return `${lines.join('\n')}\n`;
}

export async function run(ctx: CommandContext): Promise<number> {
  const cfg = loadConfig({ flags: ctx.args.flags, env: ctx.env, cwd: ctx.cwd });
  const showFile = ctx.args.flags.get('show-file') === true;
  if (ctx.args.flags.get('json') === true) {
    ctx.out.write(`${JSON.stringify(toJson(cfg, showFile), null, 2)}\n`);
    return 0;
  }
  ctx.out.write(toText(cfg, showFile));
  return 0;
}
