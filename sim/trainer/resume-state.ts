// Crash resume for the GRPO trainer. After every iteration's update the trainer writes the policy
// weights, the AdamW state and the KL reference to a state file (temp file, fsync, rename), then
// commits a resume record naming that file in the same SQLite transaction as the iteration's
// events and metrics. A restarted simulator reads the record back: the file it names always
// matches what clients have seen, so at most the one uncommitted iteration is redone and nothing
// visible is ever recorded twice. Sampling needs no saved RNG state: every rollout seed and every
// sampling seed is a function of ([sim] seed, iteration, rollout, turn) (see job-policy.ts).
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const RESUME_FORMAT = 'synth-rl.resume.v1';
const MAGIC = 'SRLRSM01';

/**
 * Where a job stands, committed with what made it so:
 * - started: `rl.train.started` is out; the initial evaluation is not.
 * - updated: iteration `iteration`'s update and step event are committed; its evaluation is not.
 * - committed: every metric of step `iteration` is visible; its checkpoint is not yet recorded.
 * - done: iteration `iteration` is complete (evaluation and checkpoint included).
 * - finished: `rl.train.completed` is out.
 */
export const ResumeStage = z.enum(['started', 'updated', 'committed', 'done', 'finished']);
export type ResumeStage = z.infer<typeof ResumeStage>;

const EvalSummary = z.object({ mean: z.number(), std: z.number(), n: z.number(), achievements: z.record(z.string(), z.number()) });
export type EvalSummary = z.infer<typeof EvalSummary>;

const PendingMetric = z.object({
  name: z.string(), value: z.number(), step: z.number().int(), epoch: z.number().nullable().optional(), phase: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const GrpoResume = z.object({
  format: z.literal(RESUME_FORMAT),
  /** Updates applied to the weights the state file holds (0: the seeded initial weights). */
  iteration: z.number().int().min(0),
  stage: ResumeStage,
  /** The state file (under the job's resume folder) after `iteration` updates; null: seeded init. */
  state: z.string().nullable(),
  initial: EvalSummary.nullable(),
  /** Metrics computed but not yet visible: they go out with the rest of their step. */
  pending: z.array(PendingMetric),
  last_model: z.string().nullable(),
  last_checkpoint: z.string().nullable(),
});
export type GrpoResume = z.infer<typeof GrpoResume>;

export function freshResume(): GrpoResume {
  return { format: RESUME_FORMAT, iteration: 0, stage: 'started', state: null, initial: null, pending: [], last_model: null, last_checkpoint: null };
}

export interface ResumeState {
  params: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  adamT: number;
  /** The frozen KL reference (only when the job uses one). */
  reference?: Float32Array;
}

interface Header {
  format: typeof RESUME_FORMAT;
  job_id: string;
  iteration: number;
  adam_t: number;
  n: number;
  arrays: string[];
  sha256: string;
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function stateFileName(iteration: number): string {
  return `iter-${String(iteration).padStart(6, '0')}.state`;
}

/** Writes the state after `iteration` updates to `<dir>/iter-N.state` atomically; returns the file name. */
export function writeResumeState(dir: string, jobId: string, iteration: number, s: ResumeState): string {
  mkdirSync(dir, { recursive: true });
  const arrays: [string, Float32Array][] = [['params', s.params], ['adam_m', s.adamM], ['adam_v', s.adamV]];
  if (s.reference !== undefined) arrays.push(['reference', s.reference]);
  const hasher = new Bun.CryptoHasher('sha256');
  for (const [, a] of arrays) hasher.update(bytesOf(a));
  const header: Header = {
    format: RESUME_FORMAT, job_id: jobId, iteration, adam_t: s.adamT, n: s.params.length, arrays: arrays.map(([k]) => k), sha256: hasher.digest('hex'),
  };
  const head = new TextEncoder().encode(JSON.stringify(header));
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, head.byteLength, true);
  const name = stateFileName(iteration);
  const tmp = join(dir, `${name}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    for (const part of [new TextEncoder().encode(MAGIC), len, head, ...arrays.map(([, a]) => bytesOf(a))]) writeSync(fd, part);
    // On disk before the record that names it can commit (an OS crash must not leave a record without its file).
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  return name;
}

/** Reads a state file back; throws an Error saying what is wrong with it. */
export function readResumeState(dir: string, name: string, expectedParams: number): ResumeState & { iteration: number } {
  const path = join(dir, name);
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`resume state ${path} cannot be read (${(e as Error).message})`);
  }
  const bad = (why: string) => new Error(`resume state ${path} is damaged: ${why}`);
  if (new TextDecoder().decode(buf.subarray(0, 8)) !== MAGIC) throw bad('not a synth-rl resume state');
  const headLen = new DataView(buf.buffer, buf.byteOffset + 8, 4).getUint32(0, true);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(12, 12 + headLen))) as Header;
  } catch {
    throw bad('unreadable header');
  }
  if (header.format !== RESUME_FORMAT) throw bad(`format ${JSON.stringify(header.format)}, expected ${RESUME_FORMAT}`);
  if (header.n !== expectedParams) throw bad(`${header.n} parameters, the job's model has ${expectedParams}`);
  // A copy: Buffer.slice is a view at an offset Float32Array may not start at.
  const body = new Uint8Array(buf.subarray(12 + headLen));
  if (body.byteLength !== header.arrays.length * header.n * 4) throw bad(`${body.byteLength} bytes of arrays, expected ${header.arrays.length * header.n * 4}`);
  if (new Bun.CryptoHasher('sha256').update(body).digest('hex') !== header.sha256) throw bad('checksum mismatch');
  const all = new Float32Array(body.buffer, body.byteOffset, body.byteLength / 4);
  const get = (k: string) => {
    const i = header.arrays.indexOf(k);
    return i < 0 ? undefined : all.slice(i * header.n, (i + 1) * header.n);
  };
  const params = get('params');
  const adamM = get('adam_m');
  const adamV = get('adam_v');
  if (params === undefined || adamM === undefined || adamV === undefined) throw bad('missing arrays');
  const reference = get('reference');
  return { iteration: header.iteration, params, adamM, adamV, adamT: header.adam_t, ...(reference !== undefined && { reference }) };
}

/** Removes every state file (and leftover temp file) in `dir` except `keep`. */
export function pruneResumeStates(dir: string, keep: string | null): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n !== keep && n.includes('.state')) rmSync(join(dir, n), { force: true });
}
