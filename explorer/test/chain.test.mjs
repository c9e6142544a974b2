// Headers, validator sets, certificates and validator changes (explorer/src/verify/
// chain.js), each against the runtime rule it transcribes: CommitCertificate::verify's
// order of refusals, ValidatorSet::new's, apply_one's codes.

import test from 'node:test';
import assert from 'node:assert/strict';

import {
  decodeHeader,
  decodeCommit,
  consensusSet,
  validatorsHash,
  listRoot,
  precommitSignBytes,
  verifyCommit,
  applyOne,
  KEYS,
  VALIDATORS_TAG,
  HEADER_TAG,
} from '../src/verify/chain.js';
import { sha256 } from '../src/verify/sha2.js';
import { concat, toHex, fromHex } from '../src/verify/borsh.js';
import { nodeKey, seeded } from './support.mjs';

const text = (s) => new TextEncoder().encode(s);
const u64le = (n) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
};
const u32le = (n) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

const random = seeded(21);
const keys = Array.from({ length: 5 }, () => nodeKey(random.bytes(32)));
const validator = (i, power = 1n) => ({ name: `v${i}`, public_key: toHex(keys[i].publicKey), power, party: 'JPN' });

function headerBytes({ chainId = 'jcm-test', height = 7n, fill = 3 } = {}) {
  const id = text(chainId);
  const hashes = Array.from({ length: 7 }, (_, i) => new Uint8Array(32).fill(fill + i));
  return concat(u32le(id.length), id, u32le(1), u64le(height), u64le(1_770_000_000), ...hashes);
}

test('a header decodes, names its fields, and hashes as SHA-256(HEADER_TAG ‖ bytes)', () => {
  const bytes = headerBytes();
  const h = decodeHeader(bytes);
  assert.equal(h.chain_id, 'jcm-test');
  assert.equal(h.protocol_version, 1);
  assert.equal(h.height, 7n);
  assert.equal(h.time, '2026-02-02T02:40:00Z');
  assert.equal(h.previous_block_hash, '03'.repeat(32));
  assert.equal(h.state_root, '07'.repeat(32));
  assert.equal(h.validators_hash, '08'.repeat(32));
  assert.equal(h.last_commit_hash, '09'.repeat(32));
  assert.equal(h.hash, toHex(sha256(concat(HEADER_TAG, bytes))));
  assert.throws(() => decodeHeader(concat(bytes, Uint8Array.of(0))), /unexpected bytes/);
  assert.throws(() => decodeHeader(bytes.subarray(0, bytes.length - 1)), /truncated/);
  assert.throws(() => decodeHeader(headerBytes({ chainId: '' })), /1..=64 bytes, got 0/);
  assert.throws(() => decodeHeader(headerBytes({ chainId: 'x'.repeat(65) })), /limit of 64/);
  assert.throws(() => decodeHeader(new Uint8Array(4097)), /limit of 4096/);
});

test('the validator-set hash: a list root over key ‖ power, sorted by key', () => {
  const a = consensusSet([validator(0), validator(1, 2n), validator(2, 3n)]);
  const b = consensusSet([validator(2, 3n), validator(0), validator(1, 2n)]);
  assert.ok(a.ok && b.ok);
  assert.equal(validatorsHash(a.set), validatorsHash(b.set), 'the order given does not matter');
  const items = a.set.members.map((m) => concat(m.keyBytes, u64le(m.power)));
  const leaf = (item) => sha256(concat(VALIDATORS_TAG, Uint8Array.of(0), item));
  const node = (l, r) => sha256(concat(VALIDATORS_TAG, Uint8Array.of(1), l, r));
  // Three items: the odd one is carried up unchanged.
  const expected = node(node(leaf(items[0]), leaf(items[1])), leaf(items[2]));
  assert.equal(validatorsHash(a.set), toHex(expected));
  const c = consensusSet([validator(0), validator(1, 2n), validator(2, 4n)]);
  assert.notEqual(validatorsHash(c.set), validatorsHash(a.set), 'a power changes it');
  assert.equal(toHex(listRoot(VALIDATORS_TAG, [])), toHex(sha256(VALIDATORS_TAG)));
});

test('ValidatorSet::new refusals', () => {
  assert.match(consensusSet([]).error, /1..=256 validators, got 0/);
  assert.match(consensusSet([validator(0, 0n)]).error, /zero voting power/);
  assert.match(consensusSet([validator(0), validator(0, 2n)]).error, /appears twice/);
  assert.match(consensusSet([validator(0, (1n << 62n))]).error, /overflows/);
  const offCurve = { ...validator(0), public_key: '02' + '00'.repeat(31) };
  assert.match(consensusSet([offCurve]).error, /not a valid ed25519 public key/);
  assert.ok(consensusSet([validator(0, (1n << 64n) / 4n - 1n)]).ok, 'just within u64::MAX / 4');
});

function certificate(signers, { height = 7n, round = 2, value = 'aa'.repeat(32), chainId = 'jcm-test' } = {}) {
  return {
    height,
    round,
    value,
    signatures: signers.map((i) => ({
      validator: toHex(keys[i].publicKey),
      signature: toHex(keys[i].sign(precommitSignBytes(chainId, height, round, value, toHex(keys[i].publicKey)))),
    })),
  };
}

test('the precommit sign bytes are Vote::sign_bytes', () => {
  const bytes = precommitSignBytes('jcm', 7n, 2, 'aa'.repeat(32), 'bb'.repeat(32));
  const expected = concat(text('JCM/vote/v1'), Uint8Array.of(3), text('jcm'), u64le(7), u32le(2), Uint8Array.of(2, 1), fromHex('aa'.repeat(32)), fromHex('bb'.repeat(32)));
  assert.equal(toHex(bytes), toHex(expected));
});

