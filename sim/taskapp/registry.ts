// Live Crafter environments of the task app: one isolated CrafterEnv per id, owned by the run that
// created it, swept after an idle TTL, capped in number (past the cap: 429). A terminated id is
// remembered for a while so stepping it answers "terminated" rather than "unknown" (the reference
// raised KeyError → 500).
import { CrafterEnv } from '../crafter/index.ts';
import type { EnvConfig } from './env-config.ts';

export interface EnvHandle {
  readonly id: string;
  readonly env: CrafterEnv;
  readonly config: EnvConfig;
  readonly runId: string | undefined;
  readonly createdAt: number;
  lastUsed: number;
  /** Set when terminated (by request, by a newer env of the same run, or by the TTL sweep). */
  terminatedBy: string | undefined;
}

export type Lookup =
  | { kind: 'live'; handle: EnvHandle }
  | { kind: 'terminated'; reason: string }
  | { kind: 'unknown' };

export interface RegistryOptions {
  /** Live environments at most; creating one more answers 429. Default 256. */
  maxEnvs?: number;
  /** Idle time after which an env is terminated. Default 10 minutes. */
  ttlMs?: number;
  now?: () => number;
}

export class CapacityError extends Error {
  constructor(readonly limit: number) {
    super(`too many live environments (limit ${limit}); terminate finished ones or retry later`);
    this.name = 'CapacityError';
  }
}

const MAX_TOMBSTONES = 10_000;

export function newEnvId(): string {
  return `env_${Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString('hex')}`;
}

export class EnvRegistry {
  readonly maxEnvs: number;
  readonly ttlMs: number;
  private readonly now: () => number;
  private readonly live = new Map<string, EnvHandle>();
  private readonly byRun = new Map<string, string>();
  private readonly tombstones = new Map<string, { reason: string; at: number }>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: RegistryOptions = {}) {
    this.maxEnvs = opts.maxEnvs ?? 256;
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Sweeps idle envs periodically (unref'd: it never keeps a process alive). */
  startSweeper(intervalMs = Math.min(60_000, Math.max(1_000, this.ttlMs / 2))): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.sweep(), intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.live.size;
  }

  /**
   * A fresh env (even for a seed seen before). With a run id, any earlier env of that run is
   * terminated first (S7b). Throws CapacityError at the limit.
   */
  create(config: EnvConfig, runId?: string): EnvHandle {
    if (runId !== undefined) {
      const previous = this.byRun.get(runId);
      if (previous !== undefined) this.terminate(previous, `replaced by a newer env of run ${JSON.stringify(runId)}`);
    }
    if (this.live.size >= this.maxEnvs) this.sweep();
    if (this.live.size >= this.maxEnvs) throw new CapacityError(this.maxEnvs);
    const env = new CrafterEnv({ preset: config.preset, maxSteps: config.maxSteps, seed: config.seed ?? 0 });
    if (config.seed === undefined) env.reset(Math.floor(Math.random() * 2 ** 31));
    let id = newEnvId();
    while (this.live.has(id) || this.tombstones.has(id)) id = newEnvId();
    const t = this.now();
    const handle: EnvHandle = { id, env, config, runId, createdAt: t, lastUsed: t, terminatedBy: undefined };
    this.live.set(id, handle);
    if (runId !== undefined) this.byRun.set(runId, id);
    return handle;
  }

  lookup(id: string): Lookup {
    const handle = this.live.get(id);
    if (handle !== undefined) {
      handle.lastUsed = this.now();
      return { kind: 'live', handle };
    }
    const dead = this.tombstones.get(id);
    return dead === undefined ? { kind: 'unknown' } : { kind: 'terminated', reason: dead.reason };
  }

  /** Ends an env; false when it was not live. */
  terminate(id: string, reason = 'terminated by request'): boolean {
    const handle = this.live.get(id);
    if (handle === undefined) return false;
    handle.terminatedBy = reason;
    this.live.delete(id);
    if (handle.runId !== undefined && this.byRun.get(handle.runId) === id) this.byRun.delete(handle.runId);
    this.tombstones.set(id, { reason, at: this.now() });
    if (this.tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.tombstones.keys().next().value;
      if (oldest !== undefined) this.tombstones.delete(oldest);
    }
    return true;
  }

  /** Terminates envs idle longer than the TTL and forgets old tombstones; returns how many ended. */
  sweep(): number {
    const t = this.now();
    let ended = 0;
    for (const [id, h] of this.live) {
      if (t - h.lastUsed > this.ttlMs) {
        this.terminate(id, `expired after ${Math.round(this.ttlMs / 1000)} s idle`);
        ended++;
      }
    }
    for (const [id, dead] of this.tombstones) {
      if (t - dead.at > this.ttlMs) this.tombstones.delete(id);
    }
    return ended;
  }

  /** Terminates everything (shutdown). */
  clear(): void {
    for (const id of [...this.live.keys()]) this.terminate(id, 'task app shut down');
  }
}
