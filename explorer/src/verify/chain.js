// The consensus side of the chain, as the runtime defines it: headers and their hash
// (runtime/src/protocol/block.rs), validator sets, precommit sign bytes and commit
// certificates (runtime/src/protocol/votes.rs), validator-set changes
// (runtime/src/tx/gov/validators.rs `apply_one`), and the state keys a proof names
// (runtime/src/state/keys.rs).
//
// Errors are values: functions that can fail return `{ok: true, ...}` or
// `{ok: false, error: "why"}`; decoders throw DecodeError, which callers turn into a
// verdict.

import { Reader, DecodeError, concat, compareBytes, fromHex, toHex } from './borsh.js';
import { sha256 } from './sha2.js';
import { verify as ed25519Verify, isDalekKey } from './ed25519.js';
import { formatTimestamp } from './model.js';

const ENCODER = new TextEncoder();
const ascii = (text) => ENCODER.encode(text);

/** Domain tags (block.rs, votes.rs). */
export const HEADER_TAG = ascii('JCM/header/v1');
export const VALIDATORS_TAG = ascii('JCM/validators/v1');
export const VOTE_TAG = ascii('JCM/vote/v1');
/** votes.rs */
export const CHAIN_ID_LEN_MAX = 64;
export const VALIDATORS_MAX = 256;
/** Bound of a set's total power (ValidatorSet::new): u64::MAX / 4. */
export const TOTAL_POWER_MAX = ((1n << 64n) - 1n) / 4n;
/** cli/src/proof/mod.rs and cli/src/audit/bundle.rs */
export const HEADER_BYTES_MAX = 4 * 1024;
export const COMMIT_BYTES_MAX = 64 * 1024;
export const VALUE_BYTES_MAX = 1024 * 1024;

// ---- headers and certificates ------------------------------------------------------

/** `ChainId`: a string of 1..=64 bytes. */
function readChainId(r, what = 'the chain id') {
  const text = r.string(what, CHAIN_ID_LEN_MAX);
  if (text.length === 0) throw new DecodeError(`${what}: chain id must be 1..=${CHAIN_ID_LEN_MAX} bytes, got 0`);
  return text;
}

/**
 * Decodes a header's canonical bytes (at most HEADER_BYTES_MAX). The result holds the
 * fields (hashes and keys as hex, `time` as a timestamp text, `timeSeconds` and
 * `height` as BigInt) and `hash`, the block id `SHA-256(HEADER_TAG ‖ bytes)`.
 */
export function decodeHeader(bytes) {
  const r = new Reader(bytes, HEADER_BYTES_MAX);
  const header = {
    chain_id: readChainId(r),
    protocol_version: r.u32('protocol_version'),
    height: r.u64('height'),
  };
  header.timeSeconds = r.u64('time');
  header.time = formatTimestamp(header.timeSeconds);
  for (const field of ['previous_block_hash', 'proposer', 'txs_root', 'results_root', 'state_root']) {
    header[field] = toHex(r.fixed(32, field));
  }
  header.validators_hash = toHex(r.fixed(32, 'validators_hash'));
  header.last_commit_hash = toHex(r.fixed(32, 'last_commit_hash'));
  r.finish('the header');
  // The encoding decoded is canonical (every field fixed-width or checked), so the
  // bytes given are the bytes the block id hashes.
  header.hash = toHex(sha256(concat(HEADER_TAG, bytes)));
  return header;
}

/** Decodes a commit certificate's canonical bytes (at most COMMIT_BYTES_MAX). */
export function decodeCommit(bytes) {
  const r = new Reader(bytes, COMMIT_BYTES_MAX);
  const commit = {
    height: r.u64('height'),
    round: r.u32('round'),
    value: toHex(r.fixed(32, 'value')),
  };
  commit.signatures = r.vec(
    'signatures',
    (rr, i) => ({
      validator: toHex(rr.fixed(32, `signatures[${i}].validator`)),
      signature: toHex(rr.fixed(64, `signatures[${i}].signature`)),
    }),
    Infinity,
    96,
  );
  r.finish('the certificate');
  return commit;
}

