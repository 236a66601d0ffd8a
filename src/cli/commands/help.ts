import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { commandHelp, mainHelp } from '../help.ts';
import { COMMANDS, findCommand } from '../spec.ts';
import { didYouMean } from '../suggest.ts';
import { VERSION } from '../../version.ts';

export async function run(ctx: CommandContext): Promise<number> {
  const name = ctx.args.positionals[0];
  if (name === undefined) {
    ctx.out.write(mainHelp(VERSION));
    return 0;
  }
  const spec = findCommand(name);
  if (spec === undefined) {
    throw new UsageError(`unknown command ${JSON.stringify(name)}${didYouMean(name, COMMANDS.map((c) => c.name))}`);
  }
  ctx.out.write(commandHelp(spec));
  return 0;
}
