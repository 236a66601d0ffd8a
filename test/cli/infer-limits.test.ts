// `infer --weights` on hostile or broken tarballs: a gzip bomb stops at the limit (streaming, with
// nothing left in $TMPDIR), a corrupt file inside a valid archive exits 2 naming that file.
import { beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTar, type TarFileInput } from 'nanotar';
import { GPT } from '../../sim/model/gpt.ts';
import { PolicyTokenizer } from '../../sim/policy/tokenizer.ts';
import { CHECKPOINT_FORMAT, checkpointFiles } from '../../sim/trainer/checkpoint.ts';
import { CheckpointError, openCheckpoint } from '../../src/runtime/checkpoint.ts';
import { cli, tempDir } from '../helpers/cli.ts';
import { MAIN } from '../helpers/process.ts';

/** A ustar header for `name` declaring `size` bytes (the data need not follow). */
function tarHeader(name: string, size: number): Uint8Array<ArrayBuffer> {
  const h = new Uint8Array(512);
  const put = (s: string, at: number) => h.set(new TextEncoder().encode(s), at);
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${size.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  put('        ', 148);
  const sum = h.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** Concatenated gzip members inflate to the concatenation: a few KiB that expand to `mib` MiB of zeros. */
function zeroMembers(mib: number): Uint8Array<ArrayBuffer>[] {
  const member = new Uint8Array(Bun.gzipSync(new Uint8Array(1024 * 1024), { level: 9 }));
  return Array.from({ length: mib }, () => member);
}

let files: TarFileInput[] = [];
beforeAll(async () => {
  const tok = await PolicyTokenizer.builtin();
  const model = { vocabSize: tok.vocabSize, maxSeqLen: 32, nLayer: 1, nHead: 2, dModel: 16 };
  const gpt = new GPT(model, { seed: 3 });
  const n = gpt.numParams;
  files = checkpointFiles({
    format: CHECKPOINT_FORMAT, job_id: 'job_00000000000000000bb', base_model: 'Qwen/Qwen3-0.6B', simulated_model: 'gpt2-tiny', epoch: 1, iteration: 1,
    model, adam_t: 0, created_at: new Date().toISOString(),
  }, { params: gpt.params, adamM: new Float32Array(n), adamV: new Float32Array(n), adamT: 0 }, { bos: tok.bosId, eos: tok.endId, pad: tok.padId }, [...tok.actionIds, tok.endId], 2);
});

const tarball = (dir: string, name: string, entries: TarFileInput[]) => {
  const path = join(dir, name);
  writeFileSync(path, Bun.gzipSync(new Uint8Array(createTar(entries))));
  return path;
};

describe('gzip bombs', () => {
  test('one entry declaring 3 GiB: exit 2 naming the limit at once; nothing written to $TMPDIR', () => {
    const dir = tempDir();
    const tmp = tempDir();
    const bomb = join(dir, 'bomb.tar.gz');
    writeFileSync(bomb, Buffer.concat([new Uint8Array(Bun.gzipSync(tarHeader('onnx/model.onnx', 3 * 2 ** 30))), ...zeroMembers(256)]));
    const r = Bun.spawnSync([process.execPath, MAIN, 'infer', '--weights', bomb], { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, TMPDIR: tmp }, timeout: 60_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.toString()).toContain('more than 2 GiB of files (the limit');
    expect(readdirSync(tmp).filter((f) => f.startsWith('synth-rl-checkpoint-'))).toEqual([]);
  }, 70_000);

  test('many files, or many small entries adding up: stopped at the file-count and size limits', async () => {
    const dir = tempDir();
    const many = tarball(dir, 'many.tar.gz', Array.from({ length: 300 }, (_, i) => ({ name: `f/${i}.txt`, data: 'x' })));
    const r = await cli(['infer', '--weights', many], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain('holds more than 256 files (the limit)');
    const sum = tarball(dir, 'sum.tar.gz', Array.from({ length: 4 }, (_, i) => ({ name: `w${i}.bin`, data: new Uint8Array(300 * 1024) })));
    const e = await openCheckpoint(sum, { maxBytes: 1024 * 1024, maxFiles: 100 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toContain('holds more than 1 MiB of files (the limit; w3.bin declares 307200 bytes)');
  });

  test('entries that are skipped (a name outside the folder) still count: stopped at the inflate limit', async () => {
    const dir = tempDir();
    const path = join(dir, 'zeros.tar.gz');
    writeFileSync(path, Buffer.concat([new Uint8Array(Bun.gzipSync(tarHeader('../outside.bin', 3 * 2 ** 30))), ...zeroMembers(8)]));
    const e = await openCheckpoint(path, { maxBytes: 4 * 1024 * 1024, maxFiles: 10 }).catch((x: unknown) => x);
    expect((e as Error).message).toContain('inflates to more than 4 MiB (the limit)');
  });
});

describe('corrupt files inside a valid tarball: exit 2 naming the file in the archive', () => {
  const replaced = (name: string, data: string | Uint8Array) => files.map((f) => (f.name === name ? { name, data } : f));

  test.each([
    ['config.json', '{"n_positions": 32,', 'config.json in the archive is not valid JSON'],
    ['tokenizer.json', '{ nope', 'tokenizer.json in the archive is not valid JSON'],
    ['generation_config.json', '[', 'generation_config.json in the archive is not valid JSON'],
    ['tokenizer.json', '{"model": {"type": "Nope"}}', "checkpoint's tokenizer.json"],
    ['onnx/model.onnx', new Uint8Array(4096).fill(7), "checkpoint's onnx/model.onnx"],
  ])('%s (%#)', async (name, data, message) => {
    const dir = tempDir();
    const path = tarball(dir, 'bad.tar.gz', replaced(name, data));
    const r = await cli(['infer', '--weights', path], { cwd: dir });
    expect(r.err).toContain(message);
    expect(r.code).toBe(2);
  }, 30_000);

  test('a good tarball still extracts (and closing removes the folder)', async () => {
    const dir = tempDir();
    const opened = await openCheckpoint(tarball(dir, 'good.tar.gz', files));
    expect(opened.info.job_id).toBe('job_00000000000000000bb');
    expect(existsSync(join(opened.dir, 'onnx/model.onnx'))).toBe(true);
    opened.close();
    expect(existsSync(opened.dir)).toBe(false);
  });
});
