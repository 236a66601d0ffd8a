// Recorded rollouts: a bounded sample of each iteration's episodes (and of each evaluation's),
// written under <jobs dir>/<job id>/rollouts/ so the Studio can replay them after a restart.
//
// Files (one writer per job, the trainer; any number of readers, the backend's routes):
//   index.jsonl                one line per recorded iteration or evaluation: every episode's
//                              group, seed, reward and advantage (cheap numbers, never sampled)
//   train-000001.json.gz       the sampled episodes of iteration 1, step by step
//   eval-000000.json.gz        the sampled episodes of the evaluation at iteration 0
// An episode keeps per decision the observation text, the prompt the model read (decoded from the
// token ids it was given) and the sampled actions with their log-probabilities; per env step the
// action, reward, achievements and player position. Frames are not stored: the world is replayed
// from (preset, seed, actions), which the task app's Crafter makes deterministic, and the recorded
// positions let a reader check that the replay matches.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RolloutResponse } from '../../src/api/taskapp.ts';
import type { Turn } from './job-policy.ts';

export type RolloutKind = 'train' | 'eval';

export interface RecordedAction {
  action: string;
  logprob: number;
}

export interface RecordedDecision {
  /** The user message the task app sent (the Crafter observation text). */
  observation: string;
  /** What the model read: its prompt token ids decoded (after fitting the context). */
  prompt: string;
  prompt_tokens: number;
  actions: RecordedAction[];
}

export interface RecordedStep {
  decision: number;
  action: string;
  reward: number;
  done: boolean;
  achievements_unlocked: string[];
  /** Player position after the step (obs.player_position), to check replays against. */
  position: [number, number] | null;
  inventory: Record<string, number>;
}

export interface RecordedEpisode {
  kind: RolloutKind;
  iteration: number;
  group: number;
  index: number;
  seed: number;
  reward: number;
  /** Group-relative advantage (null for evaluation episodes). */
  advantage: number | null;
  end_reason: string | null;
  achievements: string[];
  env: { preset: string; max_steps_per_episode: number };
  decisions: RecordedDecision[];
  steps: RecordedStep[];
}

export interface IndexEpisode {
  index: number;
  reward: number;
  advantage: number | null;
  steps: number;
  recorded: boolean;
}

export interface IndexGroup {
  group: number;
  seed: number;
  episodes: IndexEpisode[];
}

export interface IndexEntry {
  kind: RolloutKind;
  iteration: number;
  recorded_at: string;
  groups: IndexGroup[];
}

/** One rollout of a batch, as the trainer has it after the task app answered. */
export interface EpisodeInput {
  group: number;
  index: number;
  seed: number;
  reward: number;
  advantage: number | null;
  result: RolloutResponse;
  turns: readonly Turn[];
}

export interface RecorderOptions {
  /** Episodes recorded step by step per iteration (0: only the index). */
  perIteration: number;
  preset: string;
  maxStepsPerEpisode: number;
  decode: (ids: number[]) => string;
  actionName: (id: number) => string | undefined;
}

export const rolloutsDir = (jobsDir: string, jobId: string) => join(jobsDir, jobId, 'rollouts');
const fileName = (kind: RolloutKind, iteration: number) => `${kind}-${String(iteration).padStart(6, '0')}.json.gz`;

const num = (v: unknown, fallback = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function position(obs: Record<string, unknown>): [number, number] | null {
  const p = obs.player_position;
  return Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number' ? [p[0], p[1]] : null;
}

function inventory(obs: Record<string, unknown>): Record<string, number> {
  const inv = obs.inventory;
  if (inv === null || typeof inv !== 'object') return {};
  return Object.fromEntries(Object.entries(inv).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] !== 0));
}

export function episodeRecord(kind: RolloutKind, iteration: number, e: EpisodeInput, o: RecorderOptions): RecordedEpisode {
  const decisions = e.turns.map((t): RecordedDecision => {
    const actions: RecordedAction[] = [];
    t.completion.forEach((id, k) => {
      const action = o.actionName(id);
      if (action !== undefined) actions.push({ action, logprob: t.logprobs[k] ?? 0 });
    });
    return { observation: t.observation ?? '', prompt: o.decode(t.prompt), prompt_tokens: t.prompt.length, actions };
  });
  const steps = (e.result.trajectories[0]?.steps ?? []).map((s): RecordedStep => {
    const info = s.info ?? {};
    return {
      decision: num(info.decision_index), action: typeof info.action === 'string' ? info.action : 'unknown', reward: num(s.reward),
      done: s.done, achievements_unlocked: strings(info.achievements_unlocked), position: position(s.obs), inventory: inventory(s.obs),
    };
  });
  const details = e.result.metrics.details;
  return {
    kind, iteration, group: e.group, index: e.index, seed: e.seed, reward: e.reward, advantage: e.advantage,
    end_reason: typeof details.end_reason === 'string' ? details.end_reason : null, achievements: strings(details.achievements),
    env: { preset: typeof details.preset === 'string' ? details.preset : o.preset, max_steps_per_episode: o.maxStepsPerEpisode },
    decisions, steps,
  };
}

