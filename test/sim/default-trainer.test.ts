// One default trainer per surface, as docs/wire-contract.md §6.2 says: the library's
// startSimulator() uses DEFAULT_TRAINER (replay: instant, deterministic for embedding and tests);
// `synth-rl sim` passes grpo (a person starting a simulator wants training).
import { expect, test } from 'bun:test';
import { DEFAULT_TRAINER, startSimulator } from '../../sim/server.ts';
import { startServer, stopServer } from '../helpers/process.ts';

test('startSimulator() without defaultTrainer uses DEFAULT_TRAINER (replay), and /_sim/info says so', async () => {
  expect(DEFAULT_TRAINER).toBe('replay');
  const sim = await startSimulator({ port: 0, apiKeys: ['sk-default'] });
  try {
    expect(sim.defaultTrainer).toBe('replay');
    const info = await fetch(`${sim.url}/_sim/info`, { headers: { authorization: 'Bearer sk-default' } });
    expect(((await info.json()) as { default_trainer: string }).default_trainer).toBe('replay');
  } finally {
    await sim.stop();
  }
});

test('`synth-rl sim` defaults to grpo', async () => {
  const p = await startServer(['sim', '--port', '0', '--ephemeral', '--no-task-app'], { env: {}, timeoutMs: 60_000 });
  try {
    expect(p.banner).toContain('grpo (default)');
  } finally {
    await stopServer(p);
  }
});
