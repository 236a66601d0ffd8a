// "Did you mean …?" for unknown commands, flags and config keys.

/** Levenshtein edit distance (insert, delete, substitute all cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate closest to `input`, or undefined when nothing is plausibly what was meant.
 * A candidate that starts with the input (a prefix) always qualifies; otherwise the distance
 * must be at most a third of the longer word (at least 1), so `--bach-size` finds `--batch-size`
 * but `--zzz` finds nothing.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const hay = c.toLowerCase();
    const limit = Math.max(1, Math.floor(Math.max(needle.length, hay.length) / 3));
    const prefix = hay.startsWith(needle) && needle.length >= 2;
    // The distance is at least the difference in length: skip the O(n·m) table when that is already too far.
    if (!prefix && Math.abs(needle.length - hay.length) > Math.min(limit, bestScore)) continue;
    const d = prefix ? 0.5 : editDistance(needle, hay);
    if (d > limit || d >= bestScore) continue;
    best = c;
    bestScore = d;
  }
  return best;
}

export function didYouMean(input: string, candidates: readonly string[], render: (s: string) => string = (s) => s): string {
  const c = closest(input, candidates);
  return c === undefined ? '' : ` (did you mean ${render(c)}?)`;
}
