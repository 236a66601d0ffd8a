// Picks the device a trainer runs on. `auto` takes a WebGPU adapter when one is usable (a hardware
// one unless the software adapter is asked for explicitly), else the cpu device, and says which in
// the device's description.
import { availableParallelism } from 'node:os';
import type { DeviceInit, DeviceKind, PolicyDevice } from '../device.ts';
import { acquireGpu, ADAPTER_CHOICES, type AdapterChoice } from '../../../src/runtime/webgpu.ts';
import { WebGpuDevice } from '../webgpu/device.ts';
import { GpuRuntime } from '../webgpu/runtime.ts';
import { CpuDevice } from './cpu.ts';
import { ReferenceDevice } from './reference.ts';

export type DeviceChoice = DeviceKind | 'auto';
export const DEVICE_CHOICES: readonly DeviceChoice[] = ['cpu', 'reference', 'webgpu', 'auto'];

export interface DeviceOptions {
  /** Worker threads for the cpu device (default: every core). */
  threads?: number;
  /** Which WebGPU adapters count ([sim] webgpu_adapter); env SYNTH_RL_WEBGPU_ADAPTER overrides. */
  webgpuAdapter?: AdapterChoice;
}

/** The adapter kind in force: SYNTH_RL_WEBGPU_ADAPTER, else the configured one, else hardware. */
export function webgpuAdapterChoice(configured?: AdapterChoice): AdapterChoice {
  const env = process.env.SYNTH_RL_WEBGPU_ADAPTER;
  if (env === undefined || env === '') return configured ?? 'hardware';
  if (!(ADAPTER_CHOICES as readonly string[]).includes(env)) throw new Error(`SYNTH_RL_WEBGPU_ADAPTER must be one of ${ADAPTER_CHOICES.join(', ')}, got ${JSON.stringify(env)}`);
  return env as AdapterChoice;
}

/** `webgpu`: the adapter or an error naming why there is none. `auto`: else the cpu device, saying so. */
async function webgpuOrCpu(kind: 'webgpu' | 'auto', init: DeviceInit, adapter: AdapterChoice, threads: number): Promise<PolicyDevice> {
  const got = await acquireGpu(adapter);
  if (got.ok) return new WebGpuDevice(new GpuRuntime(got.gpu, true), init);
  if (kind === 'webgpu') throw new Error(`device "webgpu": WebGPU is not usable: ${got.reason}`);
  const cpu = await CpuDevice.create(init, threads);
  return withDescription(cpu, `${cpu.description}; auto: no WebGPU adapter (${got.reason})`);
}

/** The same device under another description (auto's fallback says why it is on the CPU). */
function withDescription(d: PolicyDevice, description: string): PolicyDevice {
  return {
    kind: d.kind, description, model: d.model,
    forward: (b, w) => d.forward(b, w), backward: (g) => d.backward(g), step: (o) => d.step(o), sample: (r) => d.sample(r),
    exportState: () => d.exportState(), readGradients: () => d.readGradients(), dispose: () => d.dispose(),
  };
}

/** Every core this process may use (navigator.hardwareConcurrency where os has no answer). */
export function defaultThreads(): number {
  try {
    return Math.max(1, availableParallelism());
  } catch {
    return Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
  }
}

export function isDeviceChoice(v: unknown): v is DeviceChoice {
  return typeof v === 'string' && (DEVICE_CHOICES as readonly string[]).includes(v);
}

export async function createDevice(kind: DeviceChoice, init: DeviceInit, opts: DeviceOptions = {}): Promise<PolicyDevice> {
  const threads = opts.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
  switch (kind) {
    case 'reference':
      return new ReferenceDevice(init);
    case 'cpu':
      return CpuDevice.create(init, threads, 'wasm');
    case 'webgpu':
    case 'auto':
      return webgpuOrCpu(kind, init, webgpuAdapterChoice(opts.webgpuAdapter), threads);
    default:
      throw new Error(`unknown device ${JSON.stringify(kind)}: expected one of ${DEVICE_CHOICES.join(', ')}`);
  }
}
