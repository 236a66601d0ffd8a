// Incremental inference for WasmGPT with key/value caches, batched: several sequences ("slots")
// advance in one pass, their new tokens stacked as the rows of each matmul (N sequences × 1 token
// per step is an N-row matmul; a prompt is a many-row prefill). Same semantics as
// sim/model/decode.ts (which tests check it against): logits after each sequence's last token.
//
// The weights are packed for the matmul at every call: the decoder cannot see when the trainer
// updates the parameters, and packing is K·M copies next to the R·K·M multiply-adds of a call.
import type { TokenDecoder } from '../decode.ts';
import { Layout, type Region } from './arena.ts';
import type { WasmGPT } from './model.ts';

export type { TokenDecoder };

export interface FeedItem {
  slot: number;
  tokens: ArrayLike<number>;
}

interface Buffers {
  R: number; items: number;
  x: number; ln: number; mean: number; rstd: number; qkv: number; atty: number; fch: number; fchGelu: number;
  last: number; lnLast: number; logits: number; scores: number; tile: number; packed: number;
}

export class WasmDecoder {
  /** Tokens fed so far, per slot. */
  readonly lengths: Int32Array;
  private readonly cache: number;
  private region: Region | undefined;

  constructor(readonly model: WasmGPT, readonly slots = 1) {
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`slots must be a positive integer, got ${slots}`);
    const { nLayer: L, dModel: C, maxSeqLen: T } = model.cfg;
    this.lengths = new Int32Array(slots);
    this.cache = model.arena.alloc(slots * L * 2 * T * C);
  }

  reset(slot?: number): void {
    if (slot === undefined) this.lengths.fill(0);
    else this.lengths[this.checkSlot(slot)] = 0;
  }

  /** A Decoder-shaped view of one slot (for code written against sim/model/decode.ts). */
  slot(slot: number): TokenDecoder {
    this.checkSlot(slot);
    const self = this;
    return {
      reset: () => self.reset(slot),
      feed: (tokens) => self.feedMany([{ slot, tokens }]),
      get length() {
        return self.lengths[slot] as number;
      },
    };
  }

  private checkSlot(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slots) throw new Error(`slot ${slot} out of range: the decoder has ${this.slots}`);
    return slot;
  }

  /** Byte offset of layer l's key (kv = 0) or value (kv = 1) cache of a slot: [maxSeqLen, C]. */
  private cacheAt(slot: number, l: number, kv: number): number {
    const { nLayer: L, dModel: C, maxSeqLen: T } = this.model.cfg;
    return this.cache + 4 * (((slot * L + l) * 2 + kv) * T * C);
  }

  private buffers(R: number, items: number): Buffers {
    const { dModel: C, maxSeqLen: T, vocabSize: V } = this.model.cfg;
    const lay = new Layout();
    const pad16 = (m: number) => Math.ceil(m / 16) * 16;
    const rel = {
      R, items,
      x: lay.take(R * C), ln: lay.take(R * C), mean: lay.take(R), rstd: lay.take(R), qkv: lay.take(R * 3 * C), atty: lay.take(R * C),
      fch: lay.take(R * 4 * C), fchGelu: lay.take(R * 4 * C), last: lay.take(items * C), lnLast: lay.take(items * C),
      logits: lay.take(items * V), scores: lay.take(T), tile: lay.take(32),
      packed: lay.take(Math.max(C * pad16(4 * C), 4 * C * pad16(C), C * pad16(V))),
    };
    this.region = this.model.arena.fit(this.region, lay.bytes);
    const base = this.region.ptr;
    const out = { ...rel };
    for (const key of Object.keys(out) as (keyof Buffers)[]) if (key !== 'R' && key !== 'items') out[key] = rel[key] + base;
    return out;
  }

  private validate(items: readonly FeedItem[]): number {
    const { vocabSize: V, maxSeqLen } = this.model.cfg;
    const seen = new Set<number>();
    let R = 0;
    for (const { slot, tokens } of items) {
      this.checkSlot(slot);
      if (seen.has(slot)) throw new Error(`slot ${slot} appears twice in one feed`);
      seen.add(slot);
      if (tokens.length === 0) throw new Error(`slot ${slot}: no tokens to feed`);
      if ((this.lengths[slot] as number) + tokens.length > maxSeqLen) throw new Error(`context full: the model takes at most ${maxSeqLen} tokens`);
      for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i] as number;
        if (!Number.isInteger(t) || t < 0 || t >= V) throw new Error(`token id ${t} out of range`);
      }
      R += tokens.length;
    }
    return R;
  }

  /**
   * Feeds each item's tokens to its slot, all in one batched pass; returns a fresh [items, V]
   * array: row i holds the logits after item i's last token.
   */
  feedMany(items: readonly FeedItem[]): Float32Array {
    const R = this.validate(items);
    const m = this.model;
    const { nLayer: L, dModel: C, nHead: NH, vocabSize: V } = m.cfg;
    const b = this.buffers(R, items.length);
    const k = m.arena.k;
    const p = m.pp;
    const rows: { slot: number; pos: number }[] = [];
    const f = m.arena.f32;
    for (const { slot, tokens } of items) {
      for (let i = 0; i < tokens.length; i++) {
        const pos = (this.lengths[slot] as number) + i;
        const x = (b.x >> 2) + rows.length * C;
        const e = (p.wte >> 2) + (tokens[i] as number) * C;
        const w = (p.wpe >> 2) + pos * C;
        for (let c = 0; c < C; c++) f[x + c] = (f[e + c] as number) + (f[w + c] as number);
        rows.push({ slot, pos });
      }
    }
    const lin = (out: number, cin: number, bias: number, inp: number, w: number, K: number, M: number) => {
      k.gemm_pack_b(b.packed, w, 1, K, K, M); // W stored [M,K]: out = inp·Wᵀ
      k.gemm_packed(out, M, cin, bias, inp, K, 0, b.packed, R, K, M, 0, b.tile);
    };
    for (let l = 0; l < L; l++) {
      const at = (base: number, per: number) => base + 4 * l * per;
      k.layernorm_forward(b.ln, b.mean, b.rstd, b.x, at(p.ln1w, C), at(p.ln1b, C), R, C);
      lin(b.qkv, 0, at(p.qkvb, 3 * C), b.ln, at(p.qkvw, 3 * C * C), C, 3 * C);
      rows.forEach((r, i) => {
        const q = (b.qkv >> 2) + i * 3 * C;
        f.copyWithin((this.cacheAt(r.slot, l, 0) >> 2) + r.pos * C, q + C, q + 2 * C);
        f.copyWithin((this.cacheAt(r.slot, l, 1) >> 2) + r.pos * C, q + 2 * C, q + 3 * C);
      });
      rows.forEach((r, i) => {
        k.attention_decode(b.atty + 4 * i * C, b.qkv + 4 * i * 3 * C, this.cacheAt(r.slot, l, 0), this.cacheAt(r.slot, l, 1), r.pos + 1, C, NH, b.scores);
      });
      lin(b.x, b.x, at(p.attprojb, C), b.atty, at(p.attprojw, C * C), C, C);
      k.layernorm_forward(b.ln, b.mean, b.rstd, b.x, at(p.ln2w, C), at(p.ln2b, C), R, C);
      lin(b.fch, 0, at(p.fcb, 4 * C), b.ln, at(p.fcw, 4 * C * C), C, 4 * C);
      k.gelu_forward(b.fchGelu, b.fch, R * 4 * C);
      lin(b.x, b.x, at(p.fcprojb, C), b.fchGelu, at(p.fcprojw, 4 * C * C), 4 * C, C);
    }
    let row = 0;
    items.forEach((item, i) => {
      row += item.tokens.length;
      f.copyWithin((b.last >> 2) + i * C, (b.x >> 2) + (row - 1) * C, (b.x >> 2) + row * C);
      this.lengths[item.slot] = (this.lengths[item.slot] as number) + item.tokens.length;
    });
    k.layernorm_forward(b.lnLast, b.mean, b.rstd, b.last, p.lnfw, p.lnfb, items.length, C);
    k.gemm_pack_b(b.packed, p.wte, 1, C, C, V);
    k.gemm_packed(b.logits, V, 0, 0, b.lnLast, C, 0, b.packed, items.length, C, V, 0, b.tile);
    return Float32Array.from(m.arena.view(b.logits, items.length * V));
  }
}

