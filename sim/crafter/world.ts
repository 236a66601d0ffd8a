// The grid and the object store: typed arrays only, sized once per map size, reused across resets.
//
// Layout: the map is stored with a one-tile border of material `none` (stride = size + 2), so every
// ±1 neighbour of an on-map tile is a valid index. Off-map tiles then behave exactly as Crafter's
// off-map reads ("no material, no object"): never walkable, never collectable, never placeable.
//
// Objects are a struct of arrays indexed by slot. `order` keeps live slots in creation order, which
// is Crafter's update order (the player is created first, so it is always order[0] / slot 0).
// Removal only marks a slot dead; slots return to the free list at `compact()` (end of a step), so a
// slot is never reused while an update loop may still visit it.

import {
  CHUNK_SIZE,
  K_NONE,
  M_GRASS,
  M_NONE,
  M_PATH,
} from './constants.ts';

/** Per-chunk counters are kept for kinds 0..7. */
const KINDS_PER_CHUNK = 8;

export class World {
  readonly size: number;
  readonly stride: number;
  /** Material id per padded tile. */
  readonly mat: Uint8Array;
  /** Slot + 1 of the object on a padded tile, 0 when empty. */
  readonly objAt: Int32Array;

  readonly capacity: number;
  readonly kind: Uint8Array;
  readonly ox: Int16Array;
  readonly oy: Int16Array;
  readonly health: Int16Array;
  /** Zombie cooldown, skeleton reload, plant `grown`. */
  readonly timer: Int32Array;
  /** Arrow direction index (0..3). */
  readonly dir: Uint8Array;
  readonly order: Int32Array;
  orderLen = 0;
  private readonly freeSlots: Int32Array;
  private freeLen = 0;
  private highWater = 0;
  private removedSinceCompact = 0;

