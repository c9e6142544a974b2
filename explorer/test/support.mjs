// Helpers of the verifier tests (no tests of its own): a seeded random generator, so a
// failing case is reproduced by its seed, and Ed25519 keys from node:crypto as raw bytes.

import { generateKeyPairSync, createPrivateKey, createPublicKey, sign } from 'node:crypto';

/** xorshift32 from `seed`: `int(n)` in [0, n), `bytes(n)`. Deterministic. */
export function seeded(seed) {
  let state = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return {
    int: (n) => next() % n,
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = next() & 0xff;
      return out;
    },
  };
}

// The PKCS#8 DER prefix of a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * An Ed25519 key of node:crypto (OpenSSL): `publicKey` as 32 raw bytes and
 * `sign(message)`. From a 32-byte `seed` if given, random otherwise.
 */
export function nodeKey(seed = null) {
  const privateKey =
    seed === null
      ? generateKeyPairSync('ed25519').privateKey
      : createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return {
    publicKey: new Uint8Array(spki.subarray(spki.length - 32)),
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}
