#!/usr/bin/env bun
// Compiles the whole CLI into one self-contained executable, dist/synth-rl.
//
// A plain `bun build --compile` cannot carry @huggingface/transformers: it imports `sharp` at load
// time and loads onnxruntime-node through createRequire(), which the bundler does not follow.
// The plugin below stubs sharp and turns that call into a plain require() so Bun embeds the
// native addon of the target platform. The native libraries (ONNX Runtime, WebGPU) of the target
// are chosen here, at build time (scripts/release-targets.ts), and embedded through a generated
// src/runtime/native-libs.ts; src/runtime/ort-preload.ts preloads them the way each OS expects.
//
// `bun run build [outfile] [--target NAME] [--ort-wasm]` builds for this machine by default; `bun run release`
// builds every target (scripts/release.ts).
import type { BunPlugin } from 'bun';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildStudioAssets } from '../sim/studio/bundle.ts';
import { buildWasm } from './build-wasm.ts';
import { gitCommit, nativeFiles, nativeLibsModule, type NativeFiles } from './native-files.ts';
import { hostTarget, targetByName, type ReleaseTarget } from './release-targets.ts';

const root = resolve(import.meta.dir, '..');

export const transformersCompilePlugin: BunPlugin = {
  name: 'transformers-compile',
  setup(build) {
    // onResolve paths must be absolute and normalised.
    build.onResolve({ filter: /^sharp$/ }, () => ({ path: resolve(root, 'stubs/sharp.ts') }));
    build.onLoad({ filter: /transformers\.node\.mjs$/ }, async (args) => {
      const source = await Bun.file(args.path).text();
      const patched = source.replace('requireFromHere("onnxruntime-node")', 'require("onnxruntime-node")');
      if (patched === source) throw new Error(`transformers-compile: onnxruntime-node loader not found in ${args.path}; update the plugin`);
      return { loader: 'js', contents: patched };
    });
  },
};

/**
 * The Studio's page, script and stylesheet are bundled here, once, and replace
 * sim/studio/assets.ts in the binary: no bundler, CDN or network at run time.
 */
export async function studioAssetsPlugin(): Promise<BunPlugin> {
  const assets = await buildStudioAssets();
  return {
    name: 'studio-assets',
    setup(build) {
      build.onLoad({ filter: /sim[\\/]studio[\\/]assets\.ts$/ }, () => ({
        loader: 'ts',
        contents: `const assets = ${JSON.stringify(assets)};\nexport function studioAssets() { return Promise.resolve(assets); }\n`,
      }));
    },
  };
}

/**
 * Embeds the WebAssembly kernels: sim/model/wasm/embedded.ts becomes a module holding the bytes
 * compiled from kernels.wat (base64), so the executable needs no file beside it.
 */
export function wasmEmbedPlugin(bytes: Uint8Array): BunPlugin {
  return {
    name: 'wasm-embed',
    setup(build) {
      build.onLoad({ filter: /sim[\\/]model[\\/]wasm[\\/]embedded\.ts$/ }, () => ({
        loader: 'ts',
        contents: `export const EMBEDDED_WASM: string | null = ${JSON.stringify(Buffer.from(bytes).toString('base64'))};\n`,
      }));
    },
  };
}

/**
 * The target platform's native libraries: the generated native-libs module, onnxruntime-node's
 * binding of the target (not of the building machine), and bun-webgpu's per-platform package
 * import stubbed (src/runtime/webgpu.ts hands bun-webgpu the embedded library itself, and a
 * cross build has no such package installed).
 */
