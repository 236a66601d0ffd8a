// The ONNX exporter's output is pinned byte for byte for a fixed model: a refactor of
// sim/model/onnx/export.ts that reorders nodes or initializers, renames a tensor or changes a
// constant changes the hash. The hashes were taken from the exporter before it was split into
// named steps (commit 5a1f704); if the export changes on purpose, check the checkpoint still loads
// (test/sim/model/onnx.test.ts) and then update them.
import { describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { GPT } from '../../../sim/model/gpt.ts';
import { exportOnnx } from '../../../sim/model/onnx/export.ts';
import { grammarBias } from '../../../sim/model/onnx/folder.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const model = () => new GPT({ vocabSize: 40, maxSeqLen: 12, nLayer: 2, nHead: 2, dModel: 8 }, { seed: 7 });

describe('ONNX export bytes', () => {
  test('without a logit bias: same bytes as the reference export', () => {
    const bytes = exportOnnx(model());
    expect(bytes.length).toBe(19213);
    expect(sha256(bytes)).toBe('3a879a826b3c6c0abe3f314ee4e2c229dbae8c637e47652e10a29597f70ad993');
  });

  test('with the grammar bias: same bytes as the reference export', () => {
    const bytes = exportOnnx(model(), grammarBias(40, [3, 5, 39]));
    expect(bytes.length).toBe(19455);
    expect(sha256(bytes)).toBe('6d97433a7637e04a014f646fc7b19c0628abced5bbc539dfcb68db3e3f12bd96');
  });
});
