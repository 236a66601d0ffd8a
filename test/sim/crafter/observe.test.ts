// Observations: the synth task-app text (docs/wire-contract.md §4.7), byte-exact including its
// transposed map, the corrected `grid` variant, and the vector layout.

import { describe, expect, test } from 'bun:test';
import {
  ACHIEVEMENTS,
  CrafterEnv,
  VECTOR_OBS_SIZE,
  VEC_DAYLIGHT,
  VEC_FACING,
  VEC_INVENTORY,
  VEC_SLEEPING,
  formatObservation,
  scenario,
  textObservation,
  vectorObservation,
} from '../../../sim/crafter/index.ts';

const ALL = ACHIEVEMENTS.join(', ');

/** Grass map, player at (8, 8) facing down, and five landmarks at asymmetric offsets. */
function landmarks(): CrafterEnv {
  const env = new CrafterEnv({ preset: 'micro', seed: 1 });
  scenario.blankWorld(env, 'grass', { x: 8, y: 8 });
  scenario.face(env, 'down');
  scenario.setMaterial(env, 9, 6, 'tree'); // dx +1, dy −2
  scenario.setMaterial(env, 5, 8, 'water'); // dx −3, dy 0
  scenario.setMaterial(env, 10, 11, 'stone'); // dx +2, dy +3
  scenario.setMaterial(env, 6, 5, 'table'); // dx −2, dy −3
  scenario.spawn(env, 'cow', 8, 9); // dx 0, dy +1
  scenario.setItem(env, 'wood', 2);
  return env;
}

describe('synth text observation', () => {
  test('byte-exact, with the task app’s transposed map (each row is one x offset)', () => {
    const env = landmarks();
    const expected = [
      'Current observation:',
      'position: (x=8, y=8)',
      'direction: ↓ south/down',
      'steps: 0',
      'inventory: health:9, food:9, drink:9, energy:9, wood:2',
      `achievements_available: ${ALL}`,
      'achievements_unlocked: ',
      'achievements_progress: 0/22',
      'Local Map View (7x7):',
      'grass grass grass water grass grass grass',
      'table grass grass grass grass grass grass',
      'grass grass grass grass grass grass grass',
      'grass grass grass player cow grass grass',
      'grass tree grass grass grass grass grass',
      'grass grass grass grass grass grass stone',
      'grass grass grass grass grass grass grass',
      '',
      'Previous tool calls (most recent first):',
      '- none',
    ].join('\n');
    expect(textObservation(env)).toBe(expected);
  });

  test('grid variant: rows = y (top = up), columns = x', () => {
    const env = landmarks();
    const rows = textObservation(env, { format: 'grid' }).split('\n').slice(9, 16);
    expect(rows).toEqual([
      'grass table grass grass grass grass grass',
      'grass grass grass grass tree grass grass',
      'grass grass grass grass grass grass grass',
      'water grass grass player grass grass grass',
      'grass grass grass cow grass grass grass',
      'grass grass grass grass grass grass grass',
      'grass grass grass grass grass stone grass',
    ]);
  });

  test('unlocked achievements, progress and up to three previous tool calls', () => {
    const env = landmarks();
    env.unlock(ACHIEVEMENTS.indexOf('wake_up'));
    env.unlock(ACHIEVEMENTS.indexOf('collect_wood'));
    const calls = [
      { tool_name: 'interact', arguments: '{"actions": ["move_left", "do"], "reasoning": "wood"}' },
      { tool_name: 'interact', arguments: '{"actions": ["noop"], "reasoning": "wait"}' },
      { name: 'terminate', arguments: { reason: 'done' } },
      { tool_name: 'interact', arguments: '{"actions": ["sleep"]}' },
    ];
    const text = textObservation(env, { previousToolCalls: calls });
    const status = env.achievementStatus();
    expect(Object.keys(status)).toEqual([...ACHIEVEMENTS]);
    expect(Object.entries(status).filter(([, on]) => on).map(([name]) => name)).toEqual(['collect_wood', 'wake_up']);
    expect(text).toContain('\nachievements_unlocked: collect_wood, wake_up\nachievements_progress: 2/22\n');
    expect(text.endsWith(
      [
        'Previous tool calls (most recent first):',
        '- interact: {"actions": ["move_left", "do"], "reasoning": "wood"}',
        '- interact: {"actions": ["noop"], "reasoning": "wait"}',
        '- terminate: {"reason":"done"}',
      ].join('\n'),
    )).toBe(true);
  });

  test('direction labels for the four facings', () => {
    const env = landmarks();
    const labels: Record<string, string> = {
      left: '← west/left',
      right: '→ east/right',
      up: '↑ north/up',
      down: '↓ south/down',
    };
    for (const [dir, label] of Object.entries(labels)) {
      scenario.face(env, dir as 'left');
      expect(formatObservation(env).split('\n')[1]).toBe(`direction: ${label}`);
    }
  });

  test('off-map cells are void; steps counts env steps; empty inventory line is omitted', () => {
    const env = new CrafterEnv({ preset: 'micro', seed: 1 });
    scenario.blankWorld(env, 'sand', { x: 1, y: 0 });
    for (let i = 0; i < 3; i++) env.step(0);
    const text = formatObservation(env);
    const lines = text.split('\n');
    expect(lines[2]).toBe('steps: 3');
    const map = lines.slice(lines.indexOf('Local Map View (7x7):') + 1);
    expect(map[0]).toBe('void void void void void void void'); // dx −3 → x = −2
    expect(map[1]).toBe('void void void void void void void'); // dx −2 → x = −1
    expect(map[2]).toBe('void void void sand sand sand sand'); // dx −1 → x = 0, dy < 0 off-map
    expect(map[3]).toBe('void void void player sand sand sand');
    for (const item of ['health', 'food', 'drink', 'energy'] as const) scenario.setItem(env, item, 0);
    expect(formatObservation(env)).not.toContain('inventory:');
  });
});

