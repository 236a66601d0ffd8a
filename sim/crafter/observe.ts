// Observations: the vector for RL policies, and the text the synth task app shows an LLM
// (docs/wire-contract.md §4.7), byte-exact, plus a corrected `grid` orientation.

import {
  ACHIEVEMENTS,
  ITEM_NAMES,
  NUM_ACHIEVEMENTS,
  NUM_ITEMS,
  OBJECT_ID_OFFSET,
  SEMANTIC_NAMES,
  VIEW_H,
  VIEW_W,
  DIR_X,
  DIR_Y,
} from './constants.ts';
import type { CrafterEnv } from './env.ts';

/** Semantic id used for cells beyond the map edge in the vector view (Crafter's unused "none"). */
export const VOID_ID = 0;

/** Crafter semantic id (docs/crafter.md §5.2) of (x, y): the object's id if one stands there, else the material's. */
export function semanticAt(env: CrafterEnv, x: number, y: number): number {
  const w = env.world;
  if (!w.inBounds(x, y)) return VOID_ID;
  const i = w.idx(x, y);
  const o = w.objAt[i]!;
  if (o !== 0) return OBJECT_ID_OFFSET + w.kind[o - 1]!;
  return w.mat[i]!;
}

// Vector layout: 9 × 7 semantic ids (row-major, rows = y from top, columns = x from left, player at
// row 3 column 4), the 16 inventory counts in Crafter's item order, facing one-hot (left, right, up,
// down), daylight in [0, 1], sleeping 0/1. Values are raw (ids 0..18, counts 0..9), not scaled.
export const VEC_VIEW = 0;
export const VEC_INVENTORY = VEC_VIEW + VIEW_W * VIEW_H;
export const VEC_FACING = VEC_INVENTORY + NUM_ITEMS;
export const VEC_DAYLIGHT = VEC_FACING + 4;
export const VEC_SLEEPING = VEC_DAYLIGHT + 1;
export const VECTOR_OBS_SIZE = VEC_SLEEPING + 1;

/** Writes the vector observation into `out` (allocating one if omitted) and returns it. */
export function vectorObservation(env: CrafterEnv, out: Float32Array = new Float32Array(VECTOR_OBS_SIZE)): Float32Array {
  if (out.length < VECTOR_OBS_SIZE) throw new RangeError(`need ${VECTOR_OBS_SIZE} floats, got ${out.length}`);
  const x0 = env.playerX - (VIEW_W >> 1);
  const y0 = env.playerY - (VIEW_H >> 1);
  let o = VEC_VIEW;
  for (let r = 0; r < VIEW_H; r++) {
    for (let c = 0; c < VIEW_W; c++) out[o++] = semanticAt(env, x0 + c, y0 + r);
  }
  for (let i = 0; i < NUM_ITEMS; i++) out[VEC_INVENTORY + i] = env.inventory[i]!;
  for (let d = 0; d < 4; d++) out[VEC_FACING + d] = d === env.facing ? 1 : 0;
  out[VEC_DAYLIGHT] = env.daylight;
  out[VEC_SLEEPING] = env.sleeping ? 1 : 0;
  return out;
}

/** Name of a semantic id as the synth task app prints it (lower-cased Crafter names). */
export function semanticName(id: number): string {
  return SEMANTIC_NAMES[id] ?? String(id);
}

const DIRECTION_LABELS: Record<string, string> = {
  '1,0': '→ east/right',
  '-1,0': '← west/left',
  '0,1': '↓ south/down',
  '0,-1': '↑ north/up',
  '0,0': '• idle',
};

export type TextFormat = 'synth' | 'grid';

/** One previous tool call as the synth task app records it (`tool_name` + JSON-string `arguments`). */
export interface ToolCallLike {
  tool_name?: string;
  name?: string;
  arguments?: unknown;
}

