// State proofs (runtime/src/merkle): checks that a proof shows, under a state root, that
// a key holds a value or is absent, as `merkle::verify` does.
//
// The tree is a sparse, path-compressed binary tree over `path = sha256(key)` (bit 0 the
// most significant bit of byte 0; 0 goes left). Hashing:
//
//   leaf     = sha256(0x00 ‖ sha256(key) ‖ sha256(value))
//   internal = sha256(0x01 ‖ left ‖ right)
//   empty    = 0x00 × 32
//
// A proof is the sibling hash at each internal node from the root down, and the leaf
// where the walk ended (the key's own: present; another key's: absent; none: an empty
// subtree, absent). Its JSON form: `{"leaf": {"key_hash", "value_hash"} | null,
// "siblings": [hex, ...]}`.

import { sha256 } from './sha2.js';
import { concat, bytesEqual, fromHex, toHex } from './borsh.js';

/** Most siblings in a proof: one per level of a 256-bit path. */
export const PROOF_SIBLINGS_MAX = 256;
const EMPTY = new Uint8Array(32);

export const keyHash = (key) => sha256(key);
export const valueHash = (value) => sha256(value);
export const leafHash = (kh, vh) => sha256(concat(Uint8Array.of(0), kh, vh));
export const internalHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

const bit = (path, depth) => (path[depth >> 3] >> (7 - (depth & 7))) & 1;

function commonPrefixBits(a, b) {
  for (let i = 0; i < 32; i++) {
    const diff = a[i] ^ b[i];
    if (diff !== 0) return i * 8 + Math.clz32(diff) - 24;
  }
  return 256;
}

/**
 * Parses the JSON form of a proof as serde does (unknown fields refused, 64-hex-digit
 * hashes in either case, at most PROOF_SIBLINGS_MAX siblings): `{ok: true, proof}` with
 * Uint8Array hashes, or `{ok: false, error}`.
 */
export function parseProof(json) {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, error: 'a Merkle proof is an object {leaf, siblings}' };
  }
  const extra = Object.keys(json).filter((k) => k !== 'leaf' && k !== 'siblings');
  if (extra.length > 0) return { ok: false, error: `unknown field \`${extra[0]}\` in a Merkle proof` };
  const hash = (text, what) => {
    const bytes = typeof text === 'string' ? fromHex(text) : null;
    return bytes !== null && bytes.length === 32 ? bytes : null;
  };
  let leaf = null;
  if (json.leaf !== undefined && json.leaf !== null) {
    const l = json.leaf;
    if (typeof l !== 'object' || Array.isArray(l)) return { ok: false, error: 'a proof leaf is an object' };
    const extraLeaf = Object.keys(l).filter((k) => k !== 'key_hash' && k !== 'value_hash');
    if (extraLeaf.length > 0) return { ok: false, error: `unknown field \`${extraLeaf[0]}\` in a proof leaf` };
    const kh = hash(l.key_hash);
    const vh = hash(l.value_hash);
    if (kh === null || vh === null) return { ok: false, error: 'a proof leaf holds two 32-byte hex hashes' };
    leaf = { keyHash: kh, valueHash: vh };
  }
  if (!Array.isArray(json.siblings)) return { ok: false, error: 'missing field `siblings` (a list of hex hashes)' };
  if (json.siblings.length > PROOF_SIBLINGS_MAX) {
    return { ok: false, error: `more than ${PROOF_SIBLINGS_MAX} siblings` };
  }
  const siblings = [];
  for (const s of json.siblings) {
    const h = hash(s);
    if (h === null) return { ok: false, error: 'a sibling is not 32 bytes of hex' };
    siblings.push(h);
  }
  return { ok: true, proof: { leaf, siblings } };
}

/**
 * `merkle::verify`: whether `proof` (parsed) shows under `root` (32 bytes) that `key`
 * holds `value` (Uint8Array) or is absent (`value === null`). `{ok: true}` or
 * `{ok: false, error}` with the runtime's reasons, in its order.
 */
export function verifyMerkle(root, key, value, proof) {
  const depth = proof.siblings.length;
  if (depth > PROOF_SIBLINGS_MAX) {
    return { ok: false, error: `the proof has ${depth} siblings; a path has at most ${PROOF_SIBLINGS_MAX}` };
  }
  const path = keyHash(key);
  let bottom;
  const leaf = proof.leaf;
  if (value !== null && leaf === null) {
    return { ok: false, error: 'the proof shows the key absent, not holding the claimed value' };
  } else if (value === null && leaf === null) {
    bottom = EMPTY;
  } else if (value !== null) {
    if (!bytesEqual(leaf.keyHash, path)) {
      return { ok: false, error: 'the proof shows the key absent, not holding the claimed value' };
    }
    if (!bytesEqual(leaf.valueHash, valueHash(value))) {
      return { ok: false, error: `the key holds another value: its value hash is ${toHex(leaf.valueHash)}` };
    }
    bottom = leafHash(leaf.keyHash, leaf.valueHash);
  } else {
    if (bytesEqual(leaf.keyHash, path)) return { ok: false, error: 'the proof shows the key present, not absent' };
    if (commonPrefixBits(leaf.keyHash, path) < depth) {
      return { ok: false, error: "the proof's leaf is not on the key's path" };
    }
    bottom = leafHash(leaf.keyHash, leaf.valueHash);
  }
  if (depth > 0 && bytesEqual(proof.siblings[depth - 1], EMPTY)) {
    return { ok: false, error: 'the proof is not in canonical form: its last sibling is empty' };
  }
  let hash = bottom;
  for (let d = depth - 1; d >= 0; d--) {
    hash = bit(path, d) ? internalHash(proof.siblings[d], hash) : internalHash(hash, proof.siblings[d]);
  }
  if (!bytesEqual(hash, root)) {
    return { ok: false, error: `the proof rebuilds root ${toHex(hash)}, not ${toHex(root)}` };
  }
  return { ok: true };
}
