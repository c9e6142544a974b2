// Ed25519 signature verification (RFC 8032, section 5.1), with BigInt field arithmetic.
// Verification only: the explorer never holds a secret key.
//
// # What is accepted, and why
//
// The node checks certificate signatures with ed25519-dalek 2's `VerifyingKey::verify`
// (runtime/src/protocol/votes.rs), and transactions with `verify_strict`
// (runtime/src/crypto.rs). `verify` is the cofactorless check
// `encode([S]B - [k]A) == R_bytes` with `k = SHA-512(R_bytes || A_bytes || M) mod L`, after
// refusing `S >= L`. This module does the same computation and accepts a subset of it:
//
// - S >= L: rejected (as dalek: a non-canonical scalar would make signatures malleable).
// - R not the canonical encoding of a point: rejected. dalek compares R's bytes with the
//   canonical encoding of the recomputed point, so it rejects these too.
// - A (the public key) not a canonical encoding (y >= p, or x = 0 with the sign bit set):
//   rejected. dalek's `verify` accepts such a key if it decompresses (the y coordinate is
//   reduced mod p). Stricter than the node; see below why that is safe.
// - A of small order (one of the 8 torsion points, identity included): rejected. dalek's
//   `verify` accepts (its `verify_strict` rejects). With such a key anyone can forge: the
//   identity key with R = identity and S = 0 passes the cofactorless equation for every
//   message (tests/tests/signatures.rs pins that vector for transactions).
// - R of small order: rejected (as `verify_strict`). An honest signer's R is [r]B with r a
//   hash output reduced mod L, never small order except with negligible probability.
// - A or R of mixed order (a torsion component plus a prime-order part): accepted, with
//   the cofactorless equation, exactly as dalek's `verify` does. The cofactorless
//   equation is what matters for agreement: a cofactored check would accept signatures
//   the node rejects.
//
// Why the stricter rules are safe for certificates: the verifier only ever says "valid"
// when the node would too (every rule here is the node's rule or stricter), so the
// difference can only turn a certificate the node accepted into "not verified", never
// the reverse. And it can only do that for keys and signatures no honest validator
// produces: a key generated from a seed is [a]B with a clamped scalar, a canonical
// encoding of a point of prime order L; its signatures have R = [r]B and S < L. The
// runtime checks each validator key decompresses when a set is built (ValidatorSet::new)
// but not its order; a set holding a small-order key would give anyone that validator's
// vote, so refusing to count it is the honest verdict. `decodePoint(bytes, {lenient:
// true})` is dalek's decompression, for checking validator sets exactly as the runtime
// does (ValidatorSet::new refuses a key that does not decompress).

import { sha512 } from './sha2.js';

/** The field prime 2^255 - 19. */
export const P = (1n << 255n) - 19n;
/** The order of the base point: 2^252 + 27742317777372353535851937790883648493. */
export const L = (1n << 252n) + 27742317777372353535851937790883648493n;

const mod = (a) => {
  const r = a % P;
  return r < 0n ? r + P : r;
};

