// The built-in policies read the task app's observation text and answer with one `interact` call
// whose arguments are {"actions": [...], "reasoning": "..."} (docs/wire-contract.md §4.6).
import { describe, expect, test } from 'bun:test';
import type { ChatCompletionRequest } from '../../../src/api/chat.ts';
import { ACHIEVEMENTS, ACTION_NAMES, CrafterEnv, actionIndex, scenario, textObservation } from '../../../sim/crafter/index.ts';
import { HeuristicPolicy, RandomPolicy, parseCrafterView, type PolicyModel } from '../../../sim/inference/index.ts';
import { buildPolicyRequest } from '../../../sim/taskapp/index.ts';

function request(text: string, extra: Partial<ChatCompletionRequest> = {}, model = 'sim:heuristic'): ChatCompletionRequest {
  return { ...(buildPolicyRequest(model, text) as ChatCompletionRequest), ...extra };
}

async function decide(policy: PolicyModel, text: string, extra: Partial<ChatCompletionRequest> = {}): Promise<{ actions: string[]; reasoning: string }> {
  const r = await policy.complete(request(text, extra, policy.id), {});
  const call = r.choices[0]?.message.tool_calls?.[0];
  expect(call?.function.name).toBe('interact');
  expect(r.choices[0]?.finish_reason).toBe('tool_calls');
  return JSON.parse(call?.function.arguments ?? '{}') as { actions: string[]; reasoning: string };
}

/** A grass map with the player at (8, 8) facing down. */
function blank(): CrafterEnv {
  const env = new CrafterEnv({ preset: 'micro', seed: 1 });
  scenario.blankWorld(env, 'grass', { x: 8, y: 8 });
  scenario.face(env, 'down');
  return env;
}

describe('observation parsing', () => {
  test('position, facing, steps, inventory, unlocked, and the map with the task app\'s transposition undone', () => {
    const env = blank();
    scenario.setMaterial(env, 9, 6, 'tree'); // dx +1, dy −2
    scenario.setMaterial(env, 5, 8, 'water'); // dx −3, dy 0
    scenario.spawn(env, 'cow', 8, 9); // dx 0, dy +1
    scenario.setItem(env, 'wood', 2);
    const v = parseCrafterView(textObservation(env));
    expect(v).toBeDefined();
    expect([v?.x, v?.y, v?.steps]).toEqual([8, 8, 0]);
    expect(v?.facing).toEqual({ dx: 0, dy: 1 });
    expect(v?.inventory).toMatchObject({ health: 9, wood: 2 });
    expect(v?.cell(1, -2)).toBe('tree');
    expect(v?.cell(-3, 0)).toBe('water');
    expect(v?.cell(0, 1)).toBe('cow');
    expect(v?.cell(0, 0)).toBe('player');
    expect(v?.cell(4, 0)).toBeUndefined();
  });

  test('not a Crafter observation: undefined (the heuristic then answers noop)', async () => {
    expect(parseCrafterView('hello')).toBeUndefined();
    expect((await decide(new HeuristicPolicy(), 'hello')).actions).toEqual(['noop']);
  });
});

describe('sim:random', () => {
  test('2–5 valid actions; the same prompt (or seed) gives the same answer, another differs', async () => {
    const p = new RandomPolicy();
    const env = new CrafterEnv({ preset: 'micro', seed: 3 });
    const text = textObservation(env);
    const a = await decide(p, text);
    const b = await decide(p, text);
    expect(a).toEqual(b);
    expect(a.actions.length).toBeGreaterThanOrEqual(2);
    expect(a.actions.length).toBeLessThanOrEqual(5);
    for (const name of a.actions) expect(ACTION_NAMES as readonly string[]).toContain(name);
    const seeds = await Promise.all([1, 2, 3, 4, 5].map((seed) => decide(p, text, { seed })));
    expect(new Set(seeds.map((s) => s.actions.join())).size).toBeGreaterThan(1);
    expect(await decide(p, text, { seed: 2 })).toEqual(seeds[1] as { actions: string[]; reasoning: string });
  });

  test('covers the whole action space over many prompts', async () => {
    const p = new RandomPolicy();
    const seen = new Set<string>();
    for (let seed = 0; seed < 60; seed++) for (const a of (await decide(p, 'x', { seed })).actions) seen.add(a);
    expect(seen.size).toBe(ACTION_NAMES.length);
  });

  test('logprobs when asked: ln(1/17) per action', async () => {
    const r = await new RandomPolicy().complete(request('x', { logprobs: true, seed: 1 }, 'sim:random'), {});
    const lp = r.choices[0]?.logprobs as { content: { logprob: number }[] };
    for (const t of lp.content) expect(t.logprob).toBeCloseTo(-Math.log(17), 9);
  });
});

