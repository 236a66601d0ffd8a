// Every route of the simulated task app against the wire schemas in src/api/taskapp.ts
// (docs/wire-contract.md §4.1, §4.4, §4.5, §4.7).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import {
  ActionsResponse, CRAFTER_ACHIEVEMENTS, CRAFTER_ACTIONS, EnvInitializeResponse, EnvStepResponse, EnvTerminateResponse, RolloutResponse,
  TaskAppInfo, TaskInfo,
} from '../../../src/api/taskapp.ts';
import { ACHIEVEMENTS, ACTION_NAMES } from '../../../sim/crafter/index.ts';
import { startTaskAppServer, type TaskAppServer } from './helpers.ts';

let t: TaskAppServer;
beforeAll(async () => {
  t = await startTaskAppServer();
});
afterAll(() => t.stop());

const ENV = '/env/CrafterClassic';
const OBS_KEYS = [
  'inventory', 'achievements_status', 'player_position', 'player_direction', 'semantic_map', 'world_material_map', 'num_steps_taken',
  'max_steps_episode', 'reward_last_step', 'total_reward_episode', 'terminated', 'truncated',
];

async function init(body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const r = await t.json(`${ENV}/initialize`, { json: body, headers });
  expect(r.status).toBe(200);
  return EnvInitializeResponse.parse(r.body);
}

describe('the contract constants match the engine', () => {
  test('17 actions and 22 achievements in Crafter order', () => {
    expect([...CRAFTER_ACTIONS]).toEqual([...ACTION_NAMES]);
    expect([...CRAFTER_ACHIEVEMENTS]).toEqual([...ACHIEVEMENTS]);
  });
});

describe('probes and descriptors', () => {
  test('GET /actions: the 17 Crafter action names in index order', async () => {
    const r = await t.json('/actions');
    expect(r.status).toBe(200);
    expect(ActionsResponse.parse(r.body).actions).toEqual([...ACTION_NAMES]);
  });

  test('GET /info: service, dataset, inference, capabilities, limits', async () => {
    const r = await t.json('/info');
    expect(r.status).toBe(200);
    const info = TaskAppInfo.parse(r.body);
    expect(info.capabilities).toContain('rollout');
    expect(info.limits).toMatchObject({ max_envs: 256 });
    expect(info.dataset).toMatchObject({ default_preset: 'micro' });
  });

  test('GET /task_info: taskset without seeds; one TaskInfo per ?seed=; a list for several; ?seeds= too', async () => {
    const set = await t.json<{ taskset: { action_space: string[] } }>('/task_info');
    expect(set.status).toBe(200);
    expect(set.body.taskset.action_space).toEqual([...ACTION_NAMES]);
    const one = await t.json('/task_info?seed=3');
    const info = TaskInfo.parse(one.body);
    expect(info.environment).toBe('CrafterClassic');
    expect(info.task_metadata).toMatchObject({ seed: 3, preset: 'micro', map_size: 16 });
    const two = await t.json<unknown[]>('/task_info?seed=3&seed=4');
    expect(two.body.map((x) => TaskInfo.parse(x).task_metadata.seed)).toEqual([3, 4]);
    const csv = await t.json<unknown[]>('/task_info?seeds=5,6');
    expect(csv.body.map((x) => TaskInfo.parse(x).task_metadata.seed)).toEqual([5, 6]);
    // The start position is the env's: initialize with the same seed starts there.
    const env = await init({ seed: 3 });
    expect(env.observation.player_position).toEqual(info.task_metadata.start_position as number[]);
  });

  test('GET /task_info: a non-integer seed is a 422 naming it', async () => {
    const r = await t.json<{ detail: { loc: string[]; msg: string }[] }>('/task_info?seed=abc');
    expect(r.status).toBe(422);
    expect(r.body.detail[0]?.loc).toEqual(['query', 'seed']);
    expect(r.body.detail[0]?.msg).toContain('"abc"');
  });

  test('unknown routes: 404 JSON', async () => {
    const r = await t.json<{ detail: string }>('/nope');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.body.detail).toContain('/nope');
  });
});

