#!/usr/bin/env bun
// Event lag: from the moment the simulator commits an event (store.appendEvent returns, just
// before it is published to SSE subscribers) to the moment the client's onItem callback sees it.
// Modes, each over replay jobs run one after another:
//   sse        the default client (SSE merged with polling)
//   sse+drops  the same with the connection cut every 10 frames (fault), resumed by Last-Event-ID
//   poll 1 s   JSON polling only, every 1 s: the cadence of the Python reference (1–2 s)
// Simulator and client share this process (and its event loop): the figures include that contention.
//   bun run bench:stream [--jobs N] [--iterations N]
import { startSimulator } from '../sim/server.ts';
import { SynthClient } from '../src/client/api-client.ts';
import { followJobEvents } from '../src/client/follow.ts';
import type { JobStreamOptions } from '../src/client/stream.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const JOBS = arg('jobs', 6);
const ITERATIONS = arg('iterations', 60);
/** Simulated (= real, at time scale 1) seconds between replayed iterations. */
const STEP_SECONDS = 0.02;
const KEY = 'sk-bench';

const sim = await startSimulator({ port: 0, apiKeys: [KEY], queueDelayMs: 20, timeScale: 1, sse: { keepAliveMs: 5_000, graceMs: 200 } });
const committedAt = new Map<string, number>();
const appendEvent = sim.store.appendEvent.bind(sim.store);
sim.store.appendEvent = (jobId, e) => {
  const event = appendEvent(jobId, e);
  committedAt.set(`${jobId}:${event.seq}`, performance.now());
  return event;
};
const client = new SynthClient({ backendUrl: sim.url, apiKey: KEY });

interface ModeResult {
  name: string;
  lags: number[];
  delivered: number;
  stored: number;
  duplicates: number;
}

async function measure(name: string, jobs: number, iterations: number, opts: Partial<JobStreamOptions>, sseDrop?: number): Promise<ModeResult> {
  sim.faults.set({ routes: [], sse: sseDrop ? { drop_after_events: sseDrop } : {}, events: {} });
  const lags: number[] = [];
  let delivered = 0;
  let stored = 0;
  let duplicates = 0;
  for (let j = 0; j < jobs; j++) {
    const body = {
      job_type: 'rl' as const,
      data: {
        model: 'Qwen/Qwen3-0.6B', endpoint_base_url: 'http://127.0.0.1:9', trainer: { batch_size: 2, group_size: 4 },
        config: { sim: { replay: { iterations, step_seconds: STEP_SECONDS } }, evaluation: { every_n_iters: 5 } },
      },
    };
    const { jobId } = await client.createJob(body, { idempotencyKey: crypto.randomUUID() });
    const seen = new Set<string>();
    const result = await followJobEvents({
      client, jobId, pollIntervalMs: 1000, ...opts,
      onItem: (item) => {
        if (item.kind !== 'event') return;
        const now = performance.now();
        const key = `${item.event.stream}:${item.event.seq}`;
        if (seen.has(key)) duplicates++;
        seen.add(key);
        delivered++;
        const t = committedAt.get(key);
        if (t !== undefined) lags.push(now - t);
      },
    });
    if (result.outcome !== 'succeeded') throw new Error(`${name}: job ${jobId} ended ${result.outcome}: ${result.reason}`);
    stored += sim.store.listEvents(jobId, 0, 1_000_000).length;
  }
  return { name, lags: lags.sort((a, b) => a - b), delivered, stored, duplicates };
}

/** Nearest-rank percentile of sorted values. */
function pct(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

const modes = [
  await measure('sse (default)', JOBS, ITERATIONS, {}),
  await measure('sse + drop every 10 frames', JOBS, ITERATIONS, {}, 10),
  await measure('poll only, 1 s (reference cadence)', 2, Math.round(ITERATIONS * 1.5), { sse: false }),
];
await sim.stop();

console.log(`stream event lag: event committed in the simulator → client callback (${JOBS} jobs × ${ITERATIONS} iterations, ${STEP_SECONDS * 1000} ms apart)`);
console.log(`  ${'mode'.padEnd(36)} ${'events'.padStart(7)} ${'p50'.padStart(9)} ${'p90'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)}   exactly once`);
for (const m of modes) {
  const f = (v: number) => `${v.toFixed(2).padStart(6)} ms`;
  const once = m.delivered === m.stored && m.duplicates === 0 ? 'yes' : `NO (${m.delivered} delivered / ${m.stored} stored, ${m.duplicates} dup)`;
  console.log(`  ${m.name.padEnd(36)} ${String(m.lags.length).padStart(7)} ${f(pct(m.lags, 0.5))} ${f(pct(m.lags, 0.9))} ${f(pct(m.lags, 0.99))} ${f(m.lags.at(-1) ?? Number.NaN)}   ${once}`);
}
const [sse, drops, poll] = modes as [ModeResult, ModeResult, ModeResult];
console.log(`  p50 ratio poll-1s / sse: ${(pct(poll.lags, 0.5) / pct(sse.lags, 0.5)).toFixed(0)}×   (target: sse p50 ≤ 50 ms)`);
console.log(`BENCH stream.event_lag_p50_ms ${pct(sse.lags, 0.5).toFixed(2)} ms`);
console.log(`BENCH stream.event_lag_p99_ms ${pct(sse.lags, 0.99).toFixed(2)} ms`);
console.log(`BENCH stream.sse_drops_event_lag_p50_ms ${pct(drops.lags, 0.5).toFixed(2)} ms`);
console.log(`BENCH stream.sse_drops_event_lag_p99_ms ${pct(drops.lags, 0.99).toFixed(2)} ms`);
console.log(`BENCH stream.poll_1s_event_lag_p50_ms ${pct(poll.lags, 0.5).toFixed(2)} ms`);
const clean = modes.every((m) => m.delivered === m.stored && m.duplicates === 0);
if (!clean) process.exitCode = 1;
