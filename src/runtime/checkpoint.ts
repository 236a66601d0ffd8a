// Runs an RL'd checkpoint offline: the tarball is a Hugging Face model folder, loaded through
// @huggingface/transformers and ONNX Runtime exactly like any other ONNX model. Used by
// `synth-rl infer --weights` and by the simulator when it serves promoted rl: models.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChatMessage } from '../api/chat.ts';
import { promptText } from '../policy/template.ts';
import { END, SPECIAL_TOKENS } from '../policy/tokens.ts';
import { extractTarGz, ExtractLimitError, TarFormatError, type ExtractLimits } from './tar-extract.ts';
import { sessionDevice } from './ort-wasm.ts';
import { loadTransformers } from './transformers.ts';

/** Temporary folders of opened checkpoints: `<tmpdir>/synth-rl-checkpoint-<pid>-<random>`. */
export const CHECKPOINT_TMP_PREFIX = 'synth-rl-checkpoint-';

/** A checkpoint that cannot be used; the message says why (missing file, not gzip, …). */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];

export interface CheckpointInfo {
  job_id?: string;
  base_model?: string;
  simulated_model?: string;
  epoch?: number;
  iteration?: number;
}

export interface OpenedCheckpoint {
  /** The extracted Hugging Face folder. */
  dir: string;
  info: CheckpointInfo;
  close(): void;
}

/** What `openCheckpoint` extracts at most (README "Limits"): a simulator checkpoint is well under both. */
export const CHECKPOINT_LIMITS: ExtractLimits = { maxBytes: 2 * 1024 * 1024 * 1024, maxFiles: 256 };

/** Whether a process with this id is running (EPERM: it is, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Removes `<dir>/<prefix><pid>-*` folders whose process is gone: what a killed simulator or
 * `infer` left behind. Folders of live processes (and names without a pid) are left alone.
 */
export function removeStaleTempDirs(prefixes: readonly string[], dir: string = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const prefix = prefixes.find((p) => name.startsWith(p));
    const pid = prefix === undefined ? undefined : /^(\d+)-/.exec(name.slice(prefix.length))?.[1];
    if (pid === undefined || Number(pid) === process.pid || alive(Number(pid))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** JSON files of the model folder that must parse; named as in the archive when they do not. */
const JSON_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'synth_rl/checkpoint.json'];

function readJsonIn(dir: string, path: string, name: string): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown;
  } catch (e) {
    throw new CheckpointError(`checkpoint ${path} is corrupt: ${name} in the archive is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Extracts `path` (a .tar.gz) into a private temporary folder, streaming and within `limits`, and
 * checks it is a model folder whose JSON files parse.
 */
export async function openCheckpoint(path: string, limits: ExtractLimits = CHECKPOINT_LIMITS): Promise<OpenedCheckpoint> {
  if (!existsSync(path)) throw new CheckpointError(`checkpoint not found: ${path}`);
  if (!statSync(path).isFile()) throw new CheckpointError(`checkpoint is not a file: ${path}`);
  // Folders a killed `infer` or simulator left behind go first (only those of dead processes).
  removeStaleTempDirs([CHECKPOINT_TMP_PREFIX]);
  const root = mkdtempSync(join(tmpdir(), `${CHECKPOINT_TMP_PREFIX}${process.pid}-`));
  const close = () => rmSync(root, { recursive: true, force: true });
  const dir = join(root, 'model');
  try {
    await extractTarGz(path, dir, limits);
    const missing = REQUIRED.filter((f) => !existsSync(join(dir, f)));
    if (missing.length) throw new CheckpointError(`checkpoint ${path} is not a model folder: missing ${missing.join(', ')}`);
    for (const name of JSON_FILES) if (existsSync(join(dir, name))) readJsonIn(dir, path, name);
    const metaPath = join(dir, 'synth_rl/checkpoint.json');
    const info = existsSync(metaPath) ? (readJsonIn(dir, path, 'synth_rl/checkpoint.json') as CheckpointInfo) : {};
    return { dir, info, close };
  } catch (error) {
    close();
    throw checkpointError(path, error);
  }
}

function checkpointError(path: string, error: unknown): Error {
  if (error instanceof CheckpointError) return error;
  if (error instanceof ExtractLimitError) return new CheckpointError(`checkpoint ${path} ${error.message}: not extracted (a synth-rl checkpoint is far smaller; is this the right file?)`);
  if (error instanceof TarFormatError) return new CheckpointError(`checkpoint ${path} is corrupt: ${error.message}`);
  const code = (error as { code?: string }).code ?? '';
  if (code.startsWith('Z_') || /incorrect header check|invalid|unexpected end/i.test((error as Error).message)) {
    return new CheckpointError(`checkpoint ${path} is not a gzip file (expected a .tar.gz from a synth-rl job): ${(error as Error).message}`);
  }
  return new CheckpointError(`checkpoint ${path} could not be extracted: ${(error as Error).message}`);
}

/** Runs a load step; a failure becomes a CheckpointError naming the file in the archive. */
async function inArchive<T>(file: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw new CheckpointError(`the checkpoint's ${file} could not be loaded: ${(e as Error).message}`);
  }
}

