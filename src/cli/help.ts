// Help text, generated from the command catalogue so it never drifts from the parser.
import type { FlagSpec } from './args.ts';
import { COMMANDS, type CommandSpec } from './spec.ts';
import { EXIT } from './exit-codes.ts';
import { displayKey } from '../config/keys.ts';
import { SETTINGS, type SettingDef } from '../config/settings.ts';

function flagLabel(f: FlagSpec): string {
  const short = f.short ? `-${f.short}, ` : '';
  const value = f.type === 'boolean' ? '' : ` ${f.placeholder ?? (f.type === 'string' ? 'VALUE' : 'N')}`;
  return `${short}--${f.name}${value}`;
}

function flagNotes(f: FlagSpec): string {
  const notes: string[] = [];
  if (f.env?.length) notes.push(`env: ${f.env.join(', ')}`);
  const setting = (SETTINGS as readonly SettingDef[]).find((s) => s.key === f.setting);
  if (setting?.file?.length) notes.push(`toml: ${setting.file.map((k) => displayKey(k.split('.'))).join(', ')}`);
  if (f.default !== undefined) notes.push(`default: ${String(f.default)}`);
  if (f.repeatable) notes.push('repeatable');
  return notes.join(' · ');
}

export function commandHelp(spec: CommandSpec): string {
  const lines = [`synth-rl ${spec.name} — ${spec.summary}`, ''];
  lines.push(`Usage: ${spec.usage ?? `synth-rl ${spec.name} [flags]`}`);
  if (spec.details) lines.push('', spec.details);
  lines.push('', 'Flags:');
  const width = Math.min(34, Math.max(...spec.flags.map((f) => flagLabel(f).length)) + 2);
  for (const f of spec.flags) {
    const label = flagLabel(f);
    const pad = label.length >= width ? `\n  ${' '.repeat(width)}` : ' '.repeat(width - label.length);
    lines.push(`  ${label}${pad}${f.description}`);
    const notes = flagNotes(f);
    if (notes) lines.push(`  ${' '.repeat(width)}${notes}`);
  }
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

export function mainHelp(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  return [
    `synth-rl ${version} — client for Synth's hosted RL fine-tuning service, and a local simulator of it`,
    '',
    'Usage: synth-rl <command> [flags]',
    '',
    'Commands:',
    ...rows,
    '',
    'Global: -h, --help (also per command) · -V, --version',
    'Configuration precedence: flag > environment (.env) > TOML (--config-path) > default; see `synth-rl config`.',
    `Exit codes: ${EXIT.ok} ok · ${EXIT.failure} job failed/error · ${EXIT.usage} usage/config error · ${EXIT.watchdog} watchdog · ${EXIT.startupDeadline} startup deadline · ${EXIT.stalled} stalled · ${EXIT.interrupted} interrupted · ${EXIT.terminated} terminated (SIGTERM)`,
    '',
  ].join('\n');
}
