// The unit-proof verifier: the checks of `jcm verify-proof` (cli/src/proof/{mod.rs,
// check.rs, sets.rs}), in the same order, with the same verdicts, in the browser.
//
// A proof file (`jcm-unit-proof/2`, or `/1` without transitions) ties one unit's current
// block and events, by Merkle proofs, to the state root of a header of height H; the
// header is certified by the validator set in force at H, which the verifier derives
// from the genesis through each validator-set transition the file lists (each one
// certified by the set before it). See cli/src/proof/mod.rs for what a valid proof does
// and does not guarantee (the explorer shows the same limits).
//
// Entry points:
//
// - verifyUnitProof(genesisBytes, file)  -> the verdict for a parsed proof file;
// - verifyUnitProofText(genesisBytes, text) -> the same for the file's text;
// - startChain(genesisBytes), verifyCertifiedHeader(...), verifyEntry(...),
//   verifyLookup(...), followTransitions(...) for pages that check other state.
//
// Nothing here throws on bad input: every failure is a verdict
// `{verdict: "invalid", check, message}` with `check` one of the Rust verifier's
// `CheckError::check()` words ("format", "header", "commit", "entry", "transition"),
// plus "genesis" when the genesis bytes themselves do not decode (the Rust CLI fails to
// load such a genesis before verifying anything).

import { DecodeError, decodeAll, fromHex, toHex, bytesEqual } from './borsh.js';
import { sha256 } from './sha2.js';
import { verifyMerkle, parseProof } from './merkle.js';
import {
  decodeHeader,
  decodeCommit,
  consensusSet,
  validatorsHash,
  verifyCommit,
  applyOne,
  KEYS,
  CHAIN_ID_LEN_MAX,
  VALUE_BYTES_MAX,
} from './chain.js';
import {
  decodeGenesis,
  readChainMeta,
  readUnitBlock,
  readEvent,
  readScheduledChange,
  isId,
  plain,
} from './model.js';

export const FORMAT = 'jcm-unit-proof/2';
export const FORMAT_V1 = 'jcm-unit-proof/1';
/** cli/src/proof/sets.rs */
export const FIRST_CHANGE_HEIGHT = 2n;
/** The largest proof file read (PROOF_FILE_BYTES_MAX). */
export const PROOF_FILE_BYTES_MAX = 64 * 1024 * 1024;

/** A failed check, carried to the verdict. */
class Failure {
  constructor(check, message, extra = {}) {
    this.check = check;
    this.message = message;
    Object.assign(this, extra);
  }
}

const fail = (check, message, extra) => {
  throw new Failure(check, message, extra);
};

const PART_TEXT = {
  order: 'its place in the list',
  header: 'the header before it',
  commit: 'the certificate of the header before it',
  meta: 'the chain-metadata proof',
  next_proposal: 'the proposal counter',
  changes: 'its schedule entries',
};

/** A transition failure: `part` as the Rust `Part` (snake_case), `proposal` for `change`. */
function failTransition(height, part, message, proposal) {
  const partText = part === 'change' ? `the schedule entry of proposal ${proposal}` : PART_TEXT[part];
  const extra = { height: plain(height), part };
  if (part === 'change') extra.proposal = plain(proposal);
  fail('transition', `the validator-set transition at height ${height}, ${partText}: ${message}`, extra);
}

const failEntry = (what, message) => fail('entry', `${what}: ${message}`, { what });

// ---- the file, as serde reads it ---------------------------------------------------

function formatError(message) {
  return new Failure('format', `not a unit proof file (${FORMAT} or ${FORMAT_V1}): ${message}`);
}

function fields(value, what, required, optional = []) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw formatError(`${what} is not an object`);
  }
  for (const k of Object.keys(value)) {
    if (!required.includes(k) && !optional.includes(k)) throw formatError(`unknown field \`${k}\` in ${what}`);
  }
  for (const k of required) {
    if (!(k in value)) throw formatError(`missing field \`${k}\` in ${what}`);
  }
}

function str(value, what) {
  if (typeof value !== 'string') throw formatError(`${what} is not a string`);
  return value;
}

