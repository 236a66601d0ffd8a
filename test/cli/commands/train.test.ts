// `synth-rl train`: check → env key upload only when the backend has none → create → stream →
// report, with run's exit codes; no job is created while a check fails.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import type { Simulator } from '../../../sim/server.ts';
import { decodeBase64Strict, sealOpen } from '../../../src/crypto/sealedbox.ts';
import { cli, tempDir } from '../../helpers/cli.ts';
import { API_KEY, createdJobId, ORG, printedEvents, replayToml, startTestSim, storedEvents, stubTaskApp, type ReplayOptions } from '../../helpers/client-sim.ts';

let sim: Simulator;
let app: ReturnType<typeof stubTaskApp>;
const ENV_KEY = 'env-train-key-0123';

beforeEach(async () => {
  sim = await startTestSim();
  app = stubTaskApp({ key: ENV_KEY });
});
afterEach(async () => {
  app.stop();
  await sim.stop();
});

function train(replay: ReplayOptions = {}, env: Record<string, string> = { ENVIRONMENT_API_KEY: ENV_KEY }, extra: string[] = []) {
  const cwd = tempDir({ 'rl.toml': replayToml({ iterations: 3, ...replay }) });
  return cli(['train', '--backend-url', sim.url, '--api-key', API_KEY, '--task-app-url', app.url, '--config-path', 'rl.toml', '--poll-interval', '0.05', ...extra], { cwd, env });
}

function storedKey(): string | undefined {
  const stored = sim.store.getEnvKey(ORG, 'ENVIRONMENT_API_KEY');
  const { pk, sk } = JSON.parse(sim.store.getKv('x25519') as string) as { pk: string; sk: string };
  const plain = stored && sealOpen(stored.ciphertext, decodeBase64Strict(pk) as Uint8Array, decodeBase64Strict(sk) as Uint8Array);
  return plain ? new TextDecoder().decode(plain) : undefined;
}

function jobCount(): number {
  return sim.store.jobsInStatus(['queued', 'initializing', 'training', 'evaluating', 'succeeded', 'failed', 'cancelled']).length;
}

describe('train', () => {
  test('check → upload the env key (backend had none) → create → stream → report, exit 0', async () => {
    expect(storedKey()).toBeUndefined();
    const r = await train();
    expect(r.code).toBe(0);
    const out = r.out;
    expect(out.split('\n')[0]).toStartWith('Effective config: ');
    expect(out).toMatch(/^backend\.auth: OK/m);
    expect(out).toMatch(/^task_app\.rollout_health: OK/m);
    expect(out).toMatch(/^env_key: uploaded ENVIRONMENT_API_KEY from env ENVIRONMENT_API_KEY, sealed \(libsodium\.sealedbox\.v1\), because the backend had none/m);
    expect(storedKey()).toBe(ENV_KEY);
    // Order: checks, then the key, then the job.
    expect(out.indexOf('task_app.rollout_health')).toBeLessThan(out.indexOf('env_key: uploaded'));
    expect(out.indexOf('env_key: uploaded')).toBeLessThan(out.indexOf('Created job:'));
    const jobId = createdJobId(out);
    expect(printedEvents(out).map((e) => e.seq)).toEqual(storedEvents(sim, jobId).map((e) => e.seq));
    const job = sim.store.getJob(jobId);
    expect(out).toContain(`fine_tuned_model: ${job?.fine_tuned_model}`);
    expect(out).toMatch(/^ {2}checkpoint: s3:\/\/synth-artifacts\/.*checkpoint-epoch-1\.tar\.gz/m);
    // full_training's body: no training_start_url.
    expect((JSON.parse(job?.body ?? '{}') as { data: Record<string, unknown> }).data.training_start_url).toBeUndefined();
    expect(`${out}${r.err}`).not.toContain(ENV_KEY);
  });

  test('the backend already has a key → not uploaded again', async () => {
    await train();
    const before = sim.store.getEnvKey(ORG, 'ENVIRONMENT_API_KEY')?.updated_at;
    await Bun.sleep(5);
    const r = await train({}, { ENVIRONMENT_API_KEY: ENV_KEY });
    expect(r.code).toBe(0);
    expect(r.out).toContain('env_key: the backend already has ENVIRONMENT_API_KEY');
    expect(sim.store.getEnvKey(ORG, 'ENVIRONMENT_API_KEY')?.updated_at).toBe(before as string);
  });

  test('a failing check (wrong ENVIRONMENT_API_KEY) stops before anything is uploaded or created, exit 1', async () => {
    const r = await train({}, { ENVIRONMENT_API_KEY: 'env-wrong' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^task_app\.health: FAIL task app rejected ENVIRONMENT_API_KEY/m);
    expect(r.out).toContain('train: stopped before creating a job');
    expect(jobCount()).toBe(0);
    expect(storedKey()).toBeUndefined();
  });

  test('no key here and none on the backend → 2 saying what to set', async () => {
    const quiet = stubTaskApp({ key: ENV_KEY, style: 'strict401' });
    try {
      const cwd = tempDir({ 'rl.toml': replayToml() });
      const r = await cli(['train', '--backend-url', sim.url, '--api-key', API_KEY, '--task-app-url', quiet.url, '--config-path', 'rl.toml'], { cwd });
      expect(r.code).toBe(2);
      expect(r.err).toContain('the backend has no ENVIRONMENT_API_KEY and none is set here');
      expect(r.err).toContain('synth-rl env-key --mint');
      expect(jobCount()).toBe(0);
    } finally {
      quiet.stop();
    }
  });

  test('a job that fails → 1 with the same report', async () => {
    const r = await train({ scenario: 'failure', failAt: 1 });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^job job_\w+ failed after/m);
    expect(r.out).toMatch(/^Final: .*"outcome":"failed"/m);
  });
});
