// Hand-built situations for tests, demos and tutorials: a blank map, a placed player, chosen items,
// creatures where you want them. None of these draw from the environment's PRNG.

import {
  ARROW_DAMAGE,
  COW_HEALTH,
  DIR_NAMES,
  ITEM_NAMES,
  K_ARROW,
  K_COW,
  K_PLANT,
  K_PLAYER,
  K_SKELETON,
  K_ZOMBIE,
  MATERIAL_NAMES,
  PLANT_HEALTH,
  SKELETON_HEALTH,
  ZOMBIE_HEALTH,
  type ItemName,
  type MaterialName,
} from './constants.ts';
import type { CrafterEnv } from './env.ts';

export type Direction = (typeof DIR_NAMES)[number];
export type CreatureName = 'cow' | 'zombie' | 'skeleton' | 'arrow' | 'plant';

const KIND: Record<CreatureName, number> = {
  cow: K_COW,
  zombie: K_ZOMBIE,
  skeleton: K_SKELETON,
  arrow: K_ARROW,
  plant: K_PLANT,
};
const HEALTH: Record<CreatureName, number> = {
  cow: COW_HEALTH,
  zombie: ZOMBIE_HEALTH,
  skeleton: SKELETON_HEALTH,
  arrow: ARROW_DAMAGE,
  plant: PLANT_HEALTH,
};

function materialId(name: MaterialName): number {
  return MATERIAL_NAMES.indexOf(name);
}

/**
 * Replaces the world by a map of one material with only the player on it (at the centre unless
 * given), keeping step count, inventory and life stats. Chunk balancing state starts fresh.
 */
export function blankWorld(env: CrafterEnv, fill: MaterialName = 'grass', at?: { x: number; y: number }): void {
  const w = env.world;
  w.clear();
  const m = materialId(fill);
  for (let y = 0; y < w.size; y++) for (let x = 0; x < w.size; x++) w.mat[w.idx(x, y)] = m;
  w.recountChunkMaterials();
  w.add(K_PLAYER, at?.x ?? env.size >> 1, at?.y ?? env.size >> 1, 0);
}

export function setMaterial(env: CrafterEnv, x: number, y: number, name: MaterialName): void {
  const w = env.world;
  if (!w.inBounds(x, y)) throw new RangeError(`(${x}, ${y}) is off the map`);
  w.setMat(w.idx(x, y), materialId(name));
}

export function materialName(env: CrafterEnv, x: number, y: number): MaterialName {
  return MATERIAL_NAMES[env.world.materialAt(x, y)]!;
}

/** Moves the player (the tile must be free of other objects) and optionally turns it. */
export function placePlayer(env: CrafterEnv, x: number, y: number, facing?: Direction): void {
  const w = env.world;
  if (!w.inBounds(x, y)) throw new RangeError(`(${x}, ${y}) is off the map`);
  const slot = w.slotAt(x, y);
  if (slot > 0) throw new Error(`(${x}, ${y}) holds an object`);
  if (slot !== 0) w.move(0, x, y);
  if (facing) face(env, facing);
}

export function face(env: CrafterEnv, facing: Direction): void {
  env.facing = DIR_NAMES.indexOf(facing);
}

export function setItem(env: CrafterEnv, item: ItemName, count: number): void {
  env.inventory[ITEM_NAMES.indexOf(item)] = count;
  if (item === 'health') env.lastPlayerHealth = count;
}

export function item(env: CrafterEnv, name: ItemName): number {
  return env.inventory[ITEM_NAMES.indexOf(name)]!;
}

export interface SpawnOptions {
  health?: number;
  /** Zombie cooldown, skeleton reload or plant `grown`. */
  timer?: number;
  /** Arrow flight direction. */
  direction?: Direction;
}

/** Adds a creature/object on an empty tile; returns its slot. */
export function spawn(env: CrafterEnv, name: CreatureName, x: number, y: number, options: SpawnOptions = {}): number {
  const w = env.world;
  if (!w.inBounds(x, y)) throw new RangeError(`(${x}, ${y}) is off the map`);
  const slot = w.add(KIND[name], x, y, options.health ?? HEALTH[name]);
  w.timer[slot] = options.timer ?? 0;
  if (options.direction) w.dir[slot] = DIR_NAMES.indexOf(options.direction);
  return slot;
}

/** Name of the object at (x, y), or undefined. */
export function objectAt(env: CrafterEnv, x: number, y: number): string | undefined {
  const slot = env.world.slotAt(x, y);
  if (slot < 0) return undefined;
  return ['none', 'player', 'cow', 'zombie', 'skeleton', 'arrow', 'plant'][env.world.kind[slot]!];
}

/** Removes every object but the player. */
export function removeCreatures(env: CrafterEnv): void {
  const w = env.world;
  for (let r = 1; r < w.orderLen; r++) w.remove(w.order[r]!);
  w.compact();
}
