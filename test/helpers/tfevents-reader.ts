// Runs the independent TensorBoard event reader (test/metrics/read_tfevents.py: Debian's
// python3-protobuf, its own CRC-32C) on a file and returns what it decoded.
import { join } from 'node:path';

export interface ReadEvent {
  wall_time: number;
  step: number;
  what: 'file_version' | 'summary' | null;
  file_version?: string;
  values?: { tag: string; kind: string | null; simple_value: number }[];
}

const SCRIPT = join(import.meta.dir, '..', 'metrics', 'read_tfevents.py');

export function readTfevents(path: string): { code: number; events: ReadEvent[]; err: string } {
  const r = Bun.spawnSync(['/usr/bin/python3', SCRIPT, path], { stdout: 'pipe', stderr: 'pipe' });
  const out = r.stdout.toString();
  const events = out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ReadEvent);
  return { code: r.exitCode ?? -1, events, err: r.stderr.toString() };
}

/** The scalars of a decoded file as `step tag value` lines (value as float32, as TensorBoard stores it). */
export function scalarLines(events: readonly ReadEvent[]): string[] {
  return events.filter((e) => e.what === 'summary').flatMap((e) => (e.values ?? []).map((v) => `${e.step} ${v.tag} ${v.simple_value}`));
}
