// `synth-rl env-key`: uploads ENVIRONMENT_API_KEY (env, --token, or --mint) sealed for the
// backend; never prints a key except a minted one, exactly once.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Simulator } from '../../../sim/server.ts';
import { cli, tempDir } from '../../helpers/cli.ts';
import { API_KEY, ORG, startTestSim, storedEnvKey } from '../../helpers/client-sim.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.stop());

const storedPlaintext = () => storedEnvKey(sim);

const base = () => ['env-key', '--backend-url', sim.url, '--api-key', API_KEY];

describe('env-key', () => {
  test('from ENVIRONMENT_API_KEY (a .env file): stored, the id printed, the key never printed', async () => {
    const token = 'env-from-dotenv-0123456789';
    const r = await cli(base(), { cwd: tempDir({ '.env': `ENVIRONMENT_API_KEY=${token}\n` }) });
    expect(r.code).toBe(0);
    expect(storedPlaintext()).toBe(token);
    const id = sim.store.getEnvKey(ORG, 'ENVIRONMENT_API_KEY')?.id as string;
    expect(r.out).toContain(`Stored ENVIRONMENT_API_KEY on ${sim.url}/api (id ${id}`);
    expect(r.out).toContain('env ENVIRONMENT_API_KEY (.env:1)');
    expect(`${r.out}${r.err}`).not.toContain(token);
  });

  test('--token with a backend URL that ends in /api (no /api/api)', async () => {
    const r = await cli(['env-key', '--backend-url', `${sim.url}/api/`, '--api-key', API_KEY, '--token', 'tok-flag-value', '--json']);
    expect(r.code).toBe(0);
    expect(storedPlaintext()).toBe('tok-flag-value');
    const out = JSON.parse(r.out) as Record<string, unknown>;
    expect(out).toMatchObject({ stored: true, name: 'ENVIRONMENT_API_KEY', backend: `${sim.url}/api`, source: 'flag --token', minted: false });
    expect(out.token).toBeUndefined();
    expect(r.out).not.toContain('tok-flag-value');
  });

  test('--mint: a 64-hex key, printed exactly once, and it is what the backend stored', async () => {
    const r = await cli([...base(), '--mint'], { env: { ENVIRONMENT_API_KEY: 'an-older-key' } });
    expect(r.code).toBe(0);
    const minted = storedPlaintext() as string;
    expect(minted).toMatch(/^[0-9a-f]{64}$/);
    expect(`${r.out}${r.err}`.split(minted).length - 1).toBe(1);
    expect(r.out).toContain('shown only now');
    expect(`${r.out}${r.err}`).not.toContain('an-older-key');
  });

  test('--mint --json gives the token once, in the JSON', async () => {
    const r = await cli([...base(), '--mint', '--json']);
    const out = JSON.parse(r.out) as { token: string; minted: boolean };
    expect(out.minted).toBe(true);
    expect(out.token).toBe(storedPlaintext() as string);
    expect(r.out.split(out.token).length - 1).toBe(1);
  });

  test('bad input → 2: nothing to upload, --token with --mint, over 8 KiB', async () => {
    const none = await cli(base());
    expect(none.code).toBe(2);
    expect(none.err).toContain('set ENVIRONMENT_API_KEY');
    expect(none.err).toContain('--mint');
    const both = await cli([...base(), '--mint', '--token', 'x']);
    expect(both.code).toBe(2);
    const big = await cli(base(), { env: { ENVIRONMENT_API_KEY: 'x'.repeat(8193) } });
    expect(big.code).toBe(2);
    expect(big.err).toContain('8193 bytes');
    expect(big.err).toContain('env ENVIRONMENT_API_KEY');
  });

  test('a wrong API key → 1; a minted key is then never shown', async () => {
    const r = await cli(['env-key', '--backend-url', sim.url, '--api-key', 'sk-nope', '--mint']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`API key rejected by ${sim.url}/api`);
    expect(`${r.out}${r.err}`).not.toMatch(/[0-9a-f]{64}/);
  });
});