describe('/env/CrafterClassic', () => {
  test('initialize → {env_id: env_ + 12 hex, observation with the docs/wire-contract.md §4.7 keys, observation_text}', async () => {
    const r = await init({ seed: 11, env_config: { preset: 'small' } });
    expect(r.env_id).toMatch(/^env_[0-9a-f]{12}$/);
    for (const k of OBS_KEYS) expect(r.observation).toHaveProperty(k);
    expect(r.observation.semantic_map).toBe('<ndarray shape=(32, 32) dtype=uint8>');
    expect(r.observation.num_steps_taken).toBe(0);
    expect((r.observation.inventory as Record<string, number>).health).toBe(9);
    expect(Object.keys(r.observation.achievements_status as object)).toEqual([...ACHIEVEMENTS]);
    expect(r.observation_text).toStartWith('Current observation:\nposition: (x=');
  });

  test('same seed ⇒ same start; each initialize is a fresh, isolated instance', async () => {
    const a = await init({ seed: 5 });
    const b = await init({ seed: 5 });
    expect(a.env_id).not.toBe(b.env_id);
    expect(a.observation).toEqual(b.observation);
    const stepped = await t.json(`${ENV}/step`, { json: { env_id: a.env_id, action: 'move_left' } });
    expect(stepped.status).toBe(200);
    const sa = EnvStepResponse.parse(stepped.body);
    expect(sa.observation.num_steps_taken).toBe(1);
    const sb = EnvStepResponse.parse((await t.json(`${ENV}/step`, { json: { env_id: b.env_id, action: 'noop' } })).body);
    expect(sb.observation.num_steps_taken).toBe(1);
    // a turned left; b did not move or turn.
    expect(sa.observation.player_direction).toEqual([-1, 0]);
    expect(sb.observation.player_direction).toEqual([0, 1]);
  });

  test('step accepts every action name, aliases and indices; info names the action taken', async () => {
    const env = await init({ seed: 1 });
    for (const [i, name] of ACTION_NAMES.entries()) {
      const r = await t.json(`${ENV}/step`, { json: { env_id: env.env_id, action: i % 2 === 0 ? name : i } });
      expect(r.status).toBe(200);
      expect(EnvStepResponse.parse(r.body).info).toMatchObject({ action: name });
    }
    const alias = EnvStepResponse.parse((await t.json(`${ENV}/step`, { json: { env_id: env.env_id, action: 'LEFT' } })).body);
    expect(alias.info).toMatchObject({ action: 'move_left' });
  });

  test('terminate → {ok: true}; terminating again is idempotent', async () => {
    const env = await init();
    const r = await t.json(`${ENV}/terminate`, { json: { env_id: env.env_id } });
    expect(r.status).toBe(200);
    expect(EnvTerminateResponse.parse(r.body).ok).toBe(true);
    const again = await t.json(`${ENV}/terminate`, { json: { env_id: env.env_id } });
    expect(again.body).toEqual({ ok: true, already_terminated: true });
  });

  test('X-Run-Id: a newer initialize of the same run terminates the older env; another run may not step it', async () => {
    const first = await init({}, { 'x-run-id': 'run-a' });
    const second = await init({}, { 'x-run-id': 'run-a' });
    const old = await t.json<{ detail: { error: { code: string; message: string } } }>(`${ENV}/step`, { json: { env_id: first.env_id, action: 'noop' } });
    expect(old.status).toBe(409);
    expect(old.body.detail.error.code).toBe('env_terminated');
    expect(old.body.detail.error.message).toContain('run-a');
    const foreign = await t.json<{ detail: { error: { code: string } } }>(`${ENV}/step`, { json: { env_id: second.env_id, action: 'noop' }, headers: { 'x-run-id': 'run-b' } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.detail.error.code).toBe('env_not_owned');
    const own = await t.json(`${ENV}/step`, { json: { env_id: second.env_id, action: 'noop' }, headers: { 'x-run-id': 'run-a' } });
    expect(own.status).toBe(200);
  });

  test('env config: preset, engine max_steps (done + truncated at the cap), observation format', async () => {
    const env = await init({ seed: 2, env_config: { max_steps: 2, observation_format: 'grid' } });
    expect(env.observation.max_steps_episode).toBe(2);
    await t.json(`${ENV}/step`, { json: { env_id: env.env_id, action: 'noop' } });
    const last = EnvStepResponse.parse((await t.json(`${ENV}/step`, { json: { env_id: env.env_id, action: 'noop' } })).body);
    expect(last.done).toBe(true);
    expect(last.observation.truncated).toBe(true);
    expect(last.info).toMatchObject({ end_reason: 'max_steps' });
    // 'grid' prints the same 7 × 7 map transposed (rows = y) — everything else is identical.
    const synth = (await init({ seed: 2 })).observation_text as string;
    const grid = (await init({ seed: 2, env_config: { observation_format: 'grid' } })).observation_text as string;
    const mapOf = (text: string) => text.split('\n').slice(9, 16).map((row) => row.split(' '));
    expect(grid.split('\n').slice(0, 9)).toEqual(synth.split('\n').slice(0, 9));
    const transposed = mapOf(synth).map((_, i) => mapOf(synth).map((row) => row[i]));
    expect(mapOf(grid)).toEqual(transposed as string[][]);
  });

  test('an env name other than Crafter is a 404 naming it', async () => {
    const r = await t.json<{ detail: string }>('/env/Sokoban/initialize', { json: {} });
    expect(r.status).toBe(404);
    expect(r.body.detail).toContain('"Sokoban"');
  });
});

describe('/rollout with no agent ops', () => {
  test('answers the documented RolloutResponse (no inference needed)', async () => {
    const r = await t.json('/rollout', { json: { run_id: 'plain', env: { seed: 4 }, ops: [] } });
    expect(r.status).toBe(200);
    const body = RolloutResponse.parse(r.body);
    expect(body.run_id).toBe('plain');
    expect(body.trajectories).toHaveLength(1);
    expect(body.trajectories[0]?.steps).toEqual([]);
    expect(body.metrics).toMatchObject({ episode_returns: [0], mean_return: 0, num_steps: 0, num_episodes: 1 });
    expect(body.metrics.details).toMatchObject({ end_reason: 'ops_exhausted', achievements: [] });
    expect(body.ops_executed).toBe(0);
    expect(body.aborted).toBe(false);
    // The rollout's env is gone afterwards.
    const envId = body.trajectories[0]?.env_id as string;
    const step = await t.json(`${ENV}/step`, { json: { env_id: envId, action: 'noop' } });
    expect(step.status).toBe(409);
  });
});
