// The /task_info sub-app alone: the task set, per-seed descriptions, and 422 {detail} for bad seeds.
import { afterAll, describe, expect, test } from 'bun:test';
import { taskInfoRoutes } from '../../../../sim/taskapp/routes/task-info.ts';
import { call, testContext } from './helpers.ts';

const ctx = testContext();
const app = taskInfoRoutes(ctx);
afterAll(() => ctx.registry.stop());

interface Invalid {
  status: string;
  detail: { loc: string[]; msg: string }[];
}

describe('GET /task_info', () => {
  test('without seeds: the task set; with one seed: one description; with two: a list', async () => {
    const set = await call<{ taskset: { environment: string; achievements: string[] } }>(app, '/task_info');
    expect(set.status).toBe(200);
    expect(set.body.taskset.environment).toBe('CrafterClassic');
    expect(set.body.taskset.achievements).toHaveLength(22);
    const one = await call<{ task_metadata: { seed: number; map_size: number } }>(app, '/task_info?seed=5');
    expect(one.body.task_metadata).toMatchObject({ seed: 5, map_size: 16 });
    const two = await call<unknown[]>(app, '/task_info?seeds=1,2');
    expect(two.body).toHaveLength(2);
  });

  test('a bad seed or too many: 422 {detail} naming query.seed; no key: 401', async () => {
    const bad = await call<Invalid>(app, '/task_info?seed=-3');
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]?.loc).toEqual(['query', 'seed']);
    expect(bad.body.detail[0]?.msg).toContain('"-3"');
    const many = await call<Invalid>(app, `/task_info?seeds=${Array.from({ length: 101 }, (_, i) => i).join(',')}`);
    expect(many.status).toBe(422);
    expect(many.body.detail[0]?.msg).toContain('at most 100');
    expect((await call(app, '/task_info', { headers: { 'x-api-key': '' } })).status).toBe(401);
  });
});
