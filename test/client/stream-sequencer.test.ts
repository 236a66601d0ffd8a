// The pure sequencer of the job stream on its own (no server, no timers): reorder, duplicates,
// gaps, per-stream and per-metric-name cursors, linked streams.
import { describe, expect, test } from 'bun:test';
import type { MetricSample } from '../../src/client/api-shapes.ts';
import { EventSequencer, MetricCursors } from '../../src/client/stream/sequencer.ts';
import type { StreamedEvent } from '../../src/client/stream/types.ts';

const ev = (seq: number | undefined, type = 'rl.train.step', extra: Record<string, unknown> = {}) =>
  ({ ...(seq !== undefined && { seq }), type, message: `m${seq ?? '-'}`, data: {}, ...extra });
const seqs = (events: StreamedEvent[]) => events.map((e) => e.seq);

function point(name: string, step: number | undefined, value = 1, created_at?: string): MetricSample {
  return { name, value, step, epoch: null, phase: undefined, data: {}, created_at, job_id: 'job_a' };
}

describe('EventSequencer: order and duplicates', () => {
  test('in-order events go out at once and move the cursor', () => {
    const s = new EventSequencer('job_a');
    expect(seqs(s.accept('job_a', ev(1), 'sse').events)).toEqual([1]);
    expect(seqs(s.accept('job_a', ev(2), 'sse').events)).toEqual([2]);
    expect(s.cursor('job_a')).toBe(2);
  });

  test('reorder: an event above a gap is held, then released in seq order when the gap fills', () => {
    const s = new EventSequencer('job_a');
    s.accept('job_a', ev(1), 'sse');
    const three = s.accept('job_a', ev(3), 'sse');
    expect(three).toEqual({ events: [], held: true });
    expect(seqs(s.accept('job_a', ev(4), 'sse').events)).toEqual([]);
    expect(s.hasPending('job_a')).toBe(true);
    expect(s.cursor('job_a')).toBe(1);
    const two = s.accept('job_a', ev(2), 'poll');
    expect(seqs(two.events)).toEqual([2, 3, 4]);
    expect(two.held).toBe(false);
    expect(s.cursor('job_a')).toBe(4);
    expect(s.hasPending('job_a')).toBe(false);
  });

  test('duplicates: the same seq from SSE and a poll, delivered or held, goes out once', () => {
    const s = new EventSequencer('job_a');
    expect(seqs(s.accept('job_a', ev(1), 'sse').events)).toEqual([1]);
    expect(s.accept('job_a', ev(1), 'poll')).toEqual({ events: [], held: false });
    s.accept('job_a', ev(3), 'sse');
    expect(s.accept('job_a', ev(3), 'poll')).toEqual({ events: [], held: false });
    expect(seqs(s.accept('job_a', ev(2), 'poll').events)).toEqual([2, 3]);
    expect(s.accept('job_a', ev(2), 'sse').events).toEqual([]);
  });

  test('each event says where it came from; seq 0 is a real seq; a numeric string seq counts', () => {
    const s = new EventSequencer('job_a');
    const zero = s.accept('job_a', ev(0), 'poll').events;
    expect(zero.map((e) => [e.seq, e.hasSeq, e.via, e.stream, e.linked])).toEqual([[0, true, 'poll', 'job_a', false]]);
    expect(s.accept('job_a', ev(0), 'sse').events).toEqual([]);
    expect(seqs(s.accept('job_a', { ...ev(undefined), seq: '1' }, 'sse').events)).toEqual([1]);
  });

  test('seq-less events are kept and deduplicated by content; the SSE id stands in for a missing seq', () => {
    const s = new EventSequencer('job_a');
    const a = s.accept('job_a', ev(undefined, 'rl.note'), 'poll').events;
    expect(a.map((e) => [e.hasSeq, e.seq])).toEqual([[false, 0]]);
    expect(s.accept('job_a', ev(undefined, 'rl.note'), 'sse').events).toEqual([]);
    expect(s.accept('job_a', ev(undefined, 'rl.other'), 'sse').events).toHaveLength(1);
    expect(s.cursor('job_a')).toBe(0);
    expect(seqs(s.accept('job_a', ev(undefined, 'rl.train.started'), 'sse', '1').events)).toEqual([1]);
    expect(s.cursor('job_a')).toBe(1);
  });

  test('what is not an event is dropped without touching the cursor', () => {
    const s = new EventSequencer('job_a');
    expect(s.accept('job_a', 'not an event', 'poll')).toEqual({ events: [], held: false });
    expect(s.accept('job_a', null, 'sse')).toEqual({ events: [], held: false });
    expect(s.cursor('job_a')).toBe(0);
  });
});

