import type { CommandContext } from '../context.ts';
import { VERSION } from '../../version.ts';

export async function run(ctx: CommandContext): Promise<number> {
  const info = { name: 'synth-rl', version: VERSION, bun: Bun.version, platform: `${process.platform}-${process.arch}` };
  if (ctx.args.flags.get('json') === true) ctx.out.write(`${JSON.stringify(info)}\n`);
  else ctx.out.write(`synth-rl ${info.version} (bun ${info.bun}, ${info.platform})\n`);
  return 0;
}
