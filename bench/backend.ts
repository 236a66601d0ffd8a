#!/usr/bin/env bun
// Simulated backend throughput and SSE latency, bounded in time and requests, loopback only.
//   bun run bench:backend [--seconds 5] [--events 2000]
// 1. GET /api/learning/jobs/{id} requests/s against `synth-rl sim` in its own process, driven by
//    wrk (Debian package) when installed, else by a Bun fetch load generator (reported as such).
// 2. SSE delivery latency: events committed by the runner → frame parsed by an SSE client on
//    loopback, same process (one clock), p50/p99.
import { resolve } from 'node:path';
import { startSimulator } from '../sim/server.ts';
import { jobBody } from '../test/helpers/sim.ts';
import { numberArg } from './args.ts';

const SECONDS = numberArg('seconds', 5);
const EVENTS = numberArg('events', 2000);
const KEY = 'sk-bench';
const MAIN = resolve(import.meta.dir, '../src/cli/main.ts');

async function statusRps(): Promise<{ rps: number; tool: string; errors: number }> {
  const proc = Bun.spawn([process.execPath, MAIN, 'sim', '--ephemeral', '--port', '0', '--trainer', 'replay', '--no-task-app', '--api-key', KEY], { stdout: 'pipe', stderr: 'inherit' });
  try {
    const reader = proc.stdout.getReader();
    let banner = '';
    while (!banner.includes('Ctrl-C stops')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('simulator exited');
      banner += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const base = (/backend\s+(http:\/\/[\d.]+:\d+)\/api/.exec(banner) as RegExpExecArray)[1] as string;
    const created = await fetch(`${base}/api/rl/jobs`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(jobBody()),
    });
    const { job_id } = (await created.json()) as { job_id: string };
    const url = `${base}/api/learning/jobs/${job_id}`;
    if (Bun.which('wrk')) {
      const r = Bun.spawnSync(['wrk', '-t1', '-c50', `-d${SECONDS}s`, '-H', `authorization: Bearer ${KEY}`, url], { stdout: 'pipe' });
      const out = r.stdout.toString();
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
      const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
      return { rps, tool: 'wrk -t1 -c50', errors };
    }
    let done = 0;
    let errors = 0;
    const end = performance.now() + SECONDS * 1000;
    const worker = async () => {
      while (performance.now() < end) {
        const res = await fetch(url, { headers: { authorization: `Bearer ${KEY}` } });
        await res.arrayBuffer();
        if (res.status === 200) done++;
        else errors++;
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 50 }, worker));
    return { rps: done / ((performance.now() - t0) / 1000), tool: 'bun fetch x50 (wrk not installed; the client shares the 2 cores)', errors };
  } finally {
    proc.kill('SIGTERM');
    await proc.exited;
  }
}

async function sseLatency(): Promise<{ p50: number; p99: number; n: number }> {
  const sim = await startSimulator({ port: 0, apiKeys: [KEY], queueDelayMs: 60_000, sse: { keepAliveMs: 15_000, graceMs: 100 } });
  try {
    const created = await fetch(`${sim.url}/api/rl/jobs`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(jobBody()),
    });
    const { job_id } = (await created.json()) as { job_id: string };
    const res = await fetch(`${sim.url}/api/rl/jobs/${job_id}/events?since_seq=1`, { headers: { authorization: `Bearer ${KEY}`, accept: 'text/event-stream' } });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const lags: number[] = [];
    let buf = '';
    const reading = (async () => {
      while (lags.length < EVENTS) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const e = JSON.parse(data.slice(6)) as { data: { t?: number } };
          if (typeof e.data.t === 'number') lags.push(performance.now() - e.data.t);
        }
      }
    })();
    await Bun.sleep(50);
    for (let n = 0; n < EVENTS; n++) {
      sim.runner.emit(job_id, { type: 'bench.tick', message: 'tick', data: { t: performance.now() } });
      await Bun.sleep(1);
    }
    await Promise.race([reading, Bun.sleep(10_000)]);
    await reader.cancel();
    lags.sort((a, b) => a - b);
    return { p50: lags[Math.floor(lags.length * 0.5)] ?? NaN, p99: lags[Math.floor(lags.length * 0.99)] ?? NaN, n: lags.length };
  } finally {
    await sim.stop();
  }
}

const status = await statusRps();
const sse = await sseLatency();
console.log(`backend status: ${status.rps.toFixed(0)} req/s over ${SECONDS} s (${status.tool}; non-2xx: ${status.errors})`);
console.log(`SSE delivery latency over ${sse.n} events: p50 ${sse.p50.toFixed(3)} ms, p99 ${sse.p99.toFixed(3)} ms`);
console.log(`targets: ≥ 50000 req/s, p50 ≤ 1 ms`);
console.log(`BENCH backend.status_rps ${status.rps.toFixed(0)} req/s`);
console.log(`BENCH backend.sse_p50_ms ${sse.p50.toFixed(3)} ms`);
console.log(`BENCH backend.sse_p99_ms ${sse.p99.toFixed(3)} ms`);