describe('EventSequencer: gaps', () => {
  test('a page that covers a missing seq proves it absent: the held events go out and the gap is counted', () => {
    const s = new EventSequencer('job_a');
    s.accept('job_a', ev(1), 'sse');
    s.accept('job_a', ev(4), 'sse');
    // The page after since_seq=1 held 4 (and 5) but not 2 or 3: the backend never had them.
    s.accept('job_a', ev(5), 'poll');
    expect(seqs(s.pageSeen('job_a', new Set([4, 5]), 5))).toEqual([4, 5]);
    expect(s.skippedSeqs).toBe(2);
    expect(s.cursor('job_a')).toBe(5);
  });

  test('a page that stops below the gap proves nothing: events stay held', () => {
    const s = new EventSequencer('job_a');
    s.accept('job_a', ev(1), 'sse');
    s.accept('job_a', ev(5), 'sse');
    expect(s.pageSeen('job_a', new Set(), 1)).toEqual([]);
    expect(s.hasPending('job_a')).toBe(true);
    expect(s.skippedSeqs).toBe(0);
    // A page up to 3 proves 2 absent (3 is there, on its way), but says nothing about 4.
    expect(s.pageSeen('job_a', new Set([3]), 3)).toEqual([]);
    expect(s.skippedSeqs).toBe(1);
    expect(s.cursor('job_a')).toBe(2);
    expect(s.hasPending('job_a')).toBe(true);
  });

  test('a late event older than a confirmed gap is still delivered (late, not lost), once', () => {
    const s = new EventSequencer('job_a');
    s.accept('job_a', ev(1), 'sse');
    s.accept('job_a', ev(3), 'sse');
    s.pageSeen('job_a', new Set([3]), 3);
    expect(s.cursor('job_a')).toBe(3);
    expect(seqs(s.accept('job_a', ev(2), 'poll').events)).toEqual([2]);
    expect(s.accept('job_a', ev(2), 'sse').events).toEqual([]);
  });

  test('flush at the end releases what is held in order and counts the gaps it accepts', () => {
    const s = new EventSequencer('job_a');
    s.accept('job_a', ev(1), 'sse');
    s.accept('job_a', ev(6), 'sse');
    s.accept('job_a', ev(3), 'sse');
    expect(seqs(s.flush('job_a'))).toEqual([3, 6]);
    expect(s.skippedSeqs).toBe(3);
    expect(s.cursor('job_a')).toBe(6);
    expect(s.flush('job_a')).toEqual([]);
  });
});

describe('EventSequencer: streams and linked jobs', () => {
  test('each stream has its own cursor: the same seq on the job and its linked job are two events', () => {
    const s = new EventSequencer('job_a');
    expect(s.link('job_b')).toBe(true);
    s.accept('job_a', ev(1), 'sse');
    s.accept('job_a', ev(2), 'sse');
    const b1 = s.accept('job_b', ev(1), 'poll').events;
    expect(b1.map((e) => [e.stream, e.linked, e.seq])).toEqual([['job_b', true, 1]]);
    expect(s.cursor('job_a')).toBe(2);
    expect(s.cursor('job_b')).toBe(1);
    // A gap on one stream holds nothing on the other.
    s.accept('job_b', ev(3), 'sse');
    expect(s.hasPending('job_b')).toBe(true);
    expect(s.hasPending('job_a')).toBe(false);
    expect(seqs(s.accept('job_a', ev(3), 'sse').events)).toEqual([3]);
  });

  test('a linked job starts from since_seq 0 however late it appears; linking twice or to itself is a no-op', () => {
    const s = new EventSequencer('job_a');
    for (let i = 1; i <= 50; i++) s.accept('job_a', ev(i), 'sse');
    expect(s.link('job_a')).toBe(false);
    expect(s.link('job_b')).toBe(true);
    expect(s.link('job_b')).toBe(false);
    expect(s.cursor('job_b')).toBe(0);
    expect(s.ids()).toEqual(['job_a', 'job_b']);
    expect(s.linkedIds()).toEqual(['job_b']);
  });

  test('an unknown stream is an error, not a silent new cursor', () => {
    const s = new EventSequencer('job_a');
    expect(() => s.accept('job_z', ev(1), 'sse')).toThrow('no stream job_z');
  });
});

describe('MetricCursors: one cursor per metric name', () => {
  test('a lagging name is not lost behind another name further ahead', () => {
    const m = new MetricCursors();
    expect(m.accept(point('train.loss', 1))).toBe(true);
    expect(m.accept(point('train.loss', 2))).toBe(true);
    expect(m.accept(point('train.loss', 3))).toBe(true);
    // eval.reward_mean for step 2 arrives after train.loss reached 3: still new.
    expect(m.accept(point('eval.reward_mean', 2))).toBe(true);
    expect(m.last('train.loss')).toBe(3);
    expect(m.last('eval.reward_mean')).toBe(2);
  });

  test('a re-read step (the poller re-reads the latest) and older steps are duplicates; step 0 counts', () => {
    const m = new MetricCursors();
    expect(m.accept(point('train.loss', 0))).toBe(true);
    expect(m.accept(point('train.loss', 0))).toBe(false);
    expect(m.accept(point('train.loss', 4))).toBe(true);
    expect(m.accept(point('train.loss', 4))).toBe(false);
    expect(m.accept(point('train.loss', 3))).toBe(false);
  });

  test('step-less points are deduplicated by name, time and value', () => {
    const m = new MetricCursors();
    expect(m.accept(point('gpu.util', undefined, 0.5, 't1'))).toBe(true);
    expect(m.accept(point('gpu.util', undefined, 0.5, 't1'))).toBe(false);
    expect(m.accept(point('gpu.util', undefined, 0.5, 't2'))).toBe(true);
    expect(m.last('gpu.util')).toBeUndefined();
  });
});
