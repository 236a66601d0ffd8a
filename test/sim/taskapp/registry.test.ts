// The env registry: isolation, run ownership, TTL sweep, the cap, tombstones.
import { describe, expect, test } from 'bun:test';
import { CapacityError, EnvRegistry, resolveEnvConfig } from '../../../sim/taskapp/index.ts';

const config = (seed?: number) => resolveEnvConfig({}, { preset: 'micro', rewardMode: 'step' }, seed);

describe('EnvRegistry', () => {
  test('fresh isolated envs; the same seed starts the same world', () => {
    const r = new EnvRegistry();
    const a = r.create(config(9));
    const b = r.create(config(9));
    expect(a.id).not.toBe(b.id);
    expect(a.env).not.toBe(b.env);
    expect([a.env.playerX, a.env.playerY]).toEqual([b.env.playerX, b.env.playerY]);
    a.env.step(1);
    expect(b.env.stepCount).toBe(0);
    expect(r.size).toBe(2);
  });

  test('a run owns one env: a newer one of the same run terminates the older', () => {
    const r = new EnvRegistry();
    const a = r.create(config(), 'run');
    const b = r.create(config(), 'run');
    expect(a.terminatedBy).toContain('replaced');
    expect(r.lookup(a.id)).toMatchObject({ kind: 'terminated' });
    expect(r.lookup(b.id).kind).toBe('live');
    expect(r.size).toBe(1);
  });

  test('idle envs expire after the TTL; use keeps them alive; tombstones are forgotten later', () => {
    let now = 0;
    const r = new EnvRegistry({ ttlMs: 1_000, now: () => now });
    const idle = r.create(config());
    const busy = r.create(config());
    now = 800;
    r.lookup(busy.id);
    now = 1_500;
    expect(r.sweep()).toBe(1);
    expect(r.lookup(idle.id)).toEqual({ kind: 'terminated', reason: 'expired after 1 s idle' });
    expect(r.lookup(busy.id).kind).toBe('live');
    now = 3_000;
    r.sweep();
    expect(r.lookup(idle.id).kind).toBe('unknown');
  });

  test('the cap: CapacityError past maxEnvs, after sweeping what expired', () => {
    let now = 0;
    const r = new EnvRegistry({ maxEnvs: 2, ttlMs: 100, now: () => now });
    r.create(config());
    r.create(config());
    expect(() => r.create(config())).toThrow(CapacityError);
    now = 200;
    expect(() => r.create(config())).not.toThrow();
    r.clear();
    expect(r.size).toBe(0);
  });
});
