// What `synth-rl version` reports about the build: the platform and the native libraries carried.
// A built executable knows them from its generated native-libs module; from the source tree they
// are read from node_modules and git (the libraries onnxruntime-node / bun-webgpu would load).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NATIVE_LIBS } from './native-libs.ts';

export interface BuildInfo {
  /** "<os>-<arch>" of the running process (process.platform / process.arch). */
  platform: string;
  /** Release target the executable was built for; null when running from the source tree. */
  target: string | null;
  onnxruntime: string | null;
  webgpu: string | null;
  commit: string;
}

function installedVersion(pkg: string): string | null {
  const p = resolve(import.meta.dir, '../../node_modules', pkg, 'package.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version : null;
}

export function buildInfo(): BuildInfo {
  const platform = `${process.platform}-${process.arch}`;
  if (NATIVE_LIBS !== null) {
    return { platform, target: NATIVE_LIBS.target, onnxruntime: NATIVE_LIBS.ort?.version ?? null, webgpu: NATIVE_LIBS.webgpu?.version ?? null, commit: NATIVE_LIBS.commit };
  }
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: resolve(import.meta.dir, '../..'), encoding: 'utf8' });
  const wgpu = process.platform === 'win32' ? 'win32-x64' : `${process.platform}-${process.arch}`;
  return {
    platform,
    target: null,
    onnxruntime: installedVersion('onnxruntime-node'),
    webgpu: installedVersion(`bun-webgpu-${wgpu}`),
    commit: git.status === 0 ? `${git.stdout.trim()} (source tree)` : 'unknown (source tree)',
  };
}
