// The SDK for TypeScript users: the same client the CLI uses, without the CLI.
//
//   import { SynthClient, followJobEvents } from 'synth-rl';
//   const client = new SynthClient({ backendUrl: 'http://127.0.0.1:8787', apiKey: process.env.SYNTH_API_KEY! });
//   const { jobId } = await client.createJob(jobCreateBody({ model, taskAppUrl, batchSize: 2, groupSize: 4 }), { idempotencyKey });
//   const result = await followJobEvents({ client, jobId, onItem: (item) => console.log(item) });
//   if (result.outcome !== 'succeeded') process.exit(1);

export { SynthClient, type SynthClientOptions } from './client/api-client.ts';
/** @deprecated The backend API client is SynthClient; these names stay for existing code. */
export { SynthClient as BackendClient, type SynthClientOptions as BackendClientOptions } from './client/api-client.ts';
export { BackendError, type BackendErrorKind } from './client/api-errors.ts';
export { checkBackend } from './client/api-check.ts';
export {
  jobCreateBody, normalizeJob, normalizeMetric, JOB_PREFIXES,
  type Artifact, type CreatedJob, type EnvKeyStored, type JobRequest, type MetricSample,
} from './client/api-shapes.ts';
export {
  JobStream, streamJobEvents, eventOutcome, statusOutcome, checkpointOf, isReplayed, EventSequencer, MetricCursors,
  type Checkpoint, type JobOutcome, type JobStreamOptions, type StreamedEvent, type StreamItem, type StreamResult, type StreamVia,
} from './client/stream/index.ts';
export { followJobEvents, type FollowOptions, type FollowResult } from './client/follow.ts';
export {
  setupEnvironmentApiKey, sealForBackend, mintEnvironmentApiKey, envKeyProblem, EnvKeyError, ENV_KEY_NAME, type EnvKeySetup,
} from './client/envkey.ts';
export {
  TaskAppClient, probeInference, taskAppCheck,
  type CheckLevel, type CheckResult, type ProbeProblem, type TaskAppClientOptions, type TaskAppProbe,
} from './client/taskapp.ts';
export { HttpClient, HttpError, type HttpClientOptions, type HttpErrorKind, type RetryEvent } from './client/http.ts';
export { backoffDelay, parseRetryAfter, DEFAULT_RETRY, type RetryPolicy } from './client/retry.ts';
export { apiBase, backendRoot, joinUrl } from './client/url.ts';
export { seal, sealOpen, generateKeyPair, decodeBase64Strict, encodeBase64 } from './crypto/sealedbox.ts';
export * from './api/index.ts';
export { VERSION } from './version.ts';
// Also reused by the simulator, which takes client code only through this module, src/api,
// src/policy and src/runtime (docs/architecture.md §6).
export { MetricFiles, MetricFileError, tfeventsName, type MetricFilesOptions, type MetricPointLike } from './metrics/files.ts';
export { fetchFollowingSafely } from './client/redirect.ts';
export {
  runRollouts, summarize, rolloutRequestBody,
  type RolloutOutcome, type RolloutPlan, type RolloutSummary, type RunOptions,
} from './client/taskapp-rollout.ts';
