// The simulated Crafter task app (docs/wire-contract.md §4, §9.1 "Task app simulator"): one Hono app
// composed of a sub-app per resource under routes/ — probes and /info (probes.ts), /task_info,
// /env/CrafterClassic/{initialize,step,terminate} (env.ts), /rollout and the OpenAI /proxy — with
// the status codes of docs/wire-contract.md §4.2, the response schema of §4.4 and the prompt text of §4.7.
import { Hono } from 'hono';
import type { Preset } from '../crafter/index.ts';
import { detail } from '../backend/request.ts';
import type { TaskAppOptions } from './options.ts';
import type { EnvRegistry } from './registry.ts';
import { createTaskAppContext, type TaskAppContext } from './routes/context.ts';
import { envRoutes } from './routes/env.ts';
import { probeRoutes } from './routes/probes.ts';
import { proxyRoutes } from './routes/proxy.ts';
import { rolloutRoutes } from './routes/rollout.ts';
import { taskInfoRoutes } from './routes/task-info.ts';

export { taskAppOptionsFromEnv, type TaskAppOptions } from './options.ts';

export interface TaskApp {
  app: Hono;
  registry: EnvRegistry;
  /** Accepted keys (primary first). */
  keys: readonly string[];
  /** The primary key (ENVIRONMENT_API_KEY), if any: what a trainer uploads and sends. */
  environmentApiKey: string | undefined;
  preset: Preset;
  close(): void;
}

/** The sub-apps, mounted at the root; each is built from the shared context alone. */
const SUB_APPS: readonly ((ctx: TaskAppContext) => Hono)[] = [probeRoutes, taskInfoRoutes, envRoutes, rolloutRoutes, proxyRoutes];

export function createTaskApp(opts: TaskAppOptions = {}): TaskApp {
  const ctx = createTaskAppContext(opts);
  const app = new Hono();
  // Sub-apps set no handlers of their own, so these answer for all of them.
  app.onError((err, c) => {
    ctx.log(`500 ${c.req.method} ${new URL(c.req.url).pathname}: ${err.message}`);
    return detail(500, `internal error: ${err.message}`);
  });
  app.notFound((c) => detail(404, `Not Found: ${c.req.method} ${new URL(c.req.url).pathname}`));
  for (const subApp of SUB_APPS) app.route('/', subApp(ctx));
  const { registry, keys, preset } = ctx;
  return { app, registry, keys, environmentApiKey: keys[0], preset, close: () => {
    registry.stop();
    registry.clear();
  } };
}