function u64le(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

function u32le(n) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

/**
 * A precommit's sign bytes (Vote::sign_bytes): `"JCM/vote/v1" ‖ len(chain_id):u8 ‖
 * chain_id ‖ height:u64le ‖ round:u32le ‖ 2 (precommit) ‖ 1 ‖ value:32 ‖ validator:32`.
 */
export function precommitSignBytes(chainId, height, round, valueHex, validatorHex) {
  const id = ascii(chainId);
  return concat(
    VOTE_TAG,
    Uint8Array.of(id.length),
    id,
    u64le(height),
    u32le(round),
    Uint8Array.of(2, 1),
    fromHex(valueHex),
    fromHex(validatorHex),
  );
}

// ---- validator sets ----------------------------------------------------------------

/**
 * The consensus form of a validator list (`gov::consensus_set` / `ValidatorSet::new`):
 * `{ok: true, set}` with `set.members` sorted by key (`{key, power}`, key hex, power
 * BigInt) and `set.total`, or `{ok: false, error}` for what ValidatorSet::new refuses.
 */
export function consensusSet(validators) {
  const n = validators.length;
  if (n === 0 || n > VALIDATORS_MAX) {
    return { ok: false, error: `validator set must hold 1..=${VALIDATORS_MAX} validators, got ${n}` };
  }
  let total = 0n;
  const members = [];
  for (const v of validators) {
    const power = BigInt(v.power);
    if (power === 0n) return { ok: false, error: `validator ${v.public_key} has zero voting power` };
    total += power;
    if (total > TOTAL_POWER_MAX) return { ok: false, error: 'total voting power overflows' };
    const key = fromHex(v.public_key);
    if (key === null || key.length !== 32 || !isDalekKey(key)) {
      return { ok: false, error: `validator ${v.public_key} is not a valid ed25519 public key` };
    }
    members.push({ key: v.public_key, keyBytes: key, power });
  }
  members.sort((a, b) => compareBytes(a.keyBytes, b.keyBytes));
  for (let i = 1; i < members.length; i++) {
    if (members[i].key === members[i - 1].key) {
      return { ok: false, error: `validator ${members[i].key} appears twice` };
    }
  }
  return { ok: true, set: { members, total } };
}

/** The set's hash (`validators_hash`): a list root over `key ‖ power:u64le`, sorted by key. */
export function validatorsHash(set) {
  return toHex(listRoot(VALIDATORS_TAG, set.members.map((m) => concat(m.keyBytes, u64le(m.power)))));
}

/**
 * `list_root`: leaves `SHA-256(tag ‖ 0 ‖ item)`, inner nodes `SHA-256(tag ‖ 1 ‖ l ‖ r)`,
 * an odd node carried up unchanged, the empty list `SHA-256(tag)`.
 */
export function listRoot(tag, items) {
  if (items.length === 0) return sha256(tag);
  let level = items.map((item) => sha256(concat(tag, Uint8Array.of(0), item)));
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? sha256(concat(tag, Uint8Array.of(1), level[i], level[i + 1])) : level[i]);
    }
    level = next;
  }
  return level[0];
}

/** More than two thirds of the total (ValidatorSet::is_quorum). */
export const isQuorum = (set, power) => power * 3n > set.total * 2n;

/**
 * CommitCertificate::verify: distinct members of `set` holding more than two thirds of
 * its power signed a precommit for (chainId, height, round, value). Any bad signature,
 * stranger or repeated signer rejects the whole certificate. `{ok: true, signed}` or
 * `{ok: false, error}`, in the order of the Rust checks.
 */
