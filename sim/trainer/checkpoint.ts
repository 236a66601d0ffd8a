// Checkpoints: a gzip tar whose root is a Hugging Face-style model folder (config.json,
// generation_config.json, tokenizer files) plus the native weights and optimizer state for resuming
// (synth_rl/). onnx/model.onnx makes the folder loadable by transformers.js like any HF model.
import { createTar, type TarFileInput } from 'nanotar';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '../model/config.ts';
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

/**
 * Writes `<dir>/<name>.tar.gz` atomically: into a temporary file beside it, flushed, then renamed
 * over the name, so a reader (or a crash) never sees half a checkpoint. Returns its path and size.
 */
export function writeCheckpoint(dir: string, name: string, files: TarFileInput[]): { path: string; sizeBytes: number } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.tar.gz`);
  const gz = Bun.gzipSync(new Uint8Array(createTar(files)));
  const tmp = join(dir, `.${name}.tar.gz.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, gz);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
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
