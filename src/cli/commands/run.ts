// `synth-rl run`: create an RL job (or attach with --job-id), follow its events and metrics to the
// end, exit with its outcome (README "Exit codes"). Also the building blocks `train` reuses.
import { resolve } from 'node:path';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { describeSource, loadConfig, type EffectiveConfig } from '../../config/load.ts';
import { redact } from '../../config/redact.ts';
import { PROD_BACKEND_URL_DEFAULT, settingDef, type SettingKey } from '../../config/settings.ts';
import { SynthClient } from '../../client/api-client.ts';
import { BackendError } from '../../client/api-errors.ts';
import { jobCreateBody, type CreatedJob } from '../../client/api-shapes.ts';
import { followJobEvents } from '../../client/follow.ts';
import type { JobOutcome, StreamResult } from '../../client/stream/types.ts';
import { createRunRenderer, type RunRenderer, type RunSummary } from '../../ui/run-render.ts';
import { checkMetricFilePaths, openMetricFiles } from './metric-files.ts';

export const EXIT_FOR_OUTCOME: Record<JobOutcome, number> = {
  succeeded: EXIT.ok,
  failed: EXIT.failure,
  cancelled: EXIT.failure,
  watchdog: EXIT.watchdog,
  startup_deadline: EXIT.startupDeadline,
  stalled: EXIT.stalled,
  interrupted: EXIT.interrupted,
};

/** Everything a job command needs, validated (bad values are usage errors naming their source). */
export interface JobSettings {
  backendUrl: string;
  apiKey: string;
  timeoutMs: number;
  taskAppUrl: string | undefined;
  jobId: string | undefined;
  model: string;
  batchSize: number;
  groupSize: number;
  jobConfigId: string | undefined;
  trainerId: string | undefined;
  idempotencyKey: string;
  pollIntervalS: number;
  streamSeconds: number;
  emptyPolls: number;
  startupDeadlineS: number;
  maxSeconds: number;
  cancelOnInterrupt: boolean;
  json: boolean;
  /** --metrics-jsonl FILE / --tensorboard DIR, absolute (resolved against the working directory). */
  metricsJsonl: string | undefined;
  tensorboardDir: string | undefined;
}

function numberSetting(cfg: EffectiveConfig, key: SettingKey, min: number, inclusive: boolean): number {
  const value = cfg.number(key) ?? Number(settingDef(key).default);
  const ok = inclusive ? value >= min : value > min;
  if (!ok) {
    const def = settingDef(key);
    const name = def.flag ? `--${def.flag}` : key;
    throw new UsageError(`${name} must be ${inclusive ? '≥' : '>'} ${min}, got ${value} (from ${describeSource(cfg.entry(key).source)})`);
  }
  return value;
}

const optionalPath = (ctx: CommandContext, p: string | undefined) => (p === undefined || p === '' ? undefined : resolve(ctx.cwd, p));

export function jobSettings(ctx: CommandContext, cfg: EffectiveConfig): JobSettings {
  const apiKey = String(cfg.require('api_key'));
  const backendUrl = String(cfg.require('backend_url'));
  const jobId = cfg.string('job_id');
  // A new job needs the task app the trainer will call; attaching does not (docs/wire-contract.md §1.3 step 4).
  const taskAppUrl = jobId === undefined ? String(cfg.require('task_app_url')) : cfg.string('task_app_url');
  const flag = (name: string) => ctx.args.flags.get(name) === true;
  return {
    backendUrl, apiKey, taskAppUrl, jobId,
    timeoutMs: numberSetting(cfg, 'timeout', 0, false) * 1000,
    model: String(cfg.require('model')),
    batchSize: numberSetting(cfg, 'batch_size', 1, true),
    groupSize: numberSetting(cfg, 'group_size', 1, true),
    jobConfigId: cfg.string('job_config_id'),
    trainerId: cfg.string('trainer_id'),
    // Fresh per invocation unless given; the same key is sent on every retry of this invocation,
    // and printed, so a crashed pipeline can re-run with it instead of creating a twin (docs/reference-client.md §2.20).
    idempotencyKey: cfg.string('idempotency_key') ?? crypto.randomUUID().replaceAll('-', ''),
    pollIntervalS: numberSetting(cfg, 'poll_interval', 0, false),
    streamSeconds: numberSetting(cfg, 'stream_seconds', 0, true),
    emptyPolls: numberSetting(cfg, 'empty_polls_threshold', 0, true),
    startupDeadlineS: numberSetting(cfg, 'startup_deadline_s', 0, true),
    maxSeconds: numberSetting(cfg, 'max_seconds', 0, true),
    cancelOnInterrupt: flag('cancel-on-interrupt'),
    json: flag('json'),
    metricsJsonl: optionalPath(ctx, cfg.string('metrics_jsonl')),
    tensorboardDir: optionalPath(ctx, cfg.string('tensorboard_dir')),
  };
}

