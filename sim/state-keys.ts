// The simulator's keys kept with its state: the API key (a SHA-256 digest in the state, its
// plaintext in a 0600 file beside it) and the task app's ENVIRONMENT_API_KEY.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiKey, keyDigestHex } from './backend/auth.ts';
import type { Store } from './backend/store.ts';

/** Where a generated API key is kept (0600) beside the state: the state itself holds only its digest. */
export const API_KEY_FILE = 'api-key';

export interface ResolvedKeys {
  /** Keys known in plaintext (given, generated now, or read from the key file). */
  keys: string[];
  /** Accepted keys known only by their digest (the key file is gone). */
  digests: string[];
  generated: boolean;
  keyFile: string | undefined;
}

function writeKeyFile(path: string, key: string): void {
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The key in the key file when it matches `digest`. */
function readKeyFile(path: string, digest: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const key = readFileSync(path, 'utf8').trim();
  return keyDigestHex(key) === digest ? key : undefined;
}

/**
 * The accepted API keys. Given keys are used as they are; otherwise the state's key: stored as a
 * SHA-256 digest (rows from before are migrated), its plaintext in `<state>/api-key` (0600), shown
 * in full only when generated.
 */
export function resolveApiKeys(store: Store, given: string[] | undefined, stateDir: string | undefined): ResolvedKeys {
  if (given !== undefined && given.length > 0) return { keys: given, digests: [], generated: false, keyFile: undefined };
  const keyFile = stateDir === undefined ? undefined : join(stateDir, API_KEY_FILE);
  const legacy = store.getKv('api_key');
  if (legacy !== undefined) {
    store.setKv('api_key_sha256', keyDigestHex(legacy));
    if (keyFile !== undefined && readKeyFile(keyFile, keyDigestHex(legacy)) === undefined) writeKeyFile(keyFile, legacy);
    store.deleteKv('api_key');
  }
  const saved = store.getKv('api_key_sha256');
  if (saved !== undefined) {
    const key = keyFile === undefined ? undefined : readKeyFile(keyFile, saved);
    return key === undefined ? { keys: [], digests: [saved], generated: false, keyFile } : { keys: [key], digests: [], generated: false, keyFile };
  }
  const key = generateApiKey();
  if (keyFile !== undefined) writeKeyFile(keyFile, key);
  store.setKv('api_key_sha256', keyDigestHex(key));
  return { keys: [key], digests: [], generated: true, keyFile };
}

export function resolveTaskAppKey(store: Store, given: string | undefined): { key: string; generated: boolean } {
  if (given !== undefined && given !== '') return { key: given, generated: false };
  const saved = store.getKv('environment_api_key');
  if (saved !== undefined) return { key: saved, generated: false };
  const key = `env_${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')}`;
  store.setKv('environment_api_key', key);
  return { key, generated: true };
}
