import { expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/cli.ts';
import { startServer, stopServer } from '../helpers/process.ts';
import { readTfevents } from '../helpers/tfevents-reader.ts';

// One run covers the whole demo, its metric files, and --keep (the simulator and the Studio stay up until SIGTERM).
// 10 iterations: evaluations at 0, 5 and 10, and the reward must have risen. Measured (job seed 0,
// the demo's config): 0.16 → 0.28 → 0.41 achievements per episode; earlier engines gave 0.22 → 0.41
// and, seed 1, 0.06 → 0.63 at 10. Two iterations were too few for the reward to rise reliably
// above evaluation noise (±0.15).
test('demo: simulator, env key, training job, the reward rose, chat through the backend and offline; metric files; --keep leaves the Studio up', async () => {
  const cwd = tempDir();
  const p = await startServer(['demo', '--iterations', '10', '--metrics-jsonl', 'm.jsonl', '--tensorboard', 'tb', '--keep'], { cwd, timeoutMs: 400_000 });
  const out = p.banner;
  try {
    for (const step of ['1/4  synth-rl env-key', '2/4  synth-rl run', '3/4  the reward rose: ', '4/4  synth-rl infer --model rl:Qwen-Qwen3-0.6B:job_']) {
      expect(out).toContain(step);
    }
    expect(out.match(/Tool call: interact\(/g)?.length).toBe(2);
    expect(out).toContain('(offline, ');
    expect(out).toContain('export PROD_BACKEND_URL=https://agent-learning.onrender.com');
    expect(out).not.toMatch(/SYNTH_API_KEY=sk_sim_/);
    expect(out).toMatch(/studio\s+http:\/\/127\.0\.0\.1:\d+\/studio\/\?token=/);
    const login = [...out.matchAll(/(http:\/\/127\.0\.0\.1:\d+\/studio\/\?token=[\w-]+)/g)].map((m) => m[1] as string).at(-1) as string;
    const res = await fetch(login, { redirect: 'manual' });
    const cookie = /synth_studio=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0] as string;
    const jobs = (await (await fetch(`${new URL(login).origin}/studio/api/jobs`, { headers: { cookie } })).json()) as { jobs: { status: string }[] };
    expect(jobs.jobs.map((j) => j.status)).toEqual(['succeeded']);
  } finally {
    expect(await stopServer(p)).toBe(0);
  }
  // The one note: where the metric files go (resolved against the caller's folder, not the demo's); then the stop.
  const err = await new Response(p.proc.stderr).text();
  expect(err).toMatch(new RegExp(`^note: writing metrics to ${join(cwd, 'm.jsonl')} and ${join(cwd, 'tb')}/events\\.out\\.tfevents\\.job_\\w+\\.synth-rl\\nstopping the simulator…\\n$`));
  expect(readFileSync(join(cwd, 'm.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const tb = readdirSync(join(cwd, 'tb'));
  expect(tb.length).toBe(1);
  expect(readTfevents(join(cwd, 'tb', tb[0] as string)).code).toBe(0);
}, 420_000);

test('demo rejects a silly iteration count', async () => {
  const r = await cli(['demo', '--iterations', '0']);
  expect(r.code).toBe(2);
  expect(r.err).toContain('--iterations must be between 1 and 500');
});
