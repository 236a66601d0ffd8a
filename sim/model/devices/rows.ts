// Cutting a RowBatch into parts by sequence (data parallelism) and building the batches sampling
// scores. Causal attention makes a scored position depend only on the tokens at or before it, so a
// part keeps each sequence only up to its last scored position: less padding, the same numbers.
import type { RowBatch } from '../device.ts';

/** A sub-batch and the scored rows [rowLo, rowHi) of the whole batch it holds. */
export interface RowPart {
  batch: RowBatch;
  rowLo: number;
  rowHi: number;
}

/** First scored row of each sequence (rows of one sequence are contiguous), and the end. */
function rowStarts(b: RowBatch): Int32Array {
  const starts = new Int32Array(b.B + 1);
  let r = 0;
  for (let seq = 0; seq < b.B; seq++) {
    starts[seq] = r;
    while (r < b.pos.length && Math.floor((b.pos[r] as number) / b.T) === seq) r++;
  }
  starts[b.B] = r;
  if (r !== b.pos.length) throw new Error('scored rows must be grouped by sequence, in sequence order');
  return starts;
}

/** Sequences [s0, s1) of `b` as their own batch, each cut after its last scored position. */
export function sliceRows(b: RowBatch, s0: number, s1: number, starts = rowStarts(b)): RowPart {
  const rowLo = starts[s0] as number;
  const rowHi = starts[s1] as number;
  let T = 1;
  for (let r = rowLo; r < rowHi; r++) T = Math.max(T, ((b.pos[r] as number) % b.T) + 1);
  const B = s1 - s0;
  const tokens = new Int32Array(B * T);
  for (let s = 0; s < B; s++) tokens.set(b.tokens.subarray((s0 + s) * b.T, (s0 + s) * b.T + T), s * T);
  const pos = new Int32Array(rowHi - rowLo);
  for (let r = rowLo; r < rowHi; r++) {
    const p = b.pos[r] as number;
    pos[r - rowLo] = (Math.floor(p / b.T) - s0) * T + (p % b.T);
  }
  const V = b.mask === undefined ? 0 : b.mask.length / Math.max(1, b.pos.length);
  const batch: RowBatch = {
    tokens, B, T, pos, targets: b.targets.subarray(rowLo, rowHi), temperature: b.temperature,
    ...(b.mask !== undefined && { mask: b.mask.subarray(rowLo * V, rowHi * V) }),
  };
  return { batch, rowLo, rowHi };
}

/**
 * Splits `b` into at most `parts` contiguous runs of sequences of near-equal size (the first parts
 * take the remainder). Fewer sequences than parts: one part per sequence. The split depends only
 * on B and `parts`, so a given thread count always sums the same partial gradients.
 */
export function splitRows(b: RowBatch, parts: number): RowPart[] {
  const starts = rowStarts(b);
  const n = Math.max(1, Math.min(parts, b.B));
  const out: RowPart[] = [];
  for (let i = 0; i < n; i++) {
    const s0 = Math.floor((i * b.B) / n);
    const s1 = Math.floor(((i + 1) * b.B) / n);
    out.push(sliceRows(b, s0, s1, starts));
  }
  return out;
}

/**
 * One batch scoring the last position of each row: what sampling needs. Rows are padded with
 * their own last token (causal attention keeps the padding out of the scored position).
 */
export function lastPositionBatch(rows: readonly (readonly number[])[]): { tokens: Int32Array; B: number; T: number; pos: Int32Array } {
  const B = rows.length;
  const T = Math.max(1, ...rows.map((r) => r.length));
  const tokens = new Int32Array(B * T);
  const pos = new Int32Array(B);
  rows.forEach((row, b) => {
    if (row.length === 0) throw new Error('cannot sample after an empty prompt');
    for (let t = 0; t < T; t++) tokens[b * T + t] = row[Math.min(t, row.length - 1)] as number;
    pos[b] = b * T + row.length - 1;
  });
  return { tokens, B, T, pos };
}
