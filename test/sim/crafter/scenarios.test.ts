// Scripted scenarios of docs/crafter.md §8.6 and the life-stat cadences of §2.3.

import { describe, expect, test } from 'bun:test';
import { ACTION_NAMES, CrafterEnv, scenario } from '../../../sim/crafter/index.ts';
import { PX, PY, act, count, items, refreshVitals, sandbox } from './helpers.ts';

const TX = PX + 1;
const TY = PY;

/** Surrounds (x, y) with stone on three sides, leaving the side toward the player open. */
function boxInFront(env: ReturnType<typeof sandbox>): void {
  scenario.setMaterial(env, TX + 1, TY, 'stone');
  scenario.setMaterial(env, TX, TY - 1, 'stone');
  scenario.setMaterial(env, TX, TY + 1, 'stone');
}

describe('plants', () => {
  test('sapling → plant → ripe after 301 updates → eat', () => {
    const env = sandbox();
    scenario.setMaterial(env, TX, TY, 'grass');
    scenario.setItem(env, 'sapling', 1);
    act(env, 'place_plant');
    expect(scenario.objectAt(env, TX, TY)).toBe('plant');
    expect(items(env).sapling).toBe(0);
    for (let i = 0; i < 300; i++) {
      refreshVitals(env);
      act(env, 'noop');
    }
    // 300 updates: not ripe yet (ripe means grown > 300), so `do` does nothing to it.
    scenario.setItem(env, 'food', 3);
    env.hunger = 0;
    act(env, 'do');
    expect(items(env).food).toBe(3);
    expect(count(env, 'eat_plant')).toBe(0);
    expect(scenario.objectAt(env, TX, TY)).toBe('plant');
    // That step was the 301st update: now ripe.
    env.hunger = 0;
    const r = act(env, 'do');
    expect(items(env).food).toBe(7);
    expect(count(env, 'eat_plant')).toBe(1);
    expect(r.reward).toBe(1);
    // Eating keeps the plant and resets its growth.
    expect(scenario.objectAt(env, TX, TY)).toBe('plant');
    env.hunger = 0;
    act(env, 'do');
    expect(items(env).food).toBe(7);
    expect(count(env, 'eat_plant')).toBe(1);
  });

  test('a plant next to a cow is eaten (removed)', () => {
    const env = sandbox();
    scenario.setMaterial(env, TX, TY, 'grass');
    // Created before the cow, the plant updates first and sees the cow beside it.
    const plant = scenario.spawn(env, 'plant', TX, TY);
    scenario.spawn(env, 'cow', TX + 1, TY);
    act(env, 'noop');
    expect(env.world.kind[plant]).toBe(0);
  });

  test('a plant with no creature beside it survives', () => {
    const env = sandbox();
    scenario.setMaterial(env, TX, TY, 'grass');
    const plant = scenario.spawn(env, 'plant', TX, TY);
    for (let i = 0; i < 20; i++) act(env, 'noop');
    expect(scenario.objectAt(env, TX, TY)).toBe('plant');
    expect(env.world.timer[plant]).toBe(20);
  });

  test('plants grow only within the update radius (L1 < 18)', () => {
    const env = sandbox({ preset: 'small' });
    scenario.placePlayer(env, 0, 0, 'right');
    scenario.setMaterial(env, 18, 0, 'grass');
    scenario.setMaterial(env, 17, 0, 'grass');
    const far = scenario.spawn(env, 'plant', 18, 0);
    const near = scenario.spawn(env, 'plant', 17, 0);
    for (let i = 0; i < 10; i++) act(env, 'noop');
    expect(env.world.timer[far]).toBe(0);
    expect(env.world.timer[near]).toBe(10);
  });
});

describe('zombies', () => {
  test('adjacent zombie hits an awake player for 2 every 6 steps', () => {
    const env = sandbox();
    boxInFront(env);
    scenario.spawn(env, 'zombie', TX, TY);
    const hits: number[] = [];
    let health = items(env).health;
    for (let t = 1; t <= 19; t++) {
      const r = act(env, 'noop');
      const h = items(env).health;
      if (h < health) {
        expect(health - h).toBe(2);
        expect(r.reward).toBeCloseTo(-0.2, 12);
        hits.push(t);
      }
      health = h;
    }
    expect(hits).toEqual([1, 7, 13, 19]);
  });

  test('a sleeping player takes 7 and wakes without the wake_up achievement', () => {
    const env = sandbox();
    boxInFront(env);
    scenario.setItem(env, 'energy', 3);
    scenario.spawn(env, 'zombie', TX, TY);
    act(env, 'sleep');
    expect(items(env).health).toBe(2);
    expect(env.sleeping).toBe(true); // the hit lands after the player's update
    act(env, 'noop');
    expect(env.sleeping).toBe(false); // woken by the damage at its next update
    expect(count(env, 'wake_up')).toBe(0);
    expect(items(env).health).toBe(2); // cooldown: no second hit yet
  });

  test('zombies chase the player', () => {
    const env = sandbox({ preset: 'small' });
    const slot = scenario.spawn(env, 'zombie', PX + 6, PY + 1);
    let closest = 7;
    for (let i = 0; i < 30; i++) {
      act(env, 'noop');
      const d = Math.abs(env.world.ox[slot]! - PX) + Math.abs(env.world.oy[slot]! - PY);
      closest = Math.min(closest, d);
    }
    expect(closest).toBe(1);
  });
});

