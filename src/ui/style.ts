// Terminal styling: colours only on an interactive terminal, never when NO_COLOR is set to a
// non-empty value (no-color.org) or TERM=dumb. Pipes, CI logs and files get plain text.

export interface Style {
  readonly enabled: boolean;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function colorEnabled(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (!isTTY) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.TERM !== 'dumb';
}

const sgr = (on: number, off: number) => (s: string) => `\x1b[${on}m${s}\x1b[${off}m`;
const plain = (s: string) => s;

export function createStyle(enabled: boolean): Style {
  if (!enabled) {
    return { enabled, red: plain, green: plain, yellow: plain, cyan: plain, magenta: plain, dim: plain, bold: plain };
  }
  return {
    enabled,
    red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39), magenta: sgr(35, 39),
    dim: sgr(2, 22), bold: sgr(1, 22),
  };
}
