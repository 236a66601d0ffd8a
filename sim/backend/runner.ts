// The job state machine: queued → initializing → training ⇄ evaluating → succeeded | failed |
// cancelled. Every change is a timeline row and an event; the trainer behind a job is chosen per
// job ([sim] trainer) with the simulator's default as fallback. After a crash, jobs the previous
// process left running resume from their trainer's last resume record (or fail with the reason).
import { configWarnings } from './config-use.ts';
import type { JobCreateBody, JobEvent } from '../../src/api/jobs.ts';
import type { RlConfigFile } from '../../src/api/rl-config.ts';
import type { BusMessage, EventBus } from './bus.ts';
import type { FaultsByOrg } from './faults.ts';
import type { SealedKeys } from './keys.ts';
import { seal } from '../../src/index.ts';
import { trainerContext, type ContextHost } from './job-context.ts';
import { bodyHash, jobParams, newJobId } from './job-params.ts';
import type { JobRow, NewEvent, Store } from './store.ts';
import { TrainerFailure, type Trainer } from './trainer.ts';

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
export const ACTIVE = ['queued', 'initializing', 'training', 'evaluating'] as const;

export interface RunnerOptions {
  /** How long a new job stays queued (simulated ms). */
  queueDelayMs?: number;
  timeScale?: number;
  /** Resume jobs a crashed process left running (default true); false: fail them with the reason. */
  resume?: boolean;
}

/** What start-up did with the jobs a previous process left unfinished. */
export interface Recovery {
  /** Failed with the reason (their trainer cannot resume, or resume is off). */
  failed: string[];
  /** Continued from their last resume record (or started, when they were still queued). */
  resumed: string[];
}

export type CreateResult = { kind: 'created' | 'replayed'; job: JobRow } | { kind: 'conflict'; job: JobRow };

