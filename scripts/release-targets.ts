// The platforms `bun run release` builds for, and which native libraries each binary embeds.
//
// ONNX Runtime: onnxruntime-node (in node_modules, every platform in one package) ships
// bin/napi-v6/<os>/<arch>/; it has no darwin/x64 build at the pinned version, so that binary embeds
// ONNX Runtime compiled to WebAssembly instead (onnxruntime-web's module, src/runtime/ort-wasm.ts).
// WebGPU: bun-webgpu's native library comes in per-platform packages. Only linux-x64 is published
// at the pinned 0.1.7; darwin and win32 stop at 0.1.5, whose JavaScript differs from 0.1.7's only in
// how it locates the library (same FFI symbols and structs), so their 0.1.5 libraries are fetched
// with `npm pack` and checked against the registry's integrity. There is no linux-arm64 build.
import { resolve } from 'node:path';

export type TargetName = 'linux-x64' | 'linux-arm64' | 'darwin-arm64' | 'darwin-x64' | 'windows-x64';
export type BinaryFormat = 'elf' | 'macho' | 'pe';
export type Cpu = 'x64' | 'arm64';

export interface NpmFile {
  /** Package name and exact version, fetched with `npm pack` when not in node_modules. */
  pkg: string;
  version: string;
  /** The registry's dist.integrity of the tarball (npm pack output is checked against it). */
  integrity: string;
  /** Path of the file inside the package. */
  file: string;
}

export interface ReleaseTarget {
  name: TargetName;
  /** Bun.build compile target. */
  bunTarget: `bun-${string}`;
  /** process.platform / process.arch of the binary. */
  os: 'linux' | 'darwin' | 'win32';
  cpu: Cpu;
  format: BinaryFormat;
  outName: string;
  /** onnxruntime-node's native folder for this platform (bin/napi-v6/<os>/<arch>), or null. */
  ortDir: string | null;
  /** The ONNX Runtime library file(s) the binding needs, in load order; the name is what the loader looks for. */
  ortLibs: string[];
  /** Embed onnxruntime-web's WebAssembly module: the ONNX Runtime of a target without a native one. */
  ortWasm: boolean;
  webgpu: NpmFile | null;
}

const WEBGPU_LINUX_X64: NpmFile = { pkg: 'bun-webgpu-linux-x64', version: '0.1.7', integrity: '', file: 'libwebgpu_wrapper.so' };

export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  { name: 'linux-x64', bunTarget: 'bun-linux-x64', os: 'linux', cpu: 'x64', format: 'elf', outName: 'synth-rl-linux-x64', ortDir: 'linux/x64', ortLibs: ['libonnxruntime.so.1'], ortWasm: false, webgpu: WEBGPU_LINUX_X64 },
  { name: 'linux-arm64', bunTarget: 'bun-linux-arm64', os: 'linux', cpu: 'arm64', format: 'elf', outName: 'synth-rl-linux-arm64', ortDir: 'linux/arm64', ortLibs: ['libonnxruntime.so.1'], ortWasm: false, webgpu: null },
  {
    name: 'darwin-arm64', bunTarget: 'bun-darwin-arm64', os: 'darwin', cpu: 'arm64', format: 'macho', outName: 'synth-rl-darwin-arm64', ortDir: 'darwin/arm64', ortLibs: ['libonnxruntime.1.dylib'], ortWasm: false,
    webgpu: { pkg: 'bun-webgpu-darwin-arm64', version: '0.1.5', integrity: 'sha512-qM7W5IaFpWYGPDcNiQ8DOng3noQ97gxpH2MFH1mGsdKwI0T4oy++egSh5Z7s6AQx8WKgc9GzAsTUM4KZkFdacw==', file: 'libwebgpu_wrapper.dylib' },
  },
  {
    name: 'darwin-x64', bunTarget: 'bun-darwin-x64', os: 'darwin', cpu: 'x64', format: 'macho', outName: 'synth-rl-darwin-x64', ortDir: null, ortLibs: [], ortWasm: true,
    webgpu: { pkg: 'bun-webgpu-darwin-x64', version: '0.1.5', integrity: 'sha512-oVoIsme27pcXB68YxnQSAgdNGCa4A3PGWYIBUewOh9VnJaoik4JenGb5Yy+svGE+ETFhQXV9nhHqgMPsDRrO6A==', file: 'libwebgpu_wrapper.dylib' },
  },
  {
    name: 'windows-x64', bunTarget: 'bun-windows-x64', os: 'win32', cpu: 'x64', format: 'pe', outName: 'synth-rl-windows-x64.exe', ortDir: 'win32/x64', ortLibs: ['onnxruntime.dll'], ortWasm: false,
    webgpu: { pkg: 'bun-webgpu-win32-x64', version: '0.1.5', integrity: 'sha512-zvnUl4EAsQbKsmZVu+lEJcH8axQ7MiCfqg2OmnHd6uw1THABmHaX0GbpKiHshdgadNN2Nf+4zDyTJB5YMcAdrA==', file: 'webgpu_wrapper.dll' },
  },
];

export const root = resolve(import.meta.dir, '..');

/** The target of the machine running the build (the default of `bun run build`). */
export function hostTarget(): ReleaseTarget {
  const os = process.platform;
  const cpu = process.arch;
  const t = RELEASE_TARGETS.find((r) => r.os === os && r.cpu === cpu);
  if (t === undefined) throw new Error(`no release target for this machine (${os}-${cpu}); known: ${RELEASE_TARGETS.map((r) => r.name).join(', ')}`);
  return t;
}

export function targetByName(name: string): ReleaseTarget {
  const t = RELEASE_TARGETS.find((r) => r.name === name);
  if (t === undefined) throw new Error(`unknown target "${name}"; expected one of ${RELEASE_TARGETS.map((r) => r.name).join(', ')}`);
  return t;
}
