// Which device a job gets: webgpu on the adapter asked for or an error naming why there is none,
// auto falling back to the cpu and saying so, and Dawn's null backend refused always.
import { describe, expect, test } from 'bun:test';
import type { DeviceInit } from '../../../sim/model/device.ts';
import { createDevice, webgpuAdapterChoice } from '../../../sim/model/devices/factory.ts';
import { acquireGpu, findAdapter, isNullBackend, type GpuFactory, type RawInfo } from '../../../src/runtime/webgpu.ts';
import { gpu, noGpu } from '../../helpers/webgpu.ts';

const init: DeviceInit = {
  model: { vocabSize: 12, maxSeqLen: 16, nLayer: 1, nHead: 1, dModel: 8 }, seed: 1, optimizer: { lr: 1e-3, weightDecay: 0 },
  withReference: false, grammar: { vocabSize: 12, actionIds: [3, 4], endId: 5 },
};
const hardware = await acquireGpu('hardware');
if (hardware.ok) hardware.gpu.device.destroy();

const NULL_INFO: RawInfo = { vendor: '', architecture: '', device: 'null-backend', description: '', backendType: 1, adapterType: 3 };
function fakeFactory(info: RawInfo): GpuFactory {
  return { requestAdapter: async () => ({ info, limits: {} }) as unknown as GPUAdapter };
}

describe('adapter choice', () => {
  test("Dawn's null backend is refused whichever adapter kind is asked for", async () => {
    expect(isNullBackend(NULL_INFO)).toBe(true);
    for (const choice of ['hardware', 'software'] as const) {
      const got = await findAdapter(fakeFactory(NULL_INFO), choice);
      expect(got).toBeTypeOf('string');
      expect(got as string).toContain("Dawn's null backend (refused");
    }
  });

  test('a software adapter is refused unless asked for; accepted when asked', async () => {
    const llvmpipe: RawInfo = { vendor: '', architecture: '', device: 'llvmpipe-llvm-15', description: 'OpenGL ES 3.2 Mesa', backendType: 8, adapterType: 4 };
    expect(await findAdapter(fakeFactory(llvmpipe), 'hardware')).toContain('is a software adapter (set [sim] webgpu_adapter = "software"');
    expect(await findAdapter(fakeFactory(llvmpipe), 'software')).toHaveProperty('compat', true);
  });

  test('SYNTH_RL_WEBGPU_ADAPTER overrides the configured kind; a bad value is named', () => {
    const saved = process.env.SYNTH_RL_WEBGPU_ADAPTER;
    try {
      delete process.env.SYNTH_RL_WEBGPU_ADAPTER;
      expect(webgpuAdapterChoice()).toBe('hardware');
      expect(webgpuAdapterChoice('software')).toBe('software');
      process.env.SYNTH_RL_WEBGPU_ADAPTER = 'software';
      expect(webgpuAdapterChoice('hardware')).toBe('software');
      process.env.SYNTH_RL_WEBGPU_ADAPTER = 'gpu';
      expect(() => webgpuAdapterChoice()).toThrow('SYNTH_RL_WEBGPU_ADAPTER must be one of hardware, software, got "gpu"');
    } finally {
      if (saved === undefined) delete process.env.SYNTH_RL_WEBGPU_ADAPTER;
      else process.env.SYNTH_RL_WEBGPU_ADAPTER = saved;
    }
  });

  test.skipIf(hardware.ok)('no hardware adapter: webgpu fails naming the reason, auto runs on the cpu and says why', async () => {
    await expect(createDevice('webgpu', init, { threads: 1 })).rejects.toThrow('device "webgpu": WebGPU is not usable: no hardware WebGPU adapter');
    const auto = await createDevice('auto', init, { threads: 1 });
    expect(auto.kind).toBe('cpu');
    expect(auto.description).toContain('auto: no WebGPU adapter (no hardware WebGPU adapter');
    auto.dispose();
  });

  test.skipIf(gpu === undefined)(`webgpu and auto with the software adapter asked for${noGpu ? ` (skipped: ${noGpu})` : ''}`, async () => {
    for (const kind of ['webgpu', 'auto'] as const) {
      const d = await createDevice(kind, init, { threads: 1, webgpuAdapter: 'software' });
      expect(d.kind).toBe('webgpu');
      expect(d.description).toStartWith('webgpu (llvmpipe');
      expect(d.description).toContain('OpenGLES, compatibility');
      d.dispose();
    }
  });
});
