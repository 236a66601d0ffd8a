import type { CommandContext } from '../context.ts';
import { VERSION } from '../../version.ts';
import { buildInfo } from '../../runtime/build-info.ts';

export async function run(ctx: CommandContext): Promise<number> {
  const b = buildInfo();
  const info = { name: 'synth-rl', version: VERSION, bun: Bun.version, ...b };
  if (ctx.args.flags.get('json') === true) {
    ctx.out.write(`${JSON.stringify(info)}\n`);
    return 0;
  }
  ctx.out.write(`synth-rl ${info.version} (bun ${info.bun}, ${info.platform})\n`);
  ctx.out.write(`onnxruntime: ${b.onnxruntime ?? 'none'} (${b.onnxruntimeKind}), webgpu library: ${b.webgpu ?? 'none'}, commit: ${b.commit}\n`);
  return 0;
}
