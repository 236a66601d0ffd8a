// Metric files for existing viewers, written as points arrive: `metrics.jsonl` (one object per
// step: {"step", "epoch", "wall_time", "<viewer tag>": value, …}) and a TensorBoard event file.
// Both the client (`run`/`train`/`demo` with --metrics-jsonl / --tensorboard) and the simulator
// (for its own jobs, in the state dir) write through this class.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { viewerTag } from './names.ts';
import { fileVersionEvent, scalarEvent, tfRecord } from './tfevents.ts';

/** A metric point as the backend's /metrics answers it (what both sides have in hand). */
export interface MetricPointLike {
  name: string;
  value: number;
  step?: number | undefined;
  epoch?: number | null | undefined;
  created_at?: string | undefined;
}

export interface MetricFilesOptions {
  jobId: string;
  /** metrics.jsonl path; none: not written. */
  jsonl?: string | undefined;
  /** Folder for the TensorBoard event file; none: not written. */
  tensorboardDir?: string | undefined;
  /** Keep what the files hold (a resumed simulator job); default: start them afresh. */
  append?: boolean;
}

/** The event file's name: TensorBoard reads any file whose name contains "tfevents"; one per job. */
export const tfeventsName = (jobId: string) => `events.out.tfevents.${jobId.replace(/[^\w.-]/g, '_')}.synth-rl`;

/** A file that cannot be created: `which` says whether it is metrics.jsonl or the event file. */
export class MetricFileError extends Error {
  constructor(readonly which: 'jsonl' | 'tensorboard', readonly path: string, cause: Error) {
    super(`cannot write ${path}: ${cause.message}`);
    this.name = 'MetricFileError';
  }
}

export class MetricFiles {
  readonly jsonlPath: string | undefined;
  readonly tfeventsPath: string | undefined;
  private pending: { step: number; epoch: number | null; wallTime: number; values: Record<string, number | null> } | undefined;

  /** Creates (or, with `append`, reopens) the files; throws naming the path when it cannot. */
  constructor(opts: MetricFilesOptions) {
    this.jsonlPath = opts.jsonl;
    this.tfeventsPath = opts.tensorboardDir === undefined ? undefined : join(opts.tensorboardDir, tfeventsName(opts.jobId));
    const start = (which: 'jsonl' | 'tensorboard', path: string, first: Uint8Array | string) => {
      try {
        mkdirSync(dirname(path), { recursive: true });
        if (opts.append === true) appendFileSync(path, first);
        else writeFileSync(path, first);
      } catch (error) {
        throw new MetricFileError(which, path, error as Error);
      }
    };
    if (this.jsonlPath !== undefined) start('jsonl', this.jsonlPath, '');
    if (this.tfeventsPath !== undefined) start('tensorboard', this.tfeventsPath, tfRecord(fileVersionEvent(Date.now() / 1000)));
  }

  /** Appends the points: to TensorBoard at once, to metrics.jsonl once their step is complete. */
  write(points: readonly MetricPointLike[]): void {
    const records: Uint8Array[] = [];
    for (const p of points) {
      const step = p.step ?? 0;
      const wallTime = p.created_at !== undefined && !Number.isNaN(Date.parse(p.created_at)) ? Date.parse(p.created_at) / 1000 : Date.now() / 1000;
      const tag = viewerTag(p.name);
      if (this.tfeventsPath !== undefined) records.push(tfRecord(scalarEvent(wallTime, step, { tag, value: p.value })));
      if (this.jsonlPath !== undefined) this.addToStep(step, p.epoch ?? null, wallTime, tag, p.value);
    }
    if (this.tfeventsPath !== undefined && records.length > 0) appendFileSync(this.tfeventsPath, Buffer.concat(records));
  }

  /** Writes the step still being collected. */
  close(): void {
    this.flush();
  }

  // A step's points arrive over time (train metrics, then the evaluation at the same step):
  // its line is written when a later step begins. A point for an earlier step gets its own line.
  private addToStep(step: number, epoch: number | null, wallTime: number, tag: string, value: number): void {
    const v = Number.isFinite(value) ? value : null;
    if (this.pending !== undefined && step < this.pending.step) {
      this.line({ step, epoch, wallTime, values: { [tag]: v } });
      return;
    }
    if (this.pending !== undefined && step > this.pending.step) this.flush();
    this.pending ??= { step, epoch, wallTime, values: {} };
    this.pending.values[tag] = v;
    this.pending.epoch ??= epoch;
    this.pending.wallTime = Math.max(this.pending.wallTime, wallTime);
  }

  /** Writes the step being collected now (for a writer that knows each batch is a complete step). */
  flush(): void {
    if (this.pending === undefined) return;
    this.line(this.pending);
    this.pending = undefined;
  }

  private line(s: { step: number; epoch: number | null; wallTime: number; values: Record<string, number | null> }): void {
    const obj = { step: s.step, ...(s.epoch !== null && { epoch: s.epoch }), wall_time: s.wallTime, ...s.values };
    appendFileSync(this.jsonlPath as string, `${JSON.stringify(obj)}\n`);
  }
}
