// What a job's events and statuses mean for the follower: terminal or not, success or failure
// (docs/wire-contract.md §3.1–§3.2), checkpoints announced, replayed or trained. Pure functions.
import { CANCEL_EVENT_TYPES, FAILURE_EVENT_TYPES, isTerminalStatus, SUCCESS_EVENT_TYPES } from '../../api/index.ts';
import type { Checkpoint, StreamedEvent } from './types.ts';

const SUCCESS = new Set<string>(SUCCESS_EVENT_TYPES);
const FAILURE = new Set<string>(FAILURE_EVENT_TYPES);
const CANCEL = new Set<string>(CANCEL_EVENT_TYPES);
const S3_URL = /s3:\/\/[^\s"'<>]+/;

export type TerminalOutcome = 'succeeded' | 'failed' | 'cancelled';

export function eventOutcome(type: string): TerminalOutcome | undefined {
  const t = type.toLowerCase();
  if (FAILURE.has(t)) return 'failed';
  if (CANCEL.has(t)) return 'cancelled';
  if (SUCCESS.has(t)) return 'succeeded';
  return undefined;
}

/** Terminal statuses mapped to outcomes: `completed` counts as success, `error` as failure (docs/reference-client.md §2.21). */
export function statusOutcome(status: string | undefined): TerminalOutcome | undefined {
  if (!isTerminalStatus(status)) return undefined;
  const s = (status as string).toLowerCase();
  if (s === 'succeeded' || s === 'completed') return 'succeeded';
  if (s === 'cancelled' || s === 'canceled') return 'cancelled';
  return 'failed';
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A checkpoint announced by an event: a checkpoint/artifact type or an s3:// URL in it (docs/wire-contract.md §3.2). */
export function checkpointOf(e: StreamedEvent): Checkpoint | undefined {
  const d = e.data;
  const uri = str(d.uri) ?? str(d.s3_uri) ?? S3_URL.exec(e.message)?.[0] ?? S3_URL.exec(JSON.stringify(d))?.[0];
  if (uri === undefined) return undefined;
  if (!/checkpoint|artifact/.test(e.type) && !/checkpoint/.test(uri)) return undefined;
  return { uri, modelId: str(d.model_id), epoch: num(d.epoch), jobId: e.stream, seq: e.seq };
}

/**
 * Whether an event's or metric point's data marks it as replayed: the simulator's replay trainer
 * tags everything it plays with `simulated: "replay"`: no model is trained (docs/trainer.md).
 */
export function isReplayed(data: Record<string, unknown>): boolean {
  return data.simulated === 'replay';
}
