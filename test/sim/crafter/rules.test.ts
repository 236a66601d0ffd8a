// Table-driven tests of every requirement row of docs/crafter.md §3.2: each collect, place and make
// rule succeeds with exactly what it needs, and fails for each missing requirement. The expected
// tables below are written from the reference, not imported, so a typo in the engine's tables fails.

import { describe, expect, test } from 'bun:test';
import {
  ACHIEVEMENTS,
  ACTION_NAMES,
  COLLECT_RULES,
  MAKE_RULES,
  MATERIAL_NAMES,
  PLACE_RULES,
  scenario,
  type ActionName,
  type ItemName,
  type MaterialName,
} from '../../../sim/crafter/index.ts';
import { PX, PY, act, count, items, refreshVitals, sandbox } from './helpers.ts';

const TX = PX + 1; // the faced tile (player faces right)
const TY = PY;

interface CollectRow {
  material: MaterialName;
  tool?: ItemName;
  /** A lesser tool that must not be enough. */
  lesser?: ItemName[];
  gives: ItemName;
  leaves: MaterialName;
}

const COLLECT: CollectRow[] = [
  { material: 'tree', gives: 'wood', leaves: 'grass' },
  { material: 'stone', tool: 'wood_pickaxe', gives: 'stone', leaves: 'path' },
  { material: 'coal', tool: 'wood_pickaxe', gives: 'coal', leaves: 'path' },
  { material: 'iron', tool: 'stone_pickaxe', lesser: ['wood_pickaxe'], gives: 'iron', leaves: 'path' },
  { material: 'diamond', tool: 'iron_pickaxe', lesser: ['wood_pickaxe', 'stone_pickaxe'], gives: 'diamond', leaves: 'path' },
  { material: 'water', gives: 'drink', leaves: 'water' },
];

interface PlaceRow {
  action: ActionName;
  cost: Partial<Record<ItemName, number>>;
  where: MaterialName[];
  result: MaterialName | 'plant';
}

const PLACE: PlaceRow[] = [
  { action: 'place_stone', cost: { stone: 1 }, where: ['grass', 'sand', 'path', 'water', 'lava'], result: 'stone' },
  { action: 'place_table', cost: { wood: 2 }, where: ['grass', 'sand', 'path'], result: 'table' },
  { action: 'place_furnace', cost: { stone: 4 }, where: ['grass', 'sand', 'path'], result: 'furnace' },
  { action: 'place_plant', cost: { sapling: 1 }, where: ['grass'], result: 'plant' },
];

interface MakeRow {
  action: ActionName;
  cost: Partial<Record<ItemName, number>>;
  nearby: MaterialName[];
  gives: ItemName;
}

const MAKE: MakeRow[] = [
  { action: 'make_wood_pickaxe', cost: { wood: 1 }, nearby: ['table'], gives: 'wood_pickaxe' },
  { action: 'make_stone_pickaxe', cost: { wood: 1, stone: 1 }, nearby: ['table'], gives: 'stone_pickaxe' },
  { action: 'make_iron_pickaxe', cost: { wood: 1, coal: 1, iron: 1 }, nearby: ['table', 'furnace'], gives: 'iron_pickaxe' },
  { action: 'make_wood_sword', cost: { wood: 1 }, nearby: ['table'], gives: 'wood_sword' },
  { action: 'make_stone_sword', cost: { wood: 1, stone: 1 }, nearby: ['table'], gives: 'stone_sword' },
  { action: 'make_iron_sword', cost: { wood: 1, coal: 1, iron: 1 }, nearby: ['table', 'furnace'], gives: 'iron_sword' },
];

const ON_MAP_MATERIALS = MATERIAL_NAMES.filter((m) => m !== 'none');

function totalAchievements(env: ReturnType<typeof sandbox>): number {
  return ACHIEVEMENTS.reduce((n, a) => n + count(env, a), 0);
}

