// POST /rollout: one Crafter episode driven by a model (docs/wire-contract.md §4.3–§4.5).
import { Hono } from 'hono';
import { RolloutRequest } from '../../../src/api/taskapp.ts';
import { readBody } from '../http.ts';
import { runRollout } from '../rollout.ts';
import { guard, traceHeaders, type TaskAppContext } from './context.ts';

/** What Bun.serve passes as the Hono env: the server, whose timeout() lifts the idle cut per request. */
type ServerEnv = { timeout?: (req: Request, seconds: number) => void } | undefined;

export function rolloutRoutes(ctx: TaskAppContext): Hono {
  const app = new Hono();
  app.post('/rollout', async (c) => {
    const denied = guard(ctx, c);
    if (denied) return denied;
    const body = await readBody(c, RolloutRequest);
    if (!body.ok) return body.response;
    // A rollout against a slow model outlasts Bun's idle cut (255 s at most); safety.max_time_s bounds it instead.
    (c.env as ServerEnv)?.timeout?.(c.req.raw, 0);
    const deps = { registry: ctx.registry, defaults: ctx.defaults, inference: ctx.inference };
    const res = await runRollout(body.data, deps, { signal: c.req.raw.signal, passHeaders: traceHeaders(c.req.raw.headers) });
    ctx.log(`rollout ${body.data.run_id}: HTTP ${res.status}`);
    return res;
  });
  return app;
}