describe('sleep', () => {
  test('sleep needs energy < 9', () => {
    const env = sandbox();
    act(env, 'sleep');
    expect(env.sleeping).toBe(false);
  });

  test('sleep locks the player until energy is 9, then wake_up and the action runs', () => {
    const env = sandbox();
    scenario.setItem(env, 'energy', 5);
    env.fatigue = 0;
    act(env, 'sleep');
    expect(env.sleeping).toBe(true);
    let t = 1;
    // Energy +1 every 11 sleeping steps: 6, 7, 8, 9 at steps 11, 22, 33, 44.
    while (env.sleeping) {
      t++;
      const r = act(env, 'move_left');
      if (env.sleeping) {
        expect(env.playerX).toBe(PX);
        expect(r.reward).toBe(0);
      } else {
        break;
      }
      if (t > 100) throw new Error('never woke up');
    }
    expect(t).toBe(45);
    expect(items(env).energy).toBe(9);
    expect(count(env, 'wake_up')).toBe(1);
    expect(env.playerX).toBe(PX - 1); // the waking step's action is executed normally
    expect(env.facing).toBe(0);
  });
});

/** An arrow at PX+2 flying right into `material` at PX+3, after one step. */
function arrowInto(material: Parameters<typeof scenario.setMaterial>[3]) {
  const env = sandbox();
  scenario.setMaterial(env, PX + 3, PY, material);
  const arrow = scenario.spawn(env, 'arrow', PX + 2, PY, { direction: 'right' });
  act(env, 'noop');
  return { env, arrow };
}

describe('arrows', () => {
  for (const station of ['table', 'furnace'] as const) {
    test(`an arrow turns a ${station} into path`, () => {
      const { env, arrow } = arrowInto(station);
      expect(scenario.materialName(env, PX + 3, PY)).toBe('path');
      expect(env.world.kind[arrow]).toBe(0);
    });
  }

  test('an arrow hits the player for 2 and flies over water', () => {
    const env = sandbox();
    scenario.setMaterial(env, PX + 2, PY, 'water');
    scenario.spawn(env, 'arrow', PX + 3, PY, { direction: 'left' });
    act(env, 'noop');
    expect(scenario.objectAt(env, PX + 2, PY)).toBe('arrow');
    expect(items(env).health).toBe(9);
    act(env, 'noop');
    expect(scenario.objectAt(env, PX + 1, PY)).toBe('arrow');
    const r = act(env, 'noop');
    expect(items(env).health).toBe(7);
    expect(r.reward).toBeCloseTo(-0.2, 12);
    expect(scenario.objectAt(env, PX + 1, PY)).toBeUndefined();
  });

  test('an arrow stops at stone without changing it', () => {
    const { env } = arrowInto('stone');
    expect(scenario.materialName(env, PX + 3, PY)).toBe('stone');
    expect(scenario.objectAt(env, PX + 2, PY)).toBeUndefined();
  });

  test('a skeleton in range shoots arrows', () => {
    const env = sandbox({ fill: 'path' });
    scenario.spawn(env, 'skeleton', PX + 5, PY);
    let arrows = 0;
    for (let i = 0; i < 40; i++) {
      refreshVitals(env);
      scenario.setItem(env, 'health', 9);
      act(env, 'noop');
      for (let r = 0; r < env.world.orderLen; r++) if (env.world.kind[env.world.order[r]!] === 5) arrows++;
    }
    expect(arrows).toBeGreaterThan(0);
  });
});

