// Finding a WebGPU adapter for the simulator's trainer through bun-webgpu (Dawn over bun:ffi); `navigator.gpu` is never assumed.
//
// Which adapters are acceptable (docs/webgpu.md):
// - 'hardware' (the default): a real GPU through the platform's native API (Vulkan, Metal, D3D12).
// - 'software': Mesa llvmpipe through Dawn's OpenGL ES backend in "compatibility" mode. Slower than
//   the CPU backend; it exists so that CPU-only machines (CI) can check the WGSL kernels. Only used
//   when asked for explicitly.
// Dawn's null backend is refused always: it accepts every command and hands back wrong numbers.
import { dlopen } from 'bun:ffi';
import { readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_LIBS } from './native-libs.ts';
import { loadablePath, setNativeEnv } from './native-load.ts';

export type AdapterChoice = 'hardware' | 'software';
export const ADAPTER_CHOICES: readonly AdapterChoice[] = ['hardware', 'software'];

export interface GpuHandle {
  device: GPUDevice;
  /** e.g. "llvmpipe-llvm-15-0-6-256-bits (OpenGL ES 3.2 Mesa 22.3.6, OpenGLES, compatibility)". */
  adapterName: string;
  software: boolean;
  /** Compatibility mode: workgroups of at most 128 invocations, 8×8 matmul tiles. */
  compat: boolean;
}

export type GpuResult = { ok: true; gpu: GpuHandle } | { ok: false; reason: string };

const BACKEND_NAMES: Record<number, string> = { 1: 'Null', 2: 'WebGPU', 3: 'D3D11', 4: 'D3D12', 5: 'Metal', 6: 'Vulkan', 7: 'OpenGL', 8: 'OpenGLES' };
const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|warp|microsoft basic render/i;

export interface RawInfo { vendor: string; architecture: string; device: string; description: string; backendType: number; adapterType: number }
export type GpuFactory = { requestAdapter(o?: Record<string, unknown>): Promise<GPUAdapter | null> };

const O_WRONLY = 0o1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
/** Dawn's own diagnostics ("Warning: Couldn't load Vulkan…" and its source locations). */
const DAWN_LINE = /^Warning: |^\s+at .*\/dawn\/|^ - While /;

/**
 * Runs adapter discovery with the process's stderr (fd 2) sent to a file: Dawn writes its warnings
 * there from native code, which would break commands whose stderr must stay clean (selftest). Its
 * lines are returned (they explain a missing adapter); anything else written meanwhile goes back
 * to stderr.
 */
async function capturingNativeStderr<T>(fn: () => Promise<T>): Promise<{ value: T; dawn: string[] }> {
  if (process.platform !== 'linux') return { value: await fn(), dawn: [] };
  const libc = dlopen('libc.so.6', {
    open: { args: ['cstring', 'i32', 'i32'], returns: 'i32' }, dup: { args: ['i32'], returns: 'i32' },
    dup2: { args: ['i32', 'i32'], returns: 'i32' }, close: { args: ['i32'], returns: 'i32' },
  });
  const path = join(tmpdir(), `synth-rl-dawn-${process.pid}-${Date.now()}.log`);
  const fd = libc.symbols.open(Buffer.from(`${path}\0`), O_WRONLY | O_CREAT | O_TRUNC, 0o600);
  const saved = fd < 0 ? -1 : libc.symbols.dup(2);
  if (saved >= 0) libc.symbols.dup2(fd, 2);
  if (fd >= 0) libc.symbols.close(fd);
  const dawn: string[] = [];
  try {
    const value = await fn();
    return { value, dawn };
  } finally {
    if (saved >= 0) {
      libc.symbols.dup2(saved, 2);
      libc.symbols.close(saved);
    }
    libc.close();
    // The same array the returned object holds: filled once stderr is back.
    if (fd >= 0) dawn.push(...drainCapture(path));
  }
}

/** Lines of the capture file: Dawn's are kept for the caller, others are written back to stderr. */
function drainCapture(path: string): string[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
    unlinkSync(path);
  } catch {
    return [];
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const other = lines.filter((l) => !DAWN_LINE.test(l));
  if (other.length) process.stderr.write(`${other.join('\n')}\n`);
  return lines.filter((l) => l.startsWith('Warning: ')).map((l) => l.slice('Warning: '.length));
}

let factory: Promise<GpuFactory> | undefined;

/** Loads Dawn once per process. */
function loadFactory(): Promise<GpuFactory> {
  factory ??= (async () => {
    // EGL reads EGL_PLATFORM from the C environment before EGL is first used.
    if (process.platform === 'linux') setNativeEnv('EGL_PLATFORM', 'surfaceless', false);
    // A built executable carries its platform's library (or none: bun-webgpu has no linux-arm64 build).
    if (NATIVE_LIBS !== null && NATIVE_LIBS.webgpu === null) throw new Error(`this ${NATIVE_LIBS.target} build carries no WebGPU library (bun-webgpu has no build for it)`);
    const mod = await import('bun-webgpu');
    mod.globals();
    return mod.createGPUInstance(NATIVE_LIBS?.webgpu ? loadablePath(NATIVE_LIBS.webgpu.lib) : undefined) as unknown as GpuFactory;
  })();
  return factory;
}

