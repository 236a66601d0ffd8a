// The player's update (docs/crafter.md §2.3, §3.2): sleep lock, the action, life statistics,
// health, clamping, wake-on-damage — in that order.

import {
  A_DO,
  A_MAKE_IRON_SWORD,
  A_MAKE_WOOD_PICKAXE,
  A_MOVE_DOWN,
  A_MOVE_LEFT,
  A_NOOP,
  A_PLACE_PLANT,
  A_PLACE_STONE,
  A_SLEEP,
  I_DRINK,
  I_ENERGY,
  I_FOOD,
  I_HEALTH,
  I_IRON_SWORD,
  I_STONE_SWORD,
  I_WOOD_SWORD,
  ITEM_MAX,
  K_COW,
  K_PLANT,
  K_SKELETON,
  K_ZOMBIE,
  M_LAVA,
  M_WATER,
  NUM_ITEMS,
  PLANT_HEALTH,
  PLANT_RIPE_AFTER,
  WALK_PLAYER,
  DIR_X,
  DIR_Y,
  achievementIndex,
} from './constants.ts';
import {
  ACTION_ACH,
  COLLECT_ACH,
  COLLECT_AMOUNT,
  COLLECT_ITEM,
  COLLECT_LEAVES,
  COLLECT_PROB,
  COLLECT_REQ_AMOUNT,
  COLLECT_REQ_ITEM,
  COST_AMOUNT,
  COST_ITEM,
  MAKE_GIVES,
  MAKE_NEARBY,
  MAX_COST_ITEMS,
  PLACE_INTO,
  PLACE_WHERE,
} from './rules.ts';
import type { EpisodeState } from './state.ts';

const ACH_DEFEAT_SKELETON = achievementIndex('defeat_skeleton');
const ACH_DEFEAT_ZOMBIE = achievementIndex('defeat_zombie');
const ACH_EAT_COW = achievementIndex('eat_cow');
const ACH_EAT_PLANT = achievementIndex('eat_plant');
const ACH_WAKE_UP = achievementIndex('wake_up');

export function updatePlayer(env: EpisodeState, action: number): void {
  const w = env.world;
  const inv = env.inventory;
  const px = w.ox[0]!;
  const py = w.oy[0]!;
  const target = w.idx(px + DIR_X[env.facing]!, py + DIR_Y[env.facing]!);

  let act = action;
  if (env.sleeping) {
    if (inv[I_ENERGY]! < ITEM_MAX) {
      act = A_SLEEP;
    } else {
      env.sleeping = false;
      env.unlock(ACH_WAKE_UP);
    }
  }

  if (act === A_NOOP) {
    // nothing; life stats still tick
  } else if (act <= A_MOVE_DOWN) {
    movePlayer(env, act - A_MOVE_LEFT);
  } else if (act === A_DO) {
    const o = w.objAt[target]!;
    if (o !== 0) doObject(env, o - 1);
    else doMaterial(env, target);
  } else if (act === A_SLEEP) {
    if (inv[I_ENERGY]! < ITEM_MAX) env.sleeping = true;
  } else if (act >= A_PLACE_STONE && act <= A_PLACE_PLANT) {
    place(env, act, target);
  } else if (act >= A_MAKE_WOOD_PICKAXE && act <= A_MAKE_IRON_SWORD) {
    make(env, act, px, py);
  }

  lifeStats(env);
  healthStats(env);
  for (let i = 0; i < NUM_ITEMS; i++) {
    const v = inv[i]!;
    if (v > ITEM_MAX) inv[i] = ITEM_MAX;
    else if (v < 0) inv[i] = 0;
  }
  const health = inv[I_HEALTH]!;
  if (health < env.lastPlayerHealth) env.sleeping = false;
  env.lastPlayerHealth = health;
}

function movePlayer(env: EpisodeState, dir: number): void {
  const w = env.world;
  env.facing = dir;
  const x = w.ox[0]! + DIR_X[dir]!;
  const y = w.oy[0]! + DIR_Y[dir]!;
  const i = w.idx(x, y);
  if (((WALK_PLAYER >>> w.mat[i]!) & 1) === 0 || w.objAt[i] !== 0) return;
  w.move(0, x, y);
  if (w.mat[i] === M_LAVA) env.inventory[I_HEALTH] = 0;
}

function damageDealt(inv: Int16Array): number {
  if (inv[I_IRON_SWORD]! > 0) return 5;
  if (inv[I_STONE_SWORD]! > 0) return 3;
  if (inv[I_WOOD_SWORD]! > 0) return 2;
  return 1;
}

function doObject(env: EpisodeState, slot: number): void {
  const w = env.world;
  const inv = env.inventory;
  const kind = w.kind[slot]!;
  if (kind === K_PLANT) {
    if (w.timer[slot]! <= PLANT_RIPE_AFTER) return; // unripe plants are unaffected
    w.timer[slot] = 0;
    inv[I_FOOD] = inv[I_FOOD]! + 4; // clamped to 9 after the life stats, like every item
    env.unlock(ACH_EAT_PLANT);
    return;
  }
  if (kind !== K_ZOMBIE && kind !== K_SKELETON && kind !== K_COW) return;
  const hp = w.health[slot]! - damageDealt(inv);
  w.health[slot] = hp;
  if (hp > 0) return;
  if (kind === K_ZOMBIE) {
    env.unlock(ACH_DEFEAT_ZOMBIE);
  } else if (kind === K_SKELETON) {
    env.unlock(ACH_DEFEAT_SKELETON);
  } else {
    inv[I_FOOD] = inv[I_FOOD]! + 6;
    env.hunger = 0;
    env.unlock(ACH_EAT_COW);
  }
}

