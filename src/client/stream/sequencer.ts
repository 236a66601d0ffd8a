// The pure core of following a job: which events go out, in which order, exactly once
// (docs/wire-contract.md §3.4–§3.5). No I/O, no timers: the transports (SSE, JSON polling) hand it
// raw events and it answers with the events to deliver now, in order.
//
// A "stream" is a job id: the job itself plus any linked job it reveals, each with its own cursor
// (docs/reference-client.md §2.15: no cursor shared across endpoints or ids). Events are
// deduplicated by (stream, seq) and released in seq order; an event above a gap is held until the
// gap fills, a JSON page proves the missing seqs absent, or the end flushes it. Seq 0 is a real
// seq; seq-less events are deduplicated by content (docs/reference-client.md §2.14). Metric
// points keep one cursor per metric name.
import { normalizeEvent } from '../../api/index.ts';
import type { MetricSample } from '../api-shapes.ts';
import { isRecord } from './outcome.ts';
import type { StreamedEvent, StreamVia } from './types.ts';

interface Cursor {
  linked: boolean;
  /** Every seq ≤ hw was delivered (or confirmed absent); since_seq for the next request. */
  hw: number;
  seen: Set<number>;
  seenKeys: Set<string>;
  /** Events above a gap, waiting for the missing seqs. */
  pending: Map<number, StreamedEvent>;
}

export interface Accepted {
  /** Events to deliver now, in order. */
  events: StreamedEvent[];
  /** The event was held above a gap: a JSON poll can fill or confirm it. */
  held: boolean;
}

/** The event's seq when it has one (a number or numeric string); seq 0 is a real seq. */
export function seqOf(raw: unknown): number | undefined {
  if (!isRecord(raw) || raw.seq === undefined || raw.seq === null) return undefined;
  const n = typeof raw.seq === 'number' ? raw.seq : Number.parseInt(String(raw.seq), 10);
  return Number.isInteger(n) ? n : undefined;
}

export class EventSequencer {
  private readonly cursors = new Map<string, Cursor>();
  private skipped = 0;

  constructor(readonly jobId: string) {
    this.add(jobId, false);
  }

  /** Follows a linked job too; false when it is the job itself or already followed. */
  link(id: string): boolean {
    if (this.cursors.has(id)) return false;
    this.add(id, true);
    return true;
  }

  ids(): string[] {
    return [...this.cursors.keys()];
  }

  linkedIds(): string[] {
    return [...this.cursors].filter(([, c]) => c.linked).map(([id]) => id);
  }

  /** The stream's since_seq: every seq up to it was delivered or confirmed absent. */
  cursor(id: string): number {
    return this.get(id).hw;
  }

  hasPending(id: string): boolean {
    return this.get(id).pending.size > 0;
  }

  /** Seqs the backend never had: gaps confirmed by a page, or accepted at the end. */
  get skippedSeqs(): number {
    return this.skipped;
  }

  /** One raw event from either source: dropped if seen, released if next in order, else held until the gap fills. */
  accept(id: string, raw: unknown, via: StreamVia, sseId?: string): Accepted {
    const c = this.get(id);
    const none: Accepted = { events: [], held: false };
    const normal = normalizeEvent(raw);
    if (normal === undefined) return none;
    let seq = seqOf(raw);
    if (seq === undefined && sseId !== undefined && /^\d+$/.test(sseId.trim())) seq = Number.parseInt(sseId, 10);
    const event: StreamedEvent = { ...normal, seq: seq ?? 0, stream: id, linked: c.linked, via, hasSeq: seq !== undefined };
    if (seq === undefined) {
      const key = `${normal.type}|${normal.created_at ?? ''}|${normal.message}|${JSON.stringify(normal.data)}`;
      if (c.seenKeys.has(key)) return none;
      c.seenKeys.add(key);
      return { events: [event], held: false };
    }
    if (c.seen.has(seq) || c.pending.has(seq)) return none;
    // Older than the cursor yet unseen: a late commit behind a confirmed gap. Late, but not lost.
    if (seq <= c.hw) return { events: [this.release(c, event)], held: false };
    if (seq === c.hw + 1) {
      c.hw = seq;
      return { events: [this.release(c, event), ...this.drain(c)], held: false };
    }
    c.pending.set(seq, event);
    return { events: [], held: true };
  }

  /**
   * After a JSON page for (since, maxSeq] holding `page`: a seq in that range that the page lacks
   * does not exist on the server, so events held behind it go out.
   */
  pageSeen(id: string, page: ReadonlySet<number>, maxSeq: number): StreamedEvent[] {
    const c = this.get(id);
    const out: StreamedEvent[] = [];
    while (c.pending.size > 0 && !c.pending.has(c.hw + 1)) {
      const missing = c.hw + 1;
      if (missing > maxSeq || page.has(missing)) break;
      c.hw = missing;
      this.skipped++;
      out.push(...this.drain(c));
    }
    return out;
  }

  /** At the end: whatever is still held goes out in order (the gaps are accepted). */
  flush(id: string): StreamedEvent[] {
    const c = this.get(id);
    const rest = [...c.pending.values()].sort((a, b) => a.seq - b.seq);
    c.pending.clear();
    return rest.map((e) => {
      if (e.seq > c.hw + 1) this.skipped += e.seq - c.hw - 1;
      c.hw = Math.max(c.hw, e.seq);
      return this.release(c, e);
    });
  }

  private add(id: string, linked: boolean): void {
    this.cursors.set(id, { linked, hw: 0, seen: new Set(), seenKeys: new Set(), pending: new Map() });
  }

  private get(id: string): Cursor {
    const c = this.cursors.get(id);
    if (c === undefined) throw new Error(`no stream ${id} is followed`);
    return c;
  }

  private release(c: Cursor, e: StreamedEvent): StreamedEvent {
    c.seen.add(e.seq);
    return e;
  }

  private drain(c: Cursor): StreamedEvent[] {
    const out: StreamedEvent[] = [];
    for (let next = c.pending.get(c.hw + 1); next !== undefined; next = c.pending.get(c.hw + 1)) {
      c.pending.delete(next.seq);
      c.hw = next.seq;
      out.push(this.release(c, next));
    }
    return out;
  }
}

/** One cursor per metric name (docs/reference-client.md §2.14: one global after_step loses lagging names; step 0 counts). */
export class MetricCursors {
  private readonly lastStep = new Map<string, number>();
  private readonly steplessKeys = new Set<string>();

  /** True when the point is new (deliver it); false for one already seen. */
  accept(p: MetricSample): boolean {
    if (p.step === undefined) {
      const key = `${p.name}|${p.created_at ?? ''}|${p.value}`;
      if (this.steplessKeys.has(key)) return false;
      this.steplessKeys.add(key);
      return true;
    }
    const last = this.lastStep.get(p.name);
    if (last !== undefined && p.step <= last) return false;
    this.lastStep.set(p.name, p.step);
    return true;
  }

  /** The last step delivered for `name`, if any. */
  last(name: string): number | undefined {
    return this.lastStep.get(name);
  }
}
