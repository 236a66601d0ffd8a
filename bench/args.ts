// The benches' flags: `--name value` pairs after the script name, read the same way everywhere.

/** The word after `--name`, else `fallback`. */
export function stringArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
}

/** The number after `--name`, else `fallback` (NaN when the word is not a number). */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
