// sim:heuristic — a scripted Crafter agent that reads the task app's observation text (docs/wire-contract.md §4.7) and
// answers like an LLM would: one `interact` call with a few actions and a reasoning line. It knows
// the tech tree (wood → table → wood pickaxe/sword → stone → stone tools, plus drink, cow, sapling)
// and walks with a breadth-first search over the 7 × 7 view. It keeps no state between calls: the
// exploration heading travels in its own previous `reasoning`, which the prompt replays.
import type { ChatCompletionRequest } from '../../../src/api/chat.ts';
import { ScriptedPolicy, type PolicyChoice } from './completion.ts';
import { lastUserText, parseCrafterView, VIEW_RADIUS, type CrafterView } from './observation.ts';
import { hashString, mulberry32 } from './random.ts';

interface Dir {
  action: 'move_left' | 'move_right' | 'move_up' | 'move_down';
  name: 'left' | 'right' | 'up' | 'down';
  dx: number;
  dy: number;
}

const DIRS: readonly Dir[] = [
  { action: 'move_left', name: 'left', dx: -1, dy: 0 },
  { action: 'move_right', name: 'right', dx: 1, dy: 0 },
  { action: 'move_up', name: 'up', dx: 0, dy: -1 },
  { action: 'move_down', name: 'down', dx: 0, dy: 1 },
];

/** Where the player may stand. Lava is walkable in Crafter, and deadly: never step on it. */
const WALKABLE = new Set(['grass', 'sand', 'path']);
const TABLE_SPOTS = new Set(['grass', 'sand', 'path']);
const STONE_SPOTS = new Set(['grass', 'sand', 'path', 'water', 'lava']);
const MAX_PLAN = 5;

interface Route {
  moves: Dir[];
  /** Direction to face at the end (undefined for "stand here" goals). */
  face?: Dir;
}

/**
 * Shortest walk inside the view to a standing spot from which `goal` holds. `goal(dx, dy)` is asked
 * of every reachable spot; it answers the direction to face there, `true` to stand there, or false.
 */
function route(v: CrafterView, goal: (dx: number, dy: number) => Dir | boolean): Route | undefined {
  const key = (dx: number, dy: number) => `${dx},${dy}`;
  const prev = new Map<string, { from: string; dir: Dir } | null>([[key(0, 0), null]]);
  const queue: [number, number][] = [[0, 0]];
  while (queue.length > 0) {
    const [x, y] = queue.shift() as [number, number];
    const g = goal(x, y);
    if (g !== false) {
      const moves: Dir[] = [];
      for (let k = key(x, y), p = prev.get(k); p; k = p.from, p = prev.get(k)) moves.unshift(p.dir);
      return g === true ? { moves } : { moves, face: g };
    }
    for (const d of DIRS) {
      const nx = x + d.dx;
      const ny = y + d.dy;
      if (Math.abs(nx) > VIEW_RADIUS || Math.abs(ny) > VIEW_RADIUS || prev.has(key(nx, ny))) continue;
      if (!WALKABLE.has(v.cell(nx, ny) ?? 'void')) continue;
      prev.set(key(nx, ny), { from: key(x, y), dir: d });
      queue.push([nx, ny]);
    }
  }
  return undefined;
}

/** A standing spot next to a cell named one of `names`: face it. */
function besideAny(v: CrafterView, names: ReadonlySet<string>): (dx: number, dy: number) => Dir | false {
  return (x, y) => DIRS.find((d) => names.has(v.cell(x + d.dx, y + d.dy) ?? '')) ?? false;
}

function facingDir(v: CrafterView): Dir | undefined {
  return DIRS.find((d) => d.dx === v.facing.dx && d.dy === v.facing.dy);
}

/** Moves of a route, then one move toward the target to turn (blocked, so it only turns). */
function approach(v: CrafterView, r: Route): string[] {
  const out: string[] = r.moves.map((d) => d.action);
  if (r.face === undefined) return out;
  const last = r.moves.length > 0 ? r.moves[r.moves.length - 1] : facingDir(v);
  if (last?.name !== r.face.name) out.push(r.face.action);
  return out;
}

function plan(actions: string[], reasoning: string): PolicyChoice {
  return { actions: actions.slice(0, MAX_PLAN), reasoning };
}

function count(v: CrafterView, item: string): number {
  return v.inventory[item] ?? 0;
}

function anyInView(v: CrafterView, name: string, radius = VIEW_RADIUS): boolean {
  for (let dx = -radius; dx <= radius; dx++) for (let dy = -radius; dy <= radius; dy++) if (v.cell(dx, dy) === name) return true;
  return false;
}

