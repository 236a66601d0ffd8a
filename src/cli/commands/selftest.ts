// `synth-rl selftest`: proves the binary can tokenize and run an ONNX model with no network.
import type { CommandContext } from '../context.ts';
import { runSelftest } from '../../runtime/selftest.ts';
import type { WebGpuProbe } from '../../runtime/webgpu.ts';

function webgpuLines(w: WebGpuProbe): string[] {
  const hw = w.hardware.usable ? `usable: ${w.hardware.adapter}` : `not usable: ${w.hardware.reason}`;
  const sw = w.software.usable ? `${w.software.adapter} (used only with [sim] webgpu_adapter = "software")` : `none: ${w.software.reason}`;
  return [`webgpu:    ${hw}`, `           software adapter: ${sw}`];
}

export async function run(ctx: CommandContext): Promise<number> {
  const modelDir = ctx.args.flags.get('model-dir');
  const result = await runSelftest(typeof modelDir === 'string' ? { modelDir } : {});
  if (ctx.args.flags.get('json') === true) {
    ctx.out.write(`${JSON.stringify(result)}\n`);
    return result.ok ? 0 : 1;
  }
  const ort = Object.entries(result.onnxruntime).map(([k, v]) => `${k} ${v}`).join(', ');
  ctx.out.write(
    [
      `model:     ${result.model} (onnxruntime: ${ort || 'unknown'})`,
      `prompt:    ${JSON.stringify(result.prompt)} -> token ids [${result.prompt_token_ids.join(', ')}]`,
      `generated: ${JSON.stringify(result.generated)}`,
      `timing:    load ${result.load_ms} ms, generate ${result.generate_ms} ms`,
      ...webgpuLines(result.webgpu),
      result.expected === undefined
        ? 'selftest: ran (custom model; no expected output to compare)'
        : result.ok
          ? 'selftest: OK'
          : `selftest: FAILED (expected ${JSON.stringify(result.expected)})`,
      '',
    ].join('\n'),
  );
  return result.ok ? 0 : 1;
}
