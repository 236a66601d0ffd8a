// Task-app authentication (docs/wire-contract.md §4.2): ENVIRONMENT_API_KEY plus the comma-separated
// ENVIRONMENT_API_KEY_ALIASES; a caller's candidates come from X-API-Key, X-API-Keys (comma list)
// and Authorization: Bearer. No key configured → 503; no candidate matches → 401 (docs/reference-client.md §2.29: the SDK
// framework answers 400, the example app 401; 401 is what the status means).
import { timingSafeEqual } from 'node:crypto';

export type AuthOutcome = 'ok' | 'unconfigured' | 'unauthorized';

export const UNCONFIGURED_DETAIL = 'Auth not configured: missing ENVIRONMENT_API_KEY';
export const UNAUTHORIZED_DETAIL = 'Invalid or missing API key';

/** The accepted keys: the primary first, then aliases; blanks and duplicates dropped. */
export function allowedKeys(primary: string | undefined, aliases: string | readonly string[] | undefined): string[] {
  const list = typeof aliases === 'string' ? aliases.split(',') : [...(aliases ?? [])];
  const out: string[] = [];
  for (const k of [primary ?? '', ...list].map((s) => s.trim())) if (k !== '' && !out.includes(k)) out.push(k);
  return out;
}

/** Every key a request offers, in header order: X-API-Key, X-API-Keys (CSV), Authorization: Bearer. */
export function candidateKeys(headers: Headers): string[] {
  const out: string[] = [];
  const single = headers.get('x-api-key')?.trim();
  if (single) out.push(single);
  for (const k of (headers.get('x-api-keys') ?? '').split(',')) if (k.trim()) out.push(k.trim());
  const bearer = /^\s*bearer\s+(.+?)\s*$/i.exec(headers.get('authorization') ?? '');
  if (bearer?.[1]) out.push(bearer[1]);
  return out;
}

const digest = (text: string) => Buffer.from(new Bun.CryptoHasher('sha256').update(text).digest());

/** Compares SHA-256 digests: always 32 bytes, so neither the time nor an early exit tells the key's length. */
function sameKey(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function authorize(allowed: readonly string[], headers: Headers): AuthOutcome {
  if (allowed.length === 0) return 'unconfigured';
  const offered = candidateKeys(headers);
  return offered.some((c) => allowed.some((k) => sameKey(c, k))) ? 'ok' : 'unauthorized';
}

/** The JSON answer for a failed check (503 or 401). */
export function authFailure(outcome: Exclude<AuthOutcome, 'ok'>): Response {
  if (outcome === 'unconfigured') return Response.json({ detail: UNCONFIGURED_DETAIL }, { status: 503 });
  return Response.json(
    { detail: `${UNAUTHORIZED_DETAIL}: send ENVIRONMENT_API_KEY as X-API-Key (or in X-API-Keys, or as Authorization: Bearer)` },
    { status: 401, headers: { 'www-authenticate': 'Bearer' } },
  );
}

/**
 * A short prefix of the primary key for soft health answers, so a client can tell which key the
 * app expects. The reference app sends half the key (S7c); a third, at most 6 characters, is enough
 * to tell keys apart without handing out most of a secret.
 */
export function expectedKeyPrefix(allowed: readonly string[]): string {
  const key = allowed[0] ?? '';
  return key.slice(0, Math.min(6, Math.floor(key.length / 3)));
}
