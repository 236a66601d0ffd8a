// JobStream as an async iterator, for callers that prefer `for await` to a callback.
import { JobStream } from './job-stream.ts';
import type { JobStreamOptions, StreamItem, StreamResult } from './types.ts';

/**
 * The same as `new JobStream(opts).run()`, as an async iterator of items; the generator's return
 * value is the StreamResult.
 */
export async function* streamJobEvents(opts: Omit<JobStreamOptions, 'onItem'>): AsyncGenerator<StreamItem, StreamResult, undefined> {
  const queue: StreamItem[] = [];
  let wake: (() => void) | undefined;
  // A consumer that stops iterating (break, return, throw) stops the stream too.
  const quit = new AbortController();
  const stream = new JobStream({
    ...opts,
    signal: opts.signal ? AbortSignal.any([opts.signal, quit.signal]) : quit.signal,
    onItem: (item) => {
      queue.push(item);
      wake?.();
    },
  });
  let settled = false;
  const running = stream.run().finally(() => {
    settled = true;
    wake?.();
  });
  running.catch(() => {});
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift() as StreamItem;
      if (settled) break;
      await new Promise<void>((resolve) => {
        wake = () => {
          wake = undefined;
          resolve();
        };
      });
    }
    return await running;
  } finally {
    if (!settled) {
      quit.abort();
      await running.catch(() => {});
    }
  }
}