/** A u64 as serde_json reads it; a JS Number must be an exact integer. */
function u64(value, what) {
  if (typeof value === 'bigint' && value >= 0n && value < 1n << 64n) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    if (!Number.isSafeInteger(value)) throw formatError(`${what} ${value} is beyond what JSON numbers carry exactly here`);
    return BigInt(value);
  }
  throw formatError(`${what} is not an unsigned integer`);
}

function proofOf(value, what) {
  const parsed = parseProof(value);
  if (!parsed.ok) throw formatError(`${what}: ${parsed.error}`);
  return parsed.proof;
}

function entryOf(value, what) {
  fields(value, what, ['key', 'value', 'proof']);
  return { key: str(value.key, `${what}.key`), value: str(value.value, `${what}.value`), proof: proofOf(value.proof, `${what}.proof`) };
}

function lookupOf(value, what) {
  fields(value, what, ['key', 'proof'], ['value']);
  const v = value.value;
  if (v !== undefined && v !== null && typeof v !== 'string') throw formatError(`${what}.value is not a string or null`);
  return { key: str(value.key, `${what}.key`), value: v ?? null, proof: proofOf(value.proof, `${what}.proof`) };
}

function listOf(value, what, item) {
  if (!Array.isArray(value)) throw formatError(`${what} is not a list`);
  return value.map((v, i) => item(v, `${what}[${i}]`));
}

/** The file as the Rust `UnitProof` type reads it (deny_unknown_fields throughout). */
export function parseUnitProof(file) {
  fields(file, 'the file', ['format', 'unit', 'height', 'header', 'commit', 'meta', 'current', 'events'], ['transitions']);
  return {
    format: str(file.format, 'format'),
    unit: str(file.unit, 'unit'),
    height: u64(file.height, 'height'),
    header: str(file.header, 'header'),
    commit: str(file.commit, 'commit'),
    meta: entryOf(file.meta, 'meta'),
    current: entryOf(file.current, 'current'),
    events: listOf(file.events, 'events', entryOf),
    transitions: file.transitions === undefined ? [] : listOf(file.transitions, 'transitions', (t, what) => {
      fields(t, what, ['height', 'header', 'commit', 'meta', 'next_proposal', 'changes']);
      return {
        height: u64(t.height, `${what}.height`),
        header: str(t.header, `${what}.header`),
        commit: str(t.commit, `${what}.commit`),
        meta: proofOf(t.meta, `${what}.meta`),
        next_proposal: lookupOf(t.next_proposal, `${what}.next_proposal`),
        changes: listOf(t.changes, `${what}.changes`, lookupOf),
      };
    }),
  };
}

// ---- unit identifiers (runtime/src/units.rs UnitId::parse) -------------------------

const SERIAL_MAX = (1n << 63n) - 1n; // u64::MAX / 2

function parseSerial(text) {
  if (!/^[1-9]/.test(text)) return null;
  let digitsText = text;
  if (text.includes(',')) {
    const groups = text.split(',');
    const headOk = groups[0].length >= 1 && groups[0].length <= 3;
    const tailOk = groups.slice(1).every((g) => g.length === 3);
    if (!headOk || !tailOk) return null;
    digitsText = groups.join('');
  }
  if (!/^[0-9]*$/.test(digitsText) || digitsText.length > 18) return null;
  const serial = BigInt(digitsText);
  return serial <= SERIAL_MAX ? serial : null;
}

/** `CA0001-JPN01-IND-12345-2025` -> `{ca, registry, ftp, serial (BigInt), vintage}`. */
export function parseUnitId(text) {
  const bad = (why) => ({ ok: false, error: `\`${text}\` is not a unit identifier (${why})` });
  const parts = text.split('-');
  if (parts.length !== 5) return bad('expected five parts CANNNN-PPPNN-PPP-serial-YYYY');
  const [ca, registry, ftp, serialText, vintage] = parts;
  if (!isId('ca', ca)) return bad('cooperative approach');
  if (!isId('registry', registry)) return bad('registry');
  if (!isId('party', ftp)) return bad('first transferring Party');
  const serial = parseSerial(serialText);
  if (serial === null) return bad('serial');
  if (!/^[0-9]{4}$/.test(vintage)) return bad('vintage');
  return { ok: true, unit: { ca, registry, ftp, serial, vintage: Number(vintage) } };
}

