// --metrics-jsonl / --tensorboard for the commands that follow a job (run, train, demo): the
// metric points the stream delivers, also written to files that existing viewers open.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../errors.ts';
import type { MetricSample } from '../../client/api-shapes.ts';
import { MetricFileError, MetricFiles } from '../../metrics/files.ts';
import type { RunRenderer } from '../../ui/run-render.ts';

export interface MetricFileSink {
  write(point: MetricSample): void;
  close(): void;
}

type PathSettings = { metricsJsonl: string | undefined; tensorboardDir: string | undefined };

/** Before any job is created: each folder the flags name can be made and written to (a usage error otherwise). */
export function checkMetricFilePaths(s: PathSettings): void {
  const probe = (flag: string, dir: string, file?: string) => {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
    } catch (error) {
      throw new UsageError(`${flag}: cannot write to ${dir} (${(error as Error).message})`);
    }
    if (file !== undefined && existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`${flag}: ${file} is a directory; expected a file path`);
  };
  if (s.metricsJsonl !== undefined) probe(`--metrics-jsonl ${s.metricsJsonl}`, dirname(s.metricsJsonl), s.metricsJsonl);
  if (s.tensorboardDir !== undefined) {
    if (existsSync(s.tensorboardDir) && !statSync(s.tensorboardDir).isDirectory()) throw new UsageError(`--tensorboard ${s.tensorboardDir}: not a directory`);
    probe(`--tensorboard ${s.tensorboardDir}`, s.tensorboardDir);
  }
}

/**
 * Opens the files the flags ask for (afresh: following a job replays all its metrics), or none.
 * A path that cannot be written is a usage error before anything is followed; a write failing
 * later is one warning, and the job is still followed to the end.
 */
export function openMetricFiles(s: PathSettings, jobId: string, renderer: RunRenderer): MetricFileSink | undefined {
  if (s.metricsJsonl === undefined && s.tensorboardDir === undefined) return undefined;
  let files: MetricFiles;
  try {
    files = new MetricFiles({ jobId, jsonl: s.metricsJsonl, tensorboardDir: s.tensorboardDir });
  } catch (error) {
    if (!(error instanceof MetricFileError)) throw error;
    const flag = error.which === 'jsonl' ? `--metrics-jsonl ${s.metricsJsonl}` : `--tensorboard ${s.tensorboardDir}`;
    throw new UsageError(`${flag}: ${error.message}`);
  }
  const where = [files.jsonlPath, files.tfeventsPath].filter((p) => p !== undefined).join(' and ');
  renderer.item({ kind: 'notice', level: 'info', message: `writing metrics to ${where}` });
  let failed = false;
  const guard = (fn: () => void) => {
    if (failed) return;
    try {
      fn();
    } catch (error) {
      failed = true;
      renderer.warning(`metric files: ${(error as Error).message}; no more points are written to ${where}`);
    }
  };
  return { write: (point) => guard(() => files.write([point])), close: () => guard(() => files.close()) };
}
