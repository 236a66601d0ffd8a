// libsodium crypto_box_seal / crypto_box_seal_open on tweetnacl: X25519 + XSalsa20-Poly1305 with
// an ephemeral sender key, nonce = BLAKE2b-24(ephemeral_pk ‖ recipient_pk). Output is
// ephemeral_pk ‖ box, i.e. plaintext + 48 bytes. Interoperates with PyNaCl's SealedBox.
import { blake2b } from '@noble/hashes/blake2.js';
import nacl from 'tweetnacl';

export const PUBLIC_KEY_BYTES = 32;

function sealNonce(ephemeralPk: Uint8Array, recipientPk: Uint8Array): Uint8Array {
  const both = new Uint8Array(64);
  both.set(ephemeralPk);
  both.set(recipientPk, 32);
  return blake2b(both, { dkLen: 24 });
}

export function seal(message: Uint8Array, recipientPk: Uint8Array): Uint8Array {
  if (recipientPk.length !== PUBLIC_KEY_BYTES) throw new Error(`public key must be ${PUBLIC_KEY_BYTES} bytes for X25519, got ${recipientPk.length}`);
  const ephemeral = nacl.box.keyPair();
  const box = nacl.box(message, sealNonce(ephemeral.publicKey, recipientPk), recipientPk, ephemeral.secretKey);
  ephemeral.secretKey.fill(0);
  const out = new Uint8Array(PUBLIC_KEY_BYTES + box.length);
  out.set(ephemeral.publicKey);
  out.set(box, PUBLIC_KEY_BYTES);
  return out;
}

/** The plaintext, or null when the box is malformed, tampered with, or for another key. */
export function sealOpen(sealed: Uint8Array, recipientPk: Uint8Array, recipientSk: Uint8Array): Uint8Array | null {
  if (sealed.length < PUBLIC_KEY_BYTES + nacl.box.overheadLength) return null;
  const ephemeralPk = sealed.subarray(0, PUBLIC_KEY_BYTES);
  return nacl.box.open(sealed.subarray(PUBLIC_KEY_BYTES), sealNonce(ephemeralPk, recipientPk), ephemeralPk, recipientSk);
}

export function generateKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  return nacl.box.keyPair();
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (with padding), as the backend validates it; undefined when invalid. */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (!B64.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
