// The simulated backend's X25519 keypair, generated once and persisted with the state, and the
// opening of sealed env keys (stored only as ciphertext; opened when a trainer needs them).
import { decodeBase64Strict, encodeBase64, generateKeyPair, sealOpen } from '../../src/index.ts';
import type { Store } from './store.ts';

export class SealedKeys {
  readonly publicKey: Uint8Array;
  private readonly secretKey: Uint8Array;

  constructor(store: Store) {
    const saved = store.getKv('x25519');
    if (saved !== undefined) {
      const { pk, sk } = JSON.parse(saved) as { pk: string; sk: string };
      this.publicKey = decodeBase64Strict(pk) as Uint8Array;
      this.secretKey = decodeBase64Strict(sk) as Uint8Array;
      return;
    }
    const kp = generateKeyPair();
    this.publicKey = kp.publicKey;
    this.secretKey = kp.secretKey;
    store.setKv('x25519', JSON.stringify({ pk: encodeBase64(kp.publicKey), sk: encodeBase64(kp.secretKey) }));
  }

  get publicKeyB64(): string {
    return encodeBase64(this.publicKey);
  }

  open(ciphertext: Uint8Array): string | null {
    const plain = sealOpen(ciphertext, this.publicKey, this.secretKey);
    return plain === null ? null : new TextDecoder().decode(plain);
  }
}
