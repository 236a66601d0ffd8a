// Chunk balancing against a scripted RNG (docs/crafter.md §2.6): the rule modules take an
// EpisodeState, so a bare World with chosen draws pins each kind's distances exactly.
import { describe, expect, test } from 'bun:test';
import { balanceChunks } from '../../../sim/crafter/balance.ts';
import { K_PLAYER, K_SKELETON, K_ZOMBIE, M_GRASS, M_PATH, NUM_ITEMS, SKELETON_HEALTH } from '../../../sim/crafter/constants.ts';
import { Rng } from '../../../sim/crafter/rng.ts';
import type { EpisodeState } from '../../../sim/crafter/state.ts';
import { World } from '../../../sim/crafter/world.ts';

/** Every probability check passes (uniform() = 0); below() answers the scripted picks in turn. */
class ScriptedRng extends Rng {
  constructor(private readonly picks: number[]) {
    super(0);
  }
  override uniform(): number {
    return 0;
  }
  override below(_n: number): number {
    return this.picks.shift() ?? 0;
  }
}

/** A micro world of one material, the player at (0, 0); only chunk 0 has been seen. */
function state(material: number, daylight: number, picks: number[]): EpisodeState {
  const world = new World(16);
  for (let x = 0; x < 16; x++) for (let y = 0; y < 16; y++) world.mat[world.idx(x, y)] = material;
  world.recountChunkMaterials();
  world.add(K_PLAYER, 0, 0, 9);
  return {
    world, rng: new ScriptedRng(picks), daylight, inventory: new Int16Array(NUM_ITEMS), facing: 3, sleeping: false,
    hunger: 0, thirst: 0, fatigue: 0, recover: 0, lastPlayerHealth: 9, unlock: () => {},
  };
}

function count(s: EpisodeState, kind: number): number {
  return s.world.countInChunk(0, kind);
}

describe('balanceChunks', () => {
  test('a zombie spawns on the picked grass tile only at L1 distance ≥ 6 from the player', () => {
    // Chunk tiles are scanned x-outer / y-inner: pick p is (0, p) for p < 12.
    const near = state(M_GRASS, 0, [5]);
    balanceChunks(near);
    expect(count(near, K_ZOMBIE)).toBe(0);
    const far = state(M_GRASS, 0, [6]);
    balanceChunks(far);
    expect(count(far, K_ZOMBIE)).toBe(1);
    expect(far.world.slotAt(0, 6)).toBeGreaterThan(0);
  });

  test('past two skeletons in a chunk, the picked one is despawned only at L1 distance ≥ 7', () => {
    for (const [pick, removed] of [[0, false], [1, true]] as const) {
      const s = state(M_PATH, 1, [pick]);
      for (const [x, y] of [[6, 0], [7, 0], [0, 8]] as const) s.world.add(K_SKELETON, x, y, SKELETON_HEALTH);
      balanceChunks(s);
      expect(count(s, K_SKELETON)).toBe(removed ? 2 : 3);
      expect(s.world.slotAt(pick === 0 ? 6 : 7, 0) > 0).toBe(!removed);
    }
  });

  test('in daylight a zombie is despawned however close it is (despawn distance 0)', () => {
    const s = state(M_GRASS, 1, [0]);
    s.world.add(K_ZOMBIE, 0, 3, 5);
    balanceChunks(s);
    expect(count(s, K_ZOMBIE)).toBe(0);
  });
});
