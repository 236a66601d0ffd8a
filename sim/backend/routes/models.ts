// Models (docs/wire-contract.md §7): the org's trained checkpoints, the registry they are promoted
// to, and ensure-on-modal (marks a registry entry ready to serve).
import { Hono, type Context } from 'hono';
import { EnsureBody, parseRlModelId, PromoteBody } from '../../../src/api/models.ts';
import { detail, intQuery, readJson } from '../request.ts';
import type { Store } from '../store.ts';
import type { BackendEnv } from './context.ts';

type C = Context<BackendEnv>;

async function promote(store: Store, c: C): Promise<Response> {
  const parsed = await readJson(c, PromoteBody);
  if (!parsed.ok) return parsed.response;
  const body = parsed.data;
  const org = c.get('org');
  const rl = parseRlModelId(body.model_id);
  const jobId = body.job_id ?? rl?.jobId;
  const job = jobId ? store.getJob(jobId) : undefined;
  if (jobId !== undefined && (job === undefined || job.org !== org)) return detail(404, `job ${JSON.stringify(jobId)} not found`);
  const model = store.listModels(org, undefined, 10_000).find((m) => m.id === body.model_id);
  const weights = body.weights_path ?? model?.storage_path;
  if (weights === undefined) return detail(404, `model ${JSON.stringify(body.model_id)} not found and no weights_path given`);
  const row = store.promote({
    org, id: body.model_id, job_id: jobId ?? '', base_model: body.base_model ?? model?.base_model ?? job?.model ?? '',
    weights_path: weights.replace(/^s3:\/\/[^/]+\//, ''), tokenizer_path: body.tokenizer_path ?? null, dtype: body.dtype ?? 'bfloat16',
  });
  const { org: _o, ...out } = row;
  return c.json({ ok: true, model: out });
}

async function ensure(store: Store, c: C): Promise<Response> {
  const parsed = await readJson(c, EnsureBody);
  if (!parsed.ok) return parsed.response;
  const org = c.get('org');
  const row = store.getRegistry(org, parsed.data.model_id);
  if (row === undefined) return detail(404, `model ${JSON.stringify(parsed.data.model_id)} is not in the registry; promote it first`);
  store.markEnsured(org, row.id);
  return c.json({ kind: 'rl', local_path: `simulator://${row.weights_path}`, source: 'synth-rl simulator' });
}

export function modelRoutes(deps: { store: Store }): Hono<BackendEnv> {
  const { store } = deps;
  const api = new Hono<BackendEnv>();
  api.get('/learning/models/rl', (c) => {
    const limit = intQuery(c, 'limit', 200, 1, 1000);
    if (limit instanceof Response) return limit;
    return c.json({ models: store.listModels(c.get('org'), c.req.query('status') || undefined, limit) });
  });
  api.get('/learning/models/rl/registry', (c) => c.json({ models: store.listRegistry(c.get('org')).map(({ org: _o, ...row }) => row) }));
  api.post('/learning/models/rl/promote', (c) => promote(store, c));
  api.post('/learning/models/ensure-on-modal', (c) => ensure(store, c));
  return api;
}
