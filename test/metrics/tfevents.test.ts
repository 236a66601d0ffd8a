// TensorBoard event files and metrics.jsonl, read back by an independent reader: a Python script
// that decodes the published TFRecord framing and Event/Summary protobufs with Debian's
// python3-protobuf (not the writer's @bufbuild/protobuf) and checks every CRC itself.
import { describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, maskedCrc32c } from '../../src/metrics/crc32c.ts';
import { MetricFiles, tfeventsName } from '../../src/metrics/files.ts';
import { viewerTag } from '../../src/metrics/names.ts';
import { tempDir } from '../helpers/cli.ts';
import { readTfevents, scalarLines } from '../helpers/tfevents-reader.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('CRC-32C', () => {
  test('matches the published check values (RFC 3720 B.4 and the "123456789" check)', () => {
    expect(crc32c(enc('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  test('the mask rotates right 15 bits and adds 0xa282ead8', () => {
    const c = 0xe3069283;
    expect(maskedCrc32c(enc('123456789'))).toBe(((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
  });
});

describe('metric names', () => {
  test('map to the names viewers know', () => {
    expect(viewerTag('train.reward_mean')).toBe('train/reward');
    expect(viewerTag('eval.reward_mean')).toBe('eval/reward');
    expect(viewerTag('train.kl')).toBe('loss/kl');
    expect(viewerTag('train.entropy')).toBe('loss/entropy');
    expect(viewerTag('train.grad_norm')).toBe('loss/grad_norm');
    expect(viewerTag('train.policy_loss')).toBe('loss/policy');
    expect(viewerTag('queue.depth')).toBe('queue/depth');
    expect(viewerTag('already/slashed')).toBe('already/slashed');
  });
});

describe('TensorBoard event files', () => {
  // Steps past 2^31 and 2^32, zero, negatives, tiny and huge magnitudes, values float32 cannot hold exactly.
  const points = [
    { name: 'train.reward_mean', value: 0, step: 0 },
    { name: 'train.reward_mean', value: 1 / 3, step: 1 },
    { name: 'train.kl', value: -2.5e-7, step: 1 },
    { name: 'train.grad_norm', value: 3.4e38, step: 2 },
    { name: 'eval.reward_mean', value: 0.1, step: 2 },
    { name: 'train.entropy', value: 1e-30, step: 2 ** 31 + 7 },
    { name: 'custom.metric', value: -123456.789, step: 2 ** 40 + 3 },
    ...Array.from({ length: 200 }, (_, i) => ({ name: 'train.policy_loss', value: Math.sin(i) * 10 ** ((i % 9) - 4), step: 1000 + i })),
  ];

  test('every step and value reads back through python3-protobuf, CRCs checked', () => {
    const dir = tempDir();
    const t0 = Date.now() / 1000;
    const files = new MetricFiles({ jobId: 'job_rt', tensorboardDir: dir });
    files.write(points);
    files.close();
    const r = readTfevents(join(dir, tfeventsName('job_rt')));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.events[0]).toMatchObject({ what: 'file_version', file_version: 'brain.Event:2' });
    expect(r.events.length).toBe(points.length + 1);
    expect(scalarLines(r.events)).toEqual(points.map((p) => `${p.step} ${viewerTag(p.name)} ${Math.fround(p.value)}`));
    for (const e of r.events) {
      expect(e.wall_time).toBeGreaterThanOrEqual(t0 - 1);
      expect(e.wall_time).toBeLessThanOrEqual(Date.now() / 1000 + 1);
      if (e.what === 'summary') expect(e.values?.[0]?.kind).toBe('simple_value');
    }
  });

  test('wall_time is the point\'s created_at', () => {
    const dir = tempDir();
    const files = new MetricFiles({ jobId: 'job_wt', tensorboardDir: dir });
    files.write([{ name: 'train.kl', value: 1, step: 4, created_at: '2026-01-02T03:04:05.250Z' }]);
    const r = readTfevents(join(dir, tfeventsName('job_wt')));
    expect(r.events[1]?.wall_time).toBe(Date.parse('2026-01-02T03:04:05.250Z') / 1000);
  });

  test('the reader rejects a flipped bit in the data or in the length: the CRCs are really checked', () => {
    const dir = tempDir();
    const files = new MetricFiles({ jobId: 'job_crc', tensorboardDir: dir });
    files.write(points.slice(0, 3));
    const path = join(dir, tfeventsName('job_crc'));
    const good = readFileSync(path);
    const data = Buffer.from(good);
    data[good.length - 6] = (data[good.length - 6] as number) ^ 0x01;
    writeFileSync(path, data);
    expect(readTfevents(path)).toMatchObject({ code: 1 });
    expect(readTfevents(path).err).toContain('bad data CRC');
    const header = Buffer.from(good);
    header[0] = (header[0] as number) ^ 0x01;
    writeFileSync(path, header);
    expect(readTfevents(path).err).toContain('bad length CRC');
  });

  test('append keeps earlier points (a resumed simulator job); a fresh start replaces them', () => {
    const dir = tempDir();
    new MetricFiles({ jobId: 'job_ap', tensorboardDir: dir }).write([{ name: 'train.kl', value: 1, step: 1 }]);
    new MetricFiles({ jobId: 'job_ap', tensorboardDir: dir, append: true }).write([{ name: 'train.kl', value: 2, step: 2 }]);
    const path = join(dir, tfeventsName('job_ap'));
    expect(scalarLines(readTfevents(path).events)).toEqual(['1 loss/kl 1', '2 loss/kl 2']);
    new MetricFiles({ jobId: 'job_ap', tensorboardDir: dir }).write([{ name: 'train.kl', value: 3, step: 1 }]);
    expect(scalarLines(readTfevents(path).events)).toEqual(['1 loss/kl 3']);
  });
});

describe('metrics.jsonl', () => {
  test('one object per step with viewer names; a step\'s later points (its evaluation) join its line', () => {
    const dir = tempDir();
    const path = join(dir, 'sub', 'metrics.jsonl');
    const files = new MetricFiles({ jobId: 'job_j', jsonl: path });
    files.write([{ name: 'train.reward_mean', value: 0.5, step: 1, epoch: 1 }, { name: 'train.kl', value: 0.01, step: 1, epoch: 1 }]);
    files.write([{ name: 'train.reward_mean', value: 0.75, step: 2, epoch: 1 }]);
    files.write([{ name: 'eval.reward_mean', value: 1.25, step: 2, epoch: 1 }]);
    expect(readFileSync(path, 'utf8').trim().split('\n').length).toBe(1);
    files.write([{ name: 'train.reward_mean', value: Number.NaN, step: 3 }]);
    files.write([{ name: 'late.point', value: 7, step: 1 }]);
    files.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map(({ wall_time: _w, ...rest }) => rest)).toEqual([
      { step: 1, epoch: 1, 'train/reward': 0.5, 'loss/kl': 0.01 },
      { step: 2, epoch: 1, 'train/reward': 0.75, 'eval/reward': 1.25 },
      { step: 1, 'late/point': 7 },
      { step: 3, 'train/reward': null },
    ]);
    for (const l of lines) expect(typeof l.wall_time).toBe('number');
  });
});
