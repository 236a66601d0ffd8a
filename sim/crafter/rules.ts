// Compiles the name-keyed requirement tables of constants.ts into small id-indexed typed arrays so
// the player update is pure array lookups. Built once at module load.

import {
  ACHIEVEMENTS,
  ACTION_NAMES,
  COLLECT_RULES,
  ITEM_NAMES,
  MAKE_RULES,
  MATERIAL_NAMES,
  NUM_ACTIONS,
  PLACE_RULES,
  type AchievementName,
  type ItemName,
  type MakeRule,
  type MaterialName,
  type PlaceRule,
} from './constants.ts';

/** Up to this many cost items per place/make rule (iron tools use three). */
export const MAX_COST_ITEMS = 3;

function item(name: ItemName): number {
  return ITEM_NAMES.indexOf(name);
}
function material(name: MaterialName): number {
  return MATERIAL_NAMES.indexOf(name);
}
function achievement(name: string): number {
  const i = (ACHIEVEMENTS as readonly string[]).indexOf(name);
  if (i < 0) throw new Error(`unknown achievement ${name}`);
  return i;
}
function action(name: string): number {
  return (ACTION_NAMES as readonly string[]).indexOf(name);
}

const NUM_MATERIALS = MATERIAL_NAMES.length;

/** Collect rule per material id; -1 where `do` on that material does nothing. */
export const COLLECT_ITEM = new Int8Array(NUM_MATERIALS).fill(-1);
export const COLLECT_AMOUNT = new Int8Array(NUM_MATERIALS);
export const COLLECT_LEAVES = new Uint8Array(NUM_MATERIALS);
export const COLLECT_REQ_ITEM = new Int8Array(NUM_MATERIALS).fill(-1);
export const COLLECT_REQ_AMOUNT = new Int8Array(NUM_MATERIALS);
export const COLLECT_PROB = new Float64Array(NUM_MATERIALS);
export const COLLECT_ACH = new Int8Array(NUM_MATERIALS).fill(-1);

for (const rule of COLLECT_RULES) {
  const m = material(rule.material);
  const reqs = Object.entries(rule.require) as [ItemName, number][];
  if (reqs.length > 1) throw new Error('collect rules hold at most one requirement');
  COLLECT_ITEM[m] = item(rule.receive);
  COLLECT_AMOUNT[m] = rule.amount;
  COLLECT_LEAVES[m] = material(rule.leaves);
  COLLECT_PROB[m] = rule.probability;
  COLLECT_ACH[m] = achievement(`collect_${rule.receive}`);
  const req = reqs[0];
  if (req) {
    COLLECT_REQ_ITEM[m] = item(req[0]);
    COLLECT_REQ_AMOUNT[m] = req[1];
  }
}

/** Cost items/amounts per action index, MAX_COST_ITEMS entries each, -1 padded. */
export const COST_ITEM = new Int8Array(NUM_ACTIONS * MAX_COST_ITEMS).fill(-1);
export const COST_AMOUNT = new Int8Array(NUM_ACTIONS * MAX_COST_ITEMS);
/** place_*: bit mask of allowed target materials. */
export const PLACE_WHERE = new Int32Array(NUM_ACTIONS);
/** place_*: resulting material id, or -1 for the Plant object. */
export const PLACE_INTO = new Int8Array(NUM_ACTIONS).fill(-1);
/** make_*: bit mask of materials required in the 3×3 square. */
export const MAKE_NEARBY = new Int32Array(NUM_ACTIONS);
/** make_*: the item given. */
export const MAKE_GIVES = new Int8Array(NUM_ACTIONS).fill(-1);
/** Achievement counted by a successful place/make action. */
export const ACTION_ACH = new Int8Array(NUM_ACTIONS).fill(-1);

function setCost(a: number, uses: Readonly<Partial<Record<ItemName, number>>>): void {
  const entries = Object.entries(uses) as [ItemName, number][];
  if (entries.length > MAX_COST_ITEMS) throw new Error('too many cost items');
  entries.forEach(([name, amount], k) => {
    COST_ITEM[a * MAX_COST_ITEMS + k] = item(name);
    COST_AMOUNT[a * MAX_COST_ITEMS + k] = amount;
  });
}

/** Bit m set for each named material. */
function materialMask(names: readonly MaterialName[]): number {
  let mask = 0;
  for (const n of names) mask |= 1 << material(n);
  return mask;
}

/** The part place and make rules share: the action's cost and the achievement it unlocks. */
function costAndAchievement(rule: PlaceRule | MakeRule): number {
  const a = action(rule.action);
  setCost(a, rule.uses);
  ACTION_ACH[a] = achievement(rule.achievement);
  return a;
}

for (const rule of PLACE_RULES) {
  const a = costAndAchievement(rule);
  PLACE_WHERE[a] = materialMask(rule.where);
  PLACE_INTO[a] = rule.into === 'plant' ? -1 : material(rule.into);
}

for (const rule of MAKE_RULES) {
  const a = costAndAchievement(rule);
  MAKE_NEARBY[a] = materialMask(rule.nearby);
  MAKE_GIVES[a] = item(rule.gives);
}
