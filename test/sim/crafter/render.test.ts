import { describe, expect, test } from 'bun:test';
import { inflateSync } from 'node:zlib';
import { CrafterEnv, renderAscii, renderPng, scenario } from '../../../sim/crafter/index.ts';

describe('renderers', () => {
  test('ASCII: full map rows = y, objects over materials, status lines', () => {
    const env = new CrafterEnv({ preset: 'micro', seed: 1 });
    scenario.blankWorld(env, 'grass', { x: 8, y: 8 });
    scenario.setMaterial(env, 3, 2, 'tree');
    scenario.spawn(env, 'zombie', 12, 4);
    const lines = renderAscii(env).split('\n');
    expect(lines.length).toBe(16 + 3);
    expect(lines[2]![3]).toBe('T');
    expect(lines[4]![12]).toBe('Z');
    expect(lines[8]![8]).toBe('v'); // facing down
    expect(lines[16]).toContain('step 0/10000');
  });

  test('ASCII view is the 9 × 7 window around the player', () => {
    const env = new CrafterEnv({ preset: 'micro', seed: 1 });
    scenario.blankWorld(env, 'sand', { x: 0, y: 0 });
    const lines = renderAscii(env, { area: 'view', status: false }).split('\n');
    expect(lines.length).toBe(7);
    expect(lines.every((l) => l.length === 9)).toBe(true);
    expect(lines[3]).toBe('    v::::');
  });

  test('PNG: valid signature, chunk CRCs and image size', () => {
    const env = new CrafterEnv({ preset: 'micro', seed: 1 });
    const png = renderPng(env, { scale: 4 });
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const dv = new DataView(png.buffer, png.byteOffset);
    let o = 8;
    const chunks: Record<string, Uint8Array> = {};
    while (o < png.length) {
      const len = dv.getUint32(o);
      const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
      const data = png.subarray(o + 8, o + 8 + len);
      const crc = dv.getUint32(o + 8 + len);
      expect(crc).toBe(Bun.hash.crc32(png.subarray(o + 4, o + 8 + len)) >>> 0);
      chunks[type] = data;
      o += 12 + len;
    }
    const ihdr = new DataView(chunks.IHDR!.buffer, chunks.IHDR!.byteOffset);
    expect(ihdr.getUint32(0)).toBe(64);
    expect(ihdr.getUint32(4)).toBe(64);
    expect(inflateSync(chunks.IDAT!).length).toBe(64 * (64 * 3 + 1));
    expect(chunks.IEND).toBeDefined();
  });
});
