// Random-policy statistics on `classic` (64 × 64) over 2,000 episodes against Crafter's published
// random-agent numbers (docs/crafter.md §4.4: 29,784 episodes of the original game).
//
// How the bands were chosen. Our worlds come from different noise than Crafter's (hash gradient
// noise vs OpenSimplex), so layouts — and with them tree, water and cow densities — differ; the rates
// can only match statistically. Each band is the reference value ± (sampling error of 2,000 episodes
// at ≥ 4 sd) + (a layout allowance of about 15 % of the value, at least 1.5 points). Sampling sd
// at p = 0.5 is 1.1 points, at p = 0.25 ~1.0, at p = 0.09 ~0.6, at p = 0.04 ~0.45. A rule change
// that matters moves these far outside the bands: e.g. zombies dealing 7 instead of 2 awake
// shortens episodes by a third, losing the 10 % sapling roll or the sleep lock moves
// collect_sapling or wake_up by tens of points, and dropping the tree→wood rule zeroes place_table.

import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { CrafterEnv, MetricsAccumulator, type AchievementName } from '../../../sim/crafter/index.ts';
import { actionStream } from './helpers.ts';

setDefaultTimeout(60_000);

const EPISODES = 2000;

/** [low, high] in percent of episodes; reference value from docs/crafter.md §4.4 in the comment. */
const RATE_BANDS: Partial<Record<AchievementName, [number, number]>> = {
  collect_sapling: [42, 58], // 50.2
  place_plant: [37, 52], // 44.6
  wake_up: [88, 98], // 93.6
  collect_wood: [18, 31], // 24.4
  collect_drink: [5, 14], // 9.3
  place_table: [2, 7.5], // 4.4
  eat_cow: [0, 1.5], // 0.4
  defeat_zombie: [0, 1], // 0.1
  make_wood_pickaxe: [0, 1.2], // 0.3
  make_wood_sword: [0, 1.2], // 0.3
};

/** Out of a random agent's reach in Crafter (0.0 % in docs/crafter.md §4.4); allow a handful of flukes. */
const NEAR_ZERO: AchievementName[] = [
  'collect_coal',
  'collect_diamond',
  'collect_iron',
  'collect_stone',
  'defeat_skeleton',
  'eat_plant',
  'make_iron_pickaxe',
  'make_iron_sword',
  'make_stone_pickaxe',
  'make_stone_sword',
  'place_furnace',
  'place_stone',
];

describe('random policy on classic (≥ 2,000 episodes)', () => {
  const env = new CrafterEnv({ preset: 'classic', seed: 2024 });
  const acc = new MetricsAccumulator();
  const next = actionStream(0x5eed);
  for (let e = 0; e < EPISODES; e++) {
    if (e > 0) env.reset();
    while (!env.step(next()).done);
    acc.addEnv(env);
  }
  const s = acc.summary();

  test('mean episode length ≈ 168 (band 145–195)', () => {
    // sd of one episode's length is ~60 steps, so 2,000 episodes pin the mean to ±5 at 4 sd;
    // the rest of the band is the layout allowance (±15 %).
    expect(s.meanLength).toBeGreaterThan(145);
    expect(s.meanLength).toBeLessThan(195);
    expect(s.endReasons.died).toBe(EPISODES); // nobody survives 10,000 random steps
  });

  test('mean return ≈ 1.38 (band 1.1–1.7)', () => {
    expect(s.meanReturn).toBeGreaterThan(1.1);
    expect(s.meanReturn).toBeLessThan(1.7);
  });

  for (const [name, [lo, hi]] of Object.entries(RATE_BANDS) as [AchievementName, [number, number]][]) {
    test(`${name} in [${lo}, ${hi}] %`, () => {
      expect(s.successRates[name]).toBeGreaterThanOrEqual(lo);
      expect(s.successRates[name]).toBeLessThanOrEqual(hi);
    });
  }

  test('achievements beyond a random agent stay near 0 %', () => {
    for (const name of NEAR_ZERO) expect(s.successRates[name]).toBeLessThan(0.5);
  });

  test('Crafter score ≈ 1.6 % (band 1.2–2.1)', () => {
    expect(s.crafterScore).toBeGreaterThan(1.2);
    expect(s.crafterScore).toBeLessThan(2.1);
  });
});
