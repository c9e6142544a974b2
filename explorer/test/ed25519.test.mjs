// Ed25519 verification (explorer/src/verify/ed25519.js): the RFC 8032 section 7.1
// vectors and their one-bit corruptions, a seeded cross-check against node:crypto
// (OpenSSL) keys and signatures, and the edge cases whose verdicts the module documents:
// non-canonical S, small-order keys and R (refused), non-canonical point encodings
// (refused here, decompressed by dalek), mixed-order keys (cofactorless, as dalek).

import test from 'node:test';
import assert from 'node:assert/strict';
import { verify as nodeVerify, createPublicKey } from 'node:crypto';

import { verify, decodePoint, isDalekKey, internals, leToBig, L, P } from '../src/verify/ed25519.js';
import { sha512 } from '../src/verify/sha2.js';
import { fromHex, toHex, concat } from '../src/verify/borsh.js';
import { seeded, nodeKey } from './support.mjs';

const { BASE, IDENTITY, doubleScalarMul, bigToLe } = internals;
const mul = (k, point) => doubleScalarMul(k, point, 0n, IDENTITY);

// RFC 8032 section 7.1, TEST 1 to 3: secret key (seed), public key, message, signature.
const RFC8032 = [
  {
    name: 'TEST 1',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

const flipBit = (bytes, bit) => {
  const out = bytes.slice();
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
};

test('the RFC 8032 vectors verify, and node:crypto derives and signs the same', () => {
  for (const v of RFC8032) {
    const [pk, msg, sig] = [fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature)];
    assert.equal(verify(pk, msg, sig), true, v.name);
    const key = nodeKey(fromHex(v.seed));
    assert.equal(toHex(key.publicKey), v.publicKey, `${v.name}: public key`);
    assert.equal(toHex(key.sign(msg)), v.signature, `${v.name}: signature`);
  }
});

test('every one-bit corruption of an RFC 8032 signature, key or message is refused', () => {
  for (const v of RFC8032) {
    const [pk, msg, sig] = [fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature)];
    for (let bit = 0; bit < 512; bit++) {
      assert.equal(verify(pk, msg, flipBit(sig, bit)), false, `${v.name}: signature bit ${bit}`);
    }
    for (let bit = 0; bit < 256; bit++) {
      assert.equal(verify(flipBit(pk, bit), msg, sig), false, `${v.name}: key bit ${bit}`);
    }
    for (let bit = 0; bit < msg.length * 8; bit++) {
      assert.equal(verify(pk, flipBit(msg, bit), sig), false, `${v.name}: message bit ${bit}`);
    }
    assert.equal(verify(pk, concat(msg, Uint8Array.of(0)), sig), false, `${v.name}: a byte appended`);
  }
});

test('200 random node:crypto keys and messages: valid verifies, corrupted is refused by both (seed 11)', () => {
  const random = seeded(11);
  for (let i = 0; i < 200; i++) {
    const key = nodeKey(random.bytes(32));
    const message = random.bytes(random.int(300));
    const signature = key.sign(message);
    assert.equal(verify(key.publicKey, message, signature), true, `#${i}`);
    const bad = flipBit(signature, random.int(512));
    const nodePublic = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.publicKey]), format: 'der', type: 'spki' });
    assert.equal(nodeVerify(null, message, nodePublic, bad), false, `#${i}: node refuses the corruption`);
    assert.equal(verify(key.publicKey, message, bad), false, `#${i}: so do we`);
    const otherMessage = message.length > 0 ? flipBit(message, random.int(message.length * 8)) : Uint8Array.of(1);
    assert.equal(verify(key.publicKey, otherMessage, signature), false, `#${i}: another message`);
  }
});

test('a random (generated) node:crypto key signs what we verify', () => {
  const key = nodeKey();
  const message = new TextEncoder().encode('JCM/vote/v1');
  assert.equal(verify(key.publicKey, message, key.sign(message)), true);
});

test('malformed input is false, never an exception', () => {
  const v = RFC8032[1];
  const [pk, msg, sig] = [fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature)];
  assert.equal(verify(pk.subarray(0, 31), msg, sig), false);
  assert.equal(verify(pk, msg, sig.subarray(0, 63)), false);
  assert.equal(verify(pk, msg, concat(sig, Uint8Array.of(0))), false);
  assert.equal(verify(v.publicKey, msg, sig), false, 'hex text is not bytes');
  assert.equal(verify(pk, 'r', sig), false);
  assert.equal(verify(null, null, null), false);
});

/** The secret scalar of an RFC 8032 seed (clamped low half of SHA-512(seed)). */
function secretScalar(seed) {
  const h = sha512(seed).slice(0, 32);
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  return leToBig(h);
}

/** k = SHA-512(R ‖ A ‖ M) mod L. */
const challenge = (r, a, m) => leToBig(sha512(concat(r, a, m))) % L;

/** The eight points of small order, from [L]P for curve points P until one has order 8. */
function torsionPoints() {
  for (let y = 2n; ; y++) {
    const p = decodePoint(bigToLe(y, 32));
    if (p === null) continue;
    const t = mul(L, p);
    if (t.double().double().isIdentity()) continue; // order below 8
    const points = [IDENTITY];
    for (let i = 1; i < 8; i++) points.push(points[i - 1].add(t));
    return points;
  }
}

