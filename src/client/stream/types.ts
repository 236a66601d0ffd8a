// The shapes of following a job: what a stream delivers (items), how it ends (result), and the
// options of JobStream. Shared by the sequencer, the transports and the composition.
import type { Job, NormalEvent } from '../../api/index.ts';
import type { SynthClient } from '../api-client.ts';
import type { MetricSample } from '../api-shapes.ts';

export type StreamVia = 'sse' | 'poll';

export interface StreamedEvent extends NormalEvent {
  /** The job id whose stream carried the event (the linked job's id for trainer events). */
  stream: string;
  linked: boolean;
  via: StreamVia;
  /** False when the backend sent no seq (such events are deduplicated by content). */
  hasSeq: boolean;
}

export type StreamItem =
  | { kind: 'event'; event: StreamedEvent }
  | { kind: 'metric'; metric: MetricSample }
  | { kind: 'status'; status: string; previous: string | undefined; job: Job }
  | { kind: 'progress'; iteration: number; total: number | undefined; epoch: number | undefined }
  | { kind: 'linked'; jobId: string }
  | { kind: 'notice'; level: 'info' | 'warning'; message: string };

export type JobOutcome = 'succeeded' | 'failed' | 'cancelled' | 'watchdog' | 'startup_deadline' | 'stalled' | 'interrupted';

export interface Checkpoint {
  uri: string;
  modelId: string | undefined;
  epoch: number | undefined;
  jobId: string;
  seq: number;
}

export interface StreamResult {
  outcome: JobOutcome;
  /** One sentence on why the stream ended. */
  reason: string;
  jobId: string;
  linkedJobIds: string[];
  /** Last status the backend reported. */
  status: string | undefined;
  job: Job | undefined;
  fineTunedModel: string | undefined;
  terminalEvent: StreamedEvent | undefined;
  elapsedMs: number;
  events: number;
  metrics: number;
  /** Latest point per metric name. */
  lastMetrics: Record<string, MetricSample>;
  checkpoints: Checkpoint[];
  sseReconnects: number;
  /** Seqs the backend never had (a gap confirmed by a JSON poll). */
  skippedSeqs: number;
  /** The job was replayed from a script (the simulator's replay trainer): no model was trained. */
  replayed: boolean;
}

export interface JobStreamOptions {
  client: SynthClient;
  jobId: string;
  /** Status/metrics poll period, and the event poll period while SSE is down (default 1000). */
  pollIntervalMs?: number;
  /** Use SSE (default true); false: JSON polling only, like the reference client. */
  sse?: boolean;
  /** Close SSE after this many seconds and continue by polling (0 or absent: until the end). */
  streamSeconds?: number;
  /** Watchdog: give up after this many seconds (0 or absent: off). */
  maxSeconds?: number;
  /** No event at all within this many seconds of `startedAt` → startup_deadline (default 45; 0: off). */
  startupDeadlineSeconds?: number;
  /** After the first event, this many consecutive poll intervals with nothing new → stalled (default 5; 0: off). */
  emptyPollsThreshold?: number;
  /** Reconnect an SSE connection that sent nothing, not even a keep-alive, for this long (default 60 s). */
  sseIdleTimeoutMs?: number;
  /** Time to connect the SSE stream (default 30 s). */
  sseConnectTimeoutMs?: number;
  /** After a terminal event, how long to wait for the status to turn terminal too (default 3 poll intervals, 0.5–10 s). */
  settleMs?: number;
  /** Epoch ms the startup deadline counts from (default: when run() starts). */
  startedAt?: number;
  /** Abort to stop following (Ctrl-C): the outcome is `interrupted`; the job is not touched. */
  signal?: AbortSignal;
  onItem?: (item: StreamItem) => void;
}
