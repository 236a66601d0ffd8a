// The simulator's own metric files for each job, beside its recorded rollouts:
//   <jobs dir>/<job id>/metrics.jsonl                   one object per step, viewer names
//   <jobs dir>/<job id>/tensorboard/events.out.tfevents.<job id>.synth-rl
// (`tensorboard --logdir <state dir>/jobs` shows every job as a run.) Fed by the store with every
// point it stores for the first time, whichever trainer or code path reported it (a resumed job's
// repeated points are not stored twice, so not written twice); a job's last metrics.jsonl line is
// written when its status turns terminal. A failure to write is logged once per job and never
// fails the job: the points are in the store either way.
import { join } from 'node:path';
import { MetricFiles } from '../../src/index.ts';
import type { EventBus } from './bus.ts';
import type { MetricPoint } from '../../src/api/jobs.ts';
import type { Store } from './store.ts';

export const jobMetricsJsonl = (jobsDir: string, jobId: string) => join(jobsDir, jobId, 'metrics.jsonl');
export const jobTensorboardDir = (jobsDir: string, jobId: string) => join(jobsDir, jobId, 'tensorboard');

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export class JobMetricFiles {
  private readonly open = new Map<string, { files: MetricFiles; unsubscribe: () => void } | 'failed'>();

  constructor(private readonly jobsDir: string, store: Store, private readonly bus: EventBus) {
    store.onMetricsAdded((jobId, points) => this.write(jobId, points));
  }

  write(jobId: string, points: readonly MetricPoint[]): void {
    const files = this.filesFor(jobId);
    // The store commits all metrics of a step together, so each batch is a complete step: its
    // line is written at once (held in memory, a crash would lose it for good: a resumed job
    // never stores those points again).
    if (files !== undefined) this.guard(jobId, () => {
      files.write(points);
      files.flush();
    });
  }

  /** Writes the job's last metrics.jsonl line; a later point reopens the files (appending). */
  close(jobId: string): void {
    const entry = this.open.get(jobId);
    if (entry === undefined || entry === 'failed') return;
    this.open.delete(jobId);
    entry.unsubscribe();
    this.guard(jobId, () => entry.files.close());
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
  }

  private filesFor(jobId: string): MetricFiles | undefined {
    const known = this.open.get(jobId);
    if (known !== undefined) return known === 'failed' ? undefined : known.files;
    let files: MetricFiles | undefined;
    this.guard(jobId, () => {
      files = new MetricFiles({ jobId, jsonl: jobMetricsJsonl(this.jobsDir, jobId), tensorboardDir: jobTensorboardDir(this.jobsDir, jobId), append: true });
    });
    if (files === undefined) return undefined;
    const unsubscribe = this.bus.subscribe(jobId, (m) => {
      if (m.kind === 'status' && TERMINAL.has(m.status)) this.close(jobId);
    });
    this.open.set(jobId, { files, unsubscribe });
    return files;
  }

  private guard(jobId: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      const entry = this.open.get(jobId);
      if (entry !== undefined && entry !== 'failed') entry.unsubscribe();
      this.open.set(jobId, 'failed');
      console.error(`synth-rl sim: job ${jobId}: metric files not written: ${(error as Error).message}`);
    }
  }
}
