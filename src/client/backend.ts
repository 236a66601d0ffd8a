// Deprecated module name, kept so older imports keep working: the client of the Synth backend API
// is SynthClient in api-client.ts. New code imports from api-client.ts / api-errors.ts / api-shapes.ts.
export { SynthClient, SynthClient as BackendClient, type SynthClientOptions, type SynthClientOptions as BackendClientOptions } from './api-client.ts';
export { BackendError, backendError, type BackendErrorKind } from './api-errors.ts';
export { checkBackend } from './api-check.ts';
export {
  JOB_PREFIXES, jobCreateBody, normalizeJob, normalizeMetric,
  type Artifact, type CreatedJob, type EnvKeyStored, type JobRequest, type MetricSample,
} from './api-shapes.ts';