export function describeAdapter(info: RawInfo, compat: boolean): string {
  const name = info.device || info.description || info.vendor || 'unknown adapter';
  const details = [info.description && info.description !== name ? info.description.replace(/^OpenGL version /, '') : '', BACKEND_NAMES[info.backendType] ?? `backend ${info.backendType}`];
  if (compat) details.push('compatibility');
  return `${name} (${details.filter((d) => d !== '').join(', ')})`;
}

export function isNullBackend(info: RawInfo): boolean {
  return info.backendType === 1 || info.device === 'null-backend';
}

export function isSoftware(info: RawInfo): boolean {
  return info.adapterType === 3 || SOFTWARE_NAMES.test(`${info.device} ${info.description} ${info.vendor}`);
}

const NATIVE_BACKENDS: Record<string, string[]> = { linux: ['Vulkan'], darwin: ['Metal'], win32: ['D3D12', 'Vulkan'] };

export async function findAdapter(gpu: GpuFactory, choice: AdapterChoice): Promise<{ adapter: GPUAdapter; info: RawInfo; compat: boolean } | string> {
  const rejected: string[] = [];
  const attempts: Record<string, string>[] = choice === 'software'
    ? [{ featureLevel: 'compatibility', backendType: 'OpenGLES' }]
    : (NATIVE_BACKENDS[process.platform] ?? ['Vulkan']).map((backendType) => ({ powerPreference: 'high-performance', backendType }));
  for (const opts of attempts) {
    const adapter = await gpu.requestAdapter(opts).catch(() => null);
    if (adapter === null) { rejected.push(`no ${String(opts.backendType)} adapter (needs a GPU driver and its loader, e.g. libvulkan.so.1)`); continue; }
    const info = adapter.info as unknown as RawInfo;
    const compat = opts.featureLevel === 'compatibility';
    if (isNullBackend(info)) { rejected.push("Dawn's null backend (refused: it returns wrong numbers)"); continue; }
    if (choice === 'hardware' && isSoftware(info)) { rejected.push(`${describeAdapter(info, compat)} is a software adapter (set [sim] webgpu_adapter = "software" to use it)`); continue; }
    return { adapter, info, compat };
  }
  return choice === 'software'
    ? `no software WebGPU adapter: ${rejected.join('; ')} (needs Mesa's EGL/GLES drivers: Debian libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri)`
    : `no hardware WebGPU adapter: ${rejected.join('; ')}`;
}

/** Requests an adapter of the given kind and a device with the adapter's storage limits. */
export async function acquireGpu(choice: AdapterChoice = 'hardware'): Promise<GpuResult> {
  let gpu: GpuFactory;
  try {
    gpu = await loadFactory();
  } catch (e) {
    return { ok: false, reason: `the WebGPU library (bun-webgpu) could not be loaded: ${e instanceof Error ? e.message : String(e)}` };
  }
  const { value: found, dawn } = await capturingNativeStderr(() => findAdapter(gpu, choice));
  if (typeof found === 'string') return { ok: false, reason: dawn.length ? `${found} (Dawn: ${dawn.join('; ')})` : found };
  const { adapter, info, compat } = found;
  const l = adapter.limits;
  try {
    // bun-webgpu fills unspecified limits with the core defaults and checks them against the
    // adapter's, which fails in compatibility mode (e.g. 0 storage buffers in vertex shaders);
    // asking for exactly what the adapter supports also lifts the buffer-size limits.
    const requiredLimits: Record<string, number> = {};
    for (const key in l) {
      const v = (l as unknown as Record<string, unknown>)[key];
      if (typeof v === 'number') requiredLimits[key] = v;
    }
    const device = await adapter.requestDevice({
      requiredLimits,
    } as unknown as GPUDeviceDescriptor);
    return { ok: true, gpu: { device, adapterName: describeAdapter(info, compat), software: isSoftware(info), compat } };
  } catch (e) {
    return { ok: false, reason: `${describeAdapter(info, compat)}: requestDevice failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export interface WebGpuProbe {
  /** The adapter `[sim] device = "webgpu"` (or "auto") would train on, if any. */
  hardware: { usable: boolean; adapter?: string; reason?: string };
  /** The software adapter (`[sim] webgpu_adapter = "software"`), if Mesa's drivers are present. */
  software: { usable: boolean; adapter?: string; reason?: string };
}

/** Whether WebGPU is usable here and why not: for `synth-rl selftest`. Never throws. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const one = async (choice: AdapterChoice) => {
    const got = await acquireGpu(choice).catch((e: unknown) => ({ ok: false as const, reason: e instanceof Error ? e.message : String(e) }));
    if (!got.ok) return { usable: false, reason: got.reason };
    got.gpu.device.destroy();
    return { usable: true, adapter: got.gpu.adapterName };
  };
  return { hardware: await one('hardware'), software: await one('software') };
}
