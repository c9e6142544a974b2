// SHA-256 and SHA-512 (explorer/src/verify/sha2.js): the FIPS 180-4 / NIST example
// vectors, every length around the padding boundaries, and a seeded cross-check against
// Node's own node:crypto over random messages of random lengths.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import { sha256, sha512 } from '../src/verify/sha2.js';
import { toHex } from '../src/verify/borsh.js';
import { seeded } from './support.mjs';

const text = (s) => new TextEncoder().encode(s);

const VECTORS = [
  ['sha256', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['sha256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  [
    'sha256',
    'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', // 448 bits
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  ],
  ['sha512', '', 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e'],
  ['sha512', 'abc', 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f'],
  [
    'sha512',
    'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu', // 896 bits
    '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909',
  ],
];

const HASHES = { sha256, sha512 };

test('the NIST example vectors', () => {
  for (const [name, message, digest] of VECTORS) {
    assert.equal(toHex(HASHES[name](text(message))), digest, `${name}(${JSON.stringify(message)})`);
  }
});

test('a million times "a"', () => {
  const million = new Uint8Array(1_000_000).fill(0x61);
  assert.equal(toHex(sha256(million)), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  assert.equal(
    toHex(sha512(million)),
    'e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b',
  );
});

test('every length from 0 to 300 bytes (each padding case) equals node:crypto', () => {
  const random = seeded(1);
  for (let n = 0; n <= 300; n++) {
    const message = random.bytes(n);
    for (const name of ['sha256', 'sha512']) {
      assert.equal(toHex(HASHES[name](message)), createHash(name).update(message).digest('hex'), `${name}, ${n} bytes`);
    }
  }
});

test('300 random messages of random lengths equal node:crypto (seed 7)', () => {
  const random = seeded(7);
  for (let i = 0; i < 300; i++) {
    const message = random.bytes(random.int(5000));
    for (const name of ['sha256', 'sha512']) {
      assert.equal(toHex(HASHES[name](message)), createHash(name).update(message).digest('hex'), `${name} #${i}`);
    }
  }
});

test('a subarray is hashed as its own bytes, and a non-byte input is refused', () => {
  const whole = text('xxabcxx');
  assert.equal(toHex(sha256(whole.subarray(2, 5))), toHex(sha256(text('abc'))));
  assert.throws(() => sha256('abc'), TypeError);
  assert.throws(() => sha512([1, 2, 3]), TypeError);
});
