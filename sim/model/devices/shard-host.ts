// Where a shard runs: on the device's own thread (LocalShardHost) or in a Worker
// (WorkerShardHost, entry shard-worker.ts). Both take the same ops and give the same replies.
import type { ModelConfig } from '../config.ts';
import type { MemoryLayout, ShardCore, ShardKernels, ShardOp, ShardReply } from './shard.ts';
import type { ShardWorkerIn, ShardWorkerOut } from './shard-worker.ts';

export interface ShardHost {
  call(op: ShardOp): Promise<ShardReply>;
  dispose(): void;
}

/** Runs the op at once, synchronously: the caller starts Worker ops first, then this one. */
export class LocalShardHost implements ShardHost {
  constructor(private readonly core: ShardCore) {}

  call(op: ShardOp): Promise<ShardReply> {
    try {
      return Promise.resolve(this.core.handle(op));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  dispose(): void {}
}

/**
 * Where the shard Worker's module is. Under `bun run` it sits next to this file; inside the
 * compiled binary it is an extra entrypoint of the build (scripts/build.ts), embedded under its
 * path relative to the repository root.
 */
export function shardWorkerSpec(): string | URL {
  if (import.meta.url.includes('/$bunfs/')) return './sim/model/devices/shard-worker.ts';
  return new URL('./shard-worker.ts', import.meta.url);
}

export class WorkerShardHost implements ShardHost {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: ShardReply) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<ShardWorkerOut>) => {
      const p = this.pending.get(e.data.id);
      if (p === undefined) return;
      this.pending.delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.value);
      else p.reject(new Error(e.data.error));
    };
    worker.onerror = (e: ErrorEvent) => this.fail(new Error(`shard worker crashed: ${e.message}`));
  }

  static async start(cfg: ModelConfig, buf: SharedArrayBuffer, layout: MemoryLayout, index: number, kernels: ShardKernels): Promise<WorkerShardHost> {
    const host = new WorkerShardHost(new Worker(shardWorkerSpec()));
    await host.send({ kind: 'init', cfg, buf, layout, index, kernels });
    return host;
  }

  private fail(err: Error): void {
    this.failed = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private send(msg: ShardWorkerIn extends infer U ? (U extends unknown ? Omit<U, 'id'> : never) : never): Promise<ShardReply> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise<ShardReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  call(op: ShardOp): Promise<ShardReply> {
    return this.send({ kind: 'op', op });
  }

  dispose(): void {
    this.worker.terminate();
    this.fail(new Error('shard worker stopped'));
  }
}
