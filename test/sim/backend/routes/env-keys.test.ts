// The env-keys sub-app on its own (sim/backend/routes/env-keys.ts): sealed uploads that must open
// with the backend's key; listing without values; 4xx JSON naming ciphertext_b64.
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { encodeBase64, generateKeyPair, seal } from '../../../../src/crypto/sealedbox.ts';
import { envKeyRoutes } from '../../../../sim/backend/routes/env-keys.ts';
import { asOrg, backendParts, OTHER_ORG, post, read, type Parts } from './fixture.ts';

let parts: Parts;
let app: ReturnType<typeof asOrg>;
beforeEach(() => {
  parts = backendParts();
  app = asOrg(envKeyRoutes(parts));
});
afterEach(() => parts.close());

const sealedFor = (pk: Uint8Array, text: string) => encodeBase64(seal(new TextEncoder().encode(text), pk));

test('public key, upload, list (per org, no values)', async () => {
  const pk = await read<{ public_key: string; alg: string }>(app.request('/v1/crypto/public-key'));
  expect(pk.body.public_key).toBe(parts.keys.publicKeyB64);
  const up = await read<{ id: string; name: string }>(app.request('/v1/env-keys', post({ name: 'ENVIRONMENT_API_KEY', ciphertext_b64: sealedFor(parts.keys.publicKey, 'secret') })));
  expect(up.status).toBe(200);
  expect(up.body.name).toBe('ENVIRONMENT_API_KEY');
  const list = await read<{ keys: Record<string, unknown>[] }>(app.request('/v1/env-keys'));
  expect(list.body.keys).toEqual([{ id: up.body.id, name: 'ENVIRONMENT_API_KEY', updated_at: expect.any(String) }]);
  expect(JSON.stringify(list.body)).not.toContain('secret');
  expect((await read(app.request('/v1/env-keys', { headers: { 'x-org': OTHER_ORG } }))).body).toEqual({ keys: [] });
});

test('4xx: bad base64, too short, sealed for another key, too large, missing name', async () => {
  const upload = (ciphertext_b64: string, name = 'K') => read<{ detail: unknown }>(app.request('/v1/env-keys', post({ name, ciphertext_b64 })));
  expect(await upload('not base64!')).toEqual({ status: 400, body: { detail: 'ciphertext_b64 is not valid standard base64 (with padding)' } });
  expect((await upload(encodeBase64(new Uint8Array(48)))).body.detail).toContain('too short for a sealed box');
  const other = generateKeyPair().publicKey;
  expect((await upload(sealedFor(other, 'x'))).body.detail).toContain("does not open with this backend's public key");
  const big = await upload(sealedFor(parts.keys.publicKey, 'x'.repeat(9000)));
  expect(big.status).toBe(413);
  const missing = await read<{ detail: { loc: unknown[] }[] }>(app.request('/v1/env-keys', post({ ciphertext_b64: 'AAAA' })));
  expect(missing.status).toBe(422);
  expect(missing.body.detail[0]?.loc).toEqual(['body', 'name']);
});
