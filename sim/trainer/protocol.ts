// Messages between the GRPO trainer (main thread) and its compute Worker. Only token ids and
// numbers cross: the Worker never tokenizes, never does I/O.
import type { DeviceInit, DeviceState, SampleRequest, SampleResult } from '../model/device.ts';
import type { DeviceChoice } from '../model/devices/factory.ts';
import type { TrainSequence, UpdateOptions, UpdateResult } from './update.ts';

export type { TrainSequence } from './update.ts';

export interface InitMessage {
  kind: 'init';
  device: DeviceChoice;
  /** Threads for the cpu device. */
  threads: number;
  /** [sim] webgpu_adapter (webgpu and auto devices). */
  webgpuAdapter?: 'hardware' | 'software';
  init: DeviceInit;
}

export interface SampleMessage {
  kind: 'sample';
  /** Sampled together (shared forward passes); each result depends only on its own request. */
  requests: SampleRequest[];
}

export interface TrainMessage extends UpdateOptions {
  kind: 'train';
  sequences: TrainSequence[];
}

export interface ExportMessage {
  kind: 'export';
}

export type ToWorker = (InitMessage | SampleMessage | TrainMessage | ExportMessage) & { id: number };

export interface InitResult {
  /** The device's one-line description, e.g. "cpu (wasm simd, 2 threads)". */
  description: string;
}

export type TrainResult = UpdateResult;
export type ExportResult = DeviceState;

export type FromWorker =
  | { id: number; ok: true; value: InitResult | SampleResult[] | TrainResult | ExportResult | null }
  | { id: number; ok: false; error: string };
