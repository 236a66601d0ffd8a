// Kept so imports of `client/stream.ts` stay stable: following a job lives in client/stream/
// (sequencer, SSE transport, poller, composition); the one-call helper is client/follow.ts.
export * from './stream/index.ts';