describe('engine tables match the reference', () => {
  test('17 actions and 22 achievements in Crafter order', () => {
    expect(ACTION_NAMES.length).toBe(17);
    expect(ACTION_NAMES[0]).toBe('noop');
    expect(ACTION_NAMES[5]).toBe('do');
    expect(ACTION_NAMES[6]).toBe('sleep');
    expect(ACTION_NAMES[10]).toBe('place_plant');
    expect(ACTION_NAMES[16]).toBe('make_iron_sword');
    expect(ACHIEVEMENTS.length).toBe(22);
    expect([...ACHIEVEMENTS]).toEqual([...ACHIEVEMENTS].sort());
  });

  test('collect, place and make tables', () => {
    const collect = COLLECT_RULES.filter((r) => r.material !== 'grass').map((r) => ({
      material: r.material,
      tool: Object.keys(r.require)[0],
      gives: r.receive,
      leaves: r.leaves,
      p: r.probability,
    }));
    expect(collect).toEqual(COLLECT.map((r) => ({ material: r.material, tool: r.tool, gives: r.gives, leaves: r.leaves, p: 1 })));
    const grass = COLLECT_RULES.find((r) => r.material === 'grass');
    expect(grass).toMatchObject({ receive: 'sapling', leaves: 'grass', probability: 0.1, require: {} });
    expect(PLACE_RULES.map((r) => ({ action: r.action, cost: r.uses, where: [...r.where], result: r.into }))).toEqual(PLACE);
    expect(MAKE_RULES.map((r) => ({ action: r.action, cost: r.uses, nearby: [...r.nearby], gives: r.gives }))).toEqual(MAKE);
  });
});

describe('collect (do on a material)', () => {
  for (const row of COLLECT) {
    test(`${row.material}: gives ${row.gives}, leaves ${row.leaves}`, () => {
      const env = sandbox();
      scenario.setMaterial(env, TX, TY, row.material);
      if (row.tool) scenario.setItem(env, row.tool, 1);
      if (row.gives === 'drink') scenario.setItem(env, 'drink', 5);
      const before = items(env)[row.gives];
      const r = act(env, 'do');
      expect(items(env)[row.gives]).toBe(before + 1);
      expect(scenario.materialName(env, TX, TY)).toBe(row.leaves);
      expect(count(env, `collect_${row.gives}` as (typeof ACHIEVEMENTS)[number])).toBe(1);
      if (row.tool) expect(items(env)[row.tool]).toBe(1); // tools are required, not consumed
      expect(r.reward).toBe(1);
    });

    if (row.tool) {
      test(`${row.material}: nothing without ${row.tool}`, () => {
        const env = sandbox();
        scenario.setMaterial(env, TX, TY, row.material);
        for (const lesser of row.lesser ?? []) scenario.setItem(env, lesser, 1);
        const before = items(env);
        const r = act(env, 'do');
        expect(items(env)[row.gives]).toBe(before[row.gives]);
        expect(scenario.materialName(env, TX, TY)).toBe(row.material);
        expect(totalAchievements(env)).toBe(0);
        expect(r.reward).toBe(0);
      });
    }
  }

  test('drinking resets the thirst counter', () => {
    const env = sandbox();
    scenario.setMaterial(env, TX, TY, 'water');
    env.thirst = 15;
    act(env, 'do');
    expect(env.thirst).toBe(1); // reset to 0 by the drink, then +1 by this step's life stats
  });

  test('grass gives a sapling with probability 0.1 and stays grass', () => {
    const env = sandbox();
    scenario.setMaterial(env, TX, TY, 'grass');
    const tries = 2000;
    for (let i = 0; i < tries; i++) {
      refreshVitals(env);
      scenario.setItem(env, 'sapling', 0);
      act(env, 'do');
      expect(scenario.materialName(env, TX, TY)).toBe('grass');
    }
    // Binomial(2000, 0.1): mean 200, sd 13.4; ±4.5 sd.
    const got = count(env, 'collect_sapling');
    expect(got).toBeGreaterThan(140);
    expect(got).toBeLessThan(260);
  });

  for (const material of ['sand', 'path', 'lava', 'table', 'furnace'] as const) {
    test(`no rule for ${material}: do changes nothing`, () => {
      const env = sandbox();
      scenario.setMaterial(env, TX, TY, material);
      const before = items(env);
      act(env, 'do');
      expect(scenario.materialName(env, TX, TY)).toBe(material);
      expect({ ...items(env), food: 0, drink: 0, energy: 0 }).toEqual({ ...before, food: 0, drink: 0, energy: 0 });
      expect(totalAchievements(env)).toBe(0);
    });
  }

  test('off the map: do changes nothing', () => {
    const env = sandbox();
    scenario.placePlayer(env, env.size - 1, PY, 'right');
    act(env, 'do');
    expect(totalAchievements(env)).toBe(0);
  });

  test('an object on the faced tile takes precedence over its material', () => {
    const env = sandbox();
    scenario.setMaterial(env, TX, TY, 'grass');
    scenario.spawn(env, 'plant', TX, TY);
    for (let i = 0; i < 50; i++) act(env, 'do'); // 50 tries at p = 0.1 would almost surely give a sapling
    expect(count(env, 'collect_sapling')).toBe(0);
    expect(scenario.objectAt(env, TX, TY)).toBe('plant');
  });
});