test('a certificate needs distinct members with more than two thirds of the power', () => {
  const { set } = consensusSet([validator(0), validator(1), validator(2), validator(3, 3n)]);
  assert.ok(verifyCommit(certificate([0, 1, 3]), 'jcm-test', set).ok);
  assert.match(verifyCommit(certificate([0, 3]), 'jcm-test', set).error, /carries 4 of 6 voting power/);
  const { set: four } = consensusSet([0, 1, 2, 3].map((i) => validator(i)));
  assert.match(verifyCommit(certificate([0, 1]), 'jcm-test', four).error, /2 of 4/);
  assert.ok(verifyCommit(certificate([0, 1, 2]), 'jcm-test', four).ok);
  assert.match(verifyCommit(certificate([0, 1, 1, 2]), 'jcm-test', four).error, /appears twice/);
  assert.match(verifyCommit(certificate([0, 1, 4]), 'jcm-test', four).error, /not in the validator set/);
  assert.match(verifyCommit(certificate([0, 1, 2, 3, 4]), 'jcm-test', four).error, /got 5/);
  const forged = certificate([0, 1, 2]);
  forged.value = 'ab'.repeat(32);
  assert.match(verifyCommit(forged, 'jcm-test', four).error, /bad signature/);
  assert.match(verifyCommit(certificate([0, 1, 2]), 'jcm-other', four).error, /bad signature/);
  const otherRound = certificate([0, 1, 2]);
  otherRound.round = 3;
  assert.equal(verifyCommit(otherRound, 'jcm-test', four).ok, false);
});

test('a certificate decodes from its canonical bytes', () => {
  const c = certificate([0, 1]);
  const bytes = concat(
    u64le(c.height),
    u32le(c.round),
    fromHex(c.value),
    u32le(2),
    ...c.signatures.flatMap((s) => [fromHex(s.validator), fromHex(s.signature)]),
  );
  assert.deepEqual(decodeCommit(bytes), c);
  assert.throws(() => decodeCommit(concat(bytes, Uint8Array.of(1))), /unexpected bytes/);
  const lying = bytes.slice();
  lying[44] = 3; // three signatures claimed, two given
  assert.throws(() => decodeCommit(lying), /truncated/);
});

test('apply_one: each change, and each refusal with its code', () => {
  const set = [validator(0), validator(1, 2n)];
  const add = { op: 'add', validator: validator(2, 3n), node_id: null };
  assert.deepEqual(applyOne(set, add).validators.map((v) => v.name), ['v0', 'v1', 'v2']);
  assert.equal(set.length, 2, 'the input is left untouched');
  const table = [
    ['add of a present key', { op: 'add', validator: validator(1), node_id: null }, 'A6-9019'],
    ['add with no power', { op: 'add', validator: validator(2, 0n), node_id: null }, 'A6-9017'],
    ['add of a key off the curve', { op: 'add', validator: { ...validator(2), public_key: '02' + '00'.repeat(31) }, node_id: null }, 'A6-9017'],
    ['remove of a stranger', { op: 'remove', key: validator(3).public_key }, 'A6-9018'],
    ['set_power to 0 (checked before the key)', { op: 'set_power', key: validator(3).public_key, power: 0n }, 'A6-9017'],
    ['set_power of a stranger', { op: 'set_power', key: validator(3).public_key, power: 1n }, 'A6-9018'],
    ['rotate_key of a stranger', { op: 'rotate_key', key: validator(3).public_key, new_key: validator(4).public_key }, 'A6-9018'],
    ['rotate_key to a member key', { op: 'rotate_key', key: validator(0).public_key, new_key: validator(1).public_key }, 'A6-9019'],
    ['set_node of a stranger', { op: 'set_node', key: validator(3).public_key, node_id: 'n' }, 'A6-9018'],
    ['set_power beyond the total bound', { op: 'set_power', key: validator(0).public_key, power: 1n << 62n }, 'A6-9017'],
    ['set_power overflowing u64', { op: 'set_power', key: validator(0).public_key, power: (1n << 64n) - 1n }, 'A6-9017'],
  ];
  for (const [name, change, code] of table) {
    const result = applyOne(set, change);
    assert.equal(result.ok, false, name);
    assert.equal(result.code, code, `${name}: ${result.error}`);
  }
  assert.equal(applyOne([validator(0)], { op: 'remove', key: validator(0).public_key }).code, 'A6-9017', 'the last validator');
  const powered = applyOne(set, { op: 'set_power', key: validator(0).public_key, power: 5n }).validators;
  assert.equal(powered[0].power, 5n);
  const rotated = applyOne(set, { op: 'rotate_key', key: validator(0).public_key, new_key: validator(4).public_key }).validators;
  assert.equal(rotated[0].public_key, validator(4).public_key);
  assert.equal(rotated[0].name, 'v0', 'the validator keeps its name and place');
  assert.deepEqual(applyOne(set, { op: 'set_node', key: validator(1).public_key, node_id: 'n' }).validators, set);
  assert.deepEqual(applyOne(set, { op: 'remove', key: validator(0).public_key }).validators.map((v) => v.name), ['v1']);
});

test('the state keys a proof names', () => {
  assert.equal(new TextDecoder().decode(KEYS.META), 'm/chain');
  assert.equal(toHex(KEYS.scheduledValidators(12n, 2n)), toHex(concat(text('vs/'), fromHex('000000000000000c'), fromHex('0000000000000002'))));
  assert.equal(toHex(KEYS.units('CA0001', 'IND', 5000n)), toHex(concat(text('u/CA0001IND'), fromHex('0000000000001388'))));
  assert.equal(toHex(KEYS.event(258n)), toHex(concat(text('ev/'), fromHex('0000000000000102'))));
});
