// The state database's tables (SCHEMA) and the rows the Store reads and writes: the shapes of the
// simulated backend's durable state, apart from the queries in sim/backend/store.ts.
import type { JobEvent, MetricPoint } from '../../src/api/jobs.ts';

export type Level = 'info' | 'warning' | 'error';

export interface JobRow {
  id: string;
  org: string;
  status: string;
  model: string | null;
  trainer: string;
  body: string;
  config: string | null;
  idempotency_key: string | null;
  body_hash: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  linked_job_id: string | null;
  parent_job_id: string | null;
  fine_tuned_model: string | null;
  error: string | null;
  progress: string | null;
  next_seq: number;
}

export interface NewEvent {
  type: string;
  message: string;
  data?: Record<string, unknown>;
  level?: Level;
}

export interface NewMetric {
  name: string;
  value: number;
  step: number;
  epoch?: number | null;
  phase?: string;
  data?: Record<string, unknown>;
}

export interface TimelineEntry {
  phase: string;
  message: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
}

export interface ArtifactRow {
  id: string;
  job_id: string;
  org: string;
  label: string;
  role: string;
  content_type: string;
  bucket: string;
  key: string;
  local_path: string | null;
  size_bytes: number | null;
  created_at: string;
}

export interface RegistryRowDb {
  org: string;
  id: string;
  job_id: string;
  base_model: string;
  weights_path: string;
  tokenizer_path: string | null;
  dtype: string;
  promoted_at: string;
  ensured_at: string | null;
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, org TEXT NOT NULL, status TEXT NOT NULL, model TEXT, trainer TEXT NOT NULL,
  body TEXT NOT NULL, config TEXT, idempotency_key TEXT, body_hash TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, started_at TEXT, finished_at TEXT,
  linked_job_id TEXT, parent_job_id TEXT, fine_tuned_model TEXT, error TEXT, progress TEXT,
  next_seq INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs(org, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS events (
  job_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, message TEXT NOT NULL,
  data TEXT NOT NULL, level TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS metrics (
  job_id TEXT NOT NULL, name TEXT NOT NULL, step INTEGER NOT NULL, value REAL NOT NULL, epoch INTEGER,
  phase TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (job_id, name, step)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS metrics_step ON metrics(job_id, step);
CREATE TABLE IF NOT EXISTS timeline (
  job_id TEXT NOT NULL, idx INTEGER NOT NULL, phase TEXT NOT NULL, message TEXT, metadata TEXT NOT NULL,
  created_at TEXT NOT NULL, PRIMARY KEY (job_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS env_keys (
  org TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL, ciphertext BLOB NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (org, name)
);
CREATE TABLE IF NOT EXISTS artifacts (
  id TEXT PRIMARY KEY, job_id TEXT NOT NULL, org TEXT NOT NULL, label TEXT NOT NULL, role TEXT NOT NULL,
  content_type TEXT NOT NULL, bucket TEXT NOT NULL, key TEXT NOT NULL, local_path TEXT, size_bytes INTEGER,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS artifacts_job ON artifacts(job_id);
CREATE TABLE IF NOT EXISTS models (
  org TEXT NOT NULL, id TEXT NOT NULL, job_id TEXT NOT NULL, base_model TEXT NOT NULL, storage_path TEXT NOT NULL,
  status TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (org, id)
);
CREATE TABLE IF NOT EXISTS registry (
  org TEXT NOT NULL, id TEXT NOT NULL, job_id TEXT NOT NULL, base_model TEXT NOT NULL, weights_path TEXT NOT NULL,
  tokenizer_path TEXT, dtype TEXT NOT NULL, promoted_at TEXT NOT NULL, ensured_at TEXT, PRIMARY KEY (org, id)
);
CREATE TABLE IF NOT EXISTS job_resume (job_id TEXT PRIMARY KEY, record TEXT NOT NULL, updated_at TEXT NOT NULL) WITHOUT ROWID;
`;

export const now = () => new Date().toISOString();
export const json = (v: unknown) => JSON.stringify(v ?? {});
export const parseObj = (s: string | null): Record<string, unknown> => (s ? (JSON.parse(s) as Record<string, unknown>) : {});

export interface EventDbRow {
  job_id: string;
  seq: number;
  type: string;
  message: string;
  data: string;
  level: string;
  created_at: string;
}

export interface MetricDbRow {
  job_id: string;
  name: string;
  step: number;
  value: number;
  epoch: number | null;
  phase: string;
  data: string;
  created_at: string;
}

export function toEvent(r: EventDbRow): JobEvent {
  return { seq: r.seq, type: r.type, message: r.message, data: parseObj(r.data), level: r.level as Level, created_at: r.created_at, job_id: r.job_id };
}

export function toMetric(r: MetricDbRow): MetricPoint {
  return { name: r.name, value: r.value, step: r.step, epoch: r.epoch, phase: r.phase, data: parseObj(r.data), created_at: r.created_at, job_id: r.job_id };
}
