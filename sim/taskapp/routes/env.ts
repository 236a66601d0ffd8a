// POST /env/{name}/initialize | step | terminate (docs/wire-contract.md §4.2): the step-by-step
// Crafter API. Unknown env name 404; unknown env 404, terminated 409, another run's env 403 (the
// X-Run-Id header), over capacity 429 with Retry-After; body errors are 422 naming the field.
import { Hono, type Context } from 'hono';
import { EnvInitializeRequest, EnvStepRequest, EnvTerminateRequest } from '../../../src/api/taskapp.ts';
import { ACTION_NAMES, achievementNames, actionIndex } from '../../crafter/index.ts';
import { detail } from '../../backend/request.ts';
import { ENV_NAME, EnvConfigInput, isCrafterEnvName, resolveEnvConfig } from '../env-config.ts';
import { invalid, issuesToErrors, readBody, taskError } from '../http.ts';
import { observationDict, promptText, reportedReward, round, NO_STEP } from '../observation.ts';
import { CapacityError, type EnvHandle } from '../registry.ts';
import { guard, type TaskAppContext } from './context.ts';

/** The auth check, then the `:name` check; undefined when the caller may proceed. */
function admit(ctx: TaskAppContext, c: Context): Response | undefined {
  const denied = guard(ctx, c);
  if (denied) return denied;
  const name = c.req.param('name');
  return isCrafterEnvName(name) ? undefined : detail(404, `unknown environment ${JSON.stringify(name)}; this task app serves ${ENV_NAME}`);
}

/** The live env for a request, or the answer saying why not (404 unknown, 409 terminated, 403 not yours). */
function liveEnv(ctx: TaskAppContext, c: Context, id: string): EnvHandle | Response {
  const found = ctx.registry.lookup(id);
  if (found.kind === 'unknown') return taskError(404, 'env_not_found', `no environment ${JSON.stringify(id)}; initialize one first`, { env_id: id });
  if (found.kind === 'terminated') return taskError(409, 'env_terminated', `environment ${id} is terminated (${found.reason}); initialize a new one`, { env_id: id });
  const runId = c.req.header('x-run-id');
  if (runId !== undefined && found.handle.runId !== undefined && runId !== found.handle.runId) {
    return taskError(403, 'env_not_owned', `environment ${id} belongs to run ${JSON.stringify(found.handle.runId)}, not ${JSON.stringify(runId)}`, { env_id: id });
  }
  return found.handle;
}

async function initialize(ctx: TaskAppContext, c: Context): Promise<Response> {
  const body = await readBody(c, EnvInitializeRequest, { allowEmpty: true });
  if (!body.ok) return body.response;
  if (!isCrafterEnvName(body.data.env_name)) {
    return invalid([{ type: 'value_error', loc: ['body', 'env_name'], msg: `env_name: this task app serves ${ENV_NAME}, not ${JSON.stringify(body.data.env_name)}` }]);
  }
  const cfgInput = EnvConfigInput.safeParse(body.data.env_config ?? body.data.config ?? {});
  if (!cfgInput.success) return invalid(issuesToErrors(cfgInput.error.issues, ['body', 'env_config']));
  const config = resolveEnvConfig(cfgInput.data, ctx.defaults, body.data.seed);
  let handle: EnvHandle;
  try {
    handle = ctx.registry.create(config, c.req.header('x-run-id') || undefined);
  } catch (error) {
    if (error instanceof CapacityError) return taskError(429, 'too_many_envs', error.message, { limit: error.limit }, { 'retry-after': '1' });
    throw error;
  }
  return c.json({
    env_id: handle.id,
    observation: observationDict(handle.env, config, NO_STEP),
    observation_text: promptText(handle.env, config, []),
    config: { preset: config.preset, max_steps: config.maxSteps, observation_format: config.observationFormat, reward_mode: config.rewardMode, seed: handle.env.seed },
  });
}

async function step(ctx: TaskAppContext, c: Context): Promise<Response> {
  const body = await readBody(c, EnvStepRequest);
  if (!body.ok) return body.response;
  const handle = liveEnv(ctx, c, body.data.env_id);
  if (handle instanceof Response) return handle;
  const a = body.data.action;
  const index = typeof a === 'string' ? actionIndex(a) : a >= 0 && a < ACTION_NAMES.length ? a : -1;
  if (index < 0) {
    return invalid([{ type: 'value_error', loc: ['body', 'action'], msg: `action: unknown action ${JSON.stringify(a)}; valid: ${ACTION_NAMES.join(', ')} (or their indices 0..${ACTION_NAMES.length - 1})` }]);
  }
  const env = handle.env;
  if (env.done) {
    return taskError(409, 'episode_over', `environment ${handle.id}'s episode is over (${env.endReason}); terminate it and initialize a new one`, { env_id: handle.id, end_reason: env.endReason });
  }
  const r = env.step(index);
  const last = { reward: r.reward, terminated: r.terminated, truncated: r.truncated };
  const reward = reportedReward(env, handle.config, last);
  return c.json({
    observation: observationDict(env, handle.config, last),
    reward: round(reward),
    done: r.done,
    info: { action: ACTION_NAMES[index], achievements_unlocked: achievementNames(r.unlockedMask), terminated: r.terminated, truncated: r.truncated, end_reason: r.endReason },
    observation_text: promptText(env, handle.config, []),
  });
}

async function terminate(ctx: TaskAppContext, c: Context): Promise<Response> {
  const body = await readBody(c, EnvTerminateRequest);
  if (!body.ok) return body.response;
  const found = ctx.registry.lookup(body.data.env_id);
  if (found.kind === 'unknown') return taskError(404, 'env_not_found', `no environment ${JSON.stringify(body.data.env_id)}`, { env_id: body.data.env_id });
  if (found.kind === 'terminated') return c.json({ ok: true, already_terminated: true });
  const owned = liveEnv(ctx, c, body.data.env_id);
  if (owned instanceof Response) return owned;
  ctx.registry.terminate(owned.id);
  return c.json({ ok: true });
}

export function envRoutes(ctx: TaskAppContext): Hono {
  const app = new Hono();
  app.post('/env/:name/initialize', async (c) => admit(ctx, c) ?? initialize(ctx, c));
  app.post('/env/:name/step', async (c) => admit(ctx, c) ?? step(ctx, c));
  app.post('/env/:name/terminate', async (c) => admit(ctx, c) ?? terminate(ctx, c));
  return app;
}