/** `Effective config: {…}` in the reference's shape (docs/wire-contract.md §3.7), plus where the job goes; secrets redacted. */
export function effectiveConfigRecord(cfg: EffectiveConfig, s: JobSettings, apiBase: string): Record<string, unknown> {
  return {
    config_path: cfg.file?.path ?? null,
    backend_url: apiBase,
    api_key: redact(s.apiKey),
    task_app_url: s.taskAppUrl ?? null,
    ...(s.jobId !== undefined && { job_id: s.jobId }),
    model: s.model,
    trainer: { batch_size: s.batchSize, group_size: s.groupSize, ...(s.trainerId !== undefined && { trainer_id: s.trainerId }) },
    ...(s.jobConfigId !== undefined && { job_config_id: s.jobConfigId }),
    env: { max_steps_per_episode: cfg.number('max_steps_per_episode') ?? null },
    runner: {
      stream_seconds: s.streamSeconds, empty_polls_threshold: s.emptyPolls, startup_deadline_s: s.startupDeadlineS,
      poll_interval: s.pollIntervalS, max_seconds: s.maxSeconds,
    },
    ...(s.jobId === undefined && { idempotency_key: s.idempotencyKey }),
  };
}

export function synthClient(s: JobSettings, renderer: RunRenderer): SynthClient {
  return new SynthClient({
    backendUrl: s.backendUrl, apiKey: s.apiKey, timeoutMs: s.timeoutMs,
    onRetry: (e) => renderer.item({ kind: 'notice', level: 'info', message: `retry ${e.attempt} of ${e.method} ${e.url} in ${e.delayMs} ms: ${e.reason}` }),
  });
}

export function reattachCommand(s: JobSettings, jobId: string): string {
  const backend = s.backendUrl === PROD_BACKEND_URL_DEFAULT ? '' : ` --backend-url ${s.backendUrl}`;
  return `synth-rl run --job-id ${jobId}${backend}`;
}

/** A BackendError as the user should read it: with where the rejected key came from. */
export function explainError(error: unknown, cfg: EffectiveConfig): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof BackendError && error.kind === 'auth') {
    return `${message}; check --api-key / SYNTH_API_KEY (the key in use came from ${describeSource(cfg.entry('api_key').source)})`;
  }
  return message;
}

function advice(outcome: JobOutcome, s: JobSettings, result: StreamResult, reattach: string): string[] {
  switch (outcome) {
    case 'succeeded':
      return [];
    case 'failed':
      return [`The job failed on the backend (status ${result.status ?? 'unknown'}): see the error events above and ${reattach} to replay them.`];
    case 'cancelled':
      return ['The job was cancelled.'];
    case 'watchdog':
      return [`--max-seconds ${s.maxSeconds} elapsed first; the job keeps running. Follow it again with: ${reattach}`];
    case 'startup_deadline':
      return [
        `Nothing arrived within ${s.startupDeadlineS} s (--startup-deadline-s, [runner].startup_deadline_s). Check that the backend dispatches jobs (synth-rl check), ` +
        'that its event stream works, and raise --startup-deadline-s for slow cold starts.',
        `The job was not cancelled. Follow it again with: ${reattach}`,
      ];
    case 'stalled':
      return [
        `No new event, metric or status change for ${s.emptyPolls} polls ${s.pollIntervalS} s apart (--empty-polls, --poll-interval). ` +
        "Check the trainer's progress on the backend; raise --empty-polls for long iterations (0 disables the check).",
        `The job was not cancelled. Follow it again with: ${reattach}`,
      ];
    case 'interrupted':
      return s.cancelOnInterrupt ? [] : [`The job keeps running. Follow it again with: ${reattach}`];
  }
}

