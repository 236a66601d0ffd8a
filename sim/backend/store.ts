// Durable state of the simulated backend: bun:sqlite in WAL mode under the state dir (or memory).
// Every write is a committed transaction before the HTTP response or SSE frame that reveals it,
// so a `kill -9` never loses an acknowledged event; seq numbers come from the job row inside the
// same transaction as the insert, so they continue with no gap or duplicate after a restart.
import { Database } from 'bun:sqlite';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobEvent, MetricPoint } from '../../src/api/jobs.ts';
import {
  json, now, parseObj, SCHEMA, toEvent, toMetric,
  type ArtifactRow, type EventDbRow, type JobRow, type MetricDbRow, type NewEvent, type NewMetric, type RegistryRowDb, type TimelineEntry,
} from './store-schema.ts';

export type { ArtifactRow, JobRow, Level, NewEvent, NewMetric, RegistryRowDb, TimelineEntry } from './store-schema.ts';

/** The state database cannot be opened or is damaged; the message names it and the way out. */
export class StateError extends Error {
  constructor(readonly path: string, cause: unknown) {
    super(`cannot use the simulator state ${path}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
      'It may be damaged or not a synth-rl state: move it away, start with --state-dir DIR for another state, or --ephemeral to keep nothing');
    this.name = 'StateError';
  }
}

export class Store {
  readonly db: Database;
  readonly path: string;
  private readonly metricListeners: ((jobId: string, points: readonly MetricPoint[]) => void)[] = [];
  /** Depth of atomically() calls in progress, and what must wait for the outermost one to commit. */
  private txDepth = 0;
  private afterCommit: (() => void)[] = [];

  /** `stateDir` undefined: memory only (`--ephemeral`). */
  constructor(stateDir?: string) {
    if (stateDir !== undefined) mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.path = stateDir === undefined ? ':memory:' : join(stateDir, 'sim.sqlite');
    try {
      this.db = Store.open(this.path, stateDir !== undefined);
    } catch (error) {
      throw new StateError(this.path, error);
    }
  }

  private static open(path: string, onDisk: boolean): Database {
    const db = new Database(path, { create: true, strict: true });
    try {
      Store.prepare(db, path, onDisk);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private static prepare(db: Database, path: string, onDisk: boolean): void {
    // The state holds the digest of the simulator's API key and its X25519 secret key: owner-only.
    // SQLite gives the -wal/-shm files the database file's permissions.
    if (onDisk) chmodSync(path, 0o600);
    db.exec('PRAGMA journal_mode = WAL');
    // NORMAL: a committed transaction survives the process being killed (it is in the WAL, in the
    // OS page cache); only an OS crash or power loss could drop the last ones.
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` as one transaction: everything it writes becomes visible together, or not at all. */
  atomically<T>(fn: () => T): T {
    const queued = this.afterCommit.length;
    this.txDepth++;
    let result: T;
    try {
      result = this.db.transaction(fn)();
    } catch (error) {
      // Rolled back: what it queued never happened.
      this.afterCommit.length = queued;
      throw error;
    } finally {
      this.txDepth--;
    }
    if (this.txDepth === 0) {
      const run = this.afterCommit;
      this.afterCommit = [];
      for (const f of run) f();
    }
    return result;
  }

  // --- resume records -----------------------------------------------------------------------------
  /** What a trainer recorded to resume the job after a crash (written with the step it describes). */
  getResume(jobId: string): unknown {
    const row = this.db.query<{ record: string }, [string]>('SELECT record FROM job_resume WHERE job_id = ?').get(jobId);
    return row === null ? undefined : (JSON.parse(row.record) as unknown);
  }

  setResume(jobId: string, record: unknown): void {
    this.db.query(`INSERT INTO job_resume (job_id, record, updated_at) VALUES (?, ?, ?)
      ON CONFLICT(job_id) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at`).run(jobId, JSON.stringify(record), now());
  }

  clearResume(jobId: string): void {
    this.db.query('DELETE FROM job_resume WHERE job_id = ?').run(jobId);
  }

  // --- kv ---------------------------------------------------------------------------------------
  getKv(k: string): string | undefined {
    return this.db.query<{ v: string }, [string]>('SELECT v FROM kv WHERE k = ?').get(k)?.v;
  }

  deleteKv(k: string): void {
    this.db.query('DELETE FROM kv WHERE k = ?').run(k);
  }

  setKv(k: string, v: string): void {
    this.db.query('INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v').run(k, v);
  }

  // --- jobs -------------------------------------------------------------------------------------
  insertJob(j: Pick<JobRow, 'id' | 'org' | 'status' | 'model' | 'trainer' | 'body' | 'config' | 'idempotency_key' | 'body_hash'> &
    Partial<Pick<JobRow, 'parent_job_id'>>): JobRow {
    const t = now();
    this.db.query(`INSERT INTO jobs (id, org, status, model, trainer, body, config, idempotency_key, body_hash, created_at, updated_at, parent_job_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(j.id, j.org, j.status, j.model, j.trainer, j.body, j.config, j.idempotency_key, j.body_hash, t, t, j.parent_job_id ?? null);
    return this.getJob(j.id) as JobRow;
  }

  getJob(id: string): JobRow | undefined {
    return this.db.query<JobRow, [string]>('SELECT * FROM jobs WHERE id = ?').get(id) ?? undefined;
  }

  findByIdempotencyKey(org: string, key: string): JobRow | undefined {
    return this.db.query<JobRow, [string, string]>('SELECT * FROM jobs WHERE org = ? AND idempotency_key = ?').get(org, key) ?? undefined;
  }

  updateJob(id: string, patch: Partial<Omit<JobRow, 'id' | 'org' | 'next_seq' | 'created_at'>>): void {
    const keys = Object.keys(patch) as (keyof typeof patch)[];
    if (keys.length === 0) return;
    const sets = [...keys.map((k) => `${k} = ?`), 'updated_at = ?'].join(', ');
    const values = [...keys.map((k) => (patch[k] ?? null) as string | number | null), now(), id];
    this.db.query(`UPDATE jobs SET ${sets} WHERE id = ?`).run(...values);
  }

  /** The org's jobs, newest first. */
  listJobs(org: string, limit: number): JobRow[] {
    return this.db.query<JobRow, [string, number]>('SELECT * FROM jobs WHERE org = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(org, limit);
  }

  jobsInStatus(statuses: readonly string[]): JobRow[] {
    const marks = statuses.map(() => '?').join(', ');
    return this.db.query<JobRow, string[]>(`SELECT * FROM jobs WHERE status IN (${marks}) ORDER BY created_at`).all(...statuses);
  }

  // --- events -----------------------------------------------------------------------------------
  private readonly appendEventTx = (jobId: string, e: NewEvent): JobEvent => {
    const row = this.db.query<{ next_seq: number }, [string]>('SELECT next_seq FROM jobs WHERE id = ?').get(jobId);
    if (row === null) throw new Error(`appendEvent: unknown job ${jobId}`);
    const ev: EventDbRow = {
      job_id: jobId, seq: row.next_seq, type: e.type, message: e.message, data: json(e.data), level: e.level ?? 'info', created_at: now(),
    };
    this.db.query('INSERT INTO events (job_id, seq, type, message, data, level, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(ev.job_id, ev.seq, ev.type, ev.message, ev.data, ev.level, ev.created_at);
    this.db.query('UPDATE jobs SET next_seq = next_seq + 1, updated_at = ? WHERE id = ?').run(ev.created_at, jobId);
    return toEvent(ev);
  };

  appendEvent(jobId: string, e: NewEvent): JobEvent {
    return this.db.transaction(this.appendEventTx)(jobId, e);
  }

  /** Events with seq > sinceSeq, ascending, at most `limit`. */
  listEvents(jobId: string, sinceSeq: number, limit: number): JobEvent[] {
    return this.db.query<EventDbRow, [string, number, number]>('SELECT * FROM events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(jobId, sinceSeq, limit).map(toEvent);
  }

  // --- metrics ----------------------------------------------------------------------------------
  /** Inserts points; a (name, step) already stored is kept (first write wins, no duplicates). */
  addMetrics(jobId: string, points: readonly NewMetric[]): MetricPoint[] {
    const t = now();
    const insert = this.db.query(`INSERT OR IGNORE INTO metrics (job_id, name, step, value, epoch, phase, data, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    const added: MetricPoint[] = [];
    this.db.transaction(() => {
      for (const p of points) {
        if (!Number.isInteger(p.step) || p.step < 1) throw new Error(`metric ${p.name}: step must be an integer ≥ 1 (got ${p.step})`);
        const r = insert.run(jobId, p.name, p.step, p.value, p.epoch ?? null, p.phase ?? 'train', json(p.data), t);
        if (r.changes > 0) {
          added.push({ name: p.name, value: p.value, step: p.step, epoch: p.epoch ?? null, phase: p.phase ?? 'train', data: p.data ?? {}, created_at: t, job_id: jobId });
        }
      }
    })();
    // Listeners (the metric files) hear of points once they are committed, never of a rolled-back step.
    const notify = () => {
      for (const l of this.metricListeners) l(jobId, added);
    };
    if (added.length > 0) {
      if (this.txDepth > 0) this.afterCommit.push(notify);
      else notify();
    }
    return added;
  }

  /** Calls `listener` with every batch of points stored for the first time (the metric files). */
  onMetricsAdded(listener: (jobId: string, points: readonly MetricPoint[]) => void): void {
    this.metricListeners.push(listener);
  }

  listMetrics(jobId: string, afterStep: number, limit: number, name?: string): MetricPoint[] {
    if (name !== undefined) {
      return this.db.query<MetricDbRow, [string, number, string, number]>(
        'SELECT * FROM metrics WHERE job_id = ? AND step > ? AND name = ? ORDER BY step, name LIMIT ?',
      ).all(jobId, afterStep, name, limit).map(toMetric);
    }
    return this.db.query<MetricDbRow, [string, number, number]>('SELECT * FROM metrics WHERE job_id = ? AND step > ? ORDER BY step, name LIMIT ?')
      .all(jobId, afterStep, limit).map(toMetric);
  }

  // --- timeline ---------------------------------------------------------------------------------
  addTimeline(jobId: string, phase: string, message: string | null, metadata: Record<string, unknown> = {}): void {
    this.db.transaction(() => {
      const next = this.db.query<{ n: number }, [string]>('SELECT COALESCE(MAX(idx), 0) + 1 AS n FROM timeline WHERE job_id = ?').get(jobId)?.n ?? 1;
      this.db.query('INSERT INTO timeline (job_id, idx, phase, message, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(jobId, next, phase, message, json(metadata), now());
    })();
  }

  listTimeline(jobId: string, limit: number): TimelineEntry[] {
    return this.db.query<{ phase: string; message: string | null; metadata: string; created_at: string }, [string, number]>(
      'SELECT phase, message, metadata, created_at FROM timeline WHERE job_id = ? ORDER BY idx LIMIT ?',
    ).all(jobId, limit).map((r) => ({ phase: r.phase, message: r.message, metadata: parseObj(r.metadata), created_at: r.created_at }));
  }

  // --- env keys ---------------------------------------------------------------------------------
  putEnvKey(org: string, name: string, ciphertext: Uint8Array): { id: string; name: string; updated_at: string } {
    const t = now();
    const id = `envkey_${new Bun.CryptoHasher('sha256').update(`${org}:${name}`).digest('hex').slice(0, 16)}`;
    this.db.query(`INSERT INTO env_keys (org, name, id, ciphertext, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(org, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`)
      .run(org, name, id, ciphertext, t);
    return { id, name, updated_at: t };
  }

  getEnvKey(org: string, name: string): { id: string; name: string; ciphertext: Uint8Array; updated_at: string } | undefined {
    return this.db.query<{ id: string; name: string; ciphertext: Uint8Array; updated_at: string }, [string, string]>(
      'SELECT id, name, ciphertext, updated_at FROM env_keys WHERE org = ? AND name = ?',
    ).get(org, name) ?? undefined;
  }

  listEnvKeys(org: string): { id: string; name: string; updated_at: string }[] {
    return this.db.query<{ id: string; name: string; updated_at: string }, [string]>(
      'SELECT id, name, updated_at FROM env_keys WHERE org = ? ORDER BY name',
    ).all(org);
  }

  // --- artifacts, models, registry --------------------------------------------------------------
  addArtifact(a: ArtifactRow): void {
    this.db.query(`INSERT OR REPLACE INTO artifacts (id, job_id, org, label, role, content_type, bucket, key, local_path, size_bytes, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(a.id, a.job_id, a.org, a.label, a.role, a.content_type, a.bucket, a.key, a.local_path, a.size_bytes, a.created_at);
  }

  listArtifacts(jobId: string): ArtifactRow[] {
    return this.db.query<ArtifactRow, [string]>('SELECT * FROM artifacts WHERE job_id = ? ORDER BY created_at, id').all(jobId);
  }

  addModel(m: { org: string; id: string; job_id: string; base_model: string; storage_path: string; status: string }): void {
    this.db.query(`INSERT OR REPLACE INTO models (org, id, job_id, base_model, storage_path, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(m.org, m.id, m.job_id, m.base_model, m.storage_path, m.status, now());
  }

  listModels(org: string, status: string | undefined, limit: number) {
    if (status !== undefined) {
      return this.db.query<{ id: string; job_id: string; base_model: string; storage_path: string; status: string; created_at: string }, [string, string, number]>(
        'SELECT id, job_id, base_model, storage_path, status, created_at FROM models WHERE org = ? AND status = ? ORDER BY created_at DESC LIMIT ?',
      ).all(org, status, limit);
    }
    return this.db.query<{ id: string; job_id: string; base_model: string; storage_path: string; status: string; created_at: string }, [string, number]>(
      'SELECT id, job_id, base_model, storage_path, status, created_at FROM models WHERE org = ? ORDER BY created_at DESC LIMIT ?',
    ).all(org, limit);
  }

  promote(r: Omit<RegistryRowDb, 'promoted_at' | 'ensured_at'>): RegistryRowDb {
    this.db.query(`INSERT INTO registry (org, id, job_id, base_model, weights_path, tokenizer_path, dtype, promoted_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(org, id) DO UPDATE SET job_id = excluded.job_id, base_model = excluded.base_model,
      weights_path = excluded.weights_path, tokenizer_path = excluded.tokenizer_path, dtype = excluded.dtype, promoted_at = excluded.promoted_at`)
      .run(r.org, r.id, r.job_id, r.base_model, r.weights_path, r.tokenizer_path, r.dtype, now());
    return this.getRegistry(r.org, r.id) as RegistryRowDb;
  }

  getRegistry(org: string, id: string): RegistryRowDb | undefined {
    return this.db.query<RegistryRowDb, [string, string]>('SELECT * FROM registry WHERE org = ? AND id = ?').get(org, id) ?? undefined;
  }

  listRegistry(org: string): RegistryRowDb[] {
    return this.db.query<RegistryRowDb, [string]>('SELECT * FROM registry WHERE org = ? ORDER BY promoted_at DESC').all(org);
  }

  markEnsured(org: string, id: string): void {
    this.db.query('UPDATE registry SET ensured_at = ? WHERE org = ? AND id = ?').run(now(), org, id);
  }

  /** Ids of every job of `org`. */
  jobIdsOf(org: string): string[] {
    return this.db.query<{ id: string }, [string]>('SELECT id FROM jobs WHERE org = ?').all(org).map((r) => r.id);
  }

  /** Deletes every job, event, metric, key and model of `org` (or of everyone). Keeps kv. */
  reset(org?: string): void {
    this.db.transaction(() => {
      const jobIds = org === undefined
        ? this.db.query<{ id: string }, []>('SELECT id FROM jobs').all()
        : this.db.query<{ id: string }, [string]>('SELECT id FROM jobs WHERE org = ?').all(org);
      for (const { id } of jobIds) {
        for (const t of ['events', 'metrics', 'timeline', 'artifacts', 'job_resume']) this.db.query(`DELETE FROM ${t} WHERE job_id = ?`).run(id);
        this.db.query('DELETE FROM jobs WHERE id = ?').run(id);
      }
      for (const t of ['env_keys', 'models', 'registry']) {
        if (org === undefined) this.db.query(`DELETE FROM ${t}`).run();
        else this.db.query(`DELETE FROM ${t} WHERE org = ?`).run(org);
      }
    })();
  }
}