/** Crafts possible right now at a table (and furnace), spending a copy of the inventory in order. */
function crafts(v: CrafterView): string[] {
  const inv = { ...v.inventory };
  const has = (k: string, n = 1) => (inv[k] ?? 0) >= n;
  const spend = (costs: Record<string, number>) => {
    for (const [k, n] of Object.entries(costs)) inv[k] = (inv[k] ?? 0) - n;
  };
  const out: string[] = [];
  const furnace = anyInView(v, 'furnace', 1);
  const recipes: [string, string, Record<string, number>, boolean][] = [
    ['make_wood_pickaxe', 'wood_pickaxe', { wood: 1 }, true],
    ['make_wood_sword', 'wood_sword', { wood: 1 }, true],
    ['make_stone_pickaxe', 'stone_pickaxe', { wood: 1, stone: 1 }, true],
    ['make_stone_sword', 'stone_sword', { wood: 1, stone: 1 }, true],
    ['make_iron_pickaxe', 'iron_pickaxe', { wood: 1, coal: 1, iron: 1 }, furnace],
    ['make_iron_sword', 'iron_sword', { wood: 1, coal: 1, iron: 1 }, furnace],
  ];
  for (const [action, item, costs, station] of recipes) {
    if (!station || has(item)) continue;
    if (Object.entries(costs).every(([k, n]) => has(k, n))) {
      spend(costs);
      inv[item] = 1;
      out.push(action);
    }
  }
  return out;
}

/** Wood still needed for the table and the wooden/stone tools not yet made. */
function woodWanted(v: CrafterView): number {
  let need = 0;
  if (!v.unlocked.has('place_table') || !anyInView(v, 'table')) need += 2;
  for (const tool of ['wood_pickaxe', 'wood_sword', 'stone_pickaxe', 'stone_sword']) if (count(v, tool) === 0) need += 1;
  return Math.min(need, 6);
}

function pendingCraftsWithWood(v: CrafterView): boolean {
  if (count(v, 'wood') < 1) return false;
  if (count(v, 'wood_pickaxe') === 0 || count(v, 'wood_sword') === 0) return true;
  return count(v, 'stone') >= 1 && (count(v, 'stone_pickaxe') === 0 || count(v, 'stone_sword') === 0);
}

/** Face-and-`do` at the nearest cell named in `names`, `hits` times. */
function harvest(v: CrafterView, names: string[], hits: number, reasoning: string, extra: string[] = []): PolicyChoice | undefined {
  const r = route(v, besideAny(v, new Set(names)));
  if (r === undefined) return undefined;
  const moves = approach(v, r);
  return plan([...moves, ...Array<string>(hits).fill('do'), ...extra], reasoning);
}

/** Put a table (or stone) on the faced tile, stepping first if the faced tile cannot take it. */
function placeOnto(v: CrafterView, action: string, spots: ReadonlySet<string>, after: string[], reasoning: string): PolicyChoice | undefined {
  const ahead = v.cell(v.facing.dx, v.facing.dy);
  if (ahead !== undefined && spots.has(ahead)) return plan([action, ...after], reasoning);
  for (const d of DIRS) {
    if (!WALKABLE.has(v.cell(d.dx, d.dy) ?? '')) continue;
    if (spots.has(v.cell(2 * d.dx, 2 * d.dy) ?? '')) return plan([d.action, action, ...after], reasoning);
  }
  return undefined;
}

function explore(v: CrafterView, seed: number): PolicyChoice {
  const previous = /explore (left|right|up|down)/.exec(v.previousReasoning[0] ?? '')?.[1];
  const open = (d: Dir, k: number) => WALKABLE.has(v.cell(k * d.dx, k * d.dy) ?? 'void');
  let dir = DIRS.find((d) => d.name === previous && open(d, 1));
  if (dir === undefined) {
    // Head where the view shows the most map (away from edges), ties broken by a seeded draw.
    const rng = mulberry32(seed);
    let best = -1;
    for (const d of DIRS) {
      if (!open(d, 1)) continue;
      let score = rng();
      for (let k = 1; k <= VIEW_RADIUS; k++) {
        for (let s = -VIEW_RADIUS; s <= VIEW_RADIUS; s++) {
          const cell = d.dx !== 0 ? v.cell(k * d.dx, s) : v.cell(s, k * d.dy);
          if (cell !== undefined && cell !== 'void') score += WALKABLE.has(cell) ? 1 : 2;
        }
      }
      if (d.name === previous) score -= 100; // it is blocked or it led nowhere new
      if (score > best) {
        best = score;
        dir = d;
      }
    }
  }
  if (dir === undefined) return plan(['noop', 'noop'], 'boxed in; waiting');
  const steps: string[] = [];
  for (let k = 1; k <= 4 && open(dir, k); k++) steps.push(dir.action);
  return plan(steps, `explore ${dir.name}`);
}