const unitText = (u) => `${u.ca}-${u.registry}-${u.ftp}-${u.serial}-${u.vintage}`;

// ---- the trusted chain -------------------------------------------------------------

/**
 * What the verifier takes from the genesis bytes: `{ok: true, chain}` with
 * `chain.genesisHash` (hex), `chain.genesis` (decoded), `chain.chainId`,
 * `chain.validators` (model shape) and `chain.set` (consensus form), or
 * `{ok: false, check, message}` ("genesis" if the bytes do not decode, "header" if the
 * genesis cannot start a chain, as Chain::of says).
 */
export function startChain(genesisBytes) {
  if (!(genesisBytes instanceof Uint8Array)) {
    return { ok: false, check: 'genesis', message: 'the genesis is not bytes' };
  }
  let genesis;
  try {
    genesis = decodeGenesis(genesisBytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { ok: false, check: 'genesis', message: `the genesis does not decode: ${e.message}` };
  }
  const bad = (m) => ({ ok: false, check: 'header', message: `the header: the genesis cannot start a chain: ${m}` });
  const idLength = new TextEncoder().encode(genesis.chain_id).length;
  if (idLength === 0 || idLength > CHAIN_ID_LEN_MAX) {
    return bad(`chain id must be 1..=${CHAIN_ID_LEN_MAX} bytes, got ${idLength}`);
  }
  const set = consensusSet(genesis.validators);
  if (!set.ok) return bad(set.error);
  return {
    ok: true,
    chain: {
      genesis,
      genesisHash: toHex(sha256(genesisBytes)),
      chainId: genesis.chain_id,
      validators: genesis.validators,
      set: set.set,
    },
  };
}

/**
 * check::certified: decodes a header of `height` (hex) and its certificate (hex) and
 * checks that `trusted` (a consensus set) certified it. `{ok: true, header}` or
 * `{ok: false, part: "header"|"commit", error}`.
 */
export function verifyCertifiedHeader(chain, trusted, headerHex, commitHex, height) {
  const h = BigInt(height);
  const headerBytes = fromHex(headerHex);
  if (headerBytes === null) return { ok: false, part: 'header', error: 'not hex' };
  let header;
  try {
    header = decodeHeader(headerBytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { ok: false, part: 'header', error: `does not decode: ${e.message}` };
  }
  if (header.chain_id !== chain.chainId) {
    return { ok: false, part: 'header', error: `it is of chain \`${header.chain_id}\`, not \`${chain.chainId}\`` };
  }
  if (header.height !== h || header.height === 0n) {
    return { ok: false, part: 'header', error: `its height is ${header.height}, ${h} expected` };
  }
  const expected = validatorsHash(trusted);
  if (header.validators_hash !== expected) {
    return {
      ok: false,
      part: 'header',
      error:
        `its validator-set hash is ${header.validators_hash}, not ${expected}, the hash of the set in force ` +
        `at height ${h} as the genesis and the file's validator-set transitions give it: a transition is ` +
        `missing from the file, or the header is not the chain's`,
    };
  }
  const commitBytes = fromHex(commitHex);
  if (commitBytes === null) return { ok: false, part: 'commit', error: 'not hex' };
  let commit;
  try {
    commit = decodeCommit(commitBytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { ok: false, part: 'commit', error: `does not decode: ${e.message}` };
  }
  if (commit.height !== header.height || commit.value !== header.hash) {
    return {
      ok: false,
      part: 'commit',
      error: `it certifies height ${commit.height} block ${commit.value}, not the header (height ${header.height}, hash ${header.hash})`,
    };
  }
  const checked = verifyCommit(commit, chain.chainId, trusted);
  if (!checked.ok) {
    return { ok: false, part: 'commit', error: `${checked.error} (checked against the set in force at height ${h})` };
  }
  return { ok: true, header, commit };
}

/**
 * check::entry: an entry `{key, value, proof}` (hex key and value, parsed proof)
 * verified under `root` (hex) and its value decoded with `read` (a model.js reader).
 * `{ok: true, value, bytes}` or `{ok: false, error}`.
 */
export function verifyEntry(rootHex, entry, read) {
  const key = fromHex(entry.key);
  if (key === null) return { ok: false, error: 'the key is not hex' };
  const value = fromHex(entry.value);
  if (value === null) return { ok: false, error: 'the value is not hex' };
  const checked = verifyMerkle(fromHex(rootHex), key, value, entry.proof);
  if (!checked.ok) return { ok: false, error: `the Merkle proof fails: ${checked.error}` };
  try {
    return { ok: true, value: decodeAll(value, read, VALUE_BYTES_MAX), bytes: value };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { ok: false, error: `the value does not decode: ${e.message}` };
  }
}

/**
 * check::lookup: `lookup` is of `key` (bytes) and its proof shows under `root` the value
 * it gives or the key's absence. `{ok: true, value: Uint8Array | null}` or `{ok: false, error}`.
 */
export function verifyLookup(rootHex, key, lookup) {
  if (lookup.key !== toHex(key)) return { ok: false, error: `the entry is of key ${lookup.key}, not ${toHex(key)}` };
  let value = null;
  if (lookup.value !== null) {
    value = fromHex(lookup.value);
    if (value === null) return { ok: false, error: 'the value is not hex' };
  }
  const checked = verifyMerkle(fromHex(rootHex), key, value, lookup.proof);
  if (!checked.ok) {
    const claim = value !== null ? 'the value given' : 'the key absent';
    return { ok: false, error: `the Merkle proof does not show ${claim}: ${checked.error}` };
  }
  return { ok: true, value };
}

/** check::meta_claim: the value bytes of the file's metadata entry, once it names this genesis. */
function metaClaim(chain, meta) {
  const what = 'the chain-metadata entry';
  const value = fromHex(meta.value);
  if (value === null) failEntry(what, 'the value is not hex');
  let decoded;
  try {
    decoded = decodeAll(value, readChainMeta, VALUE_BYTES_MAX);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    failEntry(what, `the value does not decode: ${e.message}`);
  }
  const key = fromHex(meta.key);
  if (key === null || !bytesEqual(key, KEYS.META) || decoded.genesis_hash !== chain.genesisHash) {
    failEntry(what, `the proven state is of genesis ${decoded.genesis_hash}, not of the given genesis ${chain.genesisHash}`);
  }
  return value;
}

// ---- validator-set transitions (cli/src/proof/sets.rs) -----------------------------

/**
 * sets::follow: the set in force at the proof's height, from the genesis set through
 * each transition. Returns `{validators, set, applied}`; throws a Failure otherwise.
 */
function follow(chain, proof) {
  const trusted = { validators: chain.validators, set: chain.set, applied: [] };
  let previous = null;
  for (const t of proof.transitions) {
    if (t.height < FIRST_CHANGE_HEIGHT || t.height > proof.height) {
      failTransition(
        t.height,
        'order',
        `a change the proof rests on takes effect from height ${FIRST_CHANGE_HEIGHT} up to the proven height ${proof.height}`,
      );
    }
    if (previous !== null && t.height <= previous) {
      failTransition(t.height, 'order', `heights increase, and the transition before it is at height ${previous}`);
    }
    const changes = shown(chain, trusted, proof, t);
    apply(trusted, t.height, changes);
    previous = t.height;
  }
  return trusted;
}

function shown(chain, trusted, proof, t) {
  const before = t.height - 1n;
  const certified = verifyCertifiedHeader(chain, trusted.set, t.header, t.commit, before);
  if (!certified.ok) failTransition(t.height, certified.part, certified.error);
  const root = certified.header.state_root;
  const meta = metaClaim(chain, proof.meta);
  const metaChecked = verifyMerkle(fromHex(root), KEYS.META, meta, t.meta);
  if (!metaChecked.ok) {
    failTransition(t.height, 'meta', `the state of height ${before} does not hold this genesis's chain metadata: ${metaChecked.error}`);
  }
  const next = nextProposal(root, t);
  const ids = next - 1n;
  if (BigInt(t.changes.length) !== ids) {
    const given = ids === 0n ? 'no proposal' : `proposals 1 to ${ids}`;
    failTransition(
      t.height,
      'changes',
      `the counter gave out ${given} by height ${before}, and each needs its entry, present or absent; the file lists ${t.changes.length}`,
    );
  }
  const changes = [];
  for (let i = 0; i < t.changes.length; i++) {
    const p = BigInt(i + 1);
    const key = KEYS.scheduledValidators(t.height, p);
    const looked = verifyLookup(root, key, t.changes[i]);
    if (!looked.ok) failTransition(t.height, 'change', looked.error, p);
    if (looked.value === null) continue;
    let change;
    try {
      change = decodeAll(looked.value, readScheduledChange, VALUE_BYTES_MAX);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      failTransition(t.height, 'change', `the value does not decode: ${e.message}`, p);
    }
    if (change.proposal !== p || change.height !== t.height) {
      failTransition(
        t.height,
        'change',
        `it is recorded as proposal ${change.proposal}'s change at height ${change.height}`,
        p,
      );
    }
    changes.push(change);
  }
  if (changes.length === 0) failTransition(t.height, 'changes', 'no proposal scheduled a change for this height');
  return changes;
}

function nextProposal(root, t) {
  const looked = verifyLookup(root, KEYS.NEXT_PROPOSAL, t.next_proposal);
  if (!looked.ok) failTransition(t.height, 'next_proposal', looked.error);
  let next = 1n;
  if (looked.value !== null) {
    try {
      next = decodeAll(looked.value, (r) => r.u64('the counter'), 8);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      failTransition(t.height, 'next_proposal', `the value does not decode: ${e.message}`);
    }
  }
  if (next === 0n) failTransition(t.height, 'next_proposal', 'the counter is 0; proposals are numbered from 1');
  return next;
}

function apply(trusted, height, changes) {
  for (const change of changes) {
    const applied = applyOne(trusted.validators, change.change);
    if (!applied.ok) {
      failTransition(height, 'change', `the change does not apply to the set then (${applied.code}): ${applied.error}`, change.proposal);
    }
    trusted.validators = applied.validators;
    trusted.applied.push(change);
  }
  const set = consensusSet(trusted.validators);
  // apply_one checks the set runs consensus after each change, so this cannot fail.
  if (!set.ok) throw new Error(`invariant: apply_one left a set that does not run consensus: ${set.error}`);
  trusted.set = set.set;
}

/**
 * The validator set in force at `proof.height` for a parsed proof (parseUnitProof):
 * `{ok: true, validators, set, applied}`, or `{ok: false, check, message, ...}` as a
 * verdict gives it. For pages that verify other state across transitions.
 */
export function followTransitions(chain, proof) {
  try {
    return { ok: true, ...follow(chain, proof) };
  } catch (e) {
    if (!(e instanceof Failure)) throw e;
    const { check, message, ...extra } = e;
    return { ok: false, check, message, ...extra };
  }
}

// ---- the unit's entries (cli/src/proof/mod.rs) -------------------------------------

function currentBlock(root, proof, unit) {
  const what = 'the current-block entry';
  const checked = verifyEntry(root, proof.current, readUnitBlock);
  if (!checked.ok) failEntry(what, checked.error);
  const current = checked.value;
  const holds =
    current.ca === unit.ca &&
    current.ftp === unit.ftp &&
    current.first <= unit.serial &&
    unit.serial <= current.last &&
    current.attrs.origin === unit.registry &&
    current.attrs.vintage === unit.vintage;
  const key = toHex(KEYS.units(current.ca, current.ftp, current.last));
  if (!holds || key !== proof.current.key) {
    const id = (serial) => `${current.ca}-${current.attrs.origin}-${current.ftp}-${serial}-${current.attrs.vintage}`;
    failEntry(what, `it is not the block holding ${unitText(unit)}: ${id(current.first)}..${id(current.last)}`);
  }
  return current;
}

function unitEvents(root, proof, unit) {
  const events = [];
  proof.events.forEach((entry, i) => {
    const label = `event entry #${i}`;
    const checked = verifyEntry(root, entry, readEvent);
    if (!checked.ok) failEntry(label, checked.error);
    const event = checked.value;
    const u = event.units;
    const touches = u !== null && u.ca === unit.ca && u.ftp === unit.ftp && u.first <= unit.serial && unit.serial <= u.last;
    if (!touches || toHex(KEYS.event(event.seq)) !== entry.key) {
      failEntry(label, `event ${event.seq} does not concern ${unitText(unit)}`);
    }
    if (events.length > 0 && events[events.length - 1].seq >= event.seq) {
      failEntry(label, `event ${event.seq} is out of order`);
    }
    events.push(event);
  });
  return events;
}

// ---- the verdict -------------------------------------------------------------------

function verifyParsed(genesisBytes, proof) {
  if (proof.format === FORMAT) {
    // the current format
  } else if (proof.format === FORMAT_V1) {
    if (proof.transitions.length > 0) {
      fail('format', `not a unit proof file (${FORMAT} or ${FORMAT_V1}): a \`${FORMAT_V1}\` file has no validator-set transitions, this one lists ${proof.transitions.length}`);
    }
  } else {
    fail('format', `not a unit proof file (${FORMAT} or ${FORMAT_V1}): the format is \`${proof.format}\``);
  }
  const parsedUnit = parseUnitId(proof.unit);
  if (!parsedUnit.ok) fail('format', `not a unit proof file (${FORMAT} or ${FORMAT_V1}): ${parsedUnit.error}`);
  const unit = parsedUnit.unit;
  const started = startChain(genesisBytes);
  if (!started.ok) fail(started.check, started.message);
  const chain = started.chain;
  const trusted = follow(chain, proof);
  const certified = verifyCertifiedHeader(chain, trusted.set, proof.header, proof.commit, proof.height);
  if (!certified.ok) {
    fail(certified.part, `${certified.part === 'header' ? 'the header' : 'the commit certificate'}: ${certified.error}`);
  }
  const header = certified.header;
  const root = header.state_root;
  const meta = verifyEntry(root, proof.meta, readChainMeta);
  if (!meta.ok) failEntry('the chain-metadata entry', meta.error);
  metaClaim(chain, proof.meta);
  const current = currentBlock(root, proof, unit);
  const events = unitEvents(root, proof, unit);
  return {
    verdict: 'valid',
    genesisHash: chain.genesisHash,
    chainId: chain.chainId,
    unit: unitText(unit),
    height: plain(header.height),
    blockHash: header.hash,
    stateRoot: root,
    time: header.time,
    header: plain(header),
    current: plain(current),
    events: plain(events),
    validators: plain(trusted.validators),
    setChanges: plain(trusted.applied),
  };
}

/**
 * Verifies a parsed `jcm-unit-proof/2` (or `/1`) file against the genesis's canonical
 * bytes. Returns
 *
 *   {verdict: "valid", genesisHash, chainId, unit, height, blockHash, stateRoot, time,
 *    header, current, events, validators, setChanges}
 *
 * (`current`, `events`, `validators`, `setChanges` in the shape of the Rust verifier's
 * JSON: `UnitBlock`, `Event`, `model::Validator`, `ScheduledChange`), or
 *
 *   {verdict: "invalid", check, message}
 *
 * with `check` as the Rust CheckError's (and, for a transition, `height`, `part` and
 * for a schedule entry `proposal`; for an entry, `what`). Never throws.
 */
export function verifyUnitProof(genesisBytes, file) {
  try {
    let proof;
    try {
      proof = parseUnitProof(file);
    } catch (e) {
      if (e instanceof Failure) throw e;
      throw formatError(String(e && e.message));
    }
    return verifyParsed(genesisBytes, proof);
  } catch (e) {
    if (e instanceof Failure) {
      const { check, message, ...extra } = e;
      return { verdict: 'invalid', check, message, ...extra };
    }
    // A bug of this verifier, not a verdict on the file: still never "valid".
    return { verdict: 'invalid', check: 'internal', message: `the verifier failed: ${e && e.stack ? e.stack : e}` };
  }
}

/** verifyUnitProof for the file's text (JSON): unparsable text is a `format` verdict. */
export function verifyUnitProofText(genesisBytes, text) {
  if (typeof text !== 'string' || text.length > PROOF_FILE_BYTES_MAX) {
    return { verdict: 'invalid', check: 'format', message: `not a unit proof file: not text of at most ${PROOF_FILE_BYTES_MAX} bytes` };
  }
  let file;
  try {
    file = JSON.parse(text);
  } catch (e) {
    return { verdict: 'invalid', check: 'format', message: `not a unit proof file (${FORMAT} or ${FORMAT_V1}): ${e.message}` };
  }
  return verifyUnitProof(genesisBytes, file);
}
