// What `synth-rl version` reports about the build: the platform and the native libraries carried.
// A built executable knows them from its generated native-libs module; from the source tree they
// are read from node_modules and git (the libraries onnxruntime-node / bun-webgpu would load).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NATIVE_LIBS } from './native-libs.ts';
import { ortKind, type OrtKind } from './ort-wasm.ts';

export interface BuildInfo {
  /** "<os>-<arch>" of the running process (process.platform / process.arch). */
  platform: string;
  /** Release target the executable was built for; null when running from the source tree. */
  target: string | null;
  /** Version of the ONNX Runtime in use: onnxruntime-node's (native) or onnxruntime-web's (wasm). */
  onnxruntime: string | null;
  /** "native" (a platform library) or "wasm" (WebAssembly, where no native one exists). */
  onnxruntimeKind: OrtKind;
  webgpu: string | null;
  commit: string;
}

function installedVersion(pkg: string): string | null {
  const p = resolve(import.meta.dir, '../../node_modules', pkg, 'package.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version : null;
}

export function buildInfo(): BuildInfo {
  const platform = `${process.platform}-${process.arch}`;
  const kind = ortKind();
  if (NATIVE_LIBS !== null) {
    const onnxruntime = (kind === 'wasm' ? NATIVE_LIBS.ortWasm?.version : NATIVE_LIBS.ort?.version) ?? null;
    return { platform, target: NATIVE_LIBS.target, onnxruntime, onnxruntimeKind: kind, webgpu: NATIVE_LIBS.webgpu?.version ?? null, commit: NATIVE_LIBS.commit };
  }
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: resolve(import.meta.dir, '../..'), encoding: 'utf8' });
  const wgpu = process.platform === 'win32' ? 'win32-x64' : `${process.platform}-${process.arch}`;
  return {
    platform,
    target: null,
    onnxruntime: installedVersion(kind === 'wasm' ? 'onnxruntime-web' : 'onnxruntime-node'),
    onnxruntimeKind: kind,
    webgpu: installedVersion(`bun-webgpu-${wgpu}`),
    commit: git.status === 0 ? `${git.stdout.trim()} (source tree)` : 'unknown (source tree)',
  };
}