export interface CheckpointReply {
  actions: string[];
  /** Every generated token, [END] included. */
  tokens: string[];
  promptTokens: number;
}

interface Tokenizer {
  encode(text: string, o?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], o?: { skip_special_tokens?: boolean }): string;
}

interface CausalLM {
  generate(o: Record<string, unknown>): Promise<{ data: BigInt64Array }>;
  dispose(): Promise<void>;
}

/** A loaded checkpoint that answers chat requests with the actions it chooses. */
export class CheckpointRunner {
  private constructor(
    private readonly tok: Tokenizer,
    private readonly model: CausalLM,
    private readonly maxNewTokens: number,
    private readonly contextLength: number,
    private readonly t: Awaited<ReturnType<typeof loadTransformers>>,
  ) {}

  static async load(dir: string): Promise<CheckpointRunner> {
    const parent = dirname(dir);
    const name = dir.slice(parent.length + 1);
    const t = await loadTransformers(parent);
    // A file that parses but is not what transformers.js expects fails here: name it as in the archive.
    const tok = (await inArchive('tokenizer.json / tokenizer_config.json', () => t.AutoTokenizer.from_pretrained(name))) as unknown as Tokenizer;
    const model = (await inArchive('onnx/model.onnx (with config.json)', () => t.AutoModelForCausalLM.from_pretrained(name, sessionDevice()))) as unknown as CausalLM;
    const gen = (await inArchive('generation_config.json', async () => JSON.parse(readFileSync(join(dir, 'generation_config.json'), 'utf8')))) as { max_new_tokens?: number };
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { n_positions?: number };
    return new CheckpointRunner(tok, model, gen.max_new_tokens ?? 4, config.n_positions ?? 128, t);
  }

  /** Greedy (default) or sampled generation from the chat template of the last user message. */
  async chat(messages: readonly ChatMessage[], opts: { temperature?: number } = {}): Promise<CheckpointReply> {
    const all = this.tok.encode(promptText(messages), { add_special_tokens: false });
    // Keep the newest tokens so the prompt and the completion fit the model's positions.
    const room = Math.max(1, this.contextLength - this.maxNewTokens);
    const ids = all.length <= room ? all : all.slice(all.length - room);
    const input = new this.t.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
    const sample = (opts.temperature ?? 0) > 0;
    const out = await this.model.generate({
      inputs: input, max_new_tokens: this.maxNewTokens, do_sample: sample, ...(sample && { temperature: opts.temperature }),
    });
    const generated = Array.from(out.data.slice(ids.length), Number);
    const tokens: string[] = [];
    for (const id of generated) {
      const text = this.tok.decode([id], { skip_special_tokens: false }).trim();
      tokens.push(text);
      if (text === END) break;
    }
    const special = new Set<string>(SPECIAL_TOKENS);
    // The interact grammar ends the completion after max_new_tokens − 1 actions ([END] is forced).
    const actions = tokens.filter((x) => !special.has(x)).slice(0, Math.max(1, this.maxNewTokens - 1));
    return { actions, tokens, promptTokens: ids.length };
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
