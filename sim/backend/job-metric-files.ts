// The simulator's own metric files for each job it runs, beside its recorded rollouts:
//   <jobs dir>/<job id>/metrics.jsonl                   one object per step, viewer names
//   <jobs dir>/<job id>/tensorboard/events.out.tfevents.<job id>.synth-rl
// (`tensorboard --logdir <state dir>/jobs` shows every job as a run.) Written as the trainer
// reports points, appended to when a job runs again; a failure to write is logged once per job
// and never fails the job: the points are in the store either way.
import { join } from 'node:path';
import { MetricFiles } from '../../src/metrics/files.ts';
import type { NewMetric } from './store.ts';

export const jobMetricsJsonl = (jobsDir: string, jobId: string) => join(jobsDir, jobId, 'metrics.jsonl');
export const jobTensorboardDir = (jobsDir: string, jobId: string) => join(jobsDir, jobId, 'tensorboard');

export class JobMetricFiles {
  private readonly open = new Map<string, MetricFiles | 'failed'>();

  constructor(private readonly jobsDir: string) {}

  write(jobId: string, points: readonly NewMetric[]): void {
    const files = this.filesFor(jobId);
    if (files === undefined) return;
    const now = new Date().toISOString();
    this.guard(jobId, () => files.write(points.map((p) => ({ ...p, created_at: now }))));
  }

  /** Writes the last step's metrics.jsonl line (the job ended). */
  close(jobId: string): void {
    const files = this.open.get(jobId);
    this.open.delete(jobId);
    if (files instanceof MetricFiles) this.guard(jobId, () => files.close());
  }

  private filesFor(jobId: string): MetricFiles | undefined {
    const known = this.open.get(jobId);
    if (known !== undefined) return known === 'failed' ? undefined : known;
    let files: MetricFiles | undefined;
    this.guard(jobId, () => {
      files = new MetricFiles({ jobId, jsonl: jobMetricsJsonl(this.jobsDir, jobId), tensorboardDir: jobTensorboardDir(this.jobsDir, jobId), append: true });
    });
    if (files !== undefined) this.open.set(jobId, files);
    return files;
  }

  private guard(jobId: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.open.set(jobId, 'failed');
      console.error(`synth-rl sim: job ${jobId}: metric files not written: ${(error as Error).message}`);
    }
  }
}
