// The policy tokenizer, loaded through @huggingface/transformers' AutoTokenizer from the same
// tokenizer.json that ships inside checkpoints. Encoding happens in the main process; the
// trainer's Worker only ever sees token ids.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { loadTransformers } from '../../src/runtime/transformers.ts';
import { ACTION_NAMES } from '../crafter/index.ts';
import { writePolicyTokenizer } from '../../scripts/gen-policy-tokenizer.ts';
import { BOS, END, PAD, SEP, UNK } from './vocab.ts';

interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  get_vocab(): Map<string, number>;
}

export class PolicyTokenizer {
  readonly vocabSize: number;
  readonly padId: number;
  readonly unkId: number;
  readonly bosId: number;
  readonly sepId: number;
  readonly endId: number;
  /** Token id of each action, in Crafter's action order. */
  readonly actionIds: Int32Array;
  private readonly actionById = new Map<number, string>();

  private constructor(private readonly hf: HfTokenizer, idOf: (w: string) => number | undefined, vocabSize: number) {
    const need = (w: string) => {
      const id = idOf(w);
      if (id === undefined) throw new Error(`policy tokenizer has no token ${JSON.stringify(w)}`);
      return id;
    };
    this.vocabSize = vocabSize;
    this.padId = need(PAD);
    this.unkId = need(UNK);
    this.bosId = need(BOS);
    this.sepId = need(SEP);
    this.endId = need(END);
    this.actionIds = Int32Array.from(ACTION_NAMES, (a) => need(a));
    ACTION_NAMES.forEach((a, i) => this.actionById.set(this.actionIds[i] as number, a));
  }

  /** Loads the tokenizer folder `dir` (tokenizer.json + tokenizer_config.json). */
  static async load(dir: string): Promise<PolicyTokenizer> {
    const abs = resolve(dir);
    const t = await loadTransformers(dirname(abs));
    const hf = (await t.AutoTokenizer.from_pretrained(basename(abs))) as unknown as HfTokenizer;
    const ids = hf.get_vocab();
    return new PolicyTokenizer(hf, (w) => ids.get(w), ids.size);
  }

  /** Writes the built-in tokenizer to a temporary folder and loads it from there. */
  static async builtin(): Promise<PolicyTokenizer> {
    const dir = mkdtempSync(join(tmpdir(), 'synth-rl-tokenizer-'));
    try {
      writePolicyTokenizer(join(dir, 'policy-tokenizer'));
      return await PolicyTokenizer.load(join(dir, 'policy-tokenizer'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  encode(text: string): number[] {
    return this.hf.encode(text, { add_special_tokens: false });
  }

  decode(ids: number[]): string {
    return this.hf.decode(ids, { skip_special_tokens: false });
  }

  actionName(id: number): string | undefined {
    return this.actionById.get(id);
  }
}
