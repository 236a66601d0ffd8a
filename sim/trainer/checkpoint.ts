// Checkpoints: a gzip tar whose root is a Hugging Face-style model folder (config.json,
// generation_config.json, tokenizer files) plus the native weights and optimizer state for resuming
// (synth_rl/). onnx/model.onnx makes the folder loadable by transformers.js like any HF model.
import { createTar, parseTar, type TarFileInput } from 'nanotar';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { numParams, type ModelConfig } from '../model/config.ts';
import { GPT } from '../model/gpt.ts';
import { hfModelFiles, type SpecialIds } from '../model/onnx/folder.ts';
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

/**
 * The tarball's files: the Hugging Face folder (config, generation config, tokenizer,
 * onnx/model.onnx, built by sim/model/onnx/folder.ts) plus synth_rl/ for resuming.
 * `allowed` is what the interact grammar can produce (actions and [END]).
 */
export function checkpointFiles(meta: CheckpointMeta, state: ExportResult, ids: SpecialIds, allowed: Iterable<number>, maxActions = 1): TarFileInput[] {
  const model = new GPT(meta.model, { params: Float32Array.from(state.params) });
  return [
    ...Object.entries(hfModelFiles(model, ids, allowed, maxActions)).map(([name, data]) => ({ name, data })),
    { name: 'synth_rl/checkpoint.json', data: json(meta) },
    { name: 'synth_rl/weights.f32', data: bytes(state.params) },
    { name: 'synth_rl/adam_m.f32', data: bytes(state.adamM) },
    { name: 'synth_rl/adam_v.f32', data: bytes(state.adamV) },
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
