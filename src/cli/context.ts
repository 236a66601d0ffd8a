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
  /**
   * Runs another CLI invocation (the demo runs the commands a user would). Handed in by main.ts
   * rather than imported, so no command module imports the dispatcher that loads it.
   */
  readonly runCli: (argv: readonly string[], io: CliIO) => Promise<number>;
}

/** Where an invocation reads and writes: injectable for tests and for commands run by commands. */
export interface CliIO {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  out: Writer;
  err: Writer;
  isTTY: boolean;
}

export interface CommandModule {
  run(ctx: CommandContext): Promise<number>;
}
