// The /env/{name}/… sub-app alone: initialize → step → terminate, and the 4xx {detail} answers.
import { afterAll, describe, expect, test } from 'bun:test';
import { envRoutes } from '../../../../sim/taskapp/routes/env.ts';
import { call, testContext } from './helpers.ts';

const ctx = testContext({ maxEnvs: 2 });
const app = envRoutes(ctx);
afterAll(() => ctx.registry.stop());

interface TaskErrorBody {
  detail: { error: { code: string; message: string } };
}

describe('/env/CrafterClassic routes', () => {
  test('initialize, step by name and index, terminate (twice: already_terminated)', async () => {
    const init = await call<{ env_id: string; config: { seed: number } }>(app, '/env/CrafterClassic/initialize', { json: { seed: 3 } });
    expect(init.status).toBe(200);
    expect(init.body.config.seed).toBe(3);
    const id = init.body.env_id;
    const step = await call<{ done: boolean; info: { action: string } }>(app, '/env/CrafterClassic/step', { json: { env_id: id, action: 'move_left' } });
    expect(step.status).toBe(200);
    expect(step.body.info.action).toBe('move_left');
    expect((await call<{ info: { action: string } }>(app, '/env/CrafterClassic/step', { json: { env_id: id, action: 5 } })).body.info.action).toBe('do');
    expect((await call(app, '/env/CrafterClassic/terminate', { json: { env_id: id } })).body).toEqual({ ok: true });
    expect((await call(app, '/env/CrafterClassic/terminate', { json: { env_id: id } })).body).toEqual({ ok: true, already_terminated: true });
  });

  test('unknown env name 404, unknown env 404, terminated 409, bad action 422, no key 401 — each with detail', async () => {
    const name = await call<{ detail: string }>(app, '/env/Pong/initialize', { json: {} });
    expect(name.status).toBe(404);
    expect(name.body.detail).toContain('"Pong"');
    const unknown = await call<TaskErrorBody>(app, '/env/CrafterClassic/step', { json: { env_id: 'nope', action: 'noop' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail.error.code).toBe('env_not_found');
    const init = await call<{ env_id: string }>(app, '/env/CrafterClassic/initialize', { json: {} });
    const badAction = await call<{ detail: { loc: string[] }[] }>(app, '/env/CrafterClassic/step', { json: { env_id: init.body.env_id, action: 'fly' } });
    expect(badAction.status).toBe(422);
    expect(badAction.body.detail[0]?.loc).toEqual(['body', 'action']);
    await call(app, '/env/CrafterClassic/terminate', { json: { env_id: init.body.env_id } });
    const over = await call<TaskErrorBody>(app, '/env/CrafterClassic/step', { json: { env_id: init.body.env_id, action: 'noop' } });
    expect(over.status).toBe(409);
    expect(over.body.detail.error.code).toBe('env_terminated');
    expect((await call(app, '/env/CrafterClassic/initialize', { json: {}, headers: { 'x-api-key': '' } })).status).toBe(401);
  });

  test('another run\'s env: 403 env_not_owned; past max_envs: 429 too_many_envs with Retry-After', async () => {
    const mine = await call<{ env_id: string }>(app, '/env/CrafterClassic/initialize', { json: {}, headers: { 'x-run-id': 'run-a' } });
    const theirs = await call<TaskErrorBody>(app, '/env/CrafterClassic/step', { json: { env_id: mine.body.env_id, action: 'noop' }, headers: { 'x-run-id': 'run-b' } });
    expect(theirs.status).toBe(403);
    expect(theirs.body.detail.error.code).toBe('env_not_owned');
    await call(app, '/env/CrafterClassic/initialize', { json: {} });
    const full = await call<TaskErrorBody>(app, '/env/CrafterClassic/initialize', { json: {} });
    expect(full.status).toBe(429);
    expect(full.body.detail.error.code).toBe('too_many_envs');
    expect(full.headers.get('retry-after')).toBe('1');
  });
});