describe('death and reward', () => {
  test('walking into lava kills: health 0, done, died', () => {
    const env = sandbox();
    scenario.setMaterial(env, TX, TY, 'lava');
    const r = act(env, 'move_right');
    expect(env.playerX).toBe(TX);
    expect(items(env).health).toBe(0);
    expect(r.done).toBe(true);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.endReason).toBe('died');
    expect(r.reward).toBeCloseTo(-0.9, 12);
    expect(() => act(env, 'noop')).toThrow();
  });

  test('blocked moves still turn the player', () => {
    const env = sandbox();
    scenario.setMaterial(env, PX, PY - 1, 'stone');
    act(env, 'move_up');
    expect([env.playerX, env.playerY]).toEqual([PX, PY]);
    expect(env.facing).toBe(2);
  });

  test('collecting at the inventory cap still counts the achievement', () => {
    const env = sandbox();
    scenario.setMaterial(env, TX, TY, 'tree');
    scenario.setItem(env, 'wood', 9);
    const r = act(env, 'do');
    expect(items(env).wood).toBe(9);
    expect(count(env, 'collect_wood')).toBe(1);
    expect(scenario.materialName(env, TX, TY)).toBe('grass');
    expect(r.reward).toBe(1);
  });

  test('two unlocks in one step give +1.0, not +2', () => {
    const env = sandbox();
    scenario.setMaterial(env, TX, TY, 'tree');
    env.sleeping = true; // energy is 9, so this update wakes (wake_up) and then runs `do` (collect_wood)
    const r = act(env, 'do');
    expect(count(env, 'wake_up')).toBe(1);
    expect(count(env, 'collect_wood')).toBe(1);
    expect(r.reward).toBe(1);
    expect(env.achievements).toEqual(['collect_wood', 'wake_up']);
  });

  test('an unlock and a hit in the same step: 1 − 0.2', () => {
    const env = sandbox();
    scenario.setMaterial(env, PX - 1, PY, 'tree');
    scenario.face(env, 'left');
    boxInFront(env);
    scenario.spawn(env, 'zombie', TX, TY);
    const r = act(env, 'do');
    expect(r.reward).toBeCloseTo(0.8, 12);
  });

  test('the step cap ends the episode as truncated', () => {
    const capped = new CrafterEnv({ preset: 'micro', seed: 3, maxSteps: 5 });
    scenario.blankWorld(capped, 'sand');
    let r = capped.step(0);
    for (let i = 1; i < 5; i++) r = capped.step(0);
    expect(r.done).toBe(true);
    expect(r.truncated).toBe(true);
    expect(r.endReason).toBe('max_steps');
  });
});

describe('life statistics (docs/crafter.md §2.3)', () => {
  function decreases(env: ReturnType<typeof sandbox>, steps: number, action: (typeof ACTION_NAMES)[number]) {
    const out = { food: [] as number[], drink: [] as number[], energy: [] as number[], health: [] as number[] };
    let prev = items(env);
    for (let t = 1; t <= steps; t++) {
      act(env, action);
      const now = items(env);
      for (const k of ['food', 'drink', 'energy', 'health'] as const) if (now[k] < prev[k]) out[k].push(t);
      prev = now;
    }
    return out;
  }

  test('idle player: food every 26, drink every 21, energy every 31 steps', () => {
    const env = sandbox();
    const d = decreases(env, 100, 'noop');
    expect(d.food).toEqual([26, 52, 78]);
    expect(d.drink).toEqual([21, 42, 63, 84]);
    expect(d.energy).toEqual([31, 62, 93]);
    expect(d.health).toEqual([]);
  });

  test('asleep: food every 51, drink every 41 steps; energy +1 every 11', () => {
    const env = sandbox();
    scenario.setItem(env, 'energy', 0);
    const d = decreases(env, 98, 'sleep');
    expect(env.sleeping).toBe(true);
    expect(d.food).toEqual([51]);
    expect(d.drink).toEqual([41, 82]);
    expect(items(env).energy).toBe(8); // +1 at steps 11, 22, …, 88
  });

  test('health: +1 every 26 steps awake, every 13 asleep, when needs are met', () => {
    const awake = sandbox();
    scenario.setItem(awake, 'health', 5);
    const gains: number[] = [];
    for (let t = 1; t <= 60; t++) {
      const before = items(awake).health;
      refreshVitals(awake);
      act(awake, 'noop');
      if (items(awake).health > before) gains.push(t);
    }
    expect(gains).toEqual([26, 52]);

    const asleep = sandbox();
    scenario.setItem(asleep, 'health', 5);
    scenario.setItem(asleep, 'energy', 0);
    const sleepGains: number[] = [];
    for (let t = 1; t <= 40; t++) {
      const before = items(asleep).health;
      act(asleep, 'sleep');
      if (items(asleep).health > before) sleepGains.push(t);
    }
    expect(sleepGains).toEqual([13, 26, 39]);
  });

  test('health: −1 every 16 steps awake when a need is unmet', () => {
    const env = sandbox();
    scenario.setItem(env, 'drink', 0);
    const d = decreases(env, 50, 'noop');
    expect(d.health).toEqual([16, 32, 48]);
  });
});

describe('update order', () => {
  test('objects beyond the update radius do not act', () => {
    const env = sandbox({ preset: 'small', fill: 'grass' });
    scenario.placePlayer(env, 0, 0);
    const slot = scenario.spawn(env, 'cow', 18, 0);
    for (let i = 0; i < 20; i++) act(env, 'noop');
    expect([env.world.ox[slot], env.world.oy[slot]]).toEqual([18, 0]);
  });

  test('a placed plant first updates on the next step', () => {
    const env = sandbox();
    scenario.setMaterial(env, TX, TY, 'grass');
    scenario.setItem(env, 'sapling', 1);
    act(env, 'place_plant');
    const slot = env.world.slotAt(TX, TY);
    expect(env.world.timer[slot]).toBe(0);
    act(env, 'noop');
    expect(env.world.timer[slot]).toBe(1);
  });
});