function doMaterial(env: EpisodeState, target: number): void {
  const w = env.world;
  const inv = env.inventory;
  const m = w.mat[target]!;
  if (m === M_WATER) env.thirst = 0;
  const item = COLLECT_ITEM[m]!;
  if (item < 0) return;
  const req = COLLECT_REQ_ITEM[m]!;
  if (req >= 0 && inv[req]! < COLLECT_REQ_AMOUNT[m]!) return;
  w.setMat(target, COLLECT_LEAVES[m]!);
  // Only probabilistic rules (grass → sapling) draw, so the RNG order does not depend on which
  // certain rule fired.
  const p = COLLECT_PROB[m]!;
  if (p < 1 && env.rng.uniform() > p) return;
  inv[item] = inv[item]! + COLLECT_AMOUNT[m]!;
  env.unlock(COLLECT_ACH[m]!);
}

function canPay(inv: Int16Array, act: number): boolean {
  for (let k = 0; k < MAX_COST_ITEMS; k++) {
    const item = COST_ITEM[act * MAX_COST_ITEMS + k]!;
    if (item < 0) return true;
    if (inv[item]! < COST_AMOUNT[act * MAX_COST_ITEMS + k]!) return false;
  }
  return true;
}

function pay(inv: Int16Array, act: number): void {
  for (let k = 0; k < MAX_COST_ITEMS; k++) {
    const item = COST_ITEM[act * MAX_COST_ITEMS + k]!;
    if (item < 0) return;
    inv[item] = inv[item]! - COST_AMOUNT[act * MAX_COST_ITEMS + k]!;
  }
}

function place(env: EpisodeState, act: number, target: number): void {
  const w = env.world;
  if (w.objAt[target] !== 0) return;
  if (((PLACE_WHERE[act]! >>> w.mat[target]!) & 1) === 0) return;
  if (!canPay(env.inventory, act)) return;
  pay(env.inventory, act);
  const into = PLACE_INTO[act]!;
  if (into >= 0) {
    w.setMat(target, into);
  } else {
    w.add(K_PLANT, w.ox[0]! + DIR_X[env.facing]!, w.oy[0]! + DIR_Y[env.facing]!, PLANT_HEALTH);
  }
  env.unlock(ACTION_ACH[act]!);
}

function make(env: EpisodeState, act: number, px: number, py: number): void {
  const w = env.world;
  const mat = w.mat;
  const stride = w.stride;
  const c = w.idx(px, py);
  // Materials in the 3×3 square around the player, diagonals included (padding reads as `none`).
  const nearby =
    (1 << mat[c - stride - 1]!) | (1 << mat[c - stride]!) | (1 << mat[c - stride + 1]!) |
    (1 << mat[c - 1]!) | (1 << mat[c]!) | (1 << mat[c + 1]!) |
    (1 << mat[c + stride - 1]!) | (1 << mat[c + stride]!) | (1 << mat[c + stride + 1]!);
  const need = MAKE_NEARBY[act]!;
  if ((nearby & need) !== need) return;
  const inv = env.inventory;
  if (!canPay(inv, act)) return;
  pay(inv, act);
  const gives = MAKE_GIVES[act]!;
  inv[gives] = inv[gives]! + 1;
  env.unlock(ACTION_ACH[act]!);
}

function lifeStats(env: EpisodeState): void {
  const inv = env.inventory;
  const sleeping = env.sleeping;
  env.hunger += sleeping ? 0.5 : 1;
  if (env.hunger > 25) {
    env.hunger = 0;
    inv[I_FOOD] = Math.max(0, inv[I_FOOD]! - 1);
  }
  env.thirst += sleeping ? 0.5 : 1;
  if (env.thirst > 20) {
    env.thirst = 0;
    inv[I_DRINK] = Math.max(0, inv[I_DRINK]! - 1);
  }
  if (sleeping) env.fatigue = Math.min(env.fatigue - 1, 0);
  else env.fatigue += 1;
  if (env.fatigue < -10) {
    env.fatigue = 0;
    inv[I_ENERGY] = inv[I_ENERGY]! + 1;
  }
  if (env.fatigue > 30) {
    env.fatigue = 0;
    inv[I_ENERGY] = Math.max(0, inv[I_ENERGY]! - 1);
  }
}

function healthStats(env: EpisodeState): void {
  const inv = env.inventory;
  const sleeping = env.sleeping;
  const needsMet = inv[I_FOOD]! > 0 && inv[I_DRINK]! > 0 && (inv[I_ENERGY]! > 0 || sleeping);
  if (needsMet) env.recover += sleeping ? 2 : 1;
  else env.recover -= sleeping ? 0.5 : 1;
  if (env.recover > 25) {
    env.recover = 0;
    inv[I_HEALTH] = inv[I_HEALTH]! + 1;
  }
  if (env.recover < -15) {
    env.recover = 0;
    inv[I_HEALTH] = Math.max(0, inv[I_HEALTH]! - 1);
  }
}