function indexEntry(kind: RolloutKind, iteration: number, episodes: readonly EpisodeInput[], recorded: ReadonlySet<EpisodeInput>): IndexEntry {
  const groups = new Map<number, IndexGroup>();
  for (const e of episodes) {
    let g = groups.get(e.group);
    if (g === undefined) groups.set(e.group, (g = { group: e.group, seed: e.seed, episodes: [] }));
    g.episodes.push({ index: e.index, reward: e.reward, advantage: e.advantage, steps: e.result.metrics.num_steps, recorded: recorded.has(e) });
  }
  return { kind, iteration, recorded_at: new Date().toISOString(), groups: [...groups.values()] };
}

/** Writes one job's recorded rollouts; every call leaves the files readable (atomic renames). */
export class RolloutRecorder {
  constructor(private readonly dir: string, private readonly opts: RecorderOptions) {}

  /** Records one batch; a failure (disk full, …) is returned as a message and never stops training. */
  record(kind: RolloutKind, iteration: number, episodes: readonly EpisodeInput[]): string | undefined {
    try {
      this.write(kind, iteration, episodes);
      return undefined;
    } catch (error) {
      return `rollouts of ${kind} iteration ${iteration} not recorded under ${this.dir}: ${(error as Error).message}`;
    }
  }

  private write(kind: RolloutKind, iteration: number, episodes: readonly EpisodeInput[]): void {
    mkdirSync(this.dir, { recursive: true });
    // Whole groups first (the Studio compares a group's episodes), in the batch's order.
    const sample = episodes.slice(0, Math.max(0, this.opts.perIteration));
    if (sample.length > 0) {
      const body = JSON.stringify({ kind, iteration, episodes: sample.map((e) => episodeRecord(kind, iteration, e, this.opts)) });
      const path = join(this.dir, fileName(kind, iteration));
      writeFileSync(`${path}.tmp`, Bun.gzipSync(new TextEncoder().encode(body)));
      renameSync(`${path}.tmp`, path);
    }
    appendFileSync(join(this.dir, 'index.jsonl'), `${JSON.stringify(indexEntry(kind, iteration, episodes, new Set(sample)))}\n`);
  }
}

/** The index, oldest first; a later line for the same iteration (a resumed job) replaces the earlier. */
export function readIndex(dir: string): IndexEntry[] {
  const path = join(dir, 'index.jsonl');
  if (!existsSync(path)) return [];
  const byKey = new Map<string, IndexEntry>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as IndexEntry;
      byKey.set(`${e.kind}:${e.iteration}`, e);
    } catch {
      // A line cut short by a crash: the iteration's earlier or later line still stands.
    }
  }
  // By iteration; at the same iteration the update's rollouts come before the evaluation after it.
  return [...byKey.values()].sort((a, b) => a.iteration - b.iteration || (a.kind === b.kind ? 0 : a.kind === 'train' ? -1 : 1));
}

/** One recorded episode, or undefined when it was not sampled (or never ran). */
export function readEpisode(dir: string, kind: RolloutKind, iteration: number, group: number, index: number): RecordedEpisode | undefined {
  const path = join(dir, fileName(kind, iteration));
  if (!existsSync(path)) return undefined;
  const file = JSON.parse(new TextDecoder().decode(Bun.gunzipSync(readFileSync(path)))) as { episodes: RecordedEpisode[] };
  return file.episodes.find((e) => e.group === group && e.index === index);
}

/** A training batch as the trainer holds it: spec i is rollout i % groupSize of group groups[i]. */
export function trainEpisodes(
  specs: readonly { seed: number }[], groups: readonly number[], groupSize: number, results: readonly RolloutResponse[],
  turns: readonly (readonly Turn[])[], rewards: readonly number[], advantages: ArrayLike<number>,
): EpisodeInput[] {
  return specs.map((spec, i) => ({
    group: groups[i] as number, index: i % groupSize, seed: spec.seed, reward: rewards[i] as number,
    advantage: advantages[i] as number, result: results[i] as RolloutResponse, turns: turns[i] ?? [],
  }));
}

/** An evaluation: spec i is rollout i % perSeed of eval seed number floor(i / perSeed); no advantages. */
export function evalEpisodes(
  specs: readonly { seed: number }[], perSeed: number, results: readonly RolloutResponse[], turns: readonly (readonly Turn[])[], rewards: readonly number[],
): EpisodeInput[] {
  return specs.map((spec, i) => ({
    group: Math.floor(i / perSeed), index: i % perSeed, seed: spec.seed, reward: rewards[i] as number,
    advantage: null, result: results[i] as RolloutResponse, turns: turns[i] ?? [],
  }));
}

/**
 * How a GRPO job records its batches: a no-op when the simulator keeps no job files; a failure to
 * write goes to `warn` (the trainer makes it a warning event) and training goes on.
 */
export function jobRecorder(
  jobsDir: string | undefined, jobId: string, s: { recordRollouts: number; preset: string; maxStepsPerEpisode: number },
  tok: { decode(ids: number[]): string; actionName(id: number): string | undefined },
  warn: (message: string, data: Record<string, unknown>) => void,
): (kind: RolloutKind, iteration: number, episodes: EpisodeInput[]) => void {
  if (jobsDir === undefined) return () => {};
  const recorder = new RolloutRecorder(rolloutsDir(jobsDir, jobId), {
    perIteration: s.recordRollouts, preset: s.preset, maxStepsPerEpisode: s.maxStepsPerEpisode,
    decode: (ids) => tok.decode(ids), actionName: (id) => tok.actionName(id),
  });
  return (kind, iteration, episodes) => {
    const failure = recorder.record(kind, iteration, episodes);
    if (failure !== undefined) warn(failure, { iteration, kind });
  };
}
