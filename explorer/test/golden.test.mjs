// Pinned vectors copied from the runtime's golden tests (runtime/tests/golden.rs,
// runtime/tests/merkle.rs): the transaction signature and id, the signing bytes, the
// state tree's leaf, internal and root hashes. A state tree built here (the runtime's
// shape: sparse, path-compressed) gives those roots, and its proofs verify with
// verifyMerkle for present and absent keys and fail for every other claim.

import test from 'node:test';
import assert from 'node:assert/strict';

import { verify } from '../src/verify/ed25519.js';
import { sha256 } from '../src/verify/sha2.js';
import { concat, fromHex, toHex, bytesEqual, decodeAll } from '../src/verify/borsh.js';
import { verifyMerkle, keyHash, valueHash, leafHash, internalHash, parseProof } from '../src/verify/merkle.js';
import { readCode } from '../src/verify/model.js';
import { seeded } from './support.mjs';

const text = (s) => new TextEncoder().encode(s);

// runtime/tests/golden.rs
const TRANSFER_BODY_HEX = [
  '0a0000006a636d2d676f6c64656e', // chain id "jcm-golden"
  '4b3a20a5caf27213a5c138da39de66fe200fa299117cd0e877be32ad07bea68c', // signer key
  '0700000000000000', // nonce 7
  '0c', // payload: transfer_internal
  '06000000434130303031', // ca CA0001
  '0c0000004a504e30312d482d454a5031', // from
  '0b0000004a504e30312d482d474f56', // to
  '011a0000004341303030312d4a504e30312d494e442d353030312d32303235', // first
  '011a0000004341303030312d4a504e30312d494e442d353530302d32303235', // last
  'f401000000000000', // quantity 500
  '00000000', // four absent options
].join('');
const TRANSFER_HASH_HEX = '7213a9df55deaeca5ef9d025d0537d5849b36395c83bc2016b05e1415c3e6b21';
const TRANSFER_SIGNATURE_HEX =
  'b5802ebc8c4cb77f870502eb8e0ab38f4edae821aada38860c5e6f1107f9853b' +
  '9f024b5fa60eb4c822cd9c94f6679854dc0b8c38a9e42af38970f044a96bfd0f';

/** crypto::signing_bytes: `tag ‖ len(chain_id):u32le ‖ chain_id ‖ body`. */
function signingBytes(tag, chainId, body) {
  const id = text(chainId);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, id.length, true);
  return concat(text(tag), len, id, body);
}

test('the pinned signing bytes', () => {
  assert.equal(toHex(signingBytes('JCM/tx/v1', 'jcm-golden', text('x'))), '4a434d2f74782f76310a0000006a636d2d676f6c64656e78');
});

test('the pinned transaction: its signature verifies and its id is SHA-256 of body and signature', () => {
  const body = fromHex(TRANSFER_BODY_HEX);
  const signer = body.subarray(14, 46);
  const signature = fromHex(TRANSFER_SIGNATURE_HEX);
  assert.equal(verify(signer, signingBytes('JCM/tx/v1', 'jcm-golden', body), signature), true);
  assert.equal(toHex(sha256(concat(body, signature))), TRANSFER_HASH_HEX);
  // Every single-bit change of the body breaks the signature (as golden.rs checks bytes).
  for (let bit = 0; bit < body.length * 8; bit += 7) {
    const changed = body.slice();
    changed[bit >> 3] ^= 1 << (bit & 7);
    const key = changed.subarray(14, 46);
    assert.equal(verify(key, signingBytes('JCM/tx/v1', 'jcm-golden', changed), signature), false, `bit ${bit}`);
  }
  assert.equal(verify(signer, signingBytes('JCM/tx/v1', 'jcm-other', body), signature), false, 'another chain');
  assert.equal(verify(signer, signingBytes('JCM/jc-notification/v1', 'jcm-golden', body), signature), false, 'another tag');
});

test('codes encode as their numbers', () => {
  assert.equal(decodeAll(Uint8Array.of(0xba, 0x0b), readCode), 'A6-3002');
  assert.equal(decodeAll(Uint8Array.of(0x71, 0x17), readCode), 'A6-6001');
  assert.throws(() => decodeAll(Uint8Array.of(0x0f, 0x27), readCode), /unknown code 9999/);
});

test('the pinned leaf and internal hashes', () => {
  assert.equal(toHex(leafHash(keyHash(text('a')), valueHash(text('1')))), '565388d4bc00257133f799d9366ac97f6e949c18acc53d17457f8859ba0f08d3');
  assert.equal(toHex(internalHash(new Uint8Array(32), new Uint8Array(32).fill(0xff))), 'bc6b943b820c449acf880d293c216a24a8066b153f87f2361fae2beda3a72641');
});

// ---- a state tree, built as the runtime builds it (for the tests only) -------------

const bitOf = (path, depth) => (path[depth >> 3] >> (7 - (depth & 7))) & 1;

