// Batched constrained sampling on any device: every request still waiting for a token is scored
// in one forward pass (its prompt plus what it has sampled so far), then each draws from its own
// seeded generator. A request consumes its generator exactly as it would alone, and its logits do
// not depend on the other rows of the batch, so batching never changes a sample.
import { Rng } from '../../crafter/rng.ts';
import { grammarMask, type GrammarTokens } from '../../policy/generate.ts';
import type { SampleRequest, SampleResult } from '../device.ts';
import { sampleToken } from '../sample.ts';

/** Logits [rows.length · V] at the last position of each row. */
export type LastLogits = (rows: number[][]) => Promise<Float32Array>;

export function toGrammarTokens(g: { vocabSize: number; actionIds: readonly number[]; endId: number }): GrammarTokens {
  return { vocabSize: g.vocabSize, actionIds: Int32Array.from(g.actionIds), endId: g.endId };
}

interface Live {
  req: SampleRequest;
  rng: Rng;
  out: SampleResult;
  done: boolean;
}

/**
 * Identical rows scored once: a GRPO group's rollouts start from the same observation, so their
 * first prompts (and often later ones) coincide. A row's logits do not depend on its batch-mates,
 * so sharing them changes nothing but the cost.
 */
export function distinctRows(all: number[][]): { rows: number[][]; rowOf: Int32Array } {
  const index = new Map<string, number>();
  const rows: number[][] = [];
  const rowOf = new Int32Array(all.length);
  all.forEach((row, i) => {
    const key = row.join(',');
    let r = index.get(key);
    if (r === undefined) {
      r = rows.length;
      index.set(key, r);
      rows.push(row);
    }
    rowOf[i] = r;
  });
  return { rows, rowOf };
}

export async function sampleBatch(requests: readonly SampleRequest[], g: GrammarTokens, lastLogits: LastLogits): Promise<SampleResult[]> {
  const V = g.vocabSize;
  const live: Live[] = requests.map((req) => ({ req, rng: new Rng(req.seed), out: { completion: [], logprobs: [], sampled: [] }, done: false }));
  for (let step = 0; ; step++) {
    // A request at its action limit ends with a forced [END], which costs no forward pass.
    for (const l of live) {
      if (l.done || step < l.req.maxActions) continue;
      l.out.completion.push(g.endId);
      l.out.logprobs.push(0);
      l.out.sampled.push(false);
      l.done = true;
    }
    const waiting = live.filter((l) => !l.done);
    if (waiting.length === 0) return live.map((l) => l.out);
    const { rows, rowOf } = distinctRows(waiting.map((l) => [...l.req.prompt, ...l.out.completion]));
    const logits = await lastLogits(rows);
    waiting.forEach((l, i) => {
      const { temperature, topP, maxActions } = l.req;
      const r = rowOf[i] as number;
      const s = sampleToken(logits.subarray(r * V, (r + 1) * V), { temperature, topP, allowed: grammarMask(step, maxActions, g) }, l.rng);
      l.out.completion.push(s.token);
      l.out.logprobs.push(s.logprob);
      l.out.sampled.push(true);
      if (s.token === g.endId) l.done = true;
    });
  }
}