describe('place', () => {
  for (const row of PLACE) {
    const give = (env: ReturnType<typeof sandbox>, minus = 0, except?: ItemName) => {
      for (const [name, amount] of Object.entries(row.cost) as [ItemName, number][]) {
        scenario.setItem(env, name, name === except || except === undefined ? amount - minus : amount);
      }
    };

    for (const material of ON_MAP_MATERIALS) {
      const allowed = row.where.includes(material);
      test(`${row.action} on ${material}: ${allowed ? 'succeeds' : 'fails'}`, () => {
        const env = sandbox();
        scenario.setMaterial(env, TX, TY, material);
        give(env);
        act(env, row.action);
        if (!allowed) {
          expect(scenario.materialName(env, TX, TY)).toBe(material);
          expect(scenario.objectAt(env, TX, TY)).toBeUndefined();
          for (const [name, amount] of Object.entries(row.cost) as [ItemName, number][]) expect(items(env)[name]).toBe(amount);
          expect(totalAchievements(env)).toBe(0);
          return;
        }
        for (const name of Object.keys(row.cost) as ItemName[]) expect(items(env)[name]).toBe(0);
        if (row.result === 'plant') {
          expect(scenario.objectAt(env, TX, TY)).toBe('plant');
          expect(scenario.materialName(env, TX, TY)).toBe(material);
        } else {
          expect(scenario.materialName(env, TX, TY)).toBe(row.result);
        }
        expect(count(env, row.action as (typeof ACHIEVEMENTS)[number])).toBe(1);
      });
    }

    for (const name of Object.keys(row.cost) as ItemName[]) {
      test(`${row.action}: fails one ${name} short`, () => {
        const env = sandbox();
        const material = row.where[0]!;
        scenario.setMaterial(env, TX, TY, material);
        give(env, 1, name);
        act(env, row.action);
        expect(scenario.materialName(env, TX, TY)).toBe(material);
        expect(scenario.objectAt(env, TX, TY)).toBeUndefined();
        expect(items(env)[name]).toBe(row.cost[name]! - 1);
        expect(totalAchievements(env)).toBe(0);
      });
    }

    test(`${row.action}: fails when the faced tile holds an object`, () => {
      const env = sandbox();
      scenario.setMaterial(env, TX, TY, 'grass');
      scenario.spawn(env, 'cow', TX, TY);
      // Box the cow in so it cannot wander off before the player acts next.
      scenario.setMaterial(env, TX + 1, TY, 'stone');
      scenario.setMaterial(env, TX, TY - 1, 'stone');
      scenario.setMaterial(env, TX, TY + 1, 'stone');
      give(env);
      act(env, row.action);
      expect(scenario.materialName(env, TX, TY)).toBe('grass');
      expect(scenario.objectAt(env, TX, TY)).toBe('cow');
      expect(totalAchievements(env)).toBe(0);
    });

    test(`${row.action}: fails facing off the map`, () => {
      const env = sandbox();
      scenario.placePlayer(env, env.size - 1, PY, 'right');
      give(env);
      act(env, row.action);
      expect(totalAchievements(env)).toBe(0);
    });
  }
});

