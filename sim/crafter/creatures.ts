// Per-object updates (docs/crafter.md §2.4): cow, zombie, skeleton, arrow, plant. Distances are L1.
// All moves fail silently when the target is not walkable for the creature or holds an object.

import {
  ARROW_DAMAGE,
  DIR_X,
  DIR_Y,
  I_HEALTH,
  K_ARROW,
  K_COW,
  K_PLAYER,
  K_SKELETON,
  K_ZOMBIE,
  M_FURNACE,
  M_PATH,
  M_TABLE,
  SKELETON_RELOAD,
  WALK_ARROW,
  WALK_CREATURE,
  ZOMBIE_COOLDOWN,
  ZOMBIE_DAMAGE,
  ZOMBIE_DAMAGE_SLEEPING,
  dirIndex,
} from './constants.ts';
import type { EpisodeState } from './state.ts';
import type { World } from './world.ts';

/** Tries to move `slot` by (dx, dy); (0, 0) always fails (the tile holds the mover itself). */
function moveBy(w: World, slot: number, dx: number, dy: number): boolean {
  const x = w.ox[slot]! + dx;
  const y = w.oy[slot]! + dy;
  const i = w.idx(x, y);
  if (((WALK_CREATURE >>> w.mat[i]!) & 1) === 0 || w.objAt[i] !== 0) return false;
  w.move(slot, x, y);
  return true;
}

function moveRandom(env: EpisodeState, slot: number): void {
  const d = env.rng.dir4();
  moveBy(env.world, slot, DIR_X[d]!, DIR_Y[d]!);
}

// Crafter's `toward`: the unit step along the longer axis of the offset to the player (ties go to y),
// or along the other axis when `longAxis` is false (ties go to x). Returned through two fields to
// avoid allocating a tuple per call.
let towardX = 0;
let towardY = 0;
function toward(w: World, slot: number, longAxis: boolean): void {
  const dx = w.ox[0]! - w.ox[slot]!;
  const dy = w.oy[0]! - w.oy[slot]!;
  const ax = Math.abs(dx);
  const ay = Math.abs(dy);
  if (longAxis ? ax > ay : ax <= ay) {
    towardX = Math.sign(dx);
    towardY = 0;
  } else {
    towardX = 0;
    towardY = Math.sign(dy);
  }
}

function distToPlayer(w: World, slot: number): number {
  return Math.abs(w.ox[slot]! - w.ox[0]!) + Math.abs(w.oy[slot]! - w.oy[0]!);
}

export function updateCow(env: EpisodeState, slot: number): void {
  const w = env.world;
  if (w.health[slot]! <= 0) {
    w.remove(slot);
    return;
  }
  if (env.rng.uniform() > 0.5) moveRandom(env, slot);
}

export function updateZombie(env: EpisodeState, slot: number): void {
  const w = env.world;
  const rng = env.rng;
  // Crafter lets a dead zombie finish this update after removing itself, so it can land one last
  // hit; it can no longer move (the world ignores moves of removed objects).
  const dead = w.health[slot]! <= 0;
  if (dead) {
    w.remove(slot);
  } else {
    const dist = distToPlayer(w, slot);
    if (dist <= 8 && rng.uniform() < 0.9) {
      toward(w, slot, rng.uniform() < 0.8);
      moveBy(w, slot, towardX, towardY);
    } else {
      moveRandom(env, slot);
    }
  }
  if (distToPlayer(w, slot) > 1) return;
  const cooldown = w.timer[slot]!;
  if (cooldown > 0) {
    w.timer[slot] = cooldown - 1;
    return;
  }
  const damage = env.sleeping ? ZOMBIE_DAMAGE_SLEEPING : ZOMBIE_DAMAGE;
  w.timer[slot] = ZOMBIE_COOLDOWN;
  const inv = env.inventory;
  inv[I_HEALTH] = Math.max(0, inv[I_HEALTH]! - damage);
}

export function updateSkeleton(env: EpisodeState, slot: number): void {
  const w = env.world;
  const rng = env.rng;
  if (w.health[slot]! <= 0) {
    w.remove(slot);
    return;
  }
  if (w.timer[slot]! > 0) w.timer[slot] = w.timer[slot]! - 1;
  const dist = distToPlayer(w, slot);
  if (dist <= 3) {
    toward(w, slot, rng.uniform() < 0.6);
    if (moveBy(w, slot, -towardX, -towardY)) return;
  }
  if (dist <= 5 && rng.uniform() < 0.5) {
    if (w.timer[slot] !== 0) return;
    toward(w, slot, true);
    const x = w.ox[slot]! + towardX;
    const y = w.oy[slot]! + towardY;
    const i = w.idx(x, y);
    if (((WALK_ARROW >>> w.mat[i]!) & 1) !== 0 && w.objAt[i] === 0) {
      const arrow = w.add(K_ARROW, x, y, 0);
      w.dir[arrow] = dirIndex(towardX, towardY);
    }
    w.timer[slot] = SKELETON_RELOAD;
  } else if (dist <= 8 && rng.uniform() < 0.3) {
    toward(w, slot, rng.uniform() < 0.6);
    moveBy(w, slot, towardX, towardY);
  } else if (rng.uniform() < 0.2) {
    moveRandom(env, slot);
  }
}

export function updateArrow(env: EpisodeState, slot: number): void {
  const w = env.world;
  const d = w.dir[slot]!;
  const x = w.ox[slot]! + DIR_X[d]!;
  const y = w.oy[slot]! + DIR_Y[d]!;
  const i = w.idx(x, y);
  const o = w.objAt[i]!;
  if (o !== 0) {
    const hit = o - 1;
    if (w.kind[hit] === K_PLAYER) {
      const inv = env.inventory;
      inv[I_HEALTH] = Math.max(0, inv[I_HEALTH]! - ARROW_DAMAGE);
    } else {
      w.health[hit] = w.health[hit]! - ARROW_DAMAGE;
    }
    w.remove(slot);
    return;
  }
  const m = w.mat[i]!;
  if (((WALK_ARROW >>> m) & 1) === 0) {
    w.remove(slot);
    if (m === M_TABLE || m === M_FURNACE) w.setMat(i, M_PATH);
    return;
  }
  w.move(slot, x, y);
}

function isGrazer(kind: number): boolean {
  return kind === K_ZOMBIE || kind === K_SKELETON || kind === K_COW;
}

export function updatePlant(env: EpisodeState, slot: number): void {
  const w = env.world;
  w.timer[slot] = w.timer[slot]! + 1;
  const i = w.idx(w.ox[slot]!, w.oy[slot]!);
  const objAt = w.objAt;
  const kind = w.kind;
  const a = objAt[i - 1]!;
  const b = objAt[i + 1]!;
  const c = objAt[i - w.stride]!;
  const d = objAt[i + w.stride]!;
  if (
    (a !== 0 && isGrazer(kind[a - 1]!)) ||
    (b !== 0 && isGrazer(kind[b - 1]!)) ||
    (c !== 0 && isGrazer(kind[c - 1]!)) ||
    (d !== 0 && isGrazer(kind[d - 1]!))
  ) {
    w.health[slot] = w.health[slot]! - 1;
  }
  if (w.health[slot]! <= 0) w.remove(slot);
}