export class JobRunner {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private scale: number;
  /** PUT /_sim/time sets the caller's org's scale only (README "/_sim scoping"). */
  private readonly orgScales = new Map<string, number>();
  private readonly queueDelayMs: number;
  private readonly resume: boolean;
  private closed = false;
  /** Bus messages of the transaction in progress: published only once it commits. */
  private buffered: [string, BusMessage][] | undefined;
  /** Jobs recover() chose to continue, started by startRecovered() once the servers listen. */
  private recovered: JobRow[] = [];

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly faults: FaultsByOrg,
    private readonly keys: SealedKeys,
    private readonly trainers: ReadonlyMap<string, Trainer>,
    private readonly defaultTrainer: string,
    opts: RunnerOptions = {},
  ) {
    this.scale = opts.timeScale ?? 1;
    this.queueDelayMs = opts.queueDelayMs ?? 300;
    this.resume = opts.resume ?? true;
  }

  /** The simulator-wide default (--time-scale). */
  get timeScale(): number {
    return this.scale;
  }

  timeScaleFor(org: string): number {
    return this.orgScales.get(org) ?? this.scale;
  }

  /** With an org: that org's jobs only; without: the default for every org without its own. */
  setTimeScale(scale: number, org?: string): void {
    if (org === undefined) this.scale = scale;
    else this.orgScales.set(org, scale);
  }

  /**
   * Runs `fn` as one store transaction; what it publishes reaches live subscribers only after the
   * commit, so no subscriber sees an event a crash could take back (and whose seq could be reused).
   */
  private atomically<T>(fn: () => T): T {
    if (this.buffered !== undefined) return this.store.atomically(fn);
    const queue: [string, BusMessage][] = [];
    this.buffered = queue;
    let result: T;
    try {
      result = this.store.atomically(fn);
    } finally {
      this.buffered = undefined;
    }
    for (const [id, m] of queue) this.bus.publish(id, m);
    return result;
  }

  private publish(jobId: string, m: BusMessage): void {
    if (this.buffered !== undefined) this.buffered.push([jobId, m]);
    else this.bus.publish(jobId, m);
  }

  /** Commits an event, then hands it to live subscribers. */
  emit(jobId: string, e: NewEvent): JobEvent {
    const event = this.store.appendEvent(jobId, e);
    this.publish(jobId, { kind: 'event', event });
    return event;
  }

  private setStatus(jobId: string, status: string, patch: Partial<JobRow> = {}): void {
    this.atomically(() => {
      const job = this.store.getJob(jobId);
      if (job === undefined || job.status === status) return;
      const t = new Date().toISOString();
      this.store.updateJob(jobId, {
        status,
        ...(status === 'initializing' && { started_at: t }),
        ...(TERMINAL.has(status) && { finished_at: t }),
        ...patch,
      });
      this.store.addTimeline(jobId, status, patch.error ?? null, { previous: job.status });
      // A finished job never resumes: its resume record goes with the status change.
      if (TERMINAL.has(status)) this.store.clearResume(jobId);
      if (!TERMINAL.has(status)) this.emit(jobId, { type: 'job.updated', message: `status ${job.status} -> ${status}`, data: { status, previous_status: job.status } });
      this.publish(jobId, { kind: 'status', status });
    });
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(timer);
  }

  create(org: string, body: JobCreateBody, config: RlConfigFile, idempotencyKey: string | undefined): CreateResult {
    const hash = bodyHash(body);
    if (idempotencyKey !== undefined) {
      const existing = this.store.findByIdempotencyKey(org, idempotencyKey);
      if (existing !== undefined) return { kind: existing.body_hash === hash ? 'replayed' : 'conflict', job: existing };
    }
    const id = newJobId();
    const params = jobParams(id, org, body, config);
    const requested = config.sim?.trainer ?? this.defaultTrainer;
    const trainer = this.trainers.has(requested) ? requested : this.defaultTrainer;
    if (trainer !== requested) params.warnings.push(`trainer "${requested}" is not available in this simulator; using "${trainer}"`);
    // Keys this job sets that the simulator does not use are named, with why (sim/backend/config-use.ts).
    params.warnings.push(...configWarnings(config, trainer));
    // data.environment_api_key (the rl_demo body shape) is never stored in plaintext: it becomes
    // the org's sealed env key when the org has none, and is dropped from the stored body.
    const plainKey = body.data.environment_api_key;
    if (plainKey !== undefined && plainKey !== '' && this.store.getEnvKey(org, 'ENVIRONMENT_API_KEY') === undefined) {
      this.store.putEnvKey(org, 'ENVIRONMENT_API_KEY', seal(new TextEncoder().encode(plainKey), this.keys.publicKey));
    }
    const { environment_api_key: _dropped, ...storedData } = body.data;
    const job = this.store.insertJob({
      id, org, status: 'queued', model: params.model, trainer, body: JSON.stringify({ ...body, data: storedData }), config: JSON.stringify(config),
      idempotency_key: idempotencyKey ?? null, body_hash: hash,
    });
    this.store.addTimeline(id, 'queued', null, {});
    let linked: JobRow | undefined;
    if (config.sim?.linked_job === true) {
      linked = this.store.insertJob({
        id: newJobId(), org, status: 'queued', model: params.model, trainer, body: '{}', config: null, idempotency_key: null,
        body_hash: null, parent_job_id: id,
      });
      this.store.updateJob(id, { linked_job_id: linked.id });
    }
    const announce = () => {
      this.emit(id, {
        type: 'rl.job.created',
        message: `job created (simulated; trainer: ${trainer})`,
        data: {
          simulated: true, trainer,
          work: { model: params.model, batch_size: params.batchSize, group_size: params.groupSize, endpoint_base_url: params.taskAppUrl },
          ...(linked && { linked_job_id: linked.id }),
        },
      });
      for (const w of params.warnings) this.emit(id, { type: 'rl.job.warning', message: w, level: 'warning', data: { simulated: true } });
      this.later(this.queueDelayMs / this.timeScaleFor(org), () => void this.start(id));
    };
    const delay = this.faults.of(org).firstEventDelayMs;
    if (delay > 0) this.later(delay, announce);
    else announce();
    return { kind: 'created', job: this.store.getJob(id) ?? job };
  }

  /** Starts a queued job now (POST …/start); no-op for a job already started or finished. */
  start(jobId: string): void {
    const job = this.store.getJob(jobId);
    if (job === undefined || job.status !== 'queued' || this.running.has(jobId) || this.closed) return;
    this.launch(job, false);
  }

  private launch(job: JobRow, resumed: boolean): void {
    const controller = new AbortController();
    // run() handles its own failures; anything escaping (e.g. the job deleted by a reset while it
    // ran) must not become an unhandled rejection that takes the whole simulator down.
    const done = this.run(job, controller.signal, resumed)
      .catch((error: unknown) => console.error(`synth-rl sim: job ${job.id} stopped: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => this.running.delete(job.id));
    this.running.set(job.id, { controller, done });
  }

  /** Stops the running jobs of `org` (or all) without recording anything: they are about to be deleted. */
  async abortAll(org?: string): Promise<void> {
    const runs = [...this.running.entries()].filter(([id]) => org === undefined || this.store.getJob(id)?.org === org);
    for (const [, r] of runs) r.controller.abort(new Error('reset'));
    await Promise.allSettled(runs.map(([, r]) => r.done));
  }

  /** What a running job's TrainerContext uses of the runner. */
  private contextHost(): ContextHost {
    return {
      store: this.store, faults: this.faults, keys: this.keys,
      timeScaleFor: (org) => this.timeScaleFor(org),
      atomically: (fn) => this.atomically(fn),
      emit: (jobId, e) => this.emit(jobId, e),
      setStatus: (jobId, status) => this.setStatus(jobId, status),
    };
  }

  /** Runs the job's trainer; `resumed`: continues a job a crash interrupted, from its resume record. */
  private async run(job: JobRow, signal: AbortSignal, resumed: boolean): Promise<void> {
    const trainer = this.trainers.get(job.trainer);
    const config = JSON.parse(job.config ?? '{}') as RlConfigFile;
    const params = jobParams(job.id, job.org, JSON.parse(job.body) as JobCreateBody, config);
    // A resumed job keeps the status it had (training, evaluating): it does not start over.
    if (!resumed) {
      this.setStatus(job.id, 'initializing');
      if (job.linked_job_id) this.setStatus(job.linked_job_id, 'initializing');
    }
    try {
      if (trainer === undefined) throw new TrainerFailure(`trainer "${job.trainer}" is not available`);
      const result = await trainer.run(trainerContext(this.contextHost(), job, params, signal, resumed));
      if (signal.aborted || this.isTerminal(job.id)) return;
      const model = result.fineTunedModel ?? null;
      // The completion event and the final status commit together: a crash cannot leave one without the other.
      this.atomically(() => {
        this.emit(job.id, { type: 'rl.job.completed', message: model ? `job succeeded: ${model}` : 'job succeeded', data: { fine_tuned_model: model, simulated: true } });
        this.setStatus(job.id, 'succeeded', { fine_tuned_model: model });
        if (job.linked_job_id) this.setStatus(job.linked_job_id, 'succeeded', { fine_tuned_model: model });
      });
    } catch (error) {
      if (signal.aborted || this.isTerminal(job.id)) return;
      this.fail(job, error instanceof Error ? error.message : String(error), error instanceof TrainerFailure ? error.data : {});
    }
  }

  private isTerminal(jobId: string): boolean {
    return TERMINAL.has(this.store.getJob(jobId)?.status ?? '');
  }

  private fail(job: JobRow, reason: string, data: Record<string, unknown> = {}): void {
    if (this.store.getJob(job.id) === undefined) return;
    this.atomically(() => {
      if (job.linked_job_id) {
        this.emit(job.linked_job_id, { type: 'rl.train.failed', message: reason, level: 'error', data });
        this.setStatus(job.linked_job_id, 'failed', { error: reason });
      }
      this.emit(job.id, { type: 'rl.job.failed', message: reason, level: 'error', data: { ...data, error: reason } });
      this.setStatus(job.id, 'failed', { error: reason });
    });
  }

  /** Cancels a job that has not finished; returns the job row after the change. */
  cancel(jobId: string): JobRow | undefined {
    const job = this.store.getJob(jobId);
    if (job === undefined || TERMINAL.has(job.status)) return job;
    this.running.get(jobId)?.controller.abort(new Error('cancelled'));
    for (const id of [job.linked_job_id, job.id]) {
      if (!id) continue;
      this.atomically(() => {
        this.emit(id, { type: 'workflow.cancelled', message: 'job cancelled by request', level: 'warning', data: {} });
        this.setStatus(id, 'cancelled', { error: 'cancelled by request' });
      });
    }
    return this.store.getJob(jobId);
  }

  /** Why a job left running by a previous process cannot continue; undefined when it can. */
  private whyNotResumable(job: JobRow): string | undefined {
    if (!this.resume) return 'resume is off (--no-resume)';
    if (job.status === 'queued') return undefined;
    const trainer = this.trainers.get(job.trainer);
    const params = jobParams(job.id, job.org, JSON.parse(job.body) as JobCreateBody, JSON.parse(job.config ?? '{}') as RlConfigFile);
    if (trainer?.canResume === undefined) return `the ${job.trainer} trainer cannot resume it`;
    if (!trainer.canResume(params)) return 'the job set [sim] resume = false';
    return undefined;
  }

  /**
   * At start-up: jobs a previous process left running resume from their last resume record (queued
   * ones simply start) when their trainer can; the others fail with the reason. Call
   * startRecovered() once the servers listen.
   */
  recover(): Recovery {
    const orphans = this.store.jobsInStatus(ACTIVE).filter((j) => j.parent_job_id === null);
    const out: Recovery = { failed: [], resumed: [] };
    for (const job of orphans) {
      const why = this.whyNotResumable(job);
      if (why === undefined) {
        this.recovered.push(job);
        out.resumed.push(job.id);
        continue;
      }
      this.fail(job, `simulator restarted while this job was ${job.status}; ${why}, so the job is marked failed`, { reason: 'restart' });
      this.trainers.get(job.trainer)?.discard?.(job.id);
      out.failed.push(job.id);
    }
    return out;
  }

  /** Continues the jobs recover() kept. */
  startRecovered(): void {
    const jobs = this.recovered;
    this.recovered = [];
    for (const job of jobs) {
      if (job.status === 'queued') {
        this.later(this.queueDelayMs / this.scale, () => void this.start(job.id));
        continue;
      }
      this.launch(job, true);
    }
  }

  /** Stops timers and running trainers; running jobs are failed with the reason. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const runs = [...this.running.entries()];
    for (const [id, r] of runs) {
      r.controller.abort(new Error('shutdown'));
      const job = this.store.getJob(id);
      if (job && !TERMINAL.has(job.status)) this.fail(job, 'simulator shut down while this job was running', { reason: 'shutdown' });
    }
    await Promise.allSettled(runs.map(([, r]) => r.done));
  }
}
