// Sealed boxes (docs/wire-contract.md §5): interoperable with PyNaCl both ways, strict about the public key,
// and the upload against the simulator with base URLs given with and without /api.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import type { Simulator } from '../../sim/server.ts';
import { SynthClient } from '../../src/client/api-client.ts';
import { envKeyProblem, mintEnvironmentApiKey, sealForBackend, setupEnvironmentApiKey } from '../../src/client/envkey.ts';
import { decodeBase64Strict, encodeBase64, generateKeyPair, sealOpen } from '../../src/crypto/sealedbox.ts';
import { API_KEY, startTestSim, storedEnvKey } from '../helpers/client-sim.ts';

// Debian's python3 with python3-nacl (.ci/run installs it); the pyenv python3 on PATH lacks it.
const PYTHON = '/usr/bin/python3';
const hasPyNaCl = existsSync(PYTHON) && Bun.spawnSync([PYTHON, '-c', 'import nacl.public']).exitCode === 0;
if (!hasPyNaCl) console.warn('PyNaCl interop tests skipped: run `apt-get install -y python3-nacl` (Debian) to enable them');

function python(script: string, input: unknown): Record<string, string> {
  const r = Bun.spawnSync([PYTHON, '-c', script], { stdin: Buffer.from(JSON.stringify(input)), stdout: 'pipe', stderr: 'pipe' });
  if (r.exitCode !== 0) throw new Error(`python failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString()) as Record<string, string>;
}

const PY_OPEN = `
import base64, json, sys
from nacl.public import PrivateKey, SealedBox
inp = json.load(sys.stdin)
sk = PrivateKey(base64.b64decode(inp["sk"]))
plain = SealedBox(sk).decrypt(base64.b64decode(inp["ciphertext_b64"]))
print(json.dumps({"plain": plain.decode("utf-8")}))
`;

const PY_KEYPAIR = `
import base64, json
from nacl.public import PrivateKey
sk = PrivateKey.generate()
print(json.dumps({"pk": base64.b64encode(bytes(sk.public_key)).decode(), "sk": base64.b64encode(bytes(sk)).decode()}))
`;

const PY_SEAL = `
import base64, json, sys
from nacl.public import PublicKey, SealedBox
inp = json.load(sys.stdin)
ct = SealedBox(PublicKey(base64.b64decode(inp["pk"]))).encrypt(inp["plain"].encode("utf-8"))
print(json.dumps({"ciphertext_b64": base64.b64encode(ct).decode()}))
`;

describe.skipIf(!hasPyNaCl)('interoperability with PyNaCl (libsodium crypto_box_seal)', () => {
  test('our seal opens with PyNaCl SealedBox', () => {
    const { pk, sk } = python(PY_KEYPAIR, {});
    const plain = `${mintEnvironmentApiKey()}-ünïcode`;
    const ciphertext_b64 = sealForBackend({ public_key: pk as string, alg: 'libsodium.sealedbox.v1' }, plain);
    expect(decodeBase64Strict(ciphertext_b64)?.length).toBe(new TextEncoder().encode(plain).length + 48);
    expect(python(PY_OPEN, { sk, ciphertext_b64 }).plain).toBe(plain);
  });

  test("PyNaCl's seal opens with ours", () => {
    const kp = generateKeyPair();
    const plain = 'env-key-from-python ✓';
    const { ciphertext_b64 } = python(PY_SEAL, { pk: encodeBase64(kp.publicKey), plain });
    const opened = sealOpen(decodeBase64Strict(ciphertext_b64 as string) as Uint8Array, kp.publicKey, kp.secretKey);
    expect(opened).not.toBeNull();
    expect(new TextDecoder().decode(opened as Uint8Array)).toBe(plain);
    // Tampering is detected, not silently accepted.
    const bad = decodeBase64Strict(ciphertext_b64 as string) as Uint8Array;
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    expect(sealOpen(bad, kp.publicKey, kp.secretKey)).toBeNull();
  });
});

describe('sealForBackend checks what the reference checks', () => {
  const pk = encodeBase64(generateKeyPair().publicKey);

  test('alg must be libsodium.sealedbox.v1 when present', () => {
    expect(() => sealForBackend({ public_key: pk, alg: 'rsa-oaep' }, 'k')).toThrow('unsupported sealed box algorithm "rsa-oaep"');
    expect(decodeBase64Strict(sealForBackend({ public_key: pk }, 'k'))?.length).toBe(49);
  });

  test('the key must be strict base64 of exactly 32 bytes', () => {
    expect(() => sealForBackend(encodeBase64(new Uint8Array(31)), 'k')).toThrow('public key must be 32 bytes for X25519, got 31');
    expect(() => sealForBackend(pk.replace(/=$/, ''), 'k')).toThrow('not valid standard base64');
    expect(() => sealForBackend(`-${pk.slice(1)}`, 'k')).toThrow('not valid standard base64'); // URL-safe alphabet
  });

  test('8 KiB limit and empty keys', () => {
    expect(() => sealForBackend(pk, 'x'.repeat(8193))).toThrow('8193 bytes');
    expect(decodeBase64Strict(sealForBackend(pk, 'x'.repeat(8192)))?.length).toBe(8192 + 48);
    expect(envKeyProblem('')).toBe('the key is empty');
    expect(envKeyProblem('é'.repeat(4097))).toContain('8194 bytes');
  });

  test('minted keys: 32 random bytes as 64 lowercase hex, different every time', () => {
    const a = mintEnvironmentApiKey();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(mintEnvironmentApiKey()).not.toBe(a);
  });
});

describe('setupEnvironmentApiKey against the simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startTestSim();
  });
  afterAll(() => sim.stop());

  const openStored = () => storedEnvKey(sim);

  for (const [label, suffix] of [['root URL', ''], ['API base with /api', '/api'], ['API base with /api/', '/api/']] as const) {
    test(`stores a key the backend can open (${label}), never via /api/api`, async () => {
      const token = mintEnvironmentApiKey();
      const seen: string[] = [];
      const client = new SynthClient({
        backendUrl: `${sim.url}${suffix}`, apiKey: API_KEY,
        fetch: ((input: string | URL | Request, init?: RequestInit) => {
          seen.push(String(input));
          return fetch(input, init);
        }) as typeof fetch,
      });
      const result = await setupEnvironmentApiKey(client, { token });
      expect(result).toMatchObject({ stored: true, name: 'ENVIRONMENT_API_KEY', bytes: 64, alg: 'libsodium.sealedbox.v1' });
      expect(result.id).toBeString();
      expect(openStored()).toBe(token);
      expect(seen).toEqual([`${sim.url}/api/v1/crypto/public-key`, `${sim.url}/api/v1/env-keys`]);
    });
  }

  test('a rejected API key is reported as such', async () => {
    const client = new SynthClient({ backendUrl: sim.url, apiKey: 'sk-wrong' });
    await expect(setupEnvironmentApiKey(client, { token: 'abc' })).rejects.toThrow(`API key rejected by ${sim.url}/api`);
  });
});
