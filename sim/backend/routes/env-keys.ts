// Env keys (docs/wire-contract.md §5): the backend's public key, and secrets sealed to it that
// are checked to open, stored as ciphertext only, and listed without their values.
import { Hono, type Context } from 'hono';
import { EnvKeyUpload, MAX_ENV_KEY_BYTES, SEALED_BOX_ALG, SEALED_BOX_OVERHEAD } from '../../../src/api/keys.ts';
import { decodeBase64Strict } from '../../../src/index.ts';
import type { SealedKeys } from '../keys.ts';
import { detail, readJson } from '../request.ts';
import type { Store } from '../store.ts';
import type { BackendEnv } from './context.ts';

export interface EnvKeyRouteDeps {
  store: Store;
  keys: SealedKeys;
}

async function upload(deps: EnvKeyRouteDeps, c: Context<BackendEnv>): Promise<Response> {
  const parsed = await readJson(c, EnvKeyUpload);
  if (!parsed.ok) return parsed.response;
  const { name, ciphertext_b64 } = parsed.data;
  const sealed = decodeBase64Strict(ciphertext_b64.trim());
  if (sealed === undefined) return detail(400, 'ciphertext_b64 is not valid standard base64 (with padding)');
  if (sealed.length <= SEALED_BOX_OVERHEAD) return detail(400, `ciphertext_b64 is too short for a sealed box (${sealed.length} bytes; at least ${SEALED_BOX_OVERHEAD + 1})`);
  if (sealed.length - SEALED_BOX_OVERHEAD > MAX_ENV_KEY_BYTES) {
    return detail(413, `ciphertext_b64: plaintext of ${sealed.length - SEALED_BOX_OVERHEAD} bytes exceeds the ${MAX_ENV_KEY_BYTES}-byte limit`);
  }
  if (deps.keys.open(sealed) === null) {
    return detail(400, "ciphertext_b64 does not open with this backend's public key (sealed for another key, or corrupted)");
  }
  return c.json(deps.store.putEnvKey(c.get('org'), name, sealed));
}

export function envKeyRoutes(deps: EnvKeyRouteDeps): Hono<BackendEnv> {
  const api = new Hono<BackendEnv>();
  api.get('/v1/crypto/public-key', (c) => c.json({ public_key: deps.keys.publicKeyB64, alg: SEALED_BOX_ALG }));
  api.post('/v1/env-keys', (c) => upload(deps, c));
  api.get('/v1/env-keys', (c) => c.json({ keys: deps.store.listEnvKeys(c.get('org')) }));
  return api;
}
