// Reads back the observation text the Crafter task app sends (docs/wire-contract.md §4.7): position,
// facing, steps, inventory, unlocked achievements and the 7 × 7 local map. Built-in policies decide
// from this text only, exactly as a hosted LLM would.
import type { ChatCompletionRequest } from '../../../src/api/chat.ts';

export const VIEW_RADIUS = 3;

export interface CrafterView {
  x: number;
  y: number;
  /** Facing vector; (0, 1) is down (south), as Crafter starts. */
  facing: { dx: number; dy: number };
  steps: number;
  /** Non-zero inventory counts by item name. */
  inventory: Record<string, number>;
  unlocked: Set<string>;
  /**
   * Cell name at offset (dx, dy) from the player, |dx|, |dy| ≤ 3 (`void` off-map, `player` at the
   * centre), or undefined when the text held no map. The synth map is transposed: each printed row
   * is one x offset and its cells run over y offsets; this accessor undoes that.
   */
  cell(dx: number, dy: number): string | undefined;
  /** Previous `interact` calls' reasoning strings, most recent first. */
  previousReasoning: string[];
}

const DIRECTIONS: Record<string, { dx: number; dy: number }> = {
  '→': { dx: 1, dy: 0 },
  '←': { dx: -1, dy: 0 },
  '↓': { dx: 0, dy: 1 },
  '↑': { dx: 0, dy: -1 },
  '•': { dx: 0, dy: 0 },
};

function parseFacing(text: string): { dx: number; dy: number } {
  const arrow = DIRECTIONS[text.trim().charAt(0)];
  if (arrow !== undefined) return arrow;
  const m = /\((-?\d+)\s*,\s*(-?\d+)\)/.exec(text);
  return m ? { dx: Number(m[1]), dy: Number(m[2]) } : { dx: 0, dy: 1 };
}

/** The text of the last user message (string content, or the text parts of an array). */
export function lastUserText(req: ChatCompletionRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i];
    if (m === undefined || m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      return m.content
        .map((p) => (p !== null && typeof p === 'object' && 'text' in p && typeof p.text === 'string' ? p.text : ''))
        .join('\n');
    }
  }
  return '';
}

/** Parses the observation; undefined when the text is not a Crafter observation. */
export function parseCrafterView(text: string): CrafterView | undefined {
  const lines = text.split('\n');
  const pos = /position:\s*\(x=(-?\d+),\s*y=(-?\d+)\)/.exec(text);
  if (pos === null) return undefined;
  let facing = { dx: 0, dy: 1 };
  let steps = 0;
  const inventory: Record<string, number> = {};
  const unlocked = new Set<string>();
  let rows: string[][] | undefined;
  const previousReasoning: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('direction:')) facing = parseFacing(line.slice('direction:'.length));
    else if (line.startsWith('steps:')) steps = Number.parseInt(line.slice(6), 10) || 0;
    else if (line.startsWith('inventory:')) {
      for (const part of line.slice(10).split(',')) {
        const [k, v] = part.split(':');
        if (k !== undefined && v !== undefined) inventory[k.trim()] = Number.parseInt(v, 10) || 0;
      }
    } else if (line.startsWith('achievements_unlocked:')) {
      for (const a of line.slice('achievements_unlocked:'.length).split(',')) if (a.trim()) unlocked.add(a.trim());
    } else if (line.startsWith('Local Map View')) {
      rows = lines.slice(i + 1, i + 1 + 2 * VIEW_RADIUS + 1).map((r) => r.trim().split(/\s+/));
    } else if (line.startsWith('- interact:')) {
      const m = /"reasoning"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line);
      if (m) previousReasoning.push(m[1] as string);
    }
  }
  const size = 2 * VIEW_RADIUS + 1;
  const map = rows !== undefined && rows.length === size && rows.every((r) => r.length === size) ? rows : undefined;
  return {
    x: Number(pos[1]),
    y: Number(pos[2]),
    facing,
    steps,
    inventory,
    unlocked,
    cell: (dx, dy) => {
      if (map === undefined || Math.abs(dx) > VIEW_RADIUS || Math.abs(dy) > VIEW_RADIUS) return undefined;
      return map[dx + VIEW_RADIUS]?.[dy + VIEW_RADIUS];
    },
    previousReasoning,
  };
}
