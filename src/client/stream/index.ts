// Following a job's events: the composition (JobStream, streamJobEvents) and its parts.
export { JobStream } from './job-stream.ts';
export { streamJobEvents } from './iterate.ts';
export { checkpointOf, eventOutcome, isReplayed, statusOutcome } from './outcome.ts';
export { EventSequencer, MetricCursors, type Accepted } from './sequencer.ts';
export type { Checkpoint, JobOutcome, JobStreamOptions, StreamedEvent, StreamItem, StreamResult, StreamVia } from './types.ts';
