// The bounded borsh reader (explorer/src/verify/borsh.js): integers, limits, truncated
// input, trailing bytes, non-canonical tags and unsorted sets are refused with errors
// that say what was being read.

import test from 'node:test';
import assert from 'node:assert/strict';

import { Reader, DecodeError, decodeAll, compareStrings, fromHex, toHex } from '../src/verify/borsh.js';

const bytes = (...b) => Uint8Array.from(b);

test('little-endian integers, u64 as BigInt or as an exact Number', () => {
  const r = new Reader(bytes(1, 2, 1, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1));
  assert.equal(r.u8(), 1);
  assert.equal(r.u16(), 0x0102);
  assert.equal(r.u32(), 0x01020304);
  assert.equal(r.u64(), 0x0102030405060708n);
  r.finish();
  assert.equal(decodeAll(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0), (rr) => rr.u64Number()), Number.MAX_SAFE_INTEGER);
  assert.throws(() => decodeAll(bytes(0, 0, 0, 0, 0, 0, 0x20, 0), (rr) => rr.u64Number('the height')), /the height .* above 2\^53/);
  assert.equal(decodeAll(new Uint8Array(8).fill(0xff), (rr) => rr.u64()), (1n << 64n) - 1n);
});

test('truncated input and trailing bytes are refused, naming what was read', () => {
  assert.throws(() => decodeAll(bytes(1, 2, 3), (r) => r.u32('the round')), (e) => e instanceof DecodeError && /the round needs 4 bytes/.test(e.message));
  assert.throws(() => decodeAll(bytes(1, 0, 0, 0, 9), (r) => r.u32(), Infinity, 'the header'), /the header is followed by 1 unexpected bytes/);
  assert.throws(() => new Reader(new Uint8Array(10), 8), /exceeds the limit of 8/);
  assert.throws(() => new Reader([1, 2]), /not bytes/);
});

test('strings: bounded before reading, valid UTF-8 only', () => {
  assert.equal(decodeAll(bytes(3, 0, 0, 0, 0x4a, 0x43, 0x4d), (r) => r.string()), 'JCM');
  assert.throws(() => decodeAll(bytes(3, 0, 0, 0, 0x4a, 0x43, 0x4d), (r) => r.string('a Party', 2)), /exceeds the limit of 2/);
  assert.throws(() => decodeAll(bytes(0xff, 0xff, 0xff, 0x7f), (r) => r.string('a name', 64)), /limit of 64/);
  assert.throws(() => decodeAll(bytes(0xff, 0xff, 0xff, 0x7f), (r) => r.string('a name')), /truncated/);
  assert.throws(() => decodeAll(bytes(2, 0, 0, 0, 0xc3, 0x28), (r) => r.string('a name')), /not valid UTF-8/);
});

test('vectors: the length is checked against the limit and the bytes left before allocating', () => {
  const item = (r) => r.u16();
  assert.deepEqual(decodeAll(bytes(2, 0, 0, 0, 1, 0, 2, 0), (r) => r.vec('xs', item, 10, 2)), [1, 2]);
  assert.throws(() => decodeAll(bytes(2, 0, 0, 0, 1, 0, 2, 0), (r) => r.vec('xs', item, 1, 2)), /2 items exceed the limit of 1/);
  assert.throws(() => decodeAll(bytes(0xff, 0xff, 0xff, 0xff), (r) => r.vec('xs', item, Infinity, 2)), /claims 4294967295 items/);
});

test('options, booleans and enum tags accept only their canonical values', () => {
  assert.equal(decodeAll(bytes(0), (r) => r.option('o', (rr) => rr.u8())), null);
  assert.equal(decodeAll(bytes(1, 7), (r) => r.option('o', (rr) => rr.u8())), 7);
  assert.throws(() => decodeAll(bytes(2, 7), (r) => r.option('o', (rr) => rr.u8())), /not an option tag/);
  assert.equal(decodeAll(bytes(1), (r) => r.bool()), true);
  assert.throws(() => decodeAll(bytes(2), (r) => r.bool('hold')), /hold: 2 is not a boolean/);
  assert.equal(decodeAll(bytes(4), (r) => r.tag('Role', 5)), 4);
  assert.throws(() => decodeAll(bytes(5), (r) => r.tag('Role', 5)), /Role: unknown variant 5/);
});

test('sets must be strictly increasing (as their canonical encoding is)', () => {
  const item = (r) => r.u8();
  const cmp = (a, b) => a - b;
  assert.deepEqual(decodeAll(bytes(2, 0, 0, 0, 3, 9), (r) => r.set('s', item, cmp)), [3, 9]);
  // codec.rs's own test: a set of two u8 in descending order.
  assert.throws(() => decodeAll(bytes(2, 0, 0, 0, 9, 3), (r) => r.set('s', item, cmp)), /not in increasing order/);
  assert.throws(() => decodeAll(bytes(2, 0, 0, 0, 3, 3), (r) => r.set('s', item, cmp)), /without repeats/);
  // Strings order by their bytes, not their encodings' length prefixes.
  assert.ok(compareStrings('AB', 'B') < 0);
  assert.ok(compareStrings('IND', 'JPN') < 0);
  assert.ok(compareStrings('é', 'z') > 0);
});

test('hex in either case, refused if odd or not hex', () => {
  assert.equal(toHex(fromHex('0aFf')), '0aff');
  assert.equal(fromHex('abc'), null);
  assert.equal(fromHex('zz'), null);
  assert.equal(fromHex(12), null);
});
