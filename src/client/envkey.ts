// Uploading ENVIRONMENT_API_KEY (docs/wire-contract.md §5): fetch the backend's X25519 public key,
// check its algorithm and length, seal the key (libsodium crypto_box_seal, interoperable with
// PyNaCl's SealedBox) and POST the ciphertext. The backend stores only the ciphertext.
// Unlike the reference helper (docs/reference-client.md §2.18) the base URL may end with /api or not, and minting exists.
import { MAX_ENV_KEY_BYTES, SEALED_BOX_ALG, type PublicKeyResponse } from '../api/index.ts';
import { decodeBase64Strict, encodeBase64, PUBLIC_KEY_BYTES, seal } from '../crypto/sealedbox.ts';
import type { SynthClient } from './api-client.ts';

export const ENV_KEY_NAME = 'ENVIRONMENT_API_KEY';

export class EnvKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvKeyError';
  }
}

/** 32 random bytes as 64 lowercase hex characters, like `secrets.token_hex(32)` (docs/wire-contract.md §5.1). */
export function mintEnvironmentApiKey(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
}

/** Why this key cannot be uploaded (empty, over 8 KiB), or undefined when it can. */
export function envKeyProblem(token: string): string | undefined {
  const bytes = new TextEncoder().encode(token).length;
  if (token.trim() === '') return 'the key is empty';
  if (bytes > MAX_ENV_KEY_BYTES) return `the key is ${bytes} bytes; the backend accepts at most ${MAX_ENV_KEY_BYTES} (8 KiB)`;
  return undefined;
}

/**
 * Seals `plaintext` for the backend's public key and returns standard base64 (with padding).
 * Checks what the reference checks: a string key in strict base64 decoding to 32 bytes, and an
 * `alg`, when present, of libsodium.sealedbox.v1.
 */
export function sealForBackend(publicKey: PublicKeyResponse | string, plaintext: string | Uint8Array): string {
  const key = typeof publicKey === 'string' ? { public_key: publicKey } : publicKey;
  if (key.alg !== undefined && key.alg !== SEALED_BOX_ALG) {
    throw new EnvKeyError(`unsupported sealed box algorithm ${JSON.stringify(key.alg)} (expected ${SEALED_BOX_ALG})`);
  }
  const pk = decodeBase64Strict(key.public_key.trim());
  if (pk === undefined) throw new EnvKeyError('public_key is not valid standard base64 (with padding)');
  if (pk.length !== PUBLIC_KEY_BYTES) throw new EnvKeyError(`public key must be ${PUBLIC_KEY_BYTES} bytes for X25519, got ${pk.length}`);
  const message = typeof plaintext === 'string' ? new TextEncoder().encode(plaintext) : plaintext;
  if (message.length === 0) throw new EnvKeyError('nothing to seal: the key is empty');
  if (message.length > MAX_ENV_KEY_BYTES) throw new EnvKeyError(`the key is ${message.length} bytes; at most ${MAX_ENV_KEY_BYTES} (8 KiB) can be uploaded`);
  return encodeBase64(seal(message, pk));
}

export interface EnvKeySetup {
  stored: true;
  name: string;
  id: string | undefined;
  updated_at: string | undefined;
  /** Plaintext size in bytes (the key itself is never returned). */
  bytes: number;
  alg: string;
}

/** Fetches the public key, seals `token` and stores it under `name` (default ENVIRONMENT_API_KEY). */
export async function setupEnvironmentApiKey(
  client: SynthClient,
  opts: { token: string; name?: string; signal?: AbortSignal },
): Promise<EnvKeySetup> {
  const problem = envKeyProblem(opts.token);
  if (problem !== undefined) throw new EnvKeyError(`${ENV_KEY_NAME}: ${problem}`);
  const name = opts.name ?? ENV_KEY_NAME;
  const publicKey = await client.getPublicKey(opts.signal);
  const ciphertext_b64 = sealForBackend(publicKey, opts.token);
  const stored = await client.uploadEnvKey({ name, ciphertext_b64 }, opts.signal);
  return {
    stored: true, name: stored.name ?? name, id: stored.id, updated_at: stored.updated_at,
    bytes: new TextEncoder().encode(opts.token).length, alg: publicKey.alg ?? SEALED_BOX_ALG,
  };
}
