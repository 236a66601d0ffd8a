// `synth-rl check`'s backend part: health, the API key, the stored ENVIRONMENT_API_KEY.
import { BackendError } from './api-errors.ts';
import type { SynthClient } from './api-client.ts';
import type { CheckResult } from './taskapp.ts';

/**
 * Backend diagnostics (docs/wire-contract.md §8, with auth checked for real): `GET /health`, then an
 * authenticated route so a wrong key shows as such even where /health is public, then whether an
 * ENVIRONMENT_API_KEY is stored (when the backend lists keys). `keyHint` says where the key came from.
 */
export async function checkBackend(client: SynthClient, opts: { keyHint?: string; signal?: AbortSignal } = {}): Promise<CheckResult[]> {
  const hint = opts.keyHint ? `; check ${opts.keyHint}` : '';
  const out: CheckResult[] = [];
  const healthUrl = client.url('/health');
  let t0 = performance.now();
  try {
    await client.health(opts.signal);
    const ms = Math.round(performance.now() - t0);
    out.push({ name: 'backend.health', level: 'ok', message: `${healthUrl} (HTTP 2xx, ${ms} ms)`, url: healthUrl, ms });
  } catch (error) {
    if (!(error instanceof BackendError)) throw error;
    const ms = Math.round(performance.now() - t0);
    const status = error.status !== undefined ? { httpStatus: error.status } : {};
    out.push({ name: 'backend.health', level: 'fail', message: `${error.message}${error.kind === 'auth' ? hint : ''}`, url: healthUrl, ms, ...status });
    return out;
  }
  const keyUrl = client.url('/v1/crypto/public-key');
  t0 = performance.now();
  try {
    await client.getPublicKey(opts.signal);
    out.push({ name: 'backend.auth', level: 'ok', message: `API key accepted (GET ${keyUrl})`, url: keyUrl, ms: Math.round(performance.now() - t0) });
  } catch (error) {
    if (!(error instanceof BackendError)) throw error;
    const ms = Math.round(performance.now() - t0);
    const status = error.status !== undefined ? { httpStatus: error.status } : {};
    if (error.kind === 'auth') {
      out.push({ name: 'backend.auth', level: 'fail', message: `${error.message}${hint}`, url: keyUrl, ms, ...status });
      return out;
    }
    out.push({ name: 'backend.auth', level: 'warn', message: `could not verify the API key: ${error.message}`, url: keyUrl, ms, ...status });
  }
  try {
    const keys = await client.listEnvKeys(opts.signal);
    if (keys === undefined) return out;
    const stored = keys.find((k) => k.name === 'ENVIRONMENT_API_KEY');
    out.push(stored === undefined
      ? { name: 'backend.env_key', level: 'warn', message: 'no ENVIRONMENT_API_KEY stored on the backend: the trainer cannot call the task app until you run `synth-rl env-key`' }
      : { name: 'backend.env_key', level: 'ok', message: `ENVIRONMENT_API_KEY stored${stored.updated_at ? ` (updated ${stored.updated_at})` : ''}` });
  } catch (error) {
    if (!(error instanceof BackendError)) throw error;
    out.push({ name: 'backend.env_key', level: 'warn', message: `could not list env keys: ${error.message}` });
  }
  return out;
}
