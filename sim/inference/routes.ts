// HTTP surface of the inference service: OpenAI chat completions at `/v1/chat/completions` and at
// `/trace/<trace_id>/v1/chat/completions` (the trainer hands the task app an inference URL with
// its trace id in the path, so the records of one rollout can be found again). Loopback,
// trainer-side, like vLLM beside a real trainer: no key, but a running job's policy is served only
// under `/c/<capability>/…`, a per-job secret the trainer puts in the URL it hands the task app.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { detail, readJson } from '../backend/request.ts';
import type { InferenceService } from './service.ts';

/** Longest trace id accepted in the path (ids are opaque to the service). */
const MAX_TRACE_ID = 200;

/** Routes relative to where they are mounted (the simulator mounts them at /inference). */
export function inferenceRoutes(service: InferenceService): Hono {
  const app = new Hono();
  /** The job policy a capability grants; a Response (404, naming nothing) for an unknown one. */
  const grant = (c: Context): string | undefined | Response => {
    const capability = c.req.param('capability');
    if (capability === undefined) return undefined;
    return service.granted(capability) ?? detail(404, 'Not Found: unknown or expired inference capability');
  };
  const complete = async (c: Context) => {
    const granted = grant(c);
    if (granted instanceof Response) return granted;
    const traceId = c.req.param('traceId');
    if (traceId !== undefined && (traceId === '' || traceId.length > MAX_TRACE_ID)) {
      return detail(422, `trace id in the path must be 1..${MAX_TRACE_ID} characters`);
    }
    const body = await readJson(c, z.unknown());
    if (!body.ok) return body.response;
    return service.complete(body.data, { ...(traceId !== undefined && { traceId }), ...(granted !== undefined && { granted }) });
  };
  const models = (c: Context) => {
    const granted = grant(c);
    return granted instanceof Response ? granted : c.json(service.listResponse(granted));
  };
  for (const base of ['', '/c/:capability']) {
    app.post(`${base}/v1/chat/completions`, complete);
    app.post(`${base}/trace/:traceId/v1/chat/completions`, complete);
    app.get(`${base}/v1/models`, models);
    app.get(`${base}/trace/:traceId/v1/models`, models);
  }
  return app;
}

/** A standalone app with the routes under `basePath` and JSON 404/500 answers. */
export function createInferenceApp(service: InferenceService, basePath = '/inference'): Hono {
  const app = new Hono();
  app.onError((err) => detail(500, `internal error: ${err.message}`));
  app.notFound((c) => detail(404, `Not Found: ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.route(basePath, inferenceRoutes(service));
  return app;
}
