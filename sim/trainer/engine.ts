// The main thread's handle on the trainer's compute: a Worker (default) or the same code inline.
import { PolicyCompute } from './compute.ts';
import type { SampleRequest, SampleResult } from '../model/device.ts';
import type { ExportResult, FromWorker, InitMessage, InitResult, ToWorker, TrainMessage, TrainResult } from './protocol.ts';

type Payload<M> = Omit<M, 'kind'>;

export interface PolicyEngine {
  init(m: Payload<InitMessage>): Promise<InitResult>;
  /** Samples the requests together (shared forward passes); results in request order. */
  sample(requests: SampleRequest[]): Promise<SampleResult[]>;
  train(m: Payload<TrainMessage>): Promise<TrainResult>;
  export(): Promise<ExportResult>;
  close(): void;
}

/**
 * Where the worker module is. Under `bun run` it sits next to this file. Inside the compiled
 * binary it is an extra entrypoint of the build (scripts/build.ts), embedded under its path
 * relative to the entrypoints' common root (the repository root): `./sim/trainer/worker.ts`.
 */
export function workerSpec(): string | URL {
  if (import.meta.url.includes('/$bunfs/')) return './sim/trainer/worker.ts';
  return new URL('./worker.ts', import.meta.url);
}

export class WorkerEngine implements PolicyEngine {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  constructor() {
    this.worker = new Worker(workerSpec());
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const p = this.pending.get(e.data.id);
      if (p === undefined) return;
      this.pending.delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.value);
      else p.reject(new Error(e.data.error));
    };
    this.worker.onerror = (e: ErrorEvent) => {
      this.failed = new Error(`trainer worker crashed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(this.failed);
      this.pending.clear();
    };
  }

  private call<T>(msg: ToWorker extends infer U ? (U extends { kind: infer K } ? Omit<U, 'id'> & { kind: K } : never) : never): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  init(m: Payload<InitMessage>): Promise<InitResult> {
    return this.call<InitResult>({ kind: 'init', ...m });
  }

  sample(requests: SampleRequest[]): Promise<SampleResult[]> {
    return this.call<SampleResult[]>({ kind: 'sample', requests });
  }

  train(m: Payload<TrainMessage>): Promise<TrainResult> {
    return this.call<TrainResult>({ kind: 'train', ...m });
  }

  export(): Promise<ExportResult> {
    return this.call<ExportResult>({ kind: 'export' });
  }

  close(): void {
    this.worker.terminate();
    const err = new Error('trainer worker stopped');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** Same computation on the calling thread (tests, determinism checks). */
export class InlineEngine implements PolicyEngine {
  private compute: PolicyCompute | undefined;

  private need(): PolicyCompute {
    if (!this.compute) throw new Error('engine not initialised');
    return this.compute;
  }

  private queue: Promise<unknown> = Promise.resolve();

  /** One call at a time, as the Worker does: a device's steps must not interleave with sampling. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async init(m: Payload<InitMessage>): Promise<InitResult> {
    return this.serial(async () => {
      this.compute?.dispose();
      this.compute = await PolicyCompute.create(m);
      return this.compute.info();
    });
  }

  sample(requests: SampleRequest[]): Promise<SampleResult[]> {
    return this.serial(() => this.need().sample(requests));
  }

  train(m: Payload<TrainMessage>): Promise<TrainResult> {
    return this.serial(() => this.need().train(m));
  }

  export(): Promise<ExportResult> {
    return this.serial(() => this.need().export());
  }

  close(): void {
    this.compute?.dispose();
    this.compute = undefined;
  }
}
