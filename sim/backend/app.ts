// The simulated backend's HTTP surface (docs/wire-contract.md §2): one composer mounting a Hono
// sub-app per resource (sim/backend/routes/) under /api (and the /api/api alias some clients
// produce), and the /_sim control API, behind the guard that names the caller's org.
import { Hono } from 'hono';
import { VERSION } from '../../src/index.ts';
import type { ApiKeys } from './auth.ts';
import type { EventBus } from './bus.ts';
import type { FaultsByOrg } from './faults.ts';
import type { SealedKeys } from './keys.ts';
import { detail } from './request.ts';
import type { JobRunner } from './runner.ts';
import type { SseOptions } from './sse.ts';
import type { Store } from './store.ts';
import type { BackendEnv } from './routes/context.ts';
import { controlRoutes } from './routes/control.ts';
import { envKeyRoutes } from './routes/env-keys.ts';
import { eventRoutes } from './routes/events.ts';
import { guard } from './routes/guard.ts';
import { inferenceRoutes, type ChatService } from './routes/inference.ts';
import { jobRoutes } from './routes/jobs.ts';
import { metricRoutes } from './routes/metrics.ts';
import { modelRoutes } from './routes/models.ts';
import { rolloutRoutes } from './routes/rollouts.ts';

export { NO_MODELS, type ChatService } from './routes/inference.ts';

export interface BackendDeps {
  store: Store;
  bus: EventBus;
  faults: FaultsByOrg;
  keys: SealedKeys;
  apiKeys: ApiKeys;
  runner: JobRunner;
  chat: ChatService;
  sse: SseOptions;
  trainers: readonly string[];
  defaultTrainer: string;
  /** After POST /_sim/reset deleted these jobs (the simulator removes their checkpoint folders). */
  onReset?: (jobIds: readonly string[]) => void;
  /** Per-job files (recorded rollouts, metric files): <jobsDir>/<job id>/; none when undefined. */
  jobsDir?: string;
}

/** Everything under /api: one sub-app per resource. */
function apiApp(deps: BackendDeps): Hono<BackendEnv> {
  const api = new Hono<BackendEnv>();
  api.get('/health', (c) => c.json({ status: 'ok', simulated: true, service: 'synth-rl simulated backend', version: VERSION }));
  api.get('/orchestration/hatchet/health', (c) => c.json({ ok: true, api_key_present: true, simulated: true }));
  api.route('/', jobRoutes(deps));
  api.route('/', eventRoutes(deps));
  api.route('/', metricRoutes(deps));
  api.route('/', rolloutRoutes(deps));
  api.route('/', envKeyRoutes(deps));
  api.route('/', modelRoutes(deps));
  api.route('/', inferenceRoutes(deps));
  return api;
}

export function createBackendApp(deps: BackendDeps): Hono<BackendEnv> {
  const app = new Hono<BackendEnv>();
  app.onError((err) => detail(500, `internal error: ${err.message}`));
  app.notFound((c) => detail(404, `Not Found: ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.use('*', guard(deps.apiKeys, deps.faults));
  const api = apiApp(deps);
  app.route('/api', api);
  // Older env-key helpers concatenate "/api" twice; the simulator tolerates it (docs/wire-contract.md §2.1).
  app.route('/api/api', api);
  app.route('/_sim', controlRoutes(deps));
  return app;
}