describe('make', () => {
  const STATION_AT: Record<string, [number, number]> = { table: [PX - 1, PY - 1], furnace: [PX + 1, PY + 1] };

  function setUp(row: MakeRow, options: { omit?: MaterialName; short?: ItemName; far?: MaterialName } = {}) {
    const env = sandbox();
    for (const station of row.nearby) {
      if (station === options.omit) continue;
      const [x, y] = STATION_AT[station]!;
      // "far": two tiles away, just outside the 3 × 3 square.
      if (station === options.far) scenario.setMaterial(env, PX - 2, PY, station);
      else scenario.setMaterial(env, x, y, station);
    }
    for (const [name, amount] of Object.entries(row.cost) as [ItemName, number][]) {
      scenario.setItem(env, name, name === options.short ? amount - 1 : amount);
    }
    return env;
  }

  for (const row of MAKE) {
    test(`${row.action}: succeeds with ${row.nearby.join(' + ')} in the 3×3 square (diagonal)`, () => {
      const env = setUp(row);
      const r = act(env, row.action);
      expect(items(env)[row.gives]).toBe(1);
      for (const name of Object.keys(row.cost) as ItemName[]) expect(items(env)[name]).toBe(0);
      expect(count(env, row.action as (typeof ACHIEVEMENTS)[number])).toBe(1);
      expect(r.reward).toBe(1);
    });

    for (const station of row.nearby) {
      test(`${row.action}: fails without a ${station}`, () => {
        const env = setUp(row, { omit: station });
        act(env, row.action);
        expect(items(env)[row.gives]).toBe(0);
        expect(totalAchievements(env)).toBe(0);
      });
      test(`${row.action}: fails with the ${station} two tiles away`, () => {
        const env = setUp(row, { far: station });
        act(env, row.action);
        expect(items(env)[row.gives]).toBe(0);
        expect(totalAchievements(env)).toBe(0);
      });
    }

    for (const name of Object.keys(row.cost) as ItemName[]) {
      test(`${row.action}: fails one ${name} short`, () => {
        const env = setUp(row, { short: name });
        act(env, row.action);
        expect(items(env)[row.gives]).toBe(0);
        expect(items(env)[name]).toBe(row.cost[name]! - 1);
        expect(totalAchievements(env)).toBe(0);
      });
    }
  }
});

describe('combat: hits needed by sword tier (docs/crafter.md §2.5)', () => {
  const HITS: Record<'cow' | 'zombie' | 'skeleton', number[]> = {
    cow: [3, 2, 1, 1],
    zombie: [5, 3, 2, 1],
    skeleton: [3, 2, 1, 1],
  };
  const SWORDS: (ItemName | undefined)[] = [undefined, 'wood_sword', 'stone_sword', 'iron_sword'];
  const GOAL = { cow: 'eat_cow', zombie: 'defeat_zombie', skeleton: 'defeat_skeleton' } as const;

  for (const [creature, hits] of Object.entries(HITS) as ['cow' | 'zombie' | 'skeleton', number[]][]) {
    SWORDS.forEach((sword, tier) => {
      test(`${creature} with ${sword ?? 'bare hands'}: ${hits[tier]} hits`, () => {
        const env = sandbox({ fill: 'path' });
        // Wall the creature in (stone) so it stays in front of the player.
        scenario.setMaterial(env, TX + 1, TY, 'stone');
        scenario.setMaterial(env, TX, TY - 1, 'stone');
        scenario.setMaterial(env, TX, TY + 1, 'stone');
        scenario.spawn(env, creature, TX, TY);
        if (sword) scenario.setItem(env, sword, 1);
        let n = 0;
        while (count(env, GOAL[creature]) === 0 && n < 10) {
          scenario.setItem(env, 'health', 9);
          act(env, 'do');
          n++;
        }
        expect(n).toBe(hits[tier]!);
        // The killed creature removes itself in its own update later in the same step.
        expect(scenario.objectAt(env, TX, TY)).toBeUndefined();
      });
    });
  }

  test('eating a cow gives 6 food and resets the hunger counter', () => {
    const env = sandbox({ fill: 'path' });
    scenario.setMaterial(env, TX + 1, TY, 'stone');
    scenario.setMaterial(env, TX, TY - 1, 'stone');
    scenario.setMaterial(env, TX, TY + 1, 'stone');
    scenario.spawn(env, 'cow', TX, TY, { health: 1 });
    scenario.setItem(env, 'food', 2);
    env.hunger = 20;
    act(env, 'do');
    expect(items(env).food).toBe(8);
    expect(env.hunger).toBe(1); // reset to 0 by eating, then +1 by this step's life stats
  });
});
