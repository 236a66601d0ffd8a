import { describe, expect, test } from 'bun:test';
import {
  ACHIEVEMENTS,
  MetricsAccumulator,
  aggregateMetrics,
  craftaxlmScore,
  crafterScore,
  episodeMetrics,
  scenario,
  type AchievementName,
} from '../../../sim/crafter/index.ts';
import { act, sandbox } from './helpers.ts';

// Success rates (%) of docs/crafter.md §4.4, recomputed there from Crafter's published score files.
const RANDOM: Partial<Record<AchievementName, number>> = {
  collect_drink: 9.3,
  collect_sapling: 50.2,
  collect_wood: 24.4,
  defeat_zombie: 0.1,
  eat_cow: 0.4,
  make_wood_pickaxe: 0.3,
  make_wood_sword: 0.3,
  place_plant: 44.6,
  place_table: 4.4,
  wake_up: 93.6,
};
const HUMAN = [86, 12, 92, 53, 67, 100, 100, 31, 84, 89, 8, 26, 22, 78, 78, 100, 45, 32, 24, 90, 100, 73];

describe('Crafter score (docs/crafter.md §4.3)', () => {
  test('bounds: all 0 % → 0, all 100 % → 100', () => {
    expect(crafterScore(new Array(22).fill(0))).toBe(0);
    expect(crafterScore(new Array(22).fill(100))).toBeCloseTo(100, 9);
  });

  test('reproduces the published random (1.6 %) and human (50.5 %) scores from the rates table', () => {
    // The table's rates are rounded (to 0.1 / to whole percent), and the published figures average
    // per-run scores rather than pooling episodes, hence the tolerances.
    expect(Math.abs(crafterScore(RANDOM) - 1.6)).toBeLessThan(0.1);
    expect(Math.abs(crafterScore(HUMAN) - 50.5)).toBeLessThan(2.5);
  });

  test('is a geometric mean: one rare achievement moves it more than its share', () => {
    const one = new Array(22).fill(0);
    one[0] = 1;
    expect(crafterScore(one)).toBeCloseTo(Math.exp(Math.log(2) / 22) - 1, 12);
  });

  test('rejects fractions above 100 and wrong lengths', () => {
    expect(() => crafterScore(new Array(22).fill(101))).toThrow();
    expect(() => crafterScore([1, 2, 3])).toThrow();
  });

  test('craftaxlm score uses probabilities and ln 2 normalisation', () => {
    expect(craftaxlmScore(new Array(22).fill(1))).toBeCloseTo(1, 12);
    expect(craftaxlmScore(new Array(22).fill(0))).toBe(0);
  });
});

describe('episode metrics', () => {
  test('unique achievements, counts, native return, steps, end reason', () => {
    const env = sandbox();
    scenario.setMaterial(env, 9, 8, 'tree');
    act(env, 'do');
    scenario.setMaterial(env, 9, 8, 'tree');
    act(env, 'do');
    scenario.setMaterial(env, 9, 8, 'lava');
    act(env, 'move_right');
    const m = episodeMetrics(env);
    expect(m.achievements).toEqual(['collect_wood']);
    expect(m.achievementCount).toBe(1);
    expect(m.achievementCounts.collect_wood).toBe(2);
    expect(m.steps).toBe(3);
    expect(m.nativeReturn).toBeCloseTo(1 - 0.9, 12);
    expect(m.endReason).toBe('died');
    expect(episodeMetrics(env, 'decision_cap').endReason).toBe('decision_cap');
  });

  test('aggregates: success rates in percent, means, end reasons', () => {
    const a = sandbox();
    scenario.setMaterial(a, 9, 8, 'tree');
    act(a, 'do');
    const b = sandbox();
    act(b, 'noop');
    act(b, 'noop');
    const agg = aggregateMetrics([episodeMetrics(a), episodeMetrics(b)]);
    expect(agg.episodes).toBe(2);
    expect(agg.successRates.collect_wood).toBe(50);
    expect(agg.successRates.wake_up).toBe(0);
    expect(agg.meanLength).toBe(1.5);
    expect(agg.meanReturn).toBe(0.5);
    expect(agg.meanAchievements).toBe(0.5);
    expect(agg.endReasons).toEqual({ running: 2 });
    const rates = ACHIEVEMENTS.map((n) => agg.successRates[n]);
    expect(agg.crafterScore).toBeCloseTo(crafterScore(rates), 12);

    const acc = new MetricsAccumulator();
    acc.addEnv(a);
    acc.addEnv(b, 'step_cap');
    expect(acc.summary().successRates.collect_wood).toBe(50);
    expect(acc.summary().endReasons).toEqual({ running: 1, step_cap: 1 });
  });
});
