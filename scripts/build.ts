#!/usr/bin/env bun
// Compiles the whole CLI into one self-contained executable, dist/synth-rl.
//
// A plain `bun build --compile` cannot carry @huggingface/transformers: it imports `sharp` at load
// time and loads onnxruntime-node through createRequire(), which the bundler does not follow.
// The plugin below stubs sharp and turns that call into a plain require() so Bun embeds the
// native addon; src/runtime/ort-preload.ts embeds and preloads libonnxruntime.so.1 beside it.
import type { BunPlugin } from 'bun';
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildStudioAssets } from '../sim/studio/bundle.ts';
import { buildWasm } from './build-wasm.ts';

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

export async function buildBinary(outfile = resolve(root, 'dist/synth-rl')): Promise<string> {
  mkdirSync(resolve(outfile, '..'), { recursive: true });
  const wasm = await buildWasm();
  const result = await Bun.build({
    // The GRPO trainer's Worker and the cpu device's shard Workers are extra entrypoints: Bun
    // embeds them under their paths relative to the entrypoints' common root (the repository
    // root), which sim/trainer/engine.ts and sim/model/devices/shard-host.ts ask for.
    entrypoints: [resolve(root, 'src/cli/main.ts'), resolve(root, 'sim/trainer/worker.ts'), resolve(root, 'sim/model/devices/shard-worker.ts')],
    compile: {
      outfile,
      // Our config loader reads .env files itself and reports where each value came from.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    plugins: [transformersCompilePlugin, wasmEmbedPlugin(wasm), await studioAssetsPlugin()],
    // wabt compiles kernels.wat in the source tree only; the executable carries the bytes.
    external: ['wabt'],
    minify: true,
    sourcemap: 'linked',
    bytecode: true,
    format: 'esm',
  });
  for (const log of result.logs) console.error(String(log));
  if (!result.success) throw new Error('build failed');
  return outfile;
}

if (import.meta.main) {
  const t0 = performance.now();
  const out = await buildBinary(process.argv[2] ? resolve(process.argv[2]) : undefined);
  const mb = statSync(out).size / 1e6;
  console.log(`built ${out} (${mb.toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