  readonly chunksX: number;
  readonly chunksY: number;
  readonly numChunks: number;
  /** Chunk column / row of an (unpadded) x / y. */
  readonly chunkOfX: Uint8Array;
  readonly chunkOfY: Uint8Array;
  /** 1 once an object has been in the chunk (Crafter balances only those chunks). */
  readonly chunkSeen: Uint8Array;
  readonly chunkGrass: Int32Array;
  readonly chunkPath: Int32Array;
  /** Live objects per chunk and kind: index chunk * 8 + kind. */
  readonly chunkKinds: Int32Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 8 || size > 255) {
      throw new RangeError(`map size must be an integer in [8, 255], got ${size}`);
    }
    this.size = size;
    this.stride = size + 2;
    const cells = this.stride * this.stride;
    this.mat = new Uint8Array(cells);
    this.objAt = new Int32Array(cells);
    // Live objects occupy distinct tiles (≤ size²); dead-but-uncompacted ones are at most as many.
    this.capacity = 2 * size * size + 16;
    this.kind = new Uint8Array(this.capacity);
    this.ox = new Int16Array(this.capacity);
    this.oy = new Int16Array(this.capacity);
    this.health = new Int16Array(this.capacity);
    this.timer = new Int32Array(this.capacity);
    this.dir = new Uint8Array(this.capacity);
    this.order = new Int32Array(this.capacity);
    this.freeSlots = new Int32Array(this.capacity);
    this.chunksX = Math.ceil(size / CHUNK_SIZE);
    this.chunksY = Math.ceil(size / CHUNK_SIZE);
    this.numChunks = this.chunksX * this.chunksY;
    this.chunkOfX = new Uint8Array(size);
    this.chunkOfY = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      this.chunkOfX[i] = Math.floor(i / CHUNK_SIZE);
      this.chunkOfY[i] = Math.floor(i / CHUNK_SIZE);
    }
    this.chunkSeen = new Uint8Array(this.numChunks);
    this.chunkGrass = new Int32Array(this.numChunks);
    this.chunkPath = new Int32Array(this.numChunks);
    this.chunkKinds = new Int32Array(this.numChunks * KINDS_PER_CHUNK);
  }

  /** Padded index of an on-map (x, y). */
  idx(x: number, y: number): number {
    return (y + 1) * this.stride + x + 1;
  }

  inBounds(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.size && y < this.size;
  }

  chunkOf(x: number, y: number): number {
    return this.chunkOfX[x]! + this.chunkOfY[y]! * this.chunksX;
  }

  /** Material at (x, y); `none` off the map. */
  materialAt(x: number, y: number): number {
    if (!this.inBounds(x, y)) return M_NONE;
    return this.mat[this.idx(x, y)]!;
  }

  /** Slot of the object at (x, y), or -1. */
  slotAt(x: number, y: number): number {
    if (!this.inBounds(x, y)) return -1;
    return this.objAt[this.idx(x, y)]! - 1;
  }

  /** Empties the map and the object store (materials become `none`). */
  clear(): void {
    this.mat.fill(M_NONE);
    this.objAt.fill(0);
    // Only slots ever used can hold stale kinds.
    this.kind.fill(K_NONE, 0, this.highWater);
    this.orderLen = 0;
    this.freeLen = 0;
    this.highWater = 0;
    this.removedSinceCompact = 0;
    this.chunkSeen.fill(0);
    this.chunkKinds.fill(0);
    this.chunkGrass.fill(0);
    this.chunkPath.fill(0);
  }

  /** Recomputes the per-chunk grass/path counts from the material grid (after world generation). */
  recountChunkMaterials(): void {
    this.chunkGrass.fill(0);
    this.chunkPath.fill(0);
    const size = this.size;
    for (let y = 0; y < size; y++) {
      let i = this.idx(0, y);
      for (let x = 0; x < size; x++, i++) {
        const m = this.mat[i]!;
        if (m === M_GRASS) this.chunkGrass[this.chunkOf(x, y)]!++;
        else if (m === M_PATH) this.chunkPath[this.chunkOf(x, y)]!++;
      }
    }
  }

  /** Sets an on-map tile's material by padded index, keeping the chunk counters right. */
  setMat(i: number, m: number): void {
    const old = this.mat[i]!;
    if (old === m) return;
    this.mat[i] = m;
    if (old !== M_GRASS && old !== M_PATH && m !== M_GRASS && m !== M_PATH) return;
    const stride = this.stride;
    const x = (i % stride) - 1;
    const y = ((i / stride) | 0) - 1;
    const c = this.chunkOf(x, y);
    if (old === M_GRASS) this.chunkGrass[c]!--;
    else if (old === M_PATH) this.chunkPath[c]!--;
    if (m === M_GRASS) this.chunkGrass[c]!++;
    else if (m === M_PATH) this.chunkPath[c]!++;
  }

  /** Adds an object on an empty on-map tile; returns its slot. */
  add(kind: number, x: number, y: number, health: number): number {
    const i = this.idx(x, y);
    if (this.objAt[i] !== 0) throw new Error(`tile (${x}, ${y}) already holds an object`);
    let slot: number;
    if (this.freeLen > 0) slot = this.freeSlots[--this.freeLen]!;
    else slot = this.highWater++;
    this.kind[slot] = kind;
    this.ox[slot] = x;
    this.oy[slot] = y;
    this.health[slot] = health;
    this.timer[slot] = 0;
    this.dir[slot] = 0;
    this.objAt[i] = slot + 1;
    this.order[this.orderLen++] = slot;
    const c = this.chunkOf(x, y);
    this.chunkSeen[c] = 1;
    this.chunkKinds[c * KINDS_PER_CHUNK + kind]!++;
    return slot;
  }

  /** Takes an object off the map. Its fields stay readable until the next compaction. */
  remove(slot: number): void {
    const kind = this.kind[slot]!;
    if (kind === K_NONE) return;
    const x = this.ox[slot]!;
    const y = this.oy[slot]!;
    this.objAt[this.idx(x, y)] = 0;
    this.chunkKinds[this.chunkOf(x, y) * KINDS_PER_CHUNK + kind]!--;
    this.kind[slot] = K_NONE;
    this.removedSinceCompact++;
  }

  /** Moves an object to an empty on-map tile (callers check walkability and emptiness). */
  move(slot: number, x: number, y: number): void {
    const kind = this.kind[slot]!;
    const x0 = this.ox[slot]!;
    const y0 = this.oy[slot]!;
    this.objAt[this.idx(x0, y0)] = 0;
    this.objAt[this.idx(x, y)] = slot + 1;
    this.ox[slot] = x;
    this.oy[slot] = y;
    const c0 = this.chunkOf(x0, y0);
    const c1 = this.chunkOf(x, y);
    if (c0 === c1) return;
    this.chunkKinds[c0 * KINDS_PER_CHUNK + kind]!--;
    this.chunkKinds[c1 * KINDS_PER_CHUNK + kind]!++;
    this.chunkSeen[c1] = 1;
  }

  /** Drops dead slots from the creation-order list and frees them. */
  compact(): void {
    if (this.removedSinceCompact === 0) return;
    const order = this.order;
    const kind = this.kind;
    let j = 0;
    for (let i = 0; i < this.orderLen; i++) {
      const s = order[i]!;
      if (kind[s] !== K_NONE) order[j++] = s;
      else this.freeSlots[this.freeLen++] = s;
    }
    this.orderLen = j;
    this.removedSinceCompact = 0;
  }

  /** Live objects of a kind in a chunk. */
  countInChunk(chunk: number, kind: number): number {
    return this.chunkKinds[chunk * KINDS_PER_CHUNK + kind]!;
  }
}
