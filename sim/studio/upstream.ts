// How a Studio route answers from the backend: through the session's SynthClient, with the
// backend's own status and detail passed on (502 when the backend cannot be reached).
import type { Context } from 'hono';
import { HttpError, type SynthClient } from '../../src/index.ts';
import { detail } from '../backend/request.ts';

/** Hono variables of the Studio's signed-in routes: the client for the session's key. */
export type StudioEnv = { Variables: { client: SynthClient } };

/** A backend error as the page's JSON: the backend's status and detail, or 502 when unreachable. */
export function upstreamError(error: unknown): Response {
  if (error instanceof HttpError && error.status !== undefined) return detail(error.status, error.detail ?? error.message);
  const cause = error instanceof Error && error.cause instanceof HttpError ? error.cause : undefined;
  if (cause?.status !== undefined) return detail(cause.status, cause.detail ?? cause.message);
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return detail(status, (error as Error).message);
  return detail(502, `backend unreachable: ${error instanceof Error ? error.message : String(error)}`);
}

/** `run`'s result as JSON; a thrown error carrying a `response` answers with it, others as upstreamError. */
export async function upstream(c: Context<StudioEnv>, run: (client: SynthClient) => Promise<unknown>): Promise<Response> {
  try {
    return c.json((await run(c.get('client'))) as object);
  } catch (error) {
    const response = (error as { response?: unknown } | null)?.response;
    return response instanceof Response ? response : upstreamError(error);
  }
}

export const getJson = (client: SynthClient, path: string, query?: Record<string, string | number>) =>
  client.http.json({ path, ...(query && { query }), retry: { retries: 1 } });
