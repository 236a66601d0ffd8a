// The one way to follow a job to its end: its events, metrics and statuses through a callback,
// optionally stopping at an event the caller waits for, and a result that says how it ended.
// `run`/`train` (and through them `demo`), `rollout --via-backend`, the Studio's live feed, the
// benches and the e2e helpers all follow jobs with it. Built on JobStream (stream/), so every
// caller gets SSE with resume, polling, exactly-once ordered delivery and the guards.
import { JobStream } from './stream/job-stream.ts';
import type { JobStreamOptions, StreamedEvent, StreamResult } from './stream/types.ts';

export interface FollowOptions extends JobStreamOptions {
  /** Each delivered event (after onItem saw it); return true to stop following there. The job is left running. */
  onEvent?: (event: StreamedEvent) => boolean | void;
}

export interface FollowResult extends StreamResult {
  /** The event at which onEvent stopped following (the outcome is then `interrupted`). */
  stoppedAt: StreamedEvent | undefined;
}

/** Follows the job until it ends, onEvent stops it, a guard fires or `signal` aborts; rejects on fatal errors. */
export async function followJobEvents(opts: FollowOptions): Promise<FollowResult> {
  const { onEvent, onItem, ...rest } = opts;
  const stop = new AbortController();
  let stoppedAt: StreamedEvent | undefined;
  const result = await new JobStream({
    ...rest,
    signal: opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal,
    onItem: (item) => {
      onItem?.(item);
      if (item.kind !== 'event' || onEvent === undefined || stoppedAt !== undefined) return;
      if (onEvent(item.event) !== true) return;
      stoppedAt = item.event;
      stop.abort();
    },
  }).run();
  if (stoppedAt === undefined) return { ...result, stoppedAt };
  return { ...result, stoppedAt, reason: `stopped following at event ${stoppedAt.type} (seq ${stoppedAt.seq}); the job was left running` };
}