describe('vector observation', () => {
  test('layout: 9×7 semantic ids, inventory, facing one-hot, daylight, sleeping', () => {
    const env = landmarks();
    const v = vectorObservation(env);
    expect(v.length).toBe(VECTOR_OBS_SIZE);
    expect(VECTOR_OBS_SIZE).toBe(63 + 16 + 4 + 1 + 1);
    const at = (dx: number, dy: number) => v[(dy + 3) * 9 + (dx + 4)];
    expect(at(0, 0)).toBe(13); // player
    expect(at(0, 1)).toBe(14); // cow
    expect(at(1, -2)).toBe(6); // tree
    expect(at(-3, 0)).toBe(1); // water
    expect(at(2, 3)).toBe(3); // stone
    expect(at(-2, -3)).toBe(11); // table
    expect(at(4, 0)).toBe(2); // grass
    expect(Array.from(v.subarray(VEC_INVENTORY, VEC_INVENTORY + 6))).toEqual([9, 9, 9, 9, 0, 2]);
    expect(Array.from(v.subarray(VEC_FACING, VEC_FACING + 4))).toEqual([0, 0, 0, 1]);
    expect(v[VEC_DAYLIGHT]).toBeCloseTo(env.daylight, 6);
    expect(v[VEC_SLEEPING]).toBe(0);
  });

  test('off-map cells are 0 and the buffer is reused', () => {
    const env = new CrafterEnv({ preset: 'micro', seed: 1 });
    scenario.blankWorld(env, 'sand', { x: 0, y: 0 });
    const out = new Float32Array(VECTOR_OBS_SIZE);
    const v = vectorObservation(env, out);
    expect(v).toBe(out);
    expect(v[0]).toBe(0);
    expect(v[3 * 9 + 3]).toBe(0); // dx −1
    expect(v[3 * 9 + 5]).toBe(5); // dx +1: sand
  });
});
