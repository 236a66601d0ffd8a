// World generation: presets, the docs/crafter.md §8.2 repair guarantees on every preset, initial creatures placed by
// Crafter's rules, and per-chunk balancing (docs/crafter.md §2.6).

import { describe, expect, test } from 'bun:test';
import {
  CrafterEnv,
  DAYLIGHT,
  PRESETS,
  REPAIR_MINIMUMS,
  scenario,
  stateHash,
  type Preset,
} from '../../../sim/crafter/index.ts';

const WALKABLE = new Set(['grass', 'sand', 'path']);

describe('presets and reset', () => {
  for (const [preset, { size }] of Object.entries(PRESETS) as [Preset, { size: number }][]) {
    test(`${preset}: ${size}×${size}, player at the centre facing down with full vitals`, () => {
      const env = new CrafterEnv({ preset, seed: 3 });
      expect(env.size).toBe(size);
      expect([env.playerX, env.playerY]).toEqual([size >> 1, size >> 1]);
      expect(env.facing).toBe(3);
      expect(env.inventoryRecord()).toMatchObject({ health: 9, food: 9, drink: 9, energy: 9, wood: 0, sapling: 0 });
      expect(env.stepCount).toBe(0);
      expect(env.daylight).toBeCloseTo(0.797, 3);
      expect(env.world.order[0]).toBe(0); // the player is the first object: it always acts first
    });
  }

  test('daylight: period 300, brightest at 60, darkest at 210', () => {
    expect(DAYLIGHT.length).toBe(300);
    expect(DAYLIGHT[60]).toBeCloseTo(1, 9);
    expect(DAYLIGHT[210]).toBeCloseTo(0, 9);
    const night = Array.from(DAYLIGHT).filter((d) => d < 0.5).length;
    expect(night).toBe(125);
  });

  test('rejects bad configuration', () => {
    expect(() => new CrafterEnv({ size: 4 })).toThrow();
    expect(() => new CrafterEnv({ preset: 'huge' as Preset })).toThrow();
    expect(() => new CrafterEnv({ preset: 'micro' }).step(17)).toThrow();
    expect(() => new CrafterEnv({ preset: 'micro' }).step(1.5)).toThrow();
  });
});

describe('repair guarantees (docs/crafter.md §8.2)', () => {
  const SEEDS: Record<Preset, number> = { micro: 300, small: 150, classic: 20 };
  for (const preset of Object.keys(SEEDS) as Preset[]) {
    test(`${preset}: every world has what the achievements need, reachable from spawn`, () => {
      const env = new CrafterEnv({ preset, seed: 0 });
      const sx = env.size >> 1;
      const sy = env.size >> 1;
      let regenerated = 0;
      for (let seed = 0; seed < SEEDS[preset]; seed++) {
        env.reset(seed);
        if (env.generator.lastAttempts > 1) regenerated++;
        const c = env.generator.countResources();
        for (const [k, min] of Object.entries(REPAIR_MINIMUMS) as [keyof typeof REPAIR_MINIMUMS, number][]) {
          if (c[k] < min) throw new Error(`${preset} seed ${seed}: ${k} ${c[k]} < ${min}`);
        }
        expect(scenario.materialName(env, sx, sy)).toBe('grass');
        for (let dy = -3; dy <= 3; dy++) {
          for (let dx = -3; dx <= 3; dx++) {
            if (Math.abs(dx) + Math.abs(dy) > 3) continue;
            expect(scenario.materialName(env, sx + dx, sy + dy)).not.toBe('lava');
          }
        }
      }
      // Regeneration is the fallback, not the rule.
      expect(regenerated).toBeLessThan(SEEDS[preset] * 0.1);
    });
  }

  test('initial creatures follow Crafter placement rules', () => {
    const env = new CrafterEnv({ preset: 'classic', seed: 0 });
    const tally = { cow: 0, zombie: 0, skeleton: 0 };
    for (let seed = 0; seed < 10; seed++) {
      env.reset(seed);
      const w = env.world;
      for (let r = 1; r < w.orderLen; r++) {
        const s = w.order[r]!;
        const x = w.ox[s]!;
        const y = w.oy[s]!;
        const name = scenario.objectAt(env, x, y) as 'cow' | 'zombie' | 'skeleton';
        const mat = scenario.materialName(env, x, y);
        const d = Math.hypot(x - env.playerX, y - env.playerY);
        expect(WALKABLE.has(mat)).toBe(true);
        if (name === 'cow') expect(mat === 'grass' && d > 3).toBe(true);
        if (name === 'zombie') expect(d).toBeGreaterThan(10);
        if (name === 'skeleton') expect(mat).toBe('path');
        tally[name]++;
      }
    }
    // 64 × 64 at ~45 % grass: ~27 cows (p 0.015) and ~10 zombies (p 0.007) per world.
    expect(tally.cow / 10).toBeGreaterThan(10);
    expect(tally.zombie / 10).toBeGreaterThan(3);
    expect(tally.skeleton).toBeGreaterThan(0);
  });

  test('different seeds give different worlds; the same seed the same world', () => {
    const a = new CrafterEnv({ preset: 'small', seed: 10 });
    const b = new CrafterEnv({ preset: 'small', seed: 11 });
    const c = new CrafterEnv({ preset: 'small', seed: 10 });
    expect(stateHash(a)).not.toBe(stateHash(b));
    expect(stateHash(a)).toBe(stateHash(c));
  });
});