export interface TextObservationOptions {
  /**
   * 'synth' (default): the task app's 7 × 7 map, transposed as it is there (each printed row is one
   * x offset, its cells run over y). 'grid': rows = y (top = up), columns = x, as on screen.
   */
  format?: TextFormat;
  /** Tool calls of earlier steps, most recent first; the first three are printed. */
  previousToolCalls?: readonly ToolCallLike[];
}

const LOCAL_VIEW = 7;

/**
 * The observation block of the synth task app's prompt (S7b `_format_obs`): position, direction,
 * steps, non-zero inventory (health included, Crafter item order), the 22 achievements, progress,
 * and the 7 × 7 local map of semantic names (`void` off-map, `player` in the centre).
 */
export function formatObservation(env: CrafterEnv, format: TextFormat = 'synth'): string {
  const lines: string[] = [];
  const px = env.playerX;
  const py = env.playerY;
  lines.push(`position: (x=${px}, y=${py})`);
  const dx = DIR_X[env.facing]!;
  const dy = DIR_Y[env.facing]!;
  lines.push(`direction: ${DIRECTION_LABELS[`${dx},${dy}`] ?? `(${dx},${dy})`}`);
  lines.push(`steps: ${env.stepCount}`);
  const inv: string[] = [];
  for (let i = 0; i < NUM_ITEMS; i++) {
    const v = env.inventory[i]!;
    if (v) inv.push(`${ITEM_NAMES[i]}:${v}`);
  }
  if (inv.length > 0) lines.push(`inventory: ${inv.join(', ')}`);
  const unlocked: string[] = [];
  for (let i = 0; i < NUM_ACHIEVEMENTS; i++) if ((env.unlockedMask >>> i) & 1) unlocked.push(ACHIEVEMENTS[i]!);
  lines.push(`achievements_available: ${ACHIEVEMENTS.join(', ')}`);
  lines.push(unlocked.length > 0 ? `achievements_unlocked: ${unlocked.join(', ')}` : 'achievements_unlocked: ');
  lines.push(`achievements_progress: ${unlocked.length}/${NUM_ACHIEVEMENTS}`);
  lines.push(`Local Map View (7x7):\n${localMapRows(env, format).join('\n')}`);
  return lines.join('\n');
}

function cellName(env: CrafterEnv, dx: number, dy: number): string {
  const x = env.playerX + dx;
  const y = env.playerY + dy;
  if (!env.world.inBounds(x, y)) return 'void';
  if (dx === 0 && dy === 0) return 'player';
  return semanticName(semanticAt(env, x, y));
}

function localMapRows(env: CrafterEnv, format: TextFormat): string[] {
  const half = LOCAL_VIEW >> 1;
  const rows: string[] = [];
  for (let a = -half; a <= half; a++) {
    const cells: string[] = [];
    for (let b = -half; b <= half; b++) {
      // The task app builds rows over dy, then transposes: printed row `a` is x offset a.
      cells.push(format === 'synth' ? cellName(env, a, b) : cellName(env, b, a));
    }
    rows.push(cells.join(' '));
  }
  return rows;
}

/** `- name: arguments`; a non-string `arguments` is printed as JSON (Python would print its repr). */
function formatToolCall(call: ToolCallLike): string {
  const name = call.tool_name || call.name || 'unknown';
  const args = call.arguments;
  const text = typeof args === 'string' ? args : args === undefined || args === null ? 'None' : JSON.stringify(args);
  return `- ${name}: ${text}`;
}

/**
 * The whole user message of the synth task app: "Current observation:", the observation block,
 * a blank line, and up to three previous tool calls (`- none` when there are none).
 */
export function textObservation(env: CrafterEnv, options: TextObservationOptions = {}): string {
  const calls = (options.previousToolCalls ?? []).slice(0, 3).map(formatToolCall);
  const context = `Previous tool calls (most recent first):\n${calls.length > 0 ? calls.join('\n') : '- none'}`;
  return `Current observation:\n${formatObservation(env, options.format ?? 'synth')}\n\n${context}`;
}
