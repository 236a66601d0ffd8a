// The WebAssembly kernels inside a compiled executable: built with the same embedding plugin as
// `bun run build`, run from an empty directory with a minimal environment, in the main thread and
// in a Worker; results equal the source tree's.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { wasmEmbedPlugin } from '../../scripts/build.ts';
import { buildWasm } from '../../scripts/build-wasm.ts';
import { tempDir } from '../helpers/cli.ts';
import { probeForward } from '../helpers/wasm-probe-model.ts';

let dir = '';
let binary = '';

beforeAll(async () => {
  dir = tempDir();
  binary = join(dir, 'probe');
  const helpers = resolve(import.meta.dir, '../helpers');
  const result = await Bun.build({
    entrypoints: [join(helpers, 'wasm-probe.ts'), join(helpers, 'wasm-probe-worker.ts')],
    compile: { outfile: binary, autoloadDotenv: false, autoloadBunfig: false },
    plugins: [wasmEmbedPlugin(await buildWasm())],
    external: ['wabt'],
    minify: true,
    bytecode: true,
    format: 'esm',
  });
  if (!result.success) throw new Error(result.logs.map(String).join('\n'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the compiled executable loads the embedded kernels in the main thread and in a Worker', () => {
  const cwd = tempDir();
  const r = Bun.spawnSync([binary], { cwd, env: { PATH: '/usr/bin:/bin' }, stdout: 'pipe', stderr: 'pipe' });
  expect(r.stderr.toString()).toBe('');
  expect(r.exitCode).toBe(0);
  const out = JSON.parse(r.stdout.toString()) as { main: number[]; worker: number[] };
  const want = probeForward();
  expect(out.main).toEqual(want);
  expect(out.worker).toEqual(want);
  expect(readdirSync(cwd)).toEqual([]);
});
