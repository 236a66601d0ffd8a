import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyModelFiles } from '../../scripts/gen-tiny-model.ts';
import { runSelftest } from '../../src/runtime/selftest.ts';
import { materializeTinyModel, TINY_EXPECTED } from '../../src/runtime/tiny-model.ts';
import { tempDir } from '../helpers/cli.ts';

const FIXTURE = 'fixtures/models/tiny-gpt2';

describe('tiny model', () => {
  test('the generator reproduces the committed fixture byte for byte', () => {
    for (const [rel, content] of Object.entries(tinyModelFiles())) {
      const committed = readFileSync(join(FIXTURE, rel));
      expect(Buffer.from(content).equals(committed)).toBe(true);
    }
  });

  test('the embedded copy written out equals the fixture', async () => {
    const root = await materializeTinyModel(tempDir());
    for (const rel of Object.keys(tinyModelFiles())) {
      expect(readFileSync(join(root, 'tiny-gpt2', rel)).equals(readFileSync(join(FIXTURE, rel)))).toBe(true);
    }
  });
});

describe('selftest through transformers.js + onnxruntime-node', () => {
  test('the embedded model generates the expected continuation greedily', async () => {
    const r = await runSelftest();
    expect(r.generated).toBe(TINY_EXPECTED);
    expect(r.ok).toBe(true);
    expect(r.prompt_token_ids).toEqual([5]);
    expect(r.onnxruntime.node).toBe('1.30.0');
  });

  test('a model folder given with --model-dir loads too, and generation is deterministic', async () => {
    const a = await runSelftest({ modelDir: FIXTURE, prompt: 'seven', maxNewTokens: 3 });
    const b = await runSelftest({ modelDir: FIXTURE, prompt: 'seven', maxNewTokens: 3 });
    expect(a.generated).toBe('seven eight nine ten');
    expect(b.generated).toBe(a.generated);
    expect(a.expected).toBeUndefined();
  });

  test('generation stops at the end-of-sequence token', async () => {
    const r = await runSelftest({ modelDir: FIXTURE, prompt: 'twelve', maxNewTokens: 10 });
    expect(r.generated).toBe('twelve thirteen');
  });

  test('a missing model folder fails fast without reaching the network', async () => {
    const err = await runSelftest({ modelDir: join(tempDir(), 'nope') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toContain('local_files_only');
  });
});
