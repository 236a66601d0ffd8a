// Renderers for people: ASCII (full map or the 9 × 7 view) and PNG. Not on the hot path, and they
// never touch the environment's PRNG (Crafter's night noise did; docs/crafter.md §1.5).

import { deflateSync } from 'node:zlib';
import {
  DIR_NAMES,
  ITEM_NAMES,
  K_ARROW,
  K_COW,
  K_NONE,
  K_PLANT,
  K_PLAYER,
  K_SKELETON,
  K_ZOMBIE,
  M_COAL,
  M_DIAMOND,
  M_FURNACE,
  M_GRASS,
  M_IRON,
  M_LAVA,
  M_NONE,
  M_PATH,
  M_SAND,
  M_STONE,
  M_TABLE,
  M_TREE,
  M_WATER,
  PLANT_RIPE_AFTER,
  VIEW_H,
  VIEW_W,
} from './constants.ts';
import type { CrafterEnv } from './env.ts';

/** One character per material id (nanohorizon-style legend); off-map is a blank. */
const MATERIAL_CHARS: Record<number, string> = {
  [M_NONE]: ' ',
  [M_WATER]: '~',
  [M_GRASS]: '.',
  [M_STONE]: '#',
  [M_PATH]: '_',
  [M_SAND]: ':',
  [M_TREE]: 'T',
  [M_LAVA]: '%',
  [M_COAL]: 'c',
  [M_IRON]: 'i',
  [M_DIAMOND]: 'D',
  [M_TABLE]: '+',
  [M_FURNACE]: 'F',
};
const PLAYER_CHARS = ['<', '>', '^', 'v'];

export const ASCII_LEGEND =
  '. grass  T tree  ~ water  # stone  _ path  : sand  c coal  i iron  D diamond  + table  F furnace  % lava  ' +
  'p plant  P ripe plant  C cow  Z zombie  S skeleton  * arrow  <>^v player (facing)  z sleeping player';

/** The character of the tile at (x, y): object over material. */
export function tileChar(env: CrafterEnv, x: number, y: number): string {
  const w = env.world;
  if (!w.inBounds(x, y)) return ' ';
  const slot = w.slotAt(x, y);
  if (slot >= 0) {
    const kind = w.kind[slot]!;
    if (kind === K_PLAYER) return env.sleeping ? 'z' : PLAYER_CHARS[env.facing]!;
    if (kind === K_COW) return 'C';
    if (kind === K_ZOMBIE) return 'Z';
    if (kind === K_SKELETON) return 'S';
    if (kind === K_ARROW) return '*';
    if (kind === K_PLANT) return w.timer[slot]! > PLANT_RIPE_AFTER ? 'P' : 'p';
  }
  return MATERIAL_CHARS[w.materialAt(x, y)] ?? '?';
}

export interface AsciiOptions {
  /** 'full' map (default) or the player's 9 × 7 'view'. */
  area?: 'full' | 'view';
  /** Append a status block (step, vitals, inventory, achievements). Default true. */
  status?: boolean;
}

/** ASCII picture of the world, rows = y (top = up), columns = x. */
export function renderAscii(env: CrafterEnv, options: AsciiOptions = {}): string {
  const area = options.area ?? 'full';
  const lines: string[] = [];
  const x0 = area === 'full' ? 0 : env.playerX - (VIEW_W >> 1);
  const y0 = area === 'full' ? 0 : env.playerY - (VIEW_H >> 1);
  const wdt = area === 'full' ? env.size : VIEW_W;
  const hgt = area === 'full' ? env.size : VIEW_H;
  for (let y = y0; y < y0 + hgt; y++) {
    let row = '';
    for (let x = x0; x < x0 + wdt; x++) row += tileChar(env, x, y);
    lines.push(row);
  }
  if (options.status ?? true) {
    const inv = env.inventoryRecord();
    const items = ITEM_NAMES.slice(4)
      .filter((n) => inv[n] > 0)
      .map((n) => `${n}:${inv[n]}`)
      .join(' ');
    lines.push(
      `step ${env.stepCount}/${env.maxSteps}  daylight ${env.daylight.toFixed(2)}${env.sleeping ? '  sleeping' : ''}  ` +
        `pos (${env.playerX}, ${env.playerY}) facing ${DIR_NAMES[env.facing]}`,
      `health ${inv.health}  food ${inv.food}  drink ${inv.drink}  energy ${inv.energy}${items ? `  | ${items}` : ''}`,
      `achievements: ${env.achievements.join(', ') || 'none'}`,
    );
  }
  return lines.join('\n');
}

const MATERIAL_RGB: Record<number, [number, number, number]> = {
  [M_NONE]: [127, 127, 127],
  [M_WATER]: [60, 110, 220],
  [M_GRASS]: [110, 180, 70],
  [M_STONE]: [130, 130, 130],
  [M_PATH]: [190, 170, 130],
  [M_SAND]: [230, 215, 150],
  [M_TREE]: [30, 110, 40],
  [M_LAVA]: [230, 90, 20],
  [M_COAL]: [40, 40, 40],
  [M_IRON]: [200, 150, 120],
  [M_DIAMOND]: [140, 240, 240],
  [M_TABLE]: [140, 90, 40],
  [M_FURNACE]: [90, 60, 60],
};
const OBJECT_RGB: Record<number, [number, number, number]> = {
  [K_PLAYER]: [250, 250, 250],
  [K_COW]: [120, 70, 30],
  [K_ZOMBIE]: [40, 150, 90],
  [K_SKELETON]: [230, 230, 210],
  [K_ARROW]: [60, 30, 10],
  [K_PLANT]: [170, 230, 60],
};

export interface PngOptions {
  /** Pixels per tile; default 8. */
  scale?: number;
  area?: 'full' | 'view';
}

/** PNG image of the world: a flat colour per material, a smaller square per object. */
export function renderPng(env: CrafterEnv, options: PngOptions = {}): Uint8Array {
  const scale = Math.max(2, Math.floor(options.scale ?? 8));
  const area = options.area ?? 'full';
  const x0 = area === 'full' ? 0 : env.playerX - (VIEW_W >> 1);
  const y0 = area === 'full' ? 0 : env.playerY - (VIEW_H >> 1);
  const tw = area === 'full' ? env.size : VIEW_W;
  const th = area === 'full' ? env.size : VIEW_H;
  const width = tw * scale;
  const height = th * scale;
  const rowBytes = width * 3 + 1;
  const raw = new Uint8Array(rowBytes * height);
  const w = env.world;
  const inset = Math.max(1, Math.floor(scale / 4));
  for (let ty = 0; ty < th; ty++) {
    for (let tx = 0; tx < tw; tx++) {
      const x = x0 + tx;
      const y = y0 + ty;
      const base = MATERIAL_RGB[w.materialAt(x, y)] ?? [255, 0, 255];
      const slot = w.slotAt(x, y);
      const kind = slot >= 0 ? w.kind[slot]! : K_NONE;
      const fg = kind !== K_NONE ? OBJECT_RGB[kind] : undefined;
      for (let py = 0; py < scale; py++) {
        for (let px = 0; px < scale; px++) {
          const inner = fg && px >= inset && py >= inset && px < scale - inset && py < scale - inset;
          const c = inner ? fg : base;
          const o = (ty * scale + py) * rowBytes + 1 + (tx * scale + px) * 3;
          raw[o] = c[0];
          raw[o + 1] = c[1];
          raw[o + 2] = c[2];
        }
      }
    }
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return concatBytes([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', new Uint8Array(deflateSync(raw))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