test('S + L (the same equation, a non-canonical scalar) is refused, as by dalek and OpenSSL', () => {
  for (const v of RFC8032) {
    const [pk, msg, sig] = [fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature)];
    const s = leToBig(sig.subarray(32));
    const malleated = concat(sig.subarray(0, 32), bigToLe(s + L, 32));
    assert.equal(verify(pk, msg, malleated), false, v.name);
    const nodePublic = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pk]), format: 'der', type: 'spki' });
    assert.equal(nodeVerify(null, msg, nodePublic, malleated), false, `${v.name}: OpenSSL too`);
  }
});

test('small-order keys are refused: the identity key with R = identity and S = 0 passes the bare equation', () => {
  const identity = IDENTITY.encode();
  assert.equal(toHex(identity), '01' + '00'.repeat(31));
  const signature = concat(identity, new Uint8Array(32));
  // [0]B - [k]identity = identity = R, for every message: what dalek's `verify` accepts.
  assert.ok(doubleScalarMul(0n, BASE, challenge(identity, identity, Uint8Array.of(1)), IDENTITY.negate()).isIdentity());
  assert.equal(verify(identity, Uint8Array.of(1), signature), false);
  const torsion = torsionPoints();
  assert.equal(new Set(torsion.map((t) => toHex(t.encode()))).size, 8, 'eight distinct points');
  for (const t of torsion) {
    const encoded = t.encode();
    assert.ok(t.isSmallOrder());
    assert.equal(isDalekKey(encoded), true, 'dalek decompresses it, so the runtime takes it in a set');
    assert.equal(verify(encoded, Uint8Array.of(1), concat(encoded, new Uint8Array(32))), false, toHex(encoded));
  }
});

test('an R of small order is refused even when the cofactorless equation holds', () => {
  const v = RFC8032[0];
  const a = secretScalar(fromHex(v.seed));
  const pk = fromHex(v.publicKey);
  assert.equal(toHex(mul(a, BASE).encode()), v.publicKey, 'the secret scalar of TEST 1');
  const message = Uint8Array.of(7);
  const r = IDENTITY.encode();
  // [S]B = R + [k]A with R the identity: S = k a mod L.
  const s = (challenge(r, pk, message) * a) % L;
  assert.ok(doubleScalarMul(s, BASE, challenge(r, pk, message), mul(a, BASE).negate()).isIdentity());
  assert.equal(verify(pk, message, concat(r, bigToLe(s, 32))), false);
  // The same construction with an R of full order verifies: it is R's order refused.
  const rFull = mul(5n, BASE).encode();
  const sFull = (5n + challenge(rFull, pk, message) * a) % L;
  assert.equal(verify(pk, message, concat(rFull, bigToLe(sFull, 32))), true);
});

test('a mixed-order key is checked cofactorless, as dalek: only k = 0 mod 8 passes', () => {
  const v = RFC8032[2];
  const a = secretScalar(fromHex(v.seed));
  const t8 = torsionPoints()[1];
  const mixed = mul(a, BASE).add(t8).encode(); // A + T: not small order, not prime order
  const message = Uint8Array.of(1, 2, 3);
  const seen = { pass: 0, fail: 0 };
  for (let r = 1n; seen.pass < 2 || seen.fail < 2; r++) {
    const rBytes = mul(r, BASE).encode();
    const k = challenge(rBytes, mixed, message);
    const s = (r + k * a) % L;
    // [S]B - [k](A + T) = R - [k]T: equal to R exactly when 8 divides k.
    const ok = verify(mixed, message, concat(rBytes, bigToLe(s, 32)));
    assert.equal(ok, k % 8n === 0n, `r = ${r}, k mod 8 = ${k % 8n}`);
    seen[ok ? 'pass' : 'fail'] += 1;
  }
});

test('non-canonical encodings: refused as keys and points, decompressed by the lenient (dalek) decoder', () => {
  // y = 1 + p encodes the identity's y non-canonically; x = 0 with the sign bit set.
  const yPlusP = bigToLe(1n + P, 32);
  assert.equal(decodePoint(yPlusP), null);
  assert.ok(decodePoint(yPlusP, { lenient: true }).isIdentity());
  const signedZero = fromHex('01' + '00'.repeat(30) + '80');
  assert.equal(decodePoint(signedZero), null);
  assert.ok(decodePoint(signedZero, { lenient: true }).isIdentity());
  // A full-order point whose y is below 19 has a second, non-canonical encoding y + p.
  let found = null;
  for (let y = 2n; y < 19n && found === null; y++) {
    const point = decodePoint(bigToLe(y, 32));
    if (point !== null && !point.isSmallOrder()) found = y;
  }
  assert.ok(found !== null, 'some y below 19 is on the curve');
  const alias = bigToLe(found + P, 32);
  assert.equal(decodePoint(alias), null);
  assert.equal(isDalekKey(alias), true);
  assert.equal(verify(alias, Uint8Array.of(1), new Uint8Array(64)), false);
  // Not on the curve at all: refused by both decoders.
  let offCurve = 2n;
  while (decodePoint(bigToLe(offCurve, 32), { lenient: true }) !== null) offCurve++;
  assert.equal(isDalekKey(bigToLe(offCurve, 32)), false);
});

test('four signatures (a certificate of four validators) verify; the time is reported, not asserted', (t) => {
  const random = seeded(4);
  const signed = Array.from({ length: 4 }, () => {
    const key = nodeKey(random.bytes(32));
    const message = random.bytes(120);
    return [key.publicKey, message, key.sign(message)];
  });
  const start = performance.now();
  for (const [pk, m, s] of signed) assert.equal(verify(pk, m, s), true);
  t.diagnostic(`4 signatures verified in ${(performance.now() - start).toFixed(1)} ms`);
});
