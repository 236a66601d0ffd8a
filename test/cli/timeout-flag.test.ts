// --timeout is validated by every command that talks to a backend: a negative value exits 2 naming the flag.
import { describe, expect, test } from 'bun:test';
import { cli, tempDir } from '../helpers/cli.ts';

describe('client', () => {
  test('--timeout must be positive for every command that talks to a backend', async () => {
    for (const cmd of ['check', 'env-key', 'infer', 'run']) {
      const r = await cli([cmd, '--timeout', '-5'], { cwd: tempDir(), env: { SYNTH_API_KEY: 'k' } });
      expect(r.code).toBe(2);
      expect(r.err).toContain('--timeout must be greater than 0');
    }
  });
});
