// Env-key upload (docs/wire-contract.md §5).
import { z } from 'zod';

export const SEALED_BOX_ALG = 'libsodium.sealedbox.v1';
/** Largest plaintext the backend accepts (MAX_ENVIRONMENT_API_KEY_BYTES). */
export const MAX_ENV_KEY_BYTES = 8192;
/** A sealed box adds the 32-byte ephemeral public key and the 16-byte MAC. */
export const SEALED_BOX_OVERHEAD = 48;

export const PublicKeyResponse = z.looseObject({ public_key: z.string(), alg: z.string().optional() });
export type PublicKeyResponse = z.infer<typeof PublicKeyResponse>;

export const EnvKeyUpload = z.looseObject({
  name: z.string().min(1).max(128),
  ciphertext_b64: z.string().min(1),
});
export type EnvKeyUpload = z.infer<typeof EnvKeyUpload>;

export const EnvKeyResponse = z.looseObject({ id: z.string(), name: z.string(), updated_at: z.string() });
export type EnvKeyResponse = z.infer<typeof EnvKeyResponse>;

export const EnvKeyList = z.looseObject({ keys: z.array(EnvKeyResponse) });