/** The scripted decision for one observation. */
export function decide(v: CrafterView, seed: number): PolicyChoice {
  const wood = count(v, 'wood');
  const stone = count(v, 'stone');
  const unlocked = (a: string) => v.unlocked.has(a);

  // Threats first: a zombie next to us keeps hitting.
  const zombie = besideAny(v, new Set(['zombie']))(0, 0);
  if (zombie !== false) return plan([...approach(v, { moves: [], face: zombie }), 'do', 'do', 'do'], 'fight the zombie next to me');

  // Craft whatever the table in reach allows.
  if (anyInView(v, 'table', 1)) {
    const made = crafts(v);
    if (made.length > 0) return plan(made, `craft at the table: ${made.join(', ')}`);
  }

  // A table unlocks the tools; place one as soon as there is wood for it.
  if (wood >= 2 && !anyInView(v, 'table')) {
    const after = wood >= 3 ? ['make_wood_pickaxe'] : [];
    const placed = placeOnto(v, 'place_table', TABLE_SPOTS, after, 'place a table to craft tools');
    if (placed !== undefined) return placed;
  }

  // Cheap first unlocks right beside us.
  if (!unlocked('collect_drink') && besideAny(v, new Set(['water']))(0, 0)) return harvest(v, ['water'], 1, 'drink the water beside me') as PolicyChoice;
  if (!unlocked('eat_cow') && besideAny(v, new Set(['cow']))(0, 0)) return harvest(v, ['cow'], 3, 'hit the cow beside me to eat it') as PolicyChoice;

  // Back to the table when there are tools to make.
  if (anyInView(v, 'table') && pendingCraftsWithWood(v)) {
    const r = route(v, (x, y) => {
      for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) if (v.cell(x + dx, y + dy) === 'table') return true;
      return false;
    });
    if (r !== undefined) return plan([...approach(v, r), ...crafts(v)], 'walk to the table and craft');
  }

  // Wood for the table and tools.
  if (wood < woodWanted(v)) {
    const p = harvest(v, ['tree'], 1, 'collect wood from the nearest tree');
    if (p !== undefined) return p;
  }

  // Stone (and coal) once there is a pickaxe; place one stone back for place_stone, then re-mine it.
  if (count(v, 'wood_pickaxe') > 0) {
    if (stone >= 1 && !unlocked('place_stone')) {
      const placed = placeOnto(v, 'place_stone', STONE_SPOTS, [], 'place a stone');
      if (placed !== undefined) return placed;
    }
    if (stone < 4 || !unlocked('collect_coal')) {
      const targets = stone < 4 ? ['stone', 'coal'] : ['coal'];
      const extra = !unlocked('place_stone') ? ['place_stone'] : [];
      const p = harvest(v, targets, 1, `mine ${targets.join('/')}`, extra);
      if (p !== undefined) return p;
    }
    if (count(v, 'stone_pickaxe') > 0) {
      const p = harvest(v, ['iron'], 1, 'mine iron');
      if (p !== undefined) return p;
    }
  }

  // Drink and food when they are new or running low.
  if (!unlocked('collect_drink') || count(v, 'drink') < 5) {
    const p = harvest(v, ['water'], Math.max(1, Math.min(3, 9 - count(v, 'drink'))), 'drink water');
    if (p !== undefined) return p;
  }
  if (!unlocked('eat_cow') || count(v, 'food') < 5) {
    const p = harvest(v, ['cow'], 3, 'hunt the cow');
    if (p !== undefined) return p;
  }

  // Saplings: plant one held, or try the grass ahead (10 % per hit).
  const ahead = v.cell(v.facing.dx, v.facing.dy);
  if (count(v, 'sapling') > 0 && !unlocked('place_plant') && ahead === 'grass') return plan(['place_plant'], 'plant the sapling');
  if (!unlocked('collect_sapling') && ahead === 'grass') return plan(['do', 'do'], 'search the grass for a sapling');

  // More wood is always useful when nothing else is in sight.
  if (wood < 9) {
    const p = harvest(v, ['tree'], 1, 'collect wood');
    if (p !== undefined) return p;
  }

  if (count(v, 'energy') > 0 && count(v, 'energy') < 3) return plan(['sleep', 'sleep', 'sleep'], 'rest to recover energy');
  return explore(v, seed);
}

export class HeuristicPolicy extends ScriptedPolicy {
  constructor(id = 'sim:heuristic') {
    super(id, 'scripted Crafter agent over the observation text (wood → table → tools → stone)');
  }

  protected choose(req: ChatCompletionRequest): PolicyChoice {
    const view = parseCrafterView(lastUserText(req));
    if (view === undefined) return { actions: ['noop'], reasoning: 'no Crafter observation in the last user message', logprobs: [0] };
    const seed = req.seed ?? hashString(`${view.x},${view.y},${view.steps}`);
    const choice = decide(view, seed);
    // Deterministic policy: every chosen action has probability 1.
    return { ...choice, logprobs: choice.actions.map(() => 0) };
  }
}