/**
 * SIGINT and SIGTERM, caught from the start of a job command: a signal while the job is being
 * created still ends in the summary and re-attach command. SIGTERM (a CI runner or `kill`) is
 * handled like Ctrl-C and exits 143.
 */
export class Interrupts {
  readonly abort = new AbortController();
  signal: 'SIGINT' | 'SIGTERM' | undefined;
  private readonly onSigint = () => this.trip('SIGINT');
  private readonly onSigterm = () => this.trip('SIGTERM');

  constructor() {
    process.on('SIGINT', this.onSigint);
    process.on('SIGTERM', this.onSigterm);
  }

  private trip(signal: 'SIGINT' | 'SIGTERM'): void {
    this.signal ??= signal;
    this.abort.abort();
  }

  release(): void {
    process.off('SIGINT', this.onSigint);
    process.off('SIGTERM', this.onSigterm);
  }
}

export interface FollowOptions {
  /** Signals caught since the command started (default: caught from now on). */
  interrupts?: Interrupts;
  jobId: string;
  /** When the job was created (or attaching started): the startup deadline counts from here. */
  startedAt: number;
  /** Also list the job's artifacts for the report (`train`). */
  artifacts?: boolean;
}

/**
 * Follows the job with the renderer, handles Ctrl-C (prints how to re-attach; cancels only with
 * --cancel-on-interrupt), prints the summary and returns the exit code.
 */
export async function followJob(client: SynthClient, renderer: RunRenderer, s: JobSettings, opts: FollowOptions): Promise<number> {
  const files = openMetricFiles(s, opts.jobId, renderer);
  const interrupts = opts.interrupts ?? new Interrupts();
  let result: StreamResult;
  try {
    result = await followJobEvents({
      client, jobId: opts.jobId, startedAt: opts.startedAt, signal: interrupts.abort.signal,
      pollIntervalMs: s.pollIntervalS * 1000, streamSeconds: s.streamSeconds, maxSeconds: s.maxSeconds,
      startupDeadlineSeconds: s.startupDeadlineS, emptyPollsThreshold: s.emptyPolls,
      onItem: (item) => {
        renderer.item(item);
        if (item.kind === 'metric') files?.write(item.metric);
      },
    });
  } finally {
    if (opts.interrupts === undefined) interrupts.release();
    files?.close();
  }
  const reattach = reattachCommand(s, opts.jobId);
  let cancelled: boolean | undefined;
  if (result.outcome === 'interrupted' && s.cancelOnInterrupt) {
    try {
      const after = await client.cancelJob(opts.jobId);
      cancelled = true;
      // The summary reports the job as it is now, not as it was when the signal came.
      result = { ...result, status: after.status ?? 'cancelled', reason: `interrupted; the job was cancelled (--cancel-on-interrupt)` };
      renderer.item({ kind: 'notice', level: 'info', message: `cancelled job ${opts.jobId} (--cancel-on-interrupt); status ${after.status ?? 'unknown'}` });
    } catch (error) {
      cancelled = false;
      renderer.warning(`could not cancel job ${opts.jobId}: ${(error as Error).message}`);
    }
  }
  const checkpoints = result.checkpoints.map((c) => (c.epoch !== undefined ? `${c.uri} (epoch ${c.epoch})` : c.uri));
  if (opts.artifacts) {
    try {
      for (const a of await client.listArtifacts(opts.jobId)) {
        if (a.uri !== undefined && !result.checkpoints.some((c) => c.uri === a.uri || c.uri.endsWith(a.uri as string))) checkpoints.push(`${a.uri}${a.label ? ` (${a.label})` : ''}`);
      }
    } catch (error) {
      renderer.item({ kind: 'notice', level: 'info', message: `could not list artifacts: ${(error as Error).message}` });
    }
  }
  const exitCode = result.outcome === 'interrupted' && interrupts.signal === 'SIGTERM' ? EXIT.terminated : EXIT_FOR_OUTCOME[result.outcome];
  const error = typeof result.job?.error === 'string' && result.job.error !== '' ? result.job.error : undefined;
  const summary: RunSummary = {
    outcome: result.outcome, status: result.status, jobId: opts.jobId, linkedJobIds: result.linkedJobIds,
    durationMs: Date.now() - opts.startedAt, fineTunedModel: result.fineTunedModel, reason: result.reason,
    error: result.outcome === 'failed' ? error ?? result.terminalEvent?.message : undefined,
    lastMetrics: result.lastMetrics, checkpoints, events: result.events, metrics: result.metrics, exitCode,
    advice: advice(result.outcome, s, result, reattach), reattach, ...(cancelled !== undefined && { cancelled }),
    ...(result.replayed && { replayed: true }),
  };
  renderer.final(summary);
  return exitCode;
}

