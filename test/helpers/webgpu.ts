// The WebGPU device the tests use: the software adapter (Mesa llvmpipe through OpenGL ES), which
// .ci/run installs. Acquired once per test file; when no adapter can be made the WebGPU tests skip
// and say why (the reason is printed once).
import { acquireGpu, type GpuHandle } from '../../src/runtime/webgpu.ts';
import { GpuRuntime } from '../../sim/model/webgpu/runtime.ts';

const got = await acquireGpu('software');
export const gpu: GpuHandle | undefined = got.ok ? got.gpu : undefined;
export const noGpu: string | undefined = got.ok ? undefined : got.reason;
if (noGpu !== undefined) console.warn(`SKIPPING WebGPU tests: ${noGpu}`);

export function runtime(): GpuRuntime {
  if (gpu === undefined) throw new Error(`no WebGPU adapter: ${noGpu}`);
  return new GpuRuntime(gpu);
}

/** max |a − b| / max |b| (the criterion: ≤ 1e-4 of the tensor's max absolute value). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let err = 0;
  let max = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs((a[i] as number) - (b[i] as number)));
    max = Math.max(max, Math.abs(b[i] as number));
  }
  if (Number.isNaN(err)) return Infinity;
  return max === 0 ? err : err / max;
}
