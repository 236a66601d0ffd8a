import type { ParsedArgs } from './args.ts';

export interface Writer {
  write(text: string): void;
}

/** What a command gets: parsed flags, the environment and cwd (injectable for tests), and writers. */
export interface CommandContext {
  readonly command: string;
  readonly args: ParsedArgs;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly out: Writer;
  readonly err: Writer;
  /** stdout is an interactive terminal (live displays, colours). */
  readonly isTTY: boolean;
}

export interface CommandModule {
  run(ctx: CommandContext): Promise<number>;
}
