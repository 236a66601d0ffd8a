// The TrainerContext a running job hands its trainer: events, metrics and checkpoints go through
// the runner's transactions; sleeps follow the org's time scale; injected faults (event stalls,
// trainer holds) apply here. Split from the runner, which owns the job's state machine.
import { checkpointKey, rlModelId } from '../../src/api/models.ts';
import type { JobEvent } from '../../src/api/jobs.ts';
import { bodyHash } from './job-params.ts';
import type { FaultsByOrg } from './faults.ts';
import type { SealedKeys } from './keys.ts';
import type { JobRow, NewEvent, NewMetric, Store } from './store.ts';
import type { CheckpointInfo, Commit, JobParams, TrainerContext } from './trainer.ts';

const BUCKET = 'synth-artifacts';

/** What the context needs of the runner. */
export interface ContextHost {
  store: Store;
  faults: FaultsByOrg;
  keys: SealedKeys;
  timeScaleFor(org: string): number;
  /** One store transaction; bus messages go out after it commits. */
  atomically<T>(fn: () => T): T;
  emit(jobId: string, e: NewEvent): JobEvent;
  setStatus(jobId: string, status: string): void;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A `trainer.hold` fault: waits at `point` (until the hold ends or the job stops), visible in GET /_sim/faults. */
async function hold(faultsByOrg: FaultsByOrg, job: JobRow, point: string, iteration: number, signal: AbortSignal): Promise<void> {
  const faults = faultsByOrg.of(job.org);
  const ms = faults.holdMs(point, iteration);
  if (ms === undefined) return;
  const release = faults.markHeld(job.id, point, iteration);
  console.error(`synth-rl sim: fault: job ${job.id} held at ${point} of iteration ${iteration}${Number.isFinite(ms) ? ` for ${ms} ms` : ''}`);
  try {
    await abortableDelay(ms, signal);
  } finally {
    release();
  }
}

/** An event-stall fault holds every write of the job until it ends (or the job stops). */
async function waitOutStall(faultsByOrg: FaultsByOrg, org: string, signal: AbortSignal): Promise<void> {
  const faults = faultsByOrg.of(org);
  for (let left = faults.stallRemainingMs(); left > 0; left = faults.stallRemainingMs()) {
    await new Promise((r) => setTimeout(r, Math.min(left, 50)));
    if (signal.aborted) throw signal.reason;
  }
  if (signal.aborted) throw signal.reason;
}

type CheckpointFile = { path: string; sizeBytes: number } | undefined;

/** Artifact, model row, resume record and the checkpoint event, in one transaction. */
function recordCheckpoint(host: ContextHost, outer: JobRow, params: JobParams, info: CheckpointInfo, file: CheckpointFile, resume: unknown): void {
  const { store } = host;
  host.atomically(() => {
    store.addArtifact({
      id: `art_${bodyHash([outer.id, info.label]).slice(0, 16)}`, job_id: outer.id, org: outer.org, label: info.label,
      role: 'model', content_type: 'application/gzip', bucket: BUCKET, key: info.storageKey, local_path: file?.path ?? null,
      size_bytes: file?.sizeBytes ?? null, created_at: new Date().toISOString(),
    });
    store.addModel({ org: outer.org, id: info.modelId, job_id: outer.id, base_model: params.model, storage_path: info.storageKey, status: 'succeeded' });
    if (resume !== undefined) store.setResume(outer.id, resume);
    host.emit(outer.linked_job_id ?? outer.id, {
      type: 'rl.checkpoint.saved',
      message: `checkpoint saved ${info.uri}`,
      data: {
        label: info.label, epoch: info.epoch, iteration: info.iteration, model_id: info.modelId, uri: info.uri, key: info.storageKey,
        ...(file === undefined && { simulated: 'replay', weights: 'none' }),
      },
    });
  });
}

function checkpointInfo(params: JobParams, jobId: string, label: string, epoch: number, iteration: number): CheckpointInfo {
  const storageKey = checkpointKey(params.model, jobId, label);
  return { label, epoch, iteration, modelId: rlModelId(params.model, jobId, label), storageKey, uri: `s3://${BUCKET}/${storageKey}` };
}

/** The context of one run of `outer` (events go to its linked job when it has one). */
export function trainerContext(host: ContextHost, outer: JobRow, params: JobParams, signal: AbortSignal, resumed: boolean): TrainerContext {
  const { store } = host;
  const target = outer.linked_job_id ?? outer.id;
  const stall = () => waitOutStall(host.faults, outer.org, signal);
  const setBoth = (status: string) => {
    host.setStatus(outer.id, status);
    if (outer.linked_job_id) host.setStatus(outer.linked_job_id, status);
  };
  return {
    job: params,
    signal,
    resumed,
    resumeFrom: resumed ? store.getResume(outer.id) : undefined,
    emit: async (type, message, data = {}, level = 'info') => {
      await stall();
      return host.emit(target, { type, message, data, level });
    },
    metrics: (points: readonly NewMetric[]) => void store.addMetrics(outer.id, points),
    commit: async (c: Commit) => {
      await stall();
      return host.atomically(() => {
        if (c.metrics !== undefined && c.metrics.length > 0) store.addMetrics(outer.id, c.metrics);
        if (c.resume !== undefined) store.setResume(outer.id, c.resume);
        return (c.events ?? []).map((e) => host.emit(target, { level: 'info', data: {}, ...e }));
      });
    },
    hold: (point, iteration) => hold(host.faults, outer, point, iteration, signal),
    setPhase: (phase) => setBoth(phase),
    setProgress: (iteration, total, epoch) => store.updateJob(outer.id, { progress: JSON.stringify({ iteration, total_iterations: total, epoch }) }),
    sleep: (ms) => abortableDelay(ms / host.timeScaleFor(outer.org), signal),
    envKey: () => {
      const stored = store.getEnvKey(outer.org, 'ENVIRONMENT_API_KEY');
      return (stored ? host.keys.open(stored.ciphertext) : null) ?? undefined;
    },
    checkpoint: async (label, epoch, iteration, file, resume) => {
      const info = checkpointInfo(params, outer.id, label, epoch, iteration);
      await stall();
      recordCheckpoint(host, outer, params, info, file, resume);
      return info;
    },
  };
}
