// Diagnostic lines (`name: OK|WARN|FAIL reason`) and their verdict, as text or JSON.
import type { CheckLevel, CheckResult } from '../client/taskapp.ts';
import { createStyle, type Style } from './style.ts';

export function verdict(results: readonly CheckResult[]): CheckLevel {
  if (results.some((r) => r.level === 'fail')) return 'fail';
  if (results.some((r) => r.level === 'warn')) return 'warn';
  return 'ok';
}

export function levelLabel(level: CheckLevel, style: Style = createStyle(false)): string {
  if (level === 'ok') return style.green('OK');
  if (level === 'warn') return style.yellow('WARN');
  return style.red('FAIL');
}

export function checkLine(r: CheckResult, style: Style = createStyle(false)): string {
  return `${r.name}: ${levelLabel(r.level, style)} ${r.message}`;
}

export function checksText(results: readonly CheckResult[], style: Style = createStyle(false)): string {
  const v = verdict(results);
  const failed = results.filter((r) => r.level === 'fail').length;
  const tail = v === 'fail' ? ` (${failed} check${failed === 1 ? '' : 's'} failed)` : '';
  return `${results.map((r) => checkLine(r, style)).join('\n')}\nresult: ${levelLabel(v, style)}${tail}\n`;
}

export function checksJson(results: readonly CheckResult[]): { ok: boolean; result: CheckLevel; checks: CheckResult[] } {
  const v = verdict(results);
  return { ok: v !== 'fail', result: v, checks: [...results] };
}
