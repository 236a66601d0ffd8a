// Finds (and where needed fetches) the native library files a target's executable embeds, and
// writes the module that replaces src/runtime/native-libs.ts in that executable.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { root, type NpmFile, type ReleaseTarget } from './release-targets.ts';

export interface NativeFiles {
  /** onnxruntime_binding.node of the target, or null where onnxruntime-node has none. */
  ortBinding: string | null;
  ort: { version: string; libs: { name: string; file: string }[] } | null;
  webgpu: { version: string; name: string; file: string } | null;
  /** onnxruntime-web's WebAssembly module, for a target without a native ONNX Runtime. */
  ortWasm: { version: string; file: string } | null;
}

const NPM_CACHE = resolve(root, 'dist/.npm-packs');

function packageVersion(dir: string): string | undefined {
  const p = join(dir, 'package.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version : undefined;
}

/** The package folder at exactly `version`: node_modules if it holds that version, else `npm pack` into dist/.npm-packs. */
export function npmPackage(spec: NpmFile): string {
  const installed = resolve(root, 'node_modules', spec.pkg);
  if (packageVersion(installed) === spec.version) return installed;
  const dir = join(NPM_CACHE, `${spec.pkg}-${spec.version}`);
  if (packageVersion(join(dir, 'package')) === spec.version) return join(dir, 'package');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pack = spawnSync('npm', ['pack', '--silent', `${spec.pkg}@${spec.version}`, '--pack-destination', dir], { encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack ${spec.pkg}@${spec.version} failed: ${pack.stderr.trim() || pack.stdout.trim()}`);
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (tgz === undefined) throw new Error(`npm pack ${spec.pkg}@${spec.version} wrote no tarball into ${dir}`);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(join(dir, tgz))).digest('base64')}`;
  if (spec.integrity !== '' && integrity !== spec.integrity) throw new Error(`${spec.pkg}@${spec.version}: tarball integrity ${integrity} differs from the pinned ${spec.integrity}`);
  const tar = spawnSync('tar', ['xzf', join(dir, tgz), '-C', dir], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`extracting ${tgz}: ${tar.stderr.trim()}`);
  return join(dir, 'package');
}

export function nativeFiles(t: ReleaseTarget): NativeFiles {
  const ortPkg = resolve(root, 'node_modules/onnxruntime-node');
  const ortVersion = packageVersion(ortPkg) ?? 'unknown';
  let ort: NativeFiles['ort'] = null;
  let ortBinding: string | null = null;
  if (t.ortDir !== null) {
    const dir = join(ortPkg, 'bin/napi-v6', t.ortDir);
    ortBinding = join(dir, 'onnxruntime_binding.node');
    ort = { version: ortVersion, libs: t.ortLibs.map((name) => ({ name, file: join(dir, name) })) };
  }
  let webgpu: NativeFiles['webgpu'] = null;
  if (t.webgpu !== null) webgpu = { version: t.webgpu.version, name: t.webgpu.file.split('/').pop() as string, file: join(npmPackage(t.webgpu), t.webgpu.file) };
  const webPkg = resolve(root, 'node_modules/onnxruntime-web');
  const ortWasm = t.ortWasm ? { version: packageVersion(webPkg) ?? 'unknown', file: join(webPkg, 'dist/ort-wasm-simd-threaded.wasm') } : null;
  for (const f of [ortBinding, ...(ort?.libs.map((l) => l.file) ?? []), webgpu?.file, ortWasm?.file]) {
    if (f !== null && f !== undefined && !existsSync(f)) throw new Error(`${t.name}: native library ${f} is missing (reinstall node_modules)`);
  }
  return { ortBinding, ort, webgpu, ortWasm };
}

export function gitCommit(): string {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).stdout.trim() !== '';
  return `${r.stdout.trim()}${dirty ? '-dirty' : ''}`;
}

/** Source of the module that replaces src/runtime/native-libs.ts in the target's executable. */
export function nativeLibsModule(t: ReleaseTarget, files: NativeFiles, commit: string): string {
  const imports: string[] = [];
  const embed = (file: string) => {
    const id = `lib${imports.length}`;
    imports.push(`import ${id} from ${JSON.stringify(file)} with { type: 'file' };`);
    return id;
  };
  const lib = (name: string, file: string) => `{ name: ${JSON.stringify(name)}, path: ${embed(file)} }`;
  const ort = files.ort === null ? 'null' : `{ version: ${JSON.stringify(files.ort.version)}, libs: [${files.ort.libs.map((l) => lib(l.name, l.file)).join(', ')}] }`;
  const webgpu = files.webgpu === null ? 'null' : `{ version: ${JSON.stringify(files.webgpu.version)}, lib: ${lib(files.webgpu.name, files.webgpu.file)} }`;
  const ortWasm = files.ortWasm === null ? 'null' : `{ version: ${JSON.stringify(files.ortWasm.version)}, path: ${embed(files.ortWasm.file)} }`;
  return `${imports.join('\n')}\nexport const NATIVE_LIBS = { target: ${JSON.stringify(t.name)}, ort: ${ort}, ortWasm: ${ortWasm}, webgpu: ${webgpu}, commit: ${JSON.stringify(commit)} };\n`;
}
