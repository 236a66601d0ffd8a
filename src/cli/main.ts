#!/usr/bin/env bun
// Entry point of the synth-rl binary: dispatches to commands, turns errors into exit codes.
import { parseArgs } from './args.ts';
import type { CliIO, CommandContext } from './context.ts';
import { UsageError } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import { commandHelp, mainHelp } from './help.ts';
import { loadCommand } from './commands.ts';
import { COMMANDS, findCommand } from './spec.ts';
import { didYouMean } from './suggest.ts';
import { VERSION } from '../version.ts';

export type { CliIO } from './context.ts';

function defaultIO(): CliIO {
  return {
    env: process.env,
    cwd: process.cwd(),
    out: { write: (s) => void process.stdout.write(s) },
    err: { write: (s) => void process.stderr.write(s) },
    isTTY: process.stdout.isTTY === true,
  };
}

/** Runs one CLI invocation and returns its exit code (never calls process.exit). */
export async function runCli(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err.write(mainHelp(VERSION));
    return EXIT.usage;
  }
  if (first === '--version' || first === '-V') {
    io.out.write(`synth-rl ${VERSION}\n`);
    return EXIT.ok;
  }
  if (first === '--help' || first === '-h') {
    io.out.write(mainHelp(VERSION));
    return EXIT.ok;
  }
  const spec = findCommand(first);
  try {
    if (spec === undefined) {
      const hint = first.startsWith('-') ? '' : didYouMean(first, COMMANDS.map((c) => c.name));
      throw new UsageError(`unknown command ${JSON.stringify(first)}${hint}; run \`synth-rl --help\` for the list`);
    }
    const args = parseArgs(rest, spec.flags, `synth-rl ${spec.name}`);
    if (args.flags.get('help') === true) {
      io.out.write(commandHelp(spec));
      return EXIT.ok;
    }
    const ctx: CommandContext = { command: spec.name, args, ...io, runCli };
    const mod = await loadCommand(spec.name);
    return await mod.run(ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`synth-rl: error: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err.write(`synth-rl: error: ${message}\n`);
    if (io.env.SYNTH_RL_DEBUG && error instanceof Error && error.stack) io.err.write(`${error.stack}\n`);
    return EXIT.failure;
  }
}

if (import.meta.main) {
  const code = await runCli(process.argv.slice(2));
  process.exit(code);
}