describe('balancing (docs/crafter.md §2.6)', () => {
  function zombies(env: CrafterEnv): number {
    let n = 0;
    for (let r = 0; r < env.world.orderLen; r++) if (env.world.kind[env.world.order[r]!] === 3) n++;
    return n;
  }

  test('zombies spawn on grass at night and are despawned in daylight', () => {
    let night = 0;
    let day = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const env = new CrafterEnv({ preset: 'classic', seed });
      scenario.blankWorld(env, 'grass', { x: 30, y: 30 });
      // Wall the player in so no zombie can reach it.
      for (const [x, y] of [[29, 30], [31, 30], [30, 29], [30, 31]] as const) scenario.setMaterial(env, x, y, 'stone');
      for (let t = 1; t <= 390; t++) {
        scenario.setItem(env, 'food', 9);
        scenario.setItem(env, 'drink', 9);
        scenario.setItem(env, 'energy', 9);
        env.step(0);
        if (t === 240) night += zombies(env);
        // Bright daylight (> 0.83, t ≡ 20…100 mod 300) truncates the zombie target to 0.
        if (t === 390) day += zombies(env);
        if (t % 10 === 0) {
          for (let r = 1; r < env.world.orderLen; r++) {
            const s = env.world.order[r]!;
            expect(scenario.materialName(env, env.world.ox[s]!, env.world.oy[s]!)).toBe('grass');
          }
        }
      }
    }
    expect(night).toBeGreaterThanOrEqual(6);
    expect(day).toBeLessThanOrEqual(night / 3);
  });

  test('no creature spawns where nothing has ever been (unseen chunks)', () => {
    const env = new CrafterEnv({ preset: 'classic', seed: 2 });
    scenario.blankWorld(env, 'grass', { x: 6, y: 6 });
    for (let t = 1; t <= 250; t++) {
      scenario.setItem(env, 'health', 9);
      env.step(0);
    }
    const seen = Array.from(env.world.chunkSeen).reduce((a, b) => a + b, 0);
    expect(seen).toBeLessThan(env.world.numChunks);
  });

  test('skeletons spawn on path at distance ≥ 7', () => {
    const env = new CrafterEnv({ preset: 'micro', seed: 4 });
    scenario.blankWorld(env, 'path', { x: 2, y: 2 });
    let spawned = -1;
    for (let t = 1; t <= 600 && spawned < 0; t++) {
      scenario.setItem(env, 'health', 9);
      env.step(0);
      for (let r = 1; r < env.world.orderLen; r++) {
        const s = env.world.order[r]!;
        if (env.world.kind[s] !== 4) continue;
        spawned = t;
        if (t % 10 === 0) {
          // Seen on its spawn step: it has not moved yet.
          const d = Math.abs(env.world.ox[s]! - env.playerX) + Math.abs(env.world.oy[s]! - env.playerY);
          expect(d).toBeGreaterThanOrEqual(7);
        }
      }
    }
    expect(spawned).toBeGreaterThan(0);
  });
});