function pow(base, exponent) {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const inv = (a) => pow(a, P - 2n);

/** d = -121665 / 121666 (RFC 8032 5.1). */
const D = mod(-121665n * inv(121666n));
const D2 = mod(2n * D);
/** sqrt(-1) = 2^((p-1)/4). */
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** A point in extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, x*y = T/Z. */
class Point {
  constructor(X, Y, Z, T) {
    this.X = X;
    this.Y = Y;
    this.Z = Z;
    this.T = T;
  }

  static affine(x, y) {
    return new Point(x, y, 1n, mod(x * y));
  }

  // RFC 8032 5.1.4, "add-2008-hwcd-3" for a = -1.
  add(q) {
    const a = mod((this.Y - this.X) * (q.Y - q.X));
    const b = mod((this.Y + this.X) * (q.Y + q.X));
    const c = mod(this.T * D2 * q.T);
    const d = mod(this.Z * 2n * q.Z);
    const e = b - a;
    const f = d - c;
    const g = d + c;
    const h = b + a;
    return new Point(mod(e * f), mod(g * h), mod(f * g), mod(e * h));
  }

  // RFC 8032 5.1.4, "dbl-2008-hwcd".
  double() {
    const a = mod(this.X * this.X);
    const b = mod(this.Y * this.Y);
    const c = mod(2n * this.Z * this.Z);
    const h = a + b;
    const xy = this.X + this.Y;
    const e = h - mod(xy * xy);
    const g = a - b;
    const f = c + g;
    return new Point(mod(e * f), mod(g * h), mod(f * g), mod(e * h));
  }

  negate() {
    return new Point(mod(-this.X), this.Y, this.Z, mod(-this.T));
  }

  isIdentity() {
    return this.X === 0n && this.Y === this.Z;
  }

  /** [8]P is the identity: P is one of the eight points of small order. */
  isSmallOrder() {
    return this.double().double().double().isIdentity();
  }

  /** The canonical 32-byte encoding (RFC 8032 5.1.2). */
  encode() {
    const zInv = inv(this.Z);
    const x = mod(this.X * zInv);
    const y = mod(this.Y * zInv);
    const out = bigToLe(y, 32);
    if (x & 1n) out[31] |= 0x80;
    return out;
  }
}

const IDENTITY = new Point(0n, 1n, 1n, 0n);
const BASE_Y = mod(4n * inv(5n));

/** The little-endian integer of `bytes`. */
export function leToBig(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function bigToLe(n, length) {
  const out = new Uint8Array(length);
  let v = n;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** x from y and the sign bit (RFC 8032 5.1.3 steps 2-4); null when y is not on the curve. */
function recoverX(y, sign) {
  const y2 = mod(y * y);
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  // x = u v^3 (u v^7)^((p-5)/8)
  const v3 = mod(v * v * v);
  let x = mod(u * v3 * pow(u * v3 * v3 * v, (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === u) {
    // x is a square root of u/v
  } else if (vx2 === mod(-u)) {
    x = mod(x * SQRT_M1);
  } else {
    return null;
  }
  if (x === 0n && sign === 1) return { x, signless: true };
  if (Number(x & 1n) !== sign) x = P - x;
  return { x, signless: false };
}

/**
 * Decodes a 32-byte point encoding. Strict (the default, RFC 8032 5.1.3): null unless
 * it is the canonical encoding of a curve point (y < p; x = 0 only with the sign bit
 * clear). `{lenient: true}`: as curve25519-dalek 4's `CompressedEdwardsY::decompress`,
 * which reduces y mod p and ignores the sign bit of x = 0.
 */
export function decodePoint(bytes, { lenient = false } = {}) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) return null;
  const sign = bytes[31] >> 7;
  const yBytes = bytes.slice();
  yBytes[31] &= 0x7f;
  let y = leToBig(yBytes);
  if (y >= P) {
    if (!lenient) return null;
    y -= P;
  }
  const recovered = recoverX(y, sign);
  if (recovered === null) return null;
  if (recovered.signless && !lenient) return null;
  return Point.affine(recovered.x, y);
}

const BASE = (() => {
  const x = recoverX(BASE_Y, 0);
  return Point.affine(x.x, BASE_Y);
})();

/** [a]P + [b]Q by one pass of double-and-add over the bits of both scalars. */
function doubleScalarMul(a, p, b, q) {
  const pq = p.add(q);
  let acc = IDENTITY;
  const bits = Math.max(a.toString(2).length, b.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    acc = acc.double();
    const bitA = (a >> BigInt(i)) & 1n;
    const bitB = (b >> BigInt(i)) & 1n;
    if (bitA && bitB) acc = acc.add(pq);
    else if (bitA) acc = acc.add(p);
    else if (bitB) acc = acc.add(q);
  }
  return acc;
}

function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Verifies an Ed25519 signature. `publicKey` 32 bytes, `message` any Uint8Array,
 * `signature` 64 bytes. Returns a boolean, never throws on malformed input. See the
 * module comment for the rules.
 */
export function verify(publicKey, message, signature) {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(message instanceof Uint8Array)) return false;
  const rBytes = signature.subarray(0, 32);
  const s = leToBig(signature.subarray(32, 64));
  if (s >= L) return false;
  const a = decodePoint(publicKey);
  if (a === null || a.isSmallOrder()) return false;
  const r = decodePoint(rBytes.slice());
  if (r === null || r.isSmallOrder()) return false;
  const hashInput = new Uint8Array(64 + message.length);
  hashInput.set(rBytes, 0);
  hashInput.set(publicKey, 32);
  hashInput.set(message, 64);
  const k = leToBig(sha512(hashInput)) % L;
  // [S]B - [k]A, compared by encoding with R's bytes (cofactorless, as dalek).
  const computed = doubleScalarMul(s, BASE, k, a.negate());
  return bytesEqual(computed.encode(), rBytes);
}

/**
 * Whether `publicKey` is a key the runtime's ValidatorSet accepts: 32 bytes that
 * ed25519-dalek's `VerifyingKey::from_bytes` decompresses.
 */
export function isDalekKey(publicKey) {
  return decodePoint(publicKey, { lenient: true }) !== null;
}

/** For tests: the point arithmetic, to build edge-case keys and signatures. */
export const internals = Object.freeze({ Point, BASE, IDENTITY, doubleScalarMul, bigToLe });
