// Crafter's vocabulary and rule tables (docs/crafter.md §1.2, §2.2, §3, §5.2), written once as data.
// The engine compiles the name-keyed tables below into id-indexed typed arrays (see rules.ts), so the
// tables stay readable and verbatim while the hot path only does array lookups.

/** The 17 actions in Crafter's index order (C/yaml `actions`). */
export const ACTION_NAMES = [
  'noop',
  'move_left',
  'move_right',
  'move_up',
  'move_down',
  'do',
  'sleep',
  'place_stone',
  'place_table',
  'place_furnace',
  'place_plant',
  'make_wood_pickaxe',
  'make_stone_pickaxe',
  'make_iron_pickaxe',
  'make_wood_sword',
  'make_stone_sword',
  'make_iron_sword',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];
export const NUM_ACTIONS = ACTION_NAMES.length;

export const A_NOOP = 0;
export const A_MOVE_LEFT = 1;
export const A_MOVE_RIGHT = 2;
export const A_MOVE_UP = 3;
export const A_MOVE_DOWN = 4;
export const A_DO = 5;
export const A_SLEEP = 6;
export const A_PLACE_STONE = 7;
export const A_PLACE_TABLE = 8;
export const A_PLACE_FURNACE = 9;
export const A_PLACE_PLANT = 10;
export const A_MAKE_WOOD_PICKAXE = 11;
export const A_MAKE_STONE_PICKAXE = 12;
export const A_MAKE_IRON_PICKAXE = 13;
export const A_MAKE_WOOD_SWORD = 14;
export const A_MAKE_STONE_SWORD = 15;
export const A_MAKE_IRON_SWORD = 16;

/** Aliases LLM wrappers use (craftaxlm's left/right/up/down); unknown names are not mapped here. */
export const ACTION_ALIASES: Readonly<Record<string, ActionName>> = {
  left: 'move_left',
  right: 'move_right',
  up: 'move_up',
  down: 'move_down',
  'no-op': 'noop',
  no_op: 'noop',
};

/** Action index for a name or alias (case-insensitive), or -1 when unknown. */
export function actionIndex(name: string): number {
  const lower = name.trim().toLowerCase();
  const direct = (ACTION_NAMES as readonly string[]).indexOf(lower);
  if (direct >= 0) return direct;
  const alias = ACTION_ALIASES[lower];
  return alias === undefined ? -1 : (ACTION_NAMES as readonly string[]).indexOf(alias);
}

/**
 * Materials with Crafter's semantic ids (docs/crafter.md §5.2). Id 0 is Crafter's "none" (unset) material; the
 * engine also uses it for the tiles beyond the map edge, which are never walkable or collectable.
 */
export const MATERIAL_NAMES = [
  'none',
  'water',
  'grass',
  'stone',
  'path',
  'sand',
  'tree',
  'lava',
  'coal',
  'iron',
  'diamond',
  'table',
  'furnace',
] as const;
export type MaterialName = (typeof MATERIAL_NAMES)[number];

export const M_NONE = 0;
export const M_WATER = 1;
export const M_GRASS = 2;
export const M_STONE = 3;
export const M_PATH = 4;
export const M_SAND = 5;
export const M_TREE = 6;
export const M_LAVA = 7;
export const M_COAL = 8;
export const M_IRON = 9;
export const M_DIAMOND = 10;
export const M_TABLE = 11;
export const M_FURNACE = 12;

/** Object kinds; the semantic id of an object is `OBJECT_ID_OFFSET + kind` (13 player … 18 plant). */
export const OBJECT_NAMES = ['none', 'player', 'cow', 'zombie', 'skeleton', 'arrow', 'plant'] as const;
export type ObjectName = (typeof OBJECT_NAMES)[number];
export const K_NONE = 0;
export const K_PLAYER = 1;
export const K_COW = 2;
export const K_ZOMBIE = 3;
export const K_SKELETON = 4;
export const K_ARROW = 5;
export const K_PLANT = 6;
export const OBJECT_ID_OFFSET = 12;

/** Semantic id → name, Crafter's ids (0–12 materials, 13–18 objects). */
export const SEMANTIC_NAMES: readonly string[] = [
  ...MATERIAL_NAMES,
  ...OBJECT_NAMES.slice(1),
];

/** Bit masks over material ids: who may stand on what (docs/crafter.md §1.2). */
function maskOf(...ids: number[]): number {
  let m = 0;
  for (const id of ids) m |= 1 << id;
  return m;
}
export const WALK_PLAYER = maskOf(M_GRASS, M_SAND, M_PATH, M_LAVA);
export const WALK_CREATURE = maskOf(M_GRASS, M_SAND, M_PATH);
export const WALK_ARROW = maskOf(M_GRASS, M_SAND, M_PATH, M_WATER, M_LAVA);

