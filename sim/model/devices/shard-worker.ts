// Worker entry of one CPU-device shard: owns a ShardCore over the device's shared memory and
// answers ops in order.
import type { ModelConfig } from '../config.ts';
import { ShardCore, type MemoryLayout, type ShardKernels, type ShardOp, type ShardReply } from './shard.ts';

export type ShardWorkerIn =
  | { kind: 'init'; id: number; cfg: ModelConfig; buf: SharedArrayBuffer; layout: MemoryLayout; index: number; kernels: ShardKernels }
  | { kind: 'op'; id: number; op: ShardOp };

export type ShardWorkerOut = { id: number; ok: true; value: ShardReply } | { id: number; ok: false; error: string };

declare const self: Worker;

let core: ShardCore | undefined;

self.onmessage = (event: MessageEvent<ShardWorkerIn>) => {
  const msg = event.data;
  const reply = (m: ShardWorkerOut) => self.postMessage(m);
  try {
    if (msg.kind === 'init') {
      core = new ShardCore(msg.cfg, msg.buf, msg.layout, msg.index, msg.kernels);
      return reply({ id: msg.id, ok: true, value: null });
    }
    if (core === undefined) throw new Error('shard worker not initialised');
    return reply({ id: msg.id, ok: true, value: core.handle(msg.op) });
  } catch (error) {
    reply({ id: msg.id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
};
