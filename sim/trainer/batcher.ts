// Continuous batching for sampling, the way inference servers do it: requests that arrive while
// the device is busy (or within the same turn of the event loop) go out together as one
// device.sample call, so concurrent rollouts share forward passes. The device guarantees a
// request's result does not depend on its batch-mates, so batching changes speed, not samples.
import type { SampleRequest, SampleResult } from '../model/device.ts';

interface Waiting {
  req: SampleRequest;
  resolve: (r: SampleResult) => void;
  reject: (e: Error) => void;
}

export interface BatcherStats {
  batches: number;
  requests: number;
  largest: number;
}

export class SampleBatcher {
  private queue: Waiting[] = [];
  private busy = false;
  private scheduled = false;
  readonly stats: BatcherStats = { batches: 0, requests: 0, largest: 0 };

  /** `maxBatch` bounds one forward pass's rows (memory, and latency of the first in line). */
  constructor(private readonly run: (reqs: SampleRequest[]) => Promise<SampleResult[]>, private readonly maxBatch = 64) {}

  sample(req: SampleRequest): Promise<SampleResult> {
    return new Promise<SampleResult>((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.schedule();
    });
  }

  /** Flushes after the current turn of the event loop, so requests arriving together batch. */
  private schedule(): void {
    if (this.busy || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    const batch = this.queue.splice(0, this.maxBatch);
    this.stats.batches++;
    this.stats.requests += batch.length;
    this.stats.largest = Math.max(this.stats.largest, batch.length);
    try {
      const results = await this.run(batch.map((w) => w.req));
      batch.forEach((w, i) => w.resolve(results[i] as SampleResult));
    } catch (e) {
      for (const w of batch) w.reject(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.busy = false;
      // Whatever queued meanwhile goes next, together.
      if (this.queue.length > 0) this.schedule();
    }
  }
}