/** Inventory slots in Crafter's item order (docs/crafter.md §2.2); all capped at 9. */
export const ITEM_NAMES = [
  'health',
  'food',
  'drink',
  'energy',
  'sapling',
  'wood',
  'stone',
  'coal',
  'iron',
  'diamond',
  'wood_pickaxe',
  'stone_pickaxe',
  'iron_pickaxe',
  'wood_sword',
  'stone_sword',
  'iron_sword',
] as const;
export type ItemName = (typeof ITEM_NAMES)[number];
export const NUM_ITEMS = ITEM_NAMES.length;
export const I_HEALTH = 0;
export const I_FOOD = 1;
export const I_DRINK = 2;
export const I_ENERGY = 3;
export const I_SAPLING = 4;
export const I_WOOD = 5;
export const I_STONE = 6;
export const I_COAL = 7;
export const I_IRON = 8;
export const I_DIAMOND = 9;
export const I_WOOD_PICKAXE = 10;
export const I_STONE_PICKAXE = 11;
export const I_IRON_PICKAXE = 12;
export const I_WOOD_SWORD = 13;
export const I_STONE_SWORD = 14;
export const I_IRON_SWORD = 15;
export const ITEM_MAX = 9;
/** Initial inventory: the four vitals at 9, everything else 0. */
export const ITEM_INITIAL: readonly number[] = [9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/** The 22 achievements in Crafter's (alphabetical) order, used for counts and success rates. */
export const ACHIEVEMENTS = [
  'collect_coal',
  'collect_diamond',
  'collect_drink',
  'collect_iron',
  'collect_sapling',
  'collect_stone',
  'collect_wood',
  'defeat_skeleton',
  'defeat_zombie',
  'eat_cow',
  'eat_plant',
  'make_iron_pickaxe',
  'make_iron_sword',
  'make_stone_pickaxe',
  'make_stone_sword',
  'make_wood_pickaxe',
  'make_wood_sword',
  'place_furnace',
  'place_plant',
  'place_stone',
  'place_table',
  'wake_up',
] as const;
export type AchievementName = (typeof ACHIEVEMENTS)[number];
export const NUM_ACHIEVEMENTS = ACHIEVEMENTS.length;

/** Craftax-Classic / craftaxlm order of the same 22 names (docs/crafter.md §3.3), for compatibility views. */
export const CRAFTAX_ACHIEVEMENT_ORDER: readonly AchievementName[] = [
  'collect_wood',
  'place_table',
  'eat_cow',
  'collect_sapling',
  'collect_drink',
  'make_wood_pickaxe',
  'make_wood_sword',
  'place_plant',
  'defeat_zombie',
  'collect_stone',
  'place_stone',
  'eat_plant',
  'defeat_skeleton',
  'make_stone_pickaxe',
  'make_stone_sword',
  'wake_up',
  'place_furnace',
  'collect_coal',
  'collect_iron',
  'collect_diamond',
  'make_iron_pickaxe',
  'make_iron_sword',
];

export function achievementIndex(name: AchievementName): number {
  return (ACHIEVEMENTS as readonly string[]).indexOf(name);
}

// ---------------------------------------------------------------------------------------------
// Requirement tables, verbatim from Crafter's data.yaml (docs/crafter.md §3.2).
// ---------------------------------------------------------------------------------------------

export interface CollectRule {
  /** The faced material. */
  readonly material: MaterialName;
  /** Items that must be held (not consumed). */
  readonly require: Readonly<Partial<Record<ItemName, number>>>;
  readonly receive: ItemName;
  readonly amount: number;
  /** What the tile turns into. */
  readonly leaves: MaterialName;
  readonly probability: number;
}

export const COLLECT_RULES: readonly CollectRule[] = [
  { material: 'tree', require: {}, receive: 'wood', amount: 1, leaves: 'grass', probability: 1 },
  { material: 'stone', require: { wood_pickaxe: 1 }, receive: 'stone', amount: 1, leaves: 'path', probability: 1 },
  { material: 'coal', require: { wood_pickaxe: 1 }, receive: 'coal', amount: 1, leaves: 'path', probability: 1 },
  { material: 'iron', require: { stone_pickaxe: 1 }, receive: 'iron', amount: 1, leaves: 'path', probability: 1 },
  { material: 'diamond', require: { iron_pickaxe: 1 }, receive: 'diamond', amount: 1, leaves: 'path', probability: 1 },
  { material: 'water', require: {}, receive: 'drink', amount: 1, leaves: 'water', probability: 1 },
  { material: 'grass', require: {}, receive: 'sapling', amount: 1, leaves: 'grass', probability: 0.1 },
];

export interface PlaceRule {
  readonly action: ActionName;
  readonly uses: Readonly<Partial<Record<ItemName, number>>>;
  /** Allowed faced materials; the faced tile must also hold no object. */
  readonly where: readonly MaterialName[];
  /** A material, or 'plant' for the Plant object. */
  readonly into: MaterialName | 'plant';
  readonly achievement: AchievementName;
}

export const PLACE_RULES: readonly PlaceRule[] = [
  { action: 'place_stone', uses: { stone: 1 }, where: ['grass', 'sand', 'path', 'water', 'lava'], into: 'stone', achievement: 'place_stone' },
  { action: 'place_table', uses: { wood: 2 }, where: ['grass', 'sand', 'path'], into: 'table', achievement: 'place_table' },
  { action: 'place_furnace', uses: { stone: 4 }, where: ['grass', 'sand', 'path'], into: 'furnace', achievement: 'place_furnace' },
  { action: 'place_plant', uses: { sapling: 1 }, where: ['grass'], into: 'plant', achievement: 'place_plant' },
];

export interface MakeRule {
  readonly action: ActionName;
  readonly uses: Readonly<Partial<Record<ItemName, number>>>;
  /** Materials that must appear in the 3×3 square centred on the player. */
  readonly nearby: readonly MaterialName[];
  readonly gives: ItemName;
  readonly achievement: AchievementName;
}

export const MAKE_RULES: readonly MakeRule[] = [
  { action: 'make_wood_pickaxe', uses: { wood: 1 }, nearby: ['table'], gives: 'wood_pickaxe', achievement: 'make_wood_pickaxe' },
  { action: 'make_stone_pickaxe', uses: { wood: 1, stone: 1 }, nearby: ['table'], gives: 'stone_pickaxe', achievement: 'make_stone_pickaxe' },
  { action: 'make_iron_pickaxe', uses: { wood: 1, coal: 1, iron: 1 }, nearby: ['table', 'furnace'], gives: 'iron_pickaxe', achievement: 'make_iron_pickaxe' },
  { action: 'make_wood_sword', uses: { wood: 1 }, nearby: ['table'], gives: 'wood_sword', achievement: 'make_wood_sword' },
  { action: 'make_stone_sword', uses: { wood: 1, stone: 1 }, nearby: ['table'], gives: 'stone_sword', achievement: 'make_stone_sword' },
  { action: 'make_iron_sword', uses: { wood: 1, coal: 1, iron: 1 }, nearby: ['table', 'furnace'], gives: 'iron_sword', achievement: 'make_iron_sword' },
];

// ---------------------------------------------------------------------------------------------
// Numbers of the game (docs/crafter.md §1, §2, §4).
// ---------------------------------------------------------------------------------------------

export const DEFAULT_MAX_STEPS = 10_000;
export const DAY_LENGTH = 300;
/** Only objects with L1 distance < 2·max(view) = 18 from the player update each step. */
export const UPDATE_RADIUS = 18;
export const CHUNK_SIZE = 12;
export const BALANCE_EVERY = 10;
export const VIEW_W = 9;
export const VIEW_H = 7;

export const COW_HEALTH = 3;
export const ZOMBIE_HEALTH = 5;
export const SKELETON_HEALTH = 3;
export const PLANT_HEALTH = 1;
export const PLANT_RIPE_AFTER = 300; // ripe when grown > 300
export const ZOMBIE_DAMAGE = 2;
export const ZOMBIE_DAMAGE_SLEEPING = 7;
export const ZOMBIE_COOLDOWN = 5;
export const SKELETON_RELOAD = 4;
export const ARROW_DAMAGE = 2;

/** Facing directions: index 0..3 = left, right, up, down; y grows downwards. */
export const DIR_NAMES = ['left', 'right', 'up', 'down'] as const;
export const DIR_X: readonly number[] = [-1, 1, 0, 0];
export const DIR_Y: readonly number[] = [0, 0, -1, 1];
export const D_LEFT = 0;
export const D_RIGHT = 1;
export const D_UP = 2;
export const D_DOWN = 3;

/** Direction index of a unit vector, or -1 for (0, 0). */
export function dirIndex(dx: number, dy: number): number {
  if (dx < 0) return D_LEFT;
  if (dx > 0) return D_RIGHT;
  if (dy < 0) return D_UP;
  if (dy > 0) return D_DOWN;
  return -1;
}