export function nativePlugin(t: ReleaseTarget, files: NativeFiles, commit: string): BunPlugin {
  return {
    name: 'native-libs',
    setup(build) {
      build.onLoad({ filter: /src[\\/]runtime[\\/]native-libs\.ts$/ }, () => ({ loader: 'ts', contents: nativeLibsModule(t, files, commit) }));
      build.onLoad({ filter: /onnxruntime-node[\\/]dist[\\/]binding\.js$/ }, async (args) => {
        const source = await Bun.file(args.path).text();
        const pattern = /require\(`\.\.\/bin\/napi-v6\/\$\{process\.platform\}\/\$\{process\.arch\}\/onnxruntime_binding\.node`\)/;
        if (!pattern.test(source)) throw new Error(`native-libs: onnxruntime-node's binding loader not found in ${args.path}; update the plugin`);
        // Without a native library the binding is an inert stand-in: onnxruntime-node still loads
        // (transformers imports it), and the WebAssembly runtime does the work (src/runtime/ort-wasm.ts).
        const missing = JSON.stringify(`the ${t.name} build has no native ONNX Runtime (the pinned onnxruntime-node ships none); it uses the WebAssembly one`);
        const load = files.ortBinding === null
          ? `({ listSupportedBackends: () => [], initOrtOnce() { throw new Error(${missing}); }, InferenceSession: class { constructor() { throw new Error(${missing}); } } })`
          : `require(${JSON.stringify(files.ortBinding)})`;
        return { loader: 'js', contents: source.replace(pattern, load) };
      });
      build.onResolve({ filter: /^bun-webgpu-(linux|darwin|win32)-/ }, () => ({ path: resolve(root, 'stubs/bun-webgpu-platform.ts') }));
    },
  };
}

export async function buildBinary(outfile = resolve(root, 'dist/synth-rl'), target: ReleaseTarget = hostTarget()): Promise<string> {
  mkdirSync(resolve(outfile, '..'), { recursive: true });
  const wasm = await buildWasm();
  const files = nativeFiles(target);
  const result = await Bun.build({
    // The GRPO trainer's Worker and the cpu device's shard Workers are extra entrypoints: Bun
    // embeds them under their paths relative to the entrypoints' common root (the repository
    // root), which sim/trainer/engine.ts and sim/model/devices/shard-host.ts ask for.
    entrypoints: [resolve(root, 'src/cli/bin.ts'), resolve(root, 'sim/trainer/worker.ts'), resolve(root, 'sim/model/devices/shard-worker.ts')],
    compile: {
      outfile,
      target: target.bunTarget as Bun.Build.CompileTarget,
      // Our config loader reads .env files itself and reports where each value came from.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    plugins: [transformersCompilePlugin, wasmEmbedPlugin(wasm), await studioAssetsPlugin(), nativePlugin(target, files, gitCommit())],
    // wabt compiles kernels.wat in the source tree only; the executable carries the bytes.
    external: ['wabt'],
    minify: true,
    sourcemap: 'linked',
    bytecode: true,
    format: 'esm',
    // Code splitting keeps every command's modules out of the start-up path: without it the whole
    // bundle (transformers, ONNX Runtime's JS, the simulator) is evaluated before `--version`
    // prints, about 30 ms on top of the runtime's own start (BENCHMARKS.md, startup).
    splitting: true,
  });
  for (const log of result.logs) console.error(String(log));
  if (!result.success) throw new Error('build failed');
  // Bun also writes each chunk's source map beside the executable; the executable does not read
  // them, and fifty loose files next to it would only confuse whoever copies dist/.
  for (const o of result.outputs) if (o.path.endsWith('.map')) rmSync(o.path, { force: true });
  return outfile;
}

if (import.meta.main) {
  const t0 = performance.now();
  const args = process.argv.slice(2);
  const ti = args.indexOf('--target');
  let target = ti >= 0 ? targetByName(args.splice(ti, 2)[1] ?? '') : hostTarget();
  // --ort-wasm: the target without its native ONNX Runtime, carrying the WebAssembly one instead —
  // darwin-x64's arrangement, built for a platform CI can run (.ci/run smoke-tests it).
  const wi = args.indexOf('--ort-wasm');
  if (wi >= 0) {
    args.splice(wi, 1);
    target = { ...target, ortDir: null, ortLibs: [], ortWasm: true };
  }
  const out = await buildBinary(args[0] ? resolve(args[0]) : undefined, target);
  const mb = statSync(out).size / 1e6;
  console.log(`built ${out} (${mb.toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
