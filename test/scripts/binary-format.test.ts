// The header reader behind the release verification (scripts/verify-release.ts), on real native
// libraries from node_modules: onnxruntime-node ships them for every OS.
import { describe, expect, test } from 'bun:test';
import { openSync, readSync, closeSync } from 'node:fs';
import { findEmbedded, readHeader } from '../../scripts/binary-format.ts';

const ORT = 'node_modules/onnxruntime-node/bin/napi-v6';

function head(path: string): Buffer {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(4096);
  readSync(fd, b, 0, 4096, 0);
  closeSync(fd);
  return b;
}

describe('readHeader', () => {
  test.each([
    [`${ORT}/linux/x64/libonnxruntime.so.1`, 'elf', 'x64'],
    [`${ORT}/linux/arm64/libonnxruntime.so.1`, 'elf', 'arm64'],
    [`${ORT}/darwin/arm64/libonnxruntime.1.dylib`, 'macho', 'arm64'],
    [`${ORT}/win32/x64/onnxruntime.dll`, 'pe', 'x64'],
    [`${ORT}/win32/arm64/onnxruntime.dll`, 'pe', 'arm64'],
    [process.execPath, 'elf', process.arch],
  ])('%s is %s %s', (path, format, cpu) => {
    expect(readHeader(head(path))).toEqual({ format: format as 'elf', cpus: [cpu as 'x64'], bits64: true });
  });

  test('a universal Mach-O lists every slice', () => {
    const b = Buffer.alloc(64);
    b.writeUInt32BE(0xcafebabe, 0);
    b.writeUInt32BE(2, 4);
    b.writeUInt32BE(0x01000007, 8);
    b.writeUInt32BE(0x0100000c, 28);
    expect(readHeader(b)).toEqual({ format: 'macho', cpus: ['x64', 'arm64'], bits64: true });
  });

  test('text and truncated files are no binary', () => {
    expect(readHeader(Buffer.from('#!/bin/sh\necho hello\n'.repeat(8)))).toBeNull();
    expect(readHeader(Buffer.from('\x7fELF'))).toBeNull();
  });
});

describe('findEmbedded', () => {
  test('finds a whole file inside another, not a prefix that diverges', () => {
    const lib = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7) % 251));
    const decoy = Buffer.concat([lib.subarray(0, 66000), Buffer.from('x')]);
    const container = Buffer.concat([Buffer.from('head'), decoy, Buffer.from('mid'), lib, Buffer.from('tail')]);
    expect(findEmbedded(container, lib)).toBe(4 + decoy.length + 3);
    expect(findEmbedded(container.subarray(0, container.length - 10), lib)).toBe(-1);
  });
});