export function verifyCommit(commit, chainId, set) {
  if (commit.signatures.length > set.members.length) {
    return { ok: false, error: `validator set must hold 1..=${VALIDATORS_MAX} validators, got ${commit.signatures.length}` };
  }
  const byKey = new Map(set.members.map((m) => [m.key, m]));
  const seen = new Set();
  let signed = 0n;
  for (const s of commit.signatures) {
    if (seen.has(s.validator)) return { ok: false, error: `validator ${s.validator} appears twice` };
    seen.add(s.validator);
    const member = byKey.get(s.validator);
    if (member === undefined) return { ok: false, error: `validator ${s.validator} is not in the validator set` };
    const message = precommitSignBytes(chainId, commit.height, commit.round, commit.value, s.validator);
    if (!ed25519Verify(member.keyBytes, message, fromHex(s.signature))) {
      return { ok: false, error: `bad signature from ${s.validator}` };
    }
    signed += member.power;
  }
  if (!isQuorum(set, signed)) {
    return {
      ok: false,
      error: `certificate carries ${signed} of ${set.total} voting power, needs more than two thirds`,
    };
  }
  return { ok: true, signed };
}

// ---- validator changes (runtime/src/tx/gov/validators.rs) --------------------------

const clone = (v) => ({ ...v });

/**
 * `apply_one`: applies one ValidatorChange (decoded, see model.js) to a list of
 * validators (model shape), returning `{ok: true, validators}` (a new list) or
 * `{ok: false, code, error}` with the runtime's rejection code.
 */
export function applyOne(validators, change) {
  const set = validators.map(clone);
  const key = change.op === 'add' ? change.validator.public_key : change.key;
  const position = set.findIndex((v) => v.public_key === key);
  const unknown = { ok: false, code: 'A6-9018', error: `no validator has key ${key} then` };
  switch (change.op) {
    case 'add':
      if (position >= 0) return { ok: false, code: 'A6-9019', error: `validator key ${key} is already in the set then` };
      if (BigInt(change.validator.power) === 0n) {
        return { ok: false, code: 'A6-9017', error: `validator ${change.validator.name} has no voting power` };
      }
      set.push(clone(change.validator));
      break;
    case 'remove':
      if (position < 0) return unknown;
      set.splice(position, 1);
      break;
    case 'set_power':
      if (BigInt(change.power) === 0n) {
        return { ok: false, code: 'A6-9017', error: 'a power of 0 would keep a silent validator: remove it' };
      }
      if (position < 0) return unknown;
      set[position].power = change.power;
      break;
    case 'rotate_key':
      if (position < 0) return unknown;
      if (set.some((v) => v.public_key === change.new_key)) {
        return { ok: false, code: 'A6-9019', error: `validator key ${change.new_key} is already in the set then` };
      }
      set[position].public_key = change.new_key;
      break;
    case 'set_node':
      if (position < 0) return unknown;
      break;
    default:
      return { ok: false, code: 'A6-9017', error: `unknown change ${change.op}` };
  }
  // The total as checked u64 addition: an overflow counts as no power.
  let total = 0n;
  let overflow = false;
  for (const v of set) {
    total += BigInt(v.power);
    if (total >= 1n << 64n) overflow = true;
  }
  if (set.length === 0 || overflow || total === 0n || set.length > VALIDATORS_MAX) {
    return {
      ok: false,
      code: 'A6-9017',
      error: `the set would hold ${set.length} validators with total power ${overflow ? 'None' : `Some(${total})`}`,
    };
  }
  const consensus = consensusSet(set);
  if (!consensus.ok) return { ok: false, code: 'A6-9017', error: `the set would not run consensus: ${consensus.error}` };
  return { ok: true, validators: set };
}

// ---- state keys (runtime/src/state/keys.rs) ----------------------------------------

function u64be(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), false);
  return out;
}

export const KEYS = Object.freeze({
  META: ascii('m/chain'),
  NEXT_PROPOSAL: ascii('gn'),
  /** `vs/<height:u64be><proposal:u64be>` */
  scheduledValidators: (height, proposal) => concat(ascii('vs/'), u64be(height), u64be(proposal)),
  /** `u/<ca><ftp><last:u64be>` */
  units: (ca, ftp, last) => concat(ascii('u/'), ascii(ca), ascii(ftp), u64be(last)),
  /** `ev/<seq:u64be>` */
  event: (seq) => concat(ascii('ev/'), u64be(seq)),
});
