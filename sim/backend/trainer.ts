// The seam between the job runner and whatever trains: the replay trainer now, the GRPO trainer
// later. A trainer gets a context to emit events and metrics and returns the fine-tuned model id.
import type { JobEvent } from '../../src/api/jobs.ts';
import type { JobCreateBody } from '../../src/api/jobs.ts';
import type { RlConfigFile } from '../../src/api/rl-config.ts';
import type { Level, NewMetric } from './store.ts';

export interface JobParams {
  id: string;
  org: string;
  /** The base model the user asked for (what the small simulated model stands in for). */
  model: string;
  config: RlConfigFile;
  body: JobCreateBody;
  taskAppUrl: string;
  batchSize: number;
  groupSize: number;
  epochs: number;
  iterationsPerEpoch: number;
  evalEvery: number;
  checkpointInterval: number;
  /** Notes about the request the job should surface as warning events (e.g. conflicting values). */
  warnings: string[];
}

export interface CheckpointInfo {
  /** checkpoint-epoch-N, or checkpoint-epoch-N-step-K inside an epoch. */
  label: string;
  epoch: number;
  iteration: number;
  modelId: string;
  storageKey: string;
  uri: string;
}

/** Points where a `trainer.hold` fault can hold a trainer (tests kill the simulator there). */
export type HoldPoint = 'rollouts' | 'update' | 'checkpoint';

export interface NewTrainerEvent {
  type: string;
  message: string;
  data?: Record<string, unknown>;
  level?: Level;
}

/** What a trainer makes visible at once, in one transaction. */
export interface Commit {
  events?: readonly NewTrainerEvent[];
  /** All metrics of a step go in one commit, so a reader never sees a step half recorded. */
  metrics?: readonly NewMetric[];
  /** The trainer's resume record after this commit (JSON, opaque to the runner). */
  resume?: unknown;
}

export interface TrainerContext {
  readonly job: JobParams;
  /** Aborted when the job is cancelled or the simulator shuts down. */
  readonly signal: AbortSignal;
  /** True when this run continues a job a crashed simulator left running. */
  readonly resumed: boolean;
  /** The last resume record the job committed (only when `resumed`; undefined if it committed none). */
  readonly resumeFrom: unknown;
  /** Appends an event (waits out an event-stall fault first). */
  emit(type: string, message: string, data?: Record<string, unknown>, level?: Level): Promise<JobEvent>;
  metrics(points: readonly NewMetric[]): void;
  /** Events, metrics and the resume record in one transaction (waits out an event-stall fault first). */
  commit(c: Commit): Promise<JobEvent[]>;
  /** Holds here while a `trainer.hold` fault names this point (a no-op otherwise). */
  hold(point: HoldPoint, iteration: number): Promise<void>;
  setPhase(phase: 'training' | 'evaluating'): void;
  setProgress(iteration: number, totalIterations: number, epoch: number): void;
  /** Sleeps `ms` of simulated time (divided by the time scale); rejects when aborted. */
  sleep(ms: number): Promise<void>;
  /** The org's decrypted ENVIRONMENT_API_KEY, for X-API-Key to the task app. */
  envKey(): string | undefined;
  /**
   * Records a checkpoint (label from checkpointLabel): artifact, model row and an event carrying its
   * s3:// URL, with the resume record when given, in one transaction.
   */
  checkpoint(label: string, epoch: number, iteration: number, file?: { path: string; sizeBytes: number }, resume?: unknown): Promise<CheckpointInfo>;
}

export interface TrainerResult {
  fineTunedModel?: string;
}

export interface Trainer {
  readonly name: string;
  run(ctx: TrainerContext): Promise<TrainerResult>;
  /** True when a job of this trainer left running by a crashed simulator can continue from its resume record. */
  canResume?(job: JobParams): boolean;
  /** Removes what the trainer kept to resume `jobId` (the job failed instead of resuming). */
  discard?(jobId: string): void;
}

/** Thrown by a trainer to fail the job with a message meant for the user. */
export class TrainerFailure extends Error {
  constructor(message: string, readonly data: Record<string, unknown> = {}) {
    super(message);
    this.name = 'TrainerFailure';
  }
}