/** A tree over `entries` ([key, value] bytes): `root` and `prove(key)` (the JSON form). */
function tree(entries) {
  const items = entries.map(([k, v]) => ({ path: keyHash(k), vh: valueHash(v) }));
  const hashOf = (subset, depth) => {
    if (subset.length === 0) return new Uint8Array(32);
    if (subset.length === 1) return leafHash(subset[0].path, subset[0].vh);
    const left = subset.filter((i) => bitOf(i.path, depth) === 0);
    const right = subset.filter((i) => bitOf(i.path, depth) === 1);
    return internalHash(hashOf(left, depth + 1), hashOf(right, depth + 1));
  };
  const root = hashOf(items, 0);
  const prove = (key) => {
    const path = keyHash(key);
    let subset = items;
    const siblings = [];
    for (let depth = 0; subset.length > 1; depth++) {
      const b = bitOf(path, depth);
      siblings.push(toHex(hashOf(subset.filter((i) => bitOf(i.path, depth) !== b), depth + 1)));
      subset = subset.filter((i) => bitOf(i.path, depth) === b);
    }
    const leaf = subset.length === 1 ? { key_hash: toHex(subset[0].path), value_hash: toHex(subset[0].vh) } : null;
    return { leaf, siblings };
  };
  return { root, prove };
}

const abc = [['a', '1'], ['b', '2'], ['c', '3']].map(([k, v]) => [text(k), text(v)]);
const hundredUnits = Array.from({ length: 100 }, (_, i) => [
  text(`unit/${String(i).padStart(3, '0')}`),
  text(`holder-${i % 7}`),
]);

test('the pinned roots: the empty tree, {a, b, c}, a hundred units', () => {
  assert.equal(toHex(tree([]).root), '00'.repeat(32));
  assert.equal(toHex(tree(abc).root), '8e2a164a410203f51300d7c6645b7a37f549768457be109acc126c63573a9e0a');
  assert.equal(toHex(tree(hundredUnits).root), '4c0c5f3a7c946c06bbcdd05a1295506e33b4d9d04452032a8f7a3508e92ad54d');
});

const parsed = (json) => {
  const p = parseProof(json);
  assert.ok(p.ok, p.error);
  return p.proof;
};

test('the pinned empty proof: every key is absent from the empty tree', () => {
  const proof = parsed({ leaf: null, siblings: [] });
  assert.deepEqual(verifyMerkle(new Uint8Array(32), text('a'), null, proof), { ok: true });
  const claimed = verifyMerkle(new Uint8Array(32), text('a'), text('1'), proof);
  assert.match(claimed.error, /absent, not holding/);
});

test('proofs of present and absent keys verify; every other claim fails (seed 3)', () => {
  const random = seeded(3);
  for (let round = 0; round < 20; round++) {
    const n = random.int(40);
    const entries = Array.from({ length: n }, (_, i) => [text(`acct/${i}/${random.int(1000)}`), random.bytes(random.int(6))]);
    const t = tree(entries);
    for (const [k, v] of entries) {
      const proof = parsed(t.prove(k));
      assert.deepEqual(verifyMerkle(t.root, k, v, proof), { ok: true });
      assert.match(verifyMerkle(t.root, k, null, proof).error, /present, not absent/);
      assert.match(verifyMerkle(t.root, k, concat(v, Uint8Array.of(1)), proof).error, /another value/);
      const other = new Uint8Array(32).fill(9);
      assert.match(verifyMerkle(other, k, v, proof).error, /rebuilds root/);
      if (proof.siblings.length > 0) {
        const tampered = { ...proof, siblings: proof.siblings.map((s, i) => (i === 0 ? flip(s) : s)) };
        assert.equal(verifyMerkle(t.root, k, v, tampered).ok, false, 'a sibling changed');
        const shorter = { ...proof, siblings: proof.siblings.slice(1) };
        assert.equal(verifyMerkle(t.root, k, v, shorter).ok, false, 'a sibling removed');
      }
      const longer = { ...proof, siblings: [...proof.siblings, new Uint8Array(32)] };
      assert.match(verifyMerkle(t.root, k, v, longer).error, /canonical/);
    }
    for (let i = 0; i < 10; i++) {
      const absent = text(`absent/${round}/${i}`);
      const proof = parsed(t.prove(absent));
      assert.deepEqual(verifyMerkle(t.root, absent, null, proof), { ok: true });
      assert.equal(verifyMerkle(t.root, absent, text('x'), proof).ok, false);
    }
  }
});

function flip(bytes) {
  const out = bytes.slice();
  out[0] ^= 1;
  return out;
}

test('an absence proof whose leaf is off the key path is refused', () => {
  const t = tree(abc);
  const proof = parsed(t.prove(text('zz')));
  if (proof.leaf !== null && proof.siblings.length > 0) {
    const wrongLeaf = { ...proof, leaf: { keyHash: flip(keyHash(text('zz'))), valueHash: proof.leaf.valueHash } };
    assert.equal(verifyMerkle(t.root, text('zz'), null, wrongLeaf).ok, false);
  }
  const present = parsed(t.prove(text('a')));
  assert.ok(bytesEqual(present.leaf.keyHash, keyHash(text('a'))));
});

test('the JSON form is read as serde reads it', () => {
  assert.match(parseProof({ leaf: null, siblings: [], depth: 1 }).error, /unknown field/);
  assert.match(parseProof({ leaf: null }).error, /siblings/);
  assert.ok(parseProof({ siblings: [] }).ok, 'a missing leaf is None');
  assert.ok(parseProof({ leaf: null, siblings: ['AB'.repeat(32)] }).ok, 'hex in capitals');
  assert.match(parseProof({ leaf: null, siblings: ['ab'.repeat(31)] }).error, /32 bytes/);
  assert.match(parseProof({ leaf: null, siblings: Array(257).fill('00'.repeat(32)) }).error, /more than 256/);
  assert.match(parseProof({ leaf: { key_hash: '00'.repeat(32) }, siblings: [] }).error, /two 32-byte/);
  assert.match(parseProof([]).error, /object/);
});
