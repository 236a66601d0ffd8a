// GET/HEAD /, the soft /health and /health/rollout (docs/wire-contract.md §4.2: 200 with
// authorized:false for a wrong key, 503 without any key configured), /test_auth, /actions and /info.
import { Hono, type Context } from 'hono';
import { VERSION } from '../../../src/index.ts';
import { ACTION_NAMES } from '../../crafter/index.ts';
import { authorize, expectedKeyPrefix, UNCONFIGURED_DETAIL } from '../auth.ts';
import { ENV_NAME } from '../env-config.ts';
import { datasetInfo, guard, INFERENCE_INFO, limitsInfo, type TaskAppContext } from './context.ts';

const CAPABILITIES = [
  'rollout', 'env', 'proxy', 'logprobs', 'reward_mode:step', 'reward_mode:cumulative', 'observation_format:synth', 'observation_format:grid',
];

function health(ctx: TaskAppContext, rollout: boolean) {
  return (c: Context) => {
    if (ctx.keys.length === 0) return c.json({ detail: UNCONFIGURED_DETAIL, healthy: false, authorized: false }, 503);
    if (authorize(ctx.keys, c.req.raw.headers) !== 'ok') {
      // Soft 200 (S7c): the service is up, the caller's key is not the expected one.
      return c.json({ status: 'healthy', healthy: true, authorized: false, expected_api_key_prefix: expectedKeyPrefix(ctx.keys) });
    }
    return c.json(rollout
      ? { ok: true, status: 'healthy', healthy: true, authorized: true }
      : { status: 'healthy', healthy: true, authorized: true, service: 'synth-ai task app', simulated: true, version: VERSION });
  };
}

export function probeRoutes(ctx: TaskAppContext): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json({ ok: true, status: 'ok', service: 'synth-ai task app', task: 'crafter', simulated: true }));
  app.get('/health', health(ctx, false));
  app.get('/health/rollout', health(ctx, true));
  app.get('/test_auth', (c) => guard(ctx, c) ?? c.json({ ok: true }));
  app.get('/actions', (c) => c.json({ actions: [...ACTION_NAMES] }));
  app.get('/info', (c) => guard(ctx, c) ?? c.json({
    service: { task: { id: 'crafter', name: 'Crafter', environment: ENV_NAME }, version: VERSION, simulated: true },
    dataset: datasetInfo(ctx),
    rubrics: null,
    inference: INFERENCE_INFO,
    envs: { live: ctx.registry.size, max: ctx.registry.maxEnvs },
    capabilities: CAPABILITIES,
    limits: limitsInfo(ctx),
  }));
  return app;
}
