// Shared set-up for the crafter tests: a micro env on a blank sand map (sand is walkable but spawns
// nothing, so balancing never interferes), the player in the middle facing right.

import {
  ACHIEVEMENTS,
  ACTION_NAMES,
  CrafterEnv,
  scenario,
  type AchievementName,
  type ActionName,
  type ItemName,
} from '../../../sim/crafter/index.ts';

export const PX = 8;
export const PY = 8;

export function sandbox(options: { seed?: number; fill?: 'sand' | 'grass' | 'path' | 'stone'; preset?: 'micro' | 'small' | 'classic' } = {}): CrafterEnv {
  const env = new CrafterEnv({ preset: options.preset ?? 'micro', seed: options.seed ?? 1 });
  scenario.blankWorld(env, options.fill ?? 'sand', { x: PX, y: PY });
  scenario.face(env, 'right');
  return env;
}

export function act(env: CrafterEnv, name: ActionName): ReturnType<CrafterEnv['step']> {
  const i = (ACTION_NAMES as readonly string[]).indexOf(name);
  if (i < 0) throw new Error(`unknown action ${name}`);
  return env.step(i);
}

export function count(env: CrafterEnv, name: AchievementName): number {
  return env.achievementCounts[ACHIEVEMENTS.indexOf(name)]!;
}

export function items(env: CrafterEnv): Record<ItemName, number> {
  return env.inventoryRecord();
}

/** Keeps the vitals topped up so long scripted runs test one thing at a time. */
export function refreshVitals(env: CrafterEnv): void {
  scenario.setItem(env, 'food', 9);
  scenario.setItem(env, 'drink', 9);
  scenario.setItem(env, 'energy', 9);
}

/** xorshift32 action stream, independent of the env's PRNG. */
export function actionStream(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % ACTION_NAMES.length;
  };
}
