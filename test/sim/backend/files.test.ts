// Files: checkpoints appear whole (temp file + rename), a reset takes the org's checkpoint folders
// with it, and what a killed process left in $TMPDIR is cleaned at the next start.
import { describe, expect, test } from 'bun:test';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_TMP_PREFIX, removeStaleTempDirs } from '../../../src/runtime/checkpoint.ts';
import { startSimulator } from '../../../sim/server.ts';
import { writeCheckpoint } from '../../../sim/trainer/checkpoint.ts';
import { tempDir } from '../../helpers/cli.ts';
import { jobBody } from '../../helpers/sim.ts';

describe('checkpoint files', () => {
  test('a checkpoint is never rewritten in place: a reader of the old one keeps reading it whole', () => {
    const dir = tempDir();
    const first = writeCheckpoint(dir, 'checkpoint-epoch-1', [{ name: 'a.txt', data: 'first '.repeat(1000) }]);
    const fd = openSync(first.path, 'r');
    const inode = statSync(first.path).ino;
    try {
      const second = writeCheckpoint(dir, 'checkpoint-epoch-1', [{ name: 'a.txt', data: 'second '.repeat(5000) }]);
      expect(second.path).toBe(first.path);
      // Renamed over: a new file; the open one still holds every byte of the first write.
      expect(statSync(first.path).ino).not.toBe(inode);
      const buf = Buffer.alloc(first.sizeBytes + 10);
      expect(readSync(fd, buf, 0, buf.length, 0)).toBe(first.sizeBytes);
      expect(Bun.gunzipSync(new Uint8Array(buf.subarray(0, first.sizeBytes))).length).toBeGreaterThan(6000);
    } finally {
      closeSync(fd);
    }
    expect(readdirSync(dir)).toEqual(['checkpoint-epoch-1.tar.gz']);
  });

  test('POST /_sim/reset removes the checkpoints/<job>/ folders of the caller\'s jobs only', async () => {
    const stateDir = join(tempDir(), 'state');
    const sim = await startSimulator({ port: 0, stateDir, apiKeys: ['sk-a', 'sk-b'], queueDelayMs: 60_000 });
    try {
      const create = async (key: string) => {
        const r = await fetch(`${sim.apiUrl}/rl/jobs`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(jobBody()) });
        const id = ((await r.json()) as { job_id: string }).job_id;
        mkdirSync(join(stateDir, 'checkpoints', id), { recursive: true });
        writeFileSync(join(stateDir, 'checkpoints', id, 'checkpoint-epoch-1.tar.gz'), 'x');
        return id;
      };
      const mine = await create('sk-a');
      const theirs = await create('sk-b');
      const r = await fetch(`${sim.url}/_sim/reset`, { method: 'POST', headers: { authorization: 'Bearer sk-a' } });
      expect(r.status).toBe(200);
      expect(existsSync(join(stateDir, 'checkpoints', mine))).toBe(false);
      expect(existsSync(join(stateDir, 'checkpoints', theirs))).toBe(true);
    } finally {
      await sim.stop();
    }
  });

  test('stale synth-rl-checkpoint-<pid>-* folders of dead processes are removed at start; live ones stay', async () => {
    const dead = Bun.spawnSync(['true']).pid;
    const dir = tempDir();
    mkdirSync(join(dir, `${CHECKPOINT_TMP_PREFIX}${dead}-abc123/model`), { recursive: true });
    mkdirSync(join(dir, `synth-rl-checkpoints-${dead}-def456`), { recursive: true });
    mkdirSync(join(dir, `${CHECKPOINT_TMP_PREFIX}${process.pid}-live`), { recursive: true });
    mkdirSync(join(dir, 'unrelated-folder'));
    const removed = removeStaleTempDirs([CHECKPOINT_TMP_PREFIX, 'synth-rl-checkpoints-'], dir);
    expect(removed.sort()).toEqual([`${CHECKPOINT_TMP_PREFIX}${dead}-abc123`, `synth-rl-checkpoints-${dead}-def456`]);
    expect(readdirSync(dir).sort()).toEqual([`${CHECKPOINT_TMP_PREFIX}${process.pid}-live`, 'unrelated-folder']);
  });

  test('a simulator started after a killed one cleans what it left in $TMPDIR', () => {
    const tmp = tempDir();
    const killed = Bun.spawnSync(['true']).pid;
    mkdirSync(join(tmp, `${CHECKPOINT_TMP_PREFIX}${killed}-zzz/model`), { recursive: true });
    const script = `const { startSimulator } = await import(${JSON.stringify(join(import.meta.dir, '../../../sim/server.ts'))});
const sim = await startSimulator({ port: 0, apiKeys: ['k'] });
await sim.stop();`;
    const r = Bun.spawnSync([process.execPath, '-e', script], { env: { ...process.env, TMPDIR: tmp }, stdout: 'pipe', stderr: 'pipe' });
    expect(r.stderr.toString()).toBe('');
    expect(r.exitCode).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  }, 30_000);
});
