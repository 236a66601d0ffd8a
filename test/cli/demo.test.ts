import { expect, test } from 'bun:test';
import { cli, tempDir } from '../helpers/cli.ts';

test('demo: simulator, env key, training job, reward curve, chat through the backend and offline', async () => {
  const r = await cli(['demo', '--iterations', '2'], { cwd: tempDir() });
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  for (const step of ['1/4  synth-rl env-key', '2/4  synth-rl run', '3/4  the reward ', '4/4  synth-rl infer --model rl:Qwen-Qwen3-0.6B:job_']) {
    expect(r.out).toContain(step);
  }
  expect(r.out.match(/Tool call: interact\(/g)?.length).toBe(2);
  expect(r.out).toContain('(offline, ');
  expect(r.out).toContain('export PROD_BACKEND_URL=https://agent-learning.onrender.com');
  expect(r.out).not.toMatch(/SYNTH_API_KEY=sk_sim_/);
}, 120_000);

test('demo rejects a silly iteration count', async () => {
  const r = await cli(['demo', '--iterations', '0']);
  expect(r.code).toBe(2);
  expect(r.err).toContain('--iterations must be between 1 and 500');
});
