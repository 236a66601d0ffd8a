// The /rollout sub-app alone, with inference answered by a fake fetch: a whole episode, and the
// 4xx {detail} answers.
import { afterAll, describe, expect, test } from 'bun:test';
import { rolloutRoutes } from '../../../../sim/taskapp/routes/rollout.ts';
import { interact, rolloutBody } from '../helpers.ts';
import { call, fakeFetch, testContext } from './helpers.ts';

const model = fakeFetch(() => interact(['move_left', 'do']));
const ctx = testContext({ fetch: model.fetch });
const app = rolloutRoutes(ctx);
afterAll(() => ctx.registry.stop());

describe('POST /rollout', () => {
  test('runs the ops against the model and answers the trajectory and metrics', async () => {
    const logged: string[] = [];
    ctx.log = (line) => logged.push(line);
    const r = await call<{ run_id: string; metrics: { num_steps: number }; trajectories: { steps: unknown[] }[] }>(app, '/rollout', { json: rolloutBody('http://inference.test', { run_id: 'run-sub' }, 2) });
    expect(r.status).toBe(200);
    expect(r.body.run_id).toBe('run-sub');
    expect(model.bodies).toHaveLength(2);
    expect(r.body.trajectories[0]?.steps.length).toBeGreaterThan(0);
    expect(logged).toEqual(['rollout run-sub: HTTP 200']);
  });

  test('no inference_url: 422 naming it; malformed JSON: 400; no key: 401 — each with detail', async () => {
    const noUrl = await call<{ detail: { loc: string[] }[] }>(app, '/rollout', { json: rolloutBody(undefined) });
    expect(noUrl.status).toBe(422);
    expect(noUrl.body.detail[0]?.loc).toEqual(['body', 'policy', 'config', 'inference_url']);
    const malformed = await call<{ detail: string }>(app, '/rollout', { json: '{"run_id": ' });
    expect(malformed.status).toBe(400);
    expect(typeof malformed.body.detail).toBe('string');
    const anon = await call<{ detail: string }>(app, '/rollout', { json: rolloutBody('http://inference.test'), headers: { 'x-api-key': 'sk-wrong' } });
    expect(anon.status).toBe(401);
    expect(anon.body.detail).toBeDefined();
  });
});