/** Creates the job (shape a) or attaches to --job-id, and announces it. */
export async function createOrAttach(
  client: SynthClient, renderer: RunRenderer, cfg: EffectiveConfig, s: JobSettings, opts: { trainingStartUrl: boolean },
): Promise<{ jobId: string; startedAt: number }> {
  const startedAt = Date.now();
  if (s.jobId !== undefined) {
    const job = await client.getJob(s.jobId);
    renderer.job({ jobId: s.jobId, created: false, status: job.status, backend: client.apiBase });
    return { jobId: s.jobId, startedAt };
  }
  const body = jobCreateBody({
    model: s.model, taskAppUrl: s.taskAppUrl as string, batchSize: s.batchSize, groupSize: s.groupSize,
    ...(s.jobConfigId !== undefined && { jobConfigId: s.jobConfigId }),
    ...(cfg.file !== undefined && { config: cfg.file.data as Record<string, unknown> }),
    ...(s.trainerId !== undefined && { trainerId: s.trainerId }),
    trainingStartUrl: opts.trainingStartUrl,
  });
  let created: CreatedJob;
  try {
    created = await client.createJob(body, { idempotencyKey: s.idempotencyKey });
  } catch (error) {
    const again = ` (to retry without risking a second job, pass --idempotency-key ${s.idempotencyKey})`;
    if (error instanceof BackendError && error.kind !== 'auth') throw new BackendError(error.kind, `${error.message}${again}`, { url: error.url, ...(error.status !== undefined && { status: error.status }) });
    throw error;
  }
  renderer.job({ jobId: created.jobId, created: true, httpStatus: created.httpStatus, idempotencyKey: s.idempotencyKey, backend: client.apiBase, ...(created.status !== undefined && { status: created.status }) });
  return { jobId: created.jobId, startedAt };
}

export interface JobCommandScope {
  interrupts: Interrupts;
  cfg: EffectiveConfig;
  s: JobSettings;
  renderer: RunRenderer;
  client: SynthClient;
}

/**
 * What every job command does around its own steps: settings, renderer, backend client, the
 * effective config and warnings first; errors turned into one line and exit 1 (usage errors: 2).
 */
export async function withJobCommand(ctx: CommandContext, name: string, body: (scope: JobCommandScope) => Promise<number>): Promise<number> {
  const cfg = loadConfig({ flags: ctx.args.flags, env: ctx.env, cwd: ctx.cwd });
  const s = jobSettings(ctx, cfg);
  checkMetricFilePaths(s);
  const renderer = createRunRenderer({ out: ctx.out, err: ctx.err, isTTY: ctx.isTTY, json: s.json, env: ctx.env, columns: process.stdout.columns });
  const interrupts = new Interrupts();
  try {
    const client = synthClient(s, renderer);
    renderer.effectiveConfig(effectiveConfigRecord(cfg, s, client.apiBase));
    for (const w of cfg.warnings) renderer.warning(w);
    return await body({ interrupts, cfg, s, renderer, client });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    renderer.close();
    ctx.err.write(`synth-rl ${name}: error: ${explainError(error, cfg)}\n`);
    return EXIT.failure;
  } finally {
    interrupts.release();
    renderer.close();
  }
}

export function run(ctx: CommandContext): Promise<number> {
  return withJobCommand(ctx, 'run', async ({ interrupts, cfg, s, renderer, client }) => {
    const { jobId, startedAt } = await createOrAttach(client, renderer, cfg, s, { trainingStartUrl: true });
    return followJob(client, renderer, s, { jobId, startedAt, interrupts });
  });
}
