// The renderers of run/train: the live TTY line (status, iteration/total, reward + sparkline,
// elapsed), plain lines in the reference's style off a TTY, colours only on a TTY without NO_COLOR.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Simulator } from '../../../sim/server.ts';
import { runCli } from '../../../src/cli/main.ts';
import type { MetricSample } from '../../../src/client/api-shapes.ts';
import type { StreamedEvent } from '../../../src/client/stream.ts';
import { eventLine, metricLine } from '../../../src/ui/run-lines.ts';
import { createRunRenderer } from '../../../src/ui/run-render.ts';
import { sparkline } from '../../../src/ui/sparkline.ts';
import { colorEnabled } from '../../../src/ui/style.ts';
import { tempDir } from '../../helpers/cli.ts';
import { API_KEY, replayToml, startTestSim } from '../../helpers/client-sim.ts';

const COLOUR = /\x1b\[3\dm/;
const CLEAR = '\r\x1b[2K';

function event(over: Partial<StreamedEvent> = {}): StreamedEvent {
  return { seq: 5, type: 'rl.train.step', message: 'iteration 2/5', data: { iteration: 2, total_iterations: 5, reward_mean: 0.5 }, level: 'info', stream: 'job_a', linked: false, via: 'sse', hasSeq: true, ...over };
}

function metric(value: number, step: number, name = 'train.reward_mean'): MetricSample {
  return { name, value, step, epoch: 1, phase: 'train', data: {}, created_at: undefined, job_id: 'job_a' };
}

describe('pieces', () => {
  test('sparkline scales to its own range, keeps the last `width` values', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([3, 3, 3])).toBe('▄▄▄');
    expect(sparkline([1, 2, 3, 4], 2)).toBe('▁█');
    expect(sparkline([])).toBe('');
  });

  test('colours: only on a TTY, never with NO_COLOR or TERM=dumb', () => {
    expect(colorEnabled(false, {})).toBe(false);
    expect(colorEnabled(true, {})).toBe(true);
    expect(colorEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(true, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(true, { TERM: 'dumb' })).toBe(false);
  });

  test('plain lines follow the reference: event seq=… type=… msg=…, metric <name> step=… epoch=… value=…', () => {
    expect(eventLine({ kind: 'event', event: event({ message: 'two\nlines' }) })).toBe('event seq=5 type=rl.train.step msg=two ⏎ lines');
    expect(eventLine({ kind: 'event', event: event({ linked: true, stream: 'job_l', seq: 0 }) })).toBe('event seq=0 job=job_l type=rl.train.step msg=iteration 2/5');
    expect(eventLine({ kind: 'event', event: event({ hasSeq: false, seq: 0 }) })).toStartWith('event seq=- type=');
    expect(metricLine({ kind: 'metric', metric: { ...metric(0.25, 0), epoch: null } })).toBe('metric train.reward_mean step=0 epoch=- value=0.25');
  });

  test('a replayed job says so: its metric lines end with [replay], its summary names the replay (text and Final JSON)', () => {
    const replayed = { ...metric(0.5, 2), data: { simulated: 'replay' } };
    expect(metricLine({ kind: 'metric', metric: replayed })).toBe('metric train.reward_mean step=2 epoch=1 value=0.5 [replay]');
    // The GRPO trainer's data says simulated: true — simulated, but trained, not replayed.
    expect(metricLine({ kind: 'metric', metric: { ...metric(0.5, 2), data: { simulated: true } } })).toBe('metric train.reward_mean step=2 epoch=1 value=0.5');
    let out = '';
    const r = createRunRenderer({ out: { write: (s) => void (out += s) }, err: { write: (s) => void (out += s) }, isTTY: false, json: false, env: {} });
    const summary = {
      outcome: 'succeeded' as const, status: 'succeeded', jobId: 'job_r', linkedJobIds: [], durationMs: 1500, fineTunedModel: undefined,
      reason: 'status succeeded', error: undefined, lastMetrics: { 'train.reward_mean': replayed }, checkpoints: [], events: 1, metrics: 1,
      exitCode: 0, advice: [], reattach: 'synth-rl run --job-id job_r',
    };
    r.final({ ...summary, replayed: true });
    expect(out).toContain('job job_r succeeded in 1.5 s (replayed: a scripted stream, no model was trained)');
    expect(out).toContain('"replayed":true');
    out = '';
    r.final(summary);
    expect(out).not.toContain('replayed');
  });
});

describe('live TTY renderer', () => {
  function render(env: Record<string, string>) {
    let out = '';
    const r = createRunRenderer({ out: { write: (s) => void (out += s) }, err: { write: (s) => void (out += s) }, isTTY: true, json: false, env, columns: 120 });
    r.job({ jobId: 'job_a', created: true, httpStatus: 201, backend: 'http://h/api' });
    r.item({ kind: 'status', status: 'training', previous: 'queued', job: { job_id: 'job_a', status: 'training' } });
    r.item({ kind: 'event', event: event() });
    for (const [i, v] of [0.1, 0.4, 0.9].entries()) r.item({ kind: 'metric', metric: metric(v, i + 1) });
    const live = out.slice(out.lastIndexOf(CLEAR));
    r.final({
      outcome: 'succeeded', status: 'succeeded', jobId: 'job_a', linkedJobIds: [], durationMs: 1500, fineTunedModel: 'rl:m:job_a:checkpoint-epoch-1',
      reason: 'status succeeded', error: undefined, lastMetrics: { 'train.reward_mean': metric(0.9, 3) }, checkpoints: [], events: 1, metrics: 3,
      exitCode: 0, advice: [], reattach: 'synth-rl run --job-id job_a',
    });
    r.close();
    return { out, live };
  }

  test('the live line: status, iteration/total, last reward with a sparkline, elapsed; redrawn in place', () => {
    const { out, live } = render({ NO_COLOR: '1' });
    expect(live).toContain('training');
    expect(live).toContain('iter 2/5');
    expect(live).toContain('reward 0.9 ▁▄█');
    expect(live).toMatch(/00:0\d/);
    expect(out).toContain(`${CLEAR}`);
    expect(out).toContain('✔ job job_a succeeded in 1.5 s');
    expect(out).toContain('rl:m:job_a:checkpoint-epoch-1');
    expect(out).not.toMatch(COLOUR);
  });

  test('colours on a TTY unless NO_COLOR', () => {
    expect(render({}).out).toMatch(COLOUR);
  });
});

describe('run on a TTY against the simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSim();
  });
  afterAll(() => sim.stop());

  test('live display, then the summary; exit 0', async () => {
    let out = '';
    const code = await runCli(
      ['run', '--backend-url', sim.url, '--api-key', API_KEY, '--task-app-url', 'http://127.0.0.1:8001', '--config-path', 'rl.toml', '--poll-interval', '0.05'],
      { env: { NO_COLOR: '1' }, cwd: tempDir({ 'rl.toml': replayToml({ iterations: 4 }) }), out: { write: (s) => void (out += s) }, err: { write: (s) => void (out += s) }, isTTY: true },
    );
    expect(code).toBe(0);
    expect(out).toContain('Created job job_');
    expect(out).toMatch(/iter \d\/4/);
    expect(out).toMatch(/reward [\d.]+ [▁▂▃▄▅▆▇█]+/);
    expect(out).toContain('✔ job job_');
    expect(out).toContain('reward trend');
    // A replay job: the live line carries the tag, the headline the note.
    expect(out).toMatch(/│ replay │/);
    expect(out).toContain('(replayed: a scripted stream, no model was trained)');
    expect(out).not.toMatch(COLOUR);
  });
});
