// The packaging self-test: tokenizer + ONNX model through transformers.js and native ONNX Runtime.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { sessionDevice } from './ort-wasm.ts';
import { loadTransformers } from './transformers.ts';
import { probeWebGpu, type WebGpuProbe } from './webgpu.ts';
import { materializeTinyModel, TINY_EXPECTED, TINY_MODEL_NAME, TINY_PROMPT } from './tiny-model.ts';

export interface SelftestResult {
  ok: boolean;
  model: string;
  prompt: string;
  generated: string;
  expected?: string;
  prompt_token_ids: number[];
  onnxruntime: Record<string, string>;
  load_ms: number;
  generate_ms: number;
  /** Whether the simulator's trainer can use WebGPU here (optional: does not affect `ok`). */
  webgpu: WebGpuProbe;
}

interface TextGeneration {
  (text: string, options: { max_new_tokens: number; do_sample: boolean }): Promise<unknown>;
  tokenizer: { encode(text: string): number[] };
  dispose(): Promise<void>;
}

function generatedText(output: unknown): string {
  const first = Array.isArray(output) ? output[0] : output;
  if (first !== null && typeof first === 'object' && 'generated_text' in first) {
    const text = (first as { generated_text: unknown }).generated_text;
    if (typeof text === 'string') return text;
  }
  throw new Error(`unexpected text-generation output: ${JSON.stringify(output).slice(0, 200)}`);
}

/**
 * Loads `modelDir` (default: the embedded tiny model, written to a temp folder) and generates
 * greedily from `prompt`. With the embedded model the output must equal TINY_EXPECTED.
 */
export async function runSelftest(opts: { modelDir?: string; prompt?: string; maxNewTokens?: number } = {}): Promise<SelftestResult> {
  const scratch = opts.modelDir === undefined ? mkdtempSync(join(tmpdir(), 'synth-rl-selftest-')) : undefined;
  try {
    const root = scratch === undefined ? dirname(resolve(opts.modelDir as string)) : await materializeTinyModel(scratch);
    const name = scratch === undefined ? basename(resolve(opts.modelDir as string)) : TINY_MODEL_NAME;
    const prompt = opts.prompt ?? TINY_PROMPT;
    const t0 = performance.now();
    const transformers = await loadTransformers(root);
    const generator = (await transformers.pipeline('text-generation', name, sessionDevice())) as unknown as TextGeneration;
    const t1 = performance.now();
    const generated = generatedText(await generator(prompt, { max_new_tokens: opts.maxNewTokens ?? 5, do_sample: false }));
    const t2 = performance.now();
    const promptIds = generator.tokenizer.encode(prompt);
    await generator.dispose();
    const expected = scratch === undefined ? undefined : TINY_EXPECTED;
    return {
      ok: expected === undefined || generated === expected,
      model: scratch === undefined ? resolve(opts.modelDir as string) : `embedded:${TINY_MODEL_NAME}`,
      prompt,
      generated,
      ...(expected !== undefined && { expected }),
      prompt_token_ids: promptIds,
      onnxruntime: { ...(transformers.env.backends.onnx.versions as Record<string, string> | undefined) },
      load_ms: Math.round(t1 - t0),
      generate_ms: Math.round(t2 - t1),
      webgpu: await probeWebGpu(),
    };
  } finally {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }
}
