// Upper bounds on every size a job can ask for (README "Limits"). One request must not be able to
// make the simulator build gigabytes: the trainer holds a whole iteration's rollouts in memory, so
// each size is bounded on its own and the work of one iteration is bounded as a whole. The client
// checks the same bounds (exit 2) so a config is rejected before it is sent. No imports: the
// settings table (read for --help) uses these numbers too.

export const JOB_LIMITS = {
  /** Seeds per iteration ([trainer]/[training] batch_size, data.trainer.batch_size). */
  batch_size: 1024,
  /** Rollouts per seed ([trainer]/[training] group_size). */
  group_size: 256,
  /** [training].num_epochs. */
  num_epochs: 1000,
  /** [training].iterations_per_epoch. */
  iterations_per_epoch: 100_000,
  /** Agent/env steps of one episode ([env]/[rollout] max_steps_per_episode). */
  max_steps_per_episode: 10_000,
  /** Actions per interact call ([sim].max_actions). */
  max_actions: 8,
  /** Entries of [evaluation].seeds. */
  eval_seeds: 1024,
  /** [evaluation].rollouts_per_seed. */
  rollouts_per_seed: 64,
  /** Rollouts in flight ([rollout]/[evaluation] max_concurrent_rollouts). */
  max_concurrent_rollouts: 256,
  /** Tokens per completion ([rollout]/[policy] max_tokens, thinking_budget). */
  max_tokens: 32_768,
  /** Turns, ops, inner steps and the other small counts. */
  small_count: 10_000,
  /** Iterations of the replay trainer ([sim.replay].iterations). */
  replay_iterations: 100_000,
  /** Seconds between replayed iterations ([sim.replay].step_seconds). */
  replay_step_seconds: 3600,
  /** Rollouts of one iteration: batch_size × group_size. */
  rollouts_per_iteration: 16_384,
  /**
   * Agent turns of one iteration (rollouts × max_steps_per_episode), and of one evaluation (seeds ×
   * rollouts_per_seed × max_steps_per_episode): what the trainer keeps in memory at once.
   */
  turns_per_iteration: 262_144,
} as const;

/** Deepest nesting of arrays/objects a JSON request body may have (tags, metadata, config). */
export const MAX_JSON_DEPTH = 64;

export interface JobSize {
  batchSize: number;
  groupSize: number;
  maxStepsPerEpisode: number;
  evalSeeds: number;
  evalRolloutsPerSeed: number;
}

/** What one iteration (and one evaluation) would hold, against the limits; messages name the fields. */
export function jobSizeProblems(s: JobSize): string[] {
  const L = JOB_LIMITS;
  const problems: string[] = [];
  const rollouts = s.batchSize * s.groupSize;
  if (rollouts > L.rollouts_per_iteration) {
    problems.push(`batch_size × group_size = ${s.batchSize} × ${s.groupSize} = ${rollouts} rollouts per iteration exceeds the limit of ${L.rollouts_per_iteration}`);
  }
  const turns = rollouts * s.maxStepsPerEpisode;
  if (turns > L.turns_per_iteration) {
    problems.push(`batch_size × group_size × max_steps_per_episode = ${turns} agent turns per iteration exceeds the limit of ${L.turns_per_iteration}`);
  }
  const evalTurns = s.evalSeeds * s.evalRolloutsPerSeed * s.maxStepsPerEpisode;
  if (evalTurns > L.turns_per_iteration) {
    problems.push(`evaluation seeds × rollouts_per_seed × max_steps_per_episode = ${evalTurns} agent turns exceeds the limit of ${L.turns_per_iteration}`);
  }
  return problems;
}

/**
 * True when `text` (JSON) nests arrays/objects deeper than `max`. A linear scan of the text, so a
 * 100k-deep body is refused before anything recursive (parsing, hashing, validation) touches it.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
