// GET /task_info (docs/wire-contract.md §4.4): the task set without seeds; with `seed`/`seeds`
// (repeated or comma lists, at most 100) one description per seed, a 422 naming a bad seed.
import { Hono } from 'hono';
import { VERSION } from '../../../src/index.ts';
import { ACHIEVEMENTS, ACTION_NAMES, CrafterEnv } from '../../crafter/index.ts';
import { ENV_NAME, resolveEnvConfig } from '../env-config.ts';
import { invalid } from '../http.ts';
import { observationDict, NO_STEP } from '../observation.ts';
import { datasetInfo, guard, INFERENCE_INFO, limitsInfo, type TaskAppContext } from './context.ts';

const MAX_TASK_INFO_SEEDS = 100;

function seedInfo(ctx: TaskAppContext, seed: number): Record<string, unknown> {
  const env = new CrafterEnv({ preset: ctx.preset, seed });
  return {
    task: { id: 'crafter', name: 'Crafter', version: VERSION },
    environment: ENV_NAME,
    action_space: { type: 'discrete', size: ACTION_NAMES.length, actions: [...ACTION_NAMES] },
    observation: { type: 'text+dict', keys: Object.keys(observationDict(env, resolveEnvConfig({}, ctx.defaults, seed), NO_STEP)), text: 'docs/wire-contract.md §4.7' },
    dataset: { ...datasetInfo(ctx), seed, preset: ctx.preset },
    rubric: null,
    inference: INFERENCE_INFO,
    limits: limitsInfo(ctx),
    task_metadata: { seed, preset: ctx.preset, map_size: env.size, start_position: [env.playerX, env.playerY], achievements: [...ACHIEVEMENTS] },
  };
}

export function taskInfoRoutes(ctx: TaskAppContext): Hono {
  const app = new Hono();
  app.get('/task_info', (c) => {
    const denied = guard(ctx, c);
    if (denied) return denied;
    const raw = [...(c.req.queries('seed') ?? []), ...(c.req.queries('seeds') ?? []).flatMap((s) => s.split(','))].map((s) => s.trim()).filter((s) => s !== '');
    if (raw.length === 0) {
      return c.json({ taskset: { id: 'crafter', name: 'Crafter', environment: ENV_NAME, dataset: datasetInfo(ctx), action_space: [...ACTION_NAMES], achievements: [...ACHIEVEMENTS], simulated: true } });
    }
    if (raw.length > MAX_TASK_INFO_SEEDS) return invalid([{ type: 'value_error', loc: ['query', 'seed'], msg: `at most ${MAX_TASK_INFO_SEEDS} seeds per request, got ${raw.length}` }]);
    const bad = raw.find((s) => !/^\d+$/.test(s) || !Number.isSafeInteger(Number(s)));
    if (bad !== undefined) return invalid([{ type: 'int_parsing', loc: ['query', 'seed'], msg: `seed must be a non-negative integer, got ${JSON.stringify(bad)}` }]);
    const infos = raw.map((s) => seedInfo(ctx, Number(s)));
    return c.json(infos.length === 1 ? infos[0] : infos);
  });
  return app;
}