/** Length of the common prefix of a and b, at most `cap`. */
function commonPrefix(a: readonly number[], b: readonly number[], cap: number): number {
  const n = Math.min(a.length, b.length, cap);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Last-position logits of token rows (the `LastLogits` of sim/model/devices/sampling.ts) through
 * the decoder's KV caches: each row takes the slot whose cached tokens share its longest prefix,
 * rewinds it there and feeds only the rest, so a sampling loop that appends one token per step
 * costs one token per row, not the whole prompt. A row's logits do not depend on the slot, on its
 * batch-mates or on how its tokens were split across calls (each row's arithmetic is the same).
 */
export class CachedLastLogits {
  readonly decoder: WasmDecoder;
  private readonly fed: number[][];
  private readonly lastUse: number[];
  private tick = 0;

  constructor(model: WasmGPT, slots = 32) {
    this.decoder = new WasmDecoder(model, slots);
    this.fed = Array.from({ length: slots }, () => []);
    this.lastUse = new Array<number>(slots).fill(0);
  }

  /** Forgets every cached prefix: call it when the model's parameters change (the caches hold keys and values of the old ones). */
  invalidate(): void {
    this.fed.fill([]);
    this.decoder.reset();
  }

  /** Logits [rows.length · V] at the last position of each row. */
  lastLogits(rows: readonly (readonly number[])[]): Float32Array {
    const V = this.decoder.model.cfg.vocabSize;
    const out = new Float32Array(rows.length * V);
    for (let start = 0; start < rows.length; start += this.decoder.slots) {
      const chunk = rows.slice(start, start + this.decoder.slots);
      out.set(this.chunk(chunk), start * V);
    }
    return out;
  }

  private chunk(rows: readonly (readonly number[])[]): Float32Array {
    const claimed = new Set<number>();
    const items: FeedItem[] = rows.map((row) => {
      if (row.length === 0) throw new Error('cannot score an empty row');
      let best = -1;
      let bestLen = -1;
      for (let s = 0; s < this.decoder.slots; s++) {
        if (claimed.has(s)) continue;
        // At least the row's last token is fed again: its logits are not kept.
        const len = commonPrefix(this.fed[s] as number[], row, row.length - 1);
        if (len > bestLen || (len === bestLen && (this.lastUse[s] as number) < (this.lastUse[best] as number))) {
          best = s;
          bestLen = len;
        }
      }
      claimed.add(best);
      this.decoder.lengths[best] = bestLen;
      this.fed[best] = [...row];
      this.lastUse[best] = ++this.tick;
      return { slot: best, tokens: row.slice(bestLen) };
    });
    return this.decoder.feedMany(items);
  }
}
