// Picks the device a trainer runs on. `auto` is the fastest device available here (today: cpu);
// the WebGPU device plugs in below once it exists.
import { availableParallelism } from 'node:os';
import type { DeviceInit, DeviceKind, PolicyDevice } from '../device.ts';
import { CpuDevice } from './cpu.ts';
import { ReferenceDevice } from './reference.ts';

export type DeviceChoice = DeviceKind | 'auto';
export const DEVICE_CHOICES: readonly DeviceChoice[] = ['cpu', 'reference', 'webgpu', 'auto'];

export interface DeviceOptions {
  /** Worker threads for the cpu device (default: every core). */
  threads?: number;
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
    case 'auto':
      return CpuDevice.create(init, threads, 'wasm');
    case 'webgpu':
      throw new Error('device "webgpu" is not available in this build: no WebGPU device is implemented yet (use "cpu", "reference" or "auto")');
    default:
      throw new Error(`unknown device ${JSON.stringify(kind)}: expected one of ${DEVICE_CHOICES.join(', ')}`);
  }
}