describe('sim:heuristic decisions', () => {
  const h = new HeuristicPolicy();

  test('a tree two tiles right: one step beside it (now facing it), then chop; a tree behind a corner: turn first', async () => {
    const env = blank();
    scenario.setMaterial(env, 10, 8, 'tree');
    expect((await decide(h, textObservation(env))).actions).toEqual(['move_right', 'do']);
    const corner = blank();
    scenario.setMaterial(corner, 9, 7, 'tree'); // diagonal up-right: stand right of the player, face up
    expect((await decide(h, textObservation(corner))).actions).toEqual(['move_right', 'move_up', 'do']);
  });

  test('two wood and grass ahead: place a table (and with a third wood, the pickaxe right after)', async () => {
    const env = blank();
    scenario.setItem(env, 'wood', 2);
    expect((await decide(h, textObservation(env))).actions).toEqual(['place_table']);
    scenario.setItem(env, 'wood', 3);
    expect((await decide(h, textObservation(env))).actions).toEqual(['place_table', 'make_wood_pickaxe']);
  });

  test('at a table with wood and stone: craft the wooden and stone tools in order', async () => {
    const env = blank();
    scenario.setMaterial(env, 9, 9, 'table');
    scenario.setItem(env, 'wood', 4);
    scenario.setItem(env, 'stone', 1);
    expect((await decide(h, textObservation(env))).actions).toEqual(['make_wood_pickaxe', 'make_wood_sword', 'make_stone_pickaxe']);
  });

  test('with a pickaxe, stone in view: mine it and put one back for place_stone', async () => {
    const env = blank();
    scenario.setItem(env, 'wood_pickaxe', 1);
    scenario.setMaterial(env, 8, 6, 'stone');
    expect((await decide(h, textObservation(env))).actions).toEqual(['move_up', 'do', 'place_stone']);
  });

  test('never walks onto lava', async () => {
    const env = blank();
    for (let y = 5; y <= 11; y++) scenario.setMaterial(env, 9, y, 'lava');
    scenario.setMaterial(env, 11, 8, 'tree');
    const d = await decide(h, textObservation(env));
    expect(d.actions).not.toContain('move_right');
  });

  test('explores along its previous heading (carried in its own reasoning)', async () => {
    const env = blank();
    env.unlock(ACHIEVEMENTS.indexOf('collect_sapling')); // else it searches the grass ahead first
    const prev = { tool_name: 'interact', arguments: JSON.stringify({ actions: ['move_up'], reasoning: 'explore up' }) };
    const d = await decide(h, textObservation(env, { previousToolCalls: [prev] }));
    expect(d.reasoning).toBe('explore up');
    expect(d.actions.every((a) => a === 'move_up')).toBe(true);
  });

  test('every answer is valid JSON with known actions, over whole episodes', async () => {
    for (let seed = 0; seed < 3; seed++) {
      const env = new CrafterEnv({ preset: 'micro', seed });
      while (env.stepCount < 60 && !env.done) {
        const d = await decide(h, textObservation(env));
        expect(d.actions.length).toBeGreaterThan(0);
        expect(d.actions.length).toBeLessThanOrEqual(5);
        for (const a of d.actions) {
          expect(actionIndex(a)).toBeGreaterThanOrEqual(0);
          if (!env.done) env.step(actionIndex(a));
        }
      }
    }
  });
});
