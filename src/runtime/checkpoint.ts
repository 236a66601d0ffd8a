// Runs an RL'd checkpoint offline: the tarball is a Hugging Face model folder, loaded through
// @huggingface/transformers and ONNX Runtime exactly like any other ONNX model. Used by
// `synth-rl infer --weights` and by the simulator when it serves promoted rl: models.
import { parseTar } from 'nanotar';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import type { ChatMessage } from '../api/chat.ts';
import { promptText } from '../policy/template.ts';
import { END, SPECIAL_TOKENS } from '../policy/tokens.ts';
import { loadTransformers } from './transformers.ts';

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

/** Extracts `path` (a .tar.gz) into a private temporary folder and checks it is a model folder. */
export function openCheckpoint(path: string): OpenedCheckpoint {
  if (!existsSync(path)) throw new CheckpointError(`checkpoint not found: ${path}`);
  if (!statSync(path).isFile()) throw new CheckpointError(`checkpoint is not a file: ${path}`);
  let tar: Uint8Array;
  try {
    tar = Bun.gunzipSync(new Uint8Array(readFileSync(path)));
  } catch {
    throw new CheckpointError(`checkpoint ${path} is not a gzip file (expected a .tar.gz from a synth-rl job)`);
  }
  let entries;
  try {
    entries = parseTar(tar);
  } catch (e) {
    throw new CheckpointError(`checkpoint ${path} is corrupt: ${(e as Error).message}`);
  }
  const root = mkdtempSync(join(tmpdir(), 'synth-rl-checkpoint-'));
  const close = () => rmSync(root, { recursive: true, force: true });
  const dir = join(root, 'model');
  try {
    for (const e of entries) {
      if (e.type !== undefined && e.type !== 'file') continue;
      const rel = normalize(e.name.replace(/^\.\//, ''));
      // Never write outside the folder, whatever the archive says.
      if (rel === '.' || rel.startsWith('..') || rel.startsWith('/')) continue;
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), e.data ?? new Uint8Array());
    }
    const missing = REQUIRED.filter((f) => !existsSync(join(dir, f)));
    if (missing.length) throw new CheckpointError(`checkpoint ${path} is not a model folder: missing ${missing.join(', ')}`);
    let info: CheckpointInfo = {};
    const metaPath = join(dir, 'synth_rl/checkpoint.json');
    if (existsSync(metaPath)) {
      try {
        info = JSON.parse(readFileSync(metaPath, 'utf8')) as CheckpointInfo;
      } catch (e) {
        throw new CheckpointError(`checkpoint ${path} is corrupt: synth_rl/checkpoint.json: ${(e as Error).message}`);
      }
    }
    return { dir, info, close };
  } catch (error) {
    close();
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`checkpoint ${path} could not be extracted: ${(error as Error).message}`);
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
    const tok = (await t.AutoTokenizer.from_pretrained(name)) as unknown as Tokenizer;
    const model = (await t.AutoModelForCausalLM.from_pretrained(name)) as unknown as CausalLM;
    const gen = JSON.parse(readFileSync(join(dir, 'generation_config.json'), 'utf8')) as { max_new_tokens?: number };
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
