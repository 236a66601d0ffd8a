// API keys of the simulated backend. Each key is an "org": jobs, env keys and models are
// namespaced by it. Presented keys are compared in constant time against every accepted key.
import { timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return Buffer.from(new Bun.CryptoHasher('sha256').update(text).digest());
}

/** The hex SHA-256 of a key: what the state stores instead of the key. */
export function keyDigestHex(apiKey: string): string {
  return digest(apiKey).toString('hex');
}

const orgOfDigest = (d: Buffer) => `org_${d.toString('hex').slice(0, 12)}`;

export function orgOf(apiKey: string): string {
  return orgOfDigest(digest(apiKey));
}

export function generateApiKey(): string {
  return `sk_sim_${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}`;
}

export class ApiKeys {
  private readonly digests: { digest: Buffer; org: string }[];

  /** `keys` in plaintext (given with --api-key) and `digests` (hex SHA-256, as the state stores them). */
  constructor(keys: readonly string[], digests: readonly string[] = []) {
    if (keys.length + digests.length === 0) throw new Error('at least one API key is required');
    this.digests = [...keys.map(digest), ...digests.map((h) => Buffer.from(h, 'hex'))].map((d) => ({ digest: d, org: orgOfDigest(d) }));
  }

  /** The org of a Bearer token, or undefined. Hashing first makes every comparison equal-length. */
  orgFor(authorization: string | undefined | null): string | undefined {
    if (!authorization) return undefined;
    const m = /^\s*bearer\s+(.+?)\s*$/i.exec(authorization);
    if (m === null) return undefined;
    const presented = digest(m[1] as string);
    let found: string | undefined;
    for (const d of this.digests) if (timingSafeEqual(presented, d.digest) && found === undefined) found = d.org;
    return found;
  }
}
