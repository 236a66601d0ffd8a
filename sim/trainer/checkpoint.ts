// Checkpoints: a gzip tar whose root is a Hugging Face-style model folder (config.json,
// generation_config.json, tokenizer files) plus the native weights and optimizer state for resuming
// (synth_rl/). The ONNX export joins the same folder.
import { createTar, parseTar, type TarFileInput } from 'nanotar';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policyTokenizerFiles } from '../../scripts/gen-policy-tokenizer.ts';
import { numParams, type ModelConfig } from '../model/config.ts';
import type { ExportResult } from './protocol.ts';

export const CHECKPOINT_FORMAT = 'synth-rl.checkpoint.v1';

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  job_id: string;
  base_model: string;
  /** What the small model is: it stands in for base_model. */
  simulated_model: string;
  epoch: number;
  iteration: number;
  model: ModelConfig;
  adam_t: number;
  created_at: string;
}

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  params: Float32Array;
  adamM?: Float32Array;
  adamV?: Float32Array;
  files: Map<string, Uint8Array>;
}

const bytes = (a: Float32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

export function hfConfig(cfg: ModelConfig, ids: { bos: number; eos: number; pad: number }): Record<string, unknown> {
  return {
    model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: cfg.vocabSize, n_positions: cfg.maxSeqLen,
    n_ctx: cfg.maxSeqLen, n_embd: cfg.dModel, n_layer: cfg.nLayer, n_head: cfg.nHead, activation_function: 'gelu_new',
    layer_norm_epsilon: 1e-5, tie_word_embeddings: true, bos_token_id: ids.bos, eos_token_id: ids.eos, pad_token_id: ids.pad,
  };
}

export function checkpointFiles(meta: CheckpointMeta, state: ExportResult, ids: { bos: number; eos: number; pad: number }, extra: TarFileInput[] = []): TarFileInput[] {
  const tok = policyTokenizerFiles();
  return [
    { name: 'config.json', data: json(hfConfig(meta.model, ids)) },
    { name: 'generation_config.json', data: json({ bos_token_id: ids.bos, eos_token_id: ids.eos, pad_token_id: ids.pad, do_sample: true, temperature: 1.0 }) },
    { name: 'tokenizer.json', data: tok['tokenizer.json'] as string },
    { name: 'tokenizer_config.json', data: tok['tokenizer_config.json'] as string },
    { name: 'synth_rl/checkpoint.json', data: json(meta) },
    { name: 'synth_rl/weights.f32', data: bytes(state.params) },
    { name: 'synth_rl/adam_m.f32', data: bytes(state.adamM) },
    { name: 'synth_rl/adam_v.f32', data: bytes(state.adamV) },
    ...extra,
  ];
}

/** Writes `<dir>/<name>.tar.gz`; returns its path and size. */
export function writeCheckpoint(dir: string, name: string, files: TarFileInput[]): { path: string; sizeBytes: number } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.tar.gz`);
  const gz = Bun.gzipSync(new Uint8Array(createTar(files)));
  writeFileSync(path, gz);
  return { path, sizeBytes: gz.byteLength };
}

/** Deletes all but the newest `keep` tarballs in `dir` (by modification time). */
export function pruneCheckpoints(dir: string, keep: number): string[] {
  if (keep <= 0) return [];
  const all = readdirSync(dir).filter((f) => f.endsWith('.tar.gz')).map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }));
  all.sort((a, b) => b.t - a.t);
  const removed = all.slice(keep).map((x) => x.f);
  for (const f of removed) rmSync(join(dir, f), { force: true });
  return removed;
}

function floats(data: Uint8Array | undefined, expected: number, name: string): Float32Array {
  if (data === undefined) throw new Error(`checkpoint is missing ${name}`);
  if (data.byteLength !== expected * 4) throw new Error(`checkpoint ${name} has ${data.byteLength} bytes, expected ${expected * 4}`);
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/** Reads a checkpoint tarball; throws a readable error when it is not one. */
export function readCheckpoint(tarGz: Uint8Array): LoadedCheckpoint {
  let tar: Uint8Array;
  try {
    tar = Bun.gunzipSync(new Uint8Array(tarGz));
  } catch {
    throw new Error('not a gzip file');
  }
  let entries;
  try {
    entries = parseTar(tar);
  } catch (e) {
    throw new Error(`not a tar archive: ${(e as Error).message}`);
  }
  const files = new Map(entries.filter((e) => e.data !== undefined).map((e) => [e.name.replace(/^\.\//, ''), e.data as Uint8Array]));
  const metaBytes = files.get('synth_rl/checkpoint.json');
  if (metaBytes === undefined) throw new Error('not a synth-rl checkpoint (synth_rl/checkpoint.json missing)');
  const meta = JSON.parse(new TextDecoder().decode(metaBytes)) as CheckpointMeta;
  if (meta.format !== CHECKPOINT_FORMAT) throw new Error(`unsupported checkpoint format ${JSON.stringify(meta.format)}`);
  const n = numParams(meta.model);
  const out: LoadedCheckpoint = { meta, params: floats(files.get('synth_rl/weights.f32'), n, 'weights'), files };
  if (files.has('synth_rl/adam_m.f32')) out.adamM = floats(files.get('synth_rl/adam_m.f32'), n, 'adam_m');
  if (files.has('synth_rl/adam_v.f32')) out.adamV = floats(files.get('synth_rl/adam_v.f32'), n, 'adam_v');
  return out;
}
