// Who is looking at the Studio. A browser holds only a random session id in an HttpOnly cookie;
// the API key it stands for stays in this process. A one-time login token (printed in the `sim`
// banner, as Jupyter does) is traded once for a session, so no key ever sits in a URL.
import { timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'synth_studio';

function randomId(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(new Bun.CryptoHasher('sha256').update(a).digest());
  const y = Buffer.from(new Bun.CryptoHasher('sha256').update(b).digest());
  return timingSafeEqual(x, y);
}

export class StudioSessions {
  private readonly byId = new Map<string, string>();
  private loginToken: string | undefined;
  private readonly loginKey: string | undefined;

  /** `loginKey`: the key a login token opens a session for (none: the Studio only asks for a key). */
  constructor(loginKey?: string) {
    this.loginKey = loginKey;
  }

  /** A fresh one-time token for the banner URL; an older unused one stops working. */
  issueLoginToken(): string | undefined {
    if (this.loginKey === undefined) return undefined;
    this.loginToken = randomId(24);
    return this.loginToken;
  }

  /** Trades the one-time token for a session id; undefined when it is wrong or already used. */
  redeem(token: string): string | undefined {
    if (this.loginToken === undefined || this.loginKey === undefined || !sameText(token, this.loginToken)) return undefined;
    this.loginToken = undefined;
    return this.open(this.loginKey);
  }

  open(apiKey: string): string {
    const id = randomId(32);
    this.byId.set(id, apiKey);
    return id;
  }

  keyFor(sessionId: string | undefined): string | undefined {
    return sessionId === undefined ? undefined : this.byId.get(sessionId);
  }

  close(sessionId: string | undefined): void {
    if (sessionId !== undefined) this.byId.delete(sessionId);
  }
}
