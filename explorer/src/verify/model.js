// Decoders of the runtime's records from their canonical (borsh) encoding: identifiers
// (runtime/src/ids.rs), the registry model and the genesis document
// (runtime/src/model, runtime/src/protocol/genesis.rs), unit blocks (runtime/src/units.rs),
// events (runtime/src/events.rs), the chain metadata (runtime/src/state/mod.rs) and
// scheduled validator changes (runtime/src/tx/gov/records.rs, runtime/src/protocol/gov.rs).
//
// Each decoder reads the fields in declaration order, as borsh does, and checks what the
// runtime's decoder checks (identifier shapes, string bounds, known enum variants and
// rejection codes, sorted sets), so that bytes decode here exactly when they decode in
// Rust. Values come out in the shape of the runtime's serde JSON (the `--output json` of
// `jcm verify-proof`): field names as in Rust, enums spelled as serde spells them,
// timestamps as `YYYY-MM-DDTHH:MM:SSZ`, keys and hashes as lowercase hex; u64 values are
// BigInt (exact) until `plain()` turns them into Numbers.

import { DecodeError, compareStrings, decodeAll, toHex } from './borsh.js';

/** runtime/src/limits.rs */
export const ID_LEN_MAX = 64;
export const TEXT_LEN_MAX = 2048;

// ---- identifiers (runtime/src/ids.rs) ----------------------------------------------

const isUpper = (b) => b >= 0x41 && b <= 0x5a;
const isDigit = (b) => b >= 0x30 && b <= 0x39;
const isAlnum = (b) => isUpper(b) || isDigit(b) || (b >= 0x61 && b <= 0x7a);
const bytesOf = (t) => Array.from(new TextEncoder().encode(t));

const upper = (t, n) => t.length === n && bytesOf(t).every(isUpper);
const digits = (t, n) => t.length === n && bytesOf(t).every(isDigit);
const ascii = (t) => bytesOf(t).length === t.length;
function codeLike(t) {
  const b = bytesOf(t);
  return b.length > 0 && isAlnum(b[0]) && b.every((c) => isAlnum(c) || c === 0x2d || c === 0x5f || c === 0x2e);
}

/** The shape each identifier kind must have, as its Rust constructor checks. */
export const ID_KINDS = Object.freeze({
  party: ['Party code', (t) => upper(t, 3)],
  registry: ['registry id', (t) => ascii(t) && t.length === 5 && upper(t.slice(0, 3), 3) && digits(t.slice(3), 2)],
  ca: ['cooperative approach id', (t) => ascii(t) && t.length === 6 && t.startsWith('CA') && digits(t.slice(2), 4)],
  project: ['project id', codeLike],
  entity: ['entity id', codeLike],
  account: ['account id', codeLike],
  jc: ['Joint Committee id', codeLike],
  notification: ['notification id', codeLike],
  auth: [
    'authorization id',
    (t) => t.trim() !== '' && t.trim() === t && bytesOf(t).every((b) => isAlnum(b) || b === 0x20 || b === 0x2d),
  ],
  officer: ['officer name', codeLike],
});

/** Whether `text` is a valid identifier of `kind` (a key of ID_KINDS). */
export function isId(kind, text) {
  const [, valid] = ID_KINDS[kind];
  return typeof text === 'string' && new TextEncoder().encode(text).length <= ID_LEN_MAX && valid(text);
}

const id = (kind) => (r, what = ID_KINDS[kind][0]) => {
  const text = r.string(what, ID_LEN_MAX);
  if (!isId(kind, text)) throw new DecodeError(`\`${text}\` is not a valid ${ID_KINDS[kind][0]}`);
  return text;
};

export const readParty = id('party');
export const readRegistryId = id('registry');
export const readCaId = id('ca');
export const readProjectId = id('project');
export const readEntityId = id('entity');
export const readAccountId = id('account');
export const readJcId = id('jc');
export const readAuthId = id('auth');
export const readOfficerName = id('officer');

/** `Text`: at most TEXT_LEN_MAX bytes of UTF-8. */
export const readText = (r, what = 'text') => r.string(what, TEXT_LEN_MAX);

export const readHash = (r, what = 'a hash') => toHex(r.fixed(32, what));
export const readKey = (r, what = 'a public key') => toHex(r.fixed(32, what));

// ---- time (runtime/src/time.rs) ----------------------------------------------------

/** `Timestamp`'s Display: `YYYY-MM-DDTHH:MM:SSZ` from seconds (BigInt), as Rust prints it. */
export function formatTimestamp(seconds) {
  const secs = BigInt(seconds);
  const days = secs / 86400n;
  const rest = secs % 86400n;
  // H. Hinnant's civil_from_days, in BigInt (days >= 0 here, so / is floor division).
  const z = days + 719468n;
  const era = z / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const day = Number(doy - (153n * mp + 2n) / 5n + 1n);
  const month = Number(mp < 10n ? mp + 3n : mp - 9n);
  // `as i32` in Rust: the year wraps for instants far beyond any real block time.
  const year = Number(BigInt.asIntN(32, yoe + era * 400n + (month <= 2 ? 1n : 0n)));
  const pad = (n, w) => String(n).padStart(w, '0');
  const yearText = year < 0 ? `-${pad(-year, 3)}` : pad(year, 4);
  const h = Number(rest / 3600n);
  const m = Number((rest / 60n) % 60n);
  const s = Number(rest % 60n);
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}Z`;
}

export const readTimestamp = (r, what = 'a timestamp') => formatTimestamp(r.u64(what));

// ---- combinators -------------------------------------------------------------------

/** A struct: `fields` is a list of [name, reader]; read in order. */
const struct = (what, fields) => (r) => {
  const out = {};
  for (const [name, read] of fields) out[name] = read(r, `${what}.${name}`);
  return out;
};

/** An enum of unit variants, spelled `names[i]` (its serde spelling), in variant order. */
const unitEnum = (what, names) => {
  const read = (r) => names[r.tag(what, names.length)];
  read.index = (value) => names.indexOf(value);
  return read;
};

const opt = (read) => (r, what) => r.option(what, (rr) => read(rr, what));
const vec = (read, minBytes = 1) => (r, what) => r.vec(what, (rr, i) => read(rr, `${what}[${i}]`), Infinity, minBytes);

/** Compares two sort keys (arrays of numbers and strings) as Rust's derived `Ord` does. */
export function compareKeys(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]];
    const c = typeof x === 'number' ? x - y : compareStrings(x, y);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** A `BTreeSet`: `key(value)` gives the element's sort key (see compareKeys). */
const set = (read, key, minBytes = 1) => (r, what) =>
  r.set(what, (rr, i) => read(rr, `${what}[${i}]`), (a, b) => compareKeys(key(a), key(b)), Infinity, minBytes);

const stringKey = (s) => [s];
const u16 = (r, what) => r.u16(what);
const u32 = (r, what) => r.u32(what);
const u64 = (r, what) => r.u64(what);
const bool = (r, what) => r.bool(what);

// ---- the registry model (runtime/src/model) ----------------------------------------

const readYearRange = struct('YearRange', [['first', u16], ['last', u16]]);
const readNdcKind = unitEnum('NdcKind', ['single_year', 'multi_year']);
const readNdcPeriod = struct('NdcPeriod', [['years', readYearRange], ['kind', readNdcKind]]);
export const readParticipation = unitEnum('Participation', ['ELIGIBLE', 'SUSPENDED', 'NOT_ELIGIBLE']);

export const readPartyRecord = struct('PartyRecord', [
  ['code', readParty],
  ['name', readText],
  ['ndc_periods', vec(readNdcPeriod, 5)],
  ['status', readParticipation],
]);

const readRegistry = struct('Registry', [['id', readRegistryId], ['name', readText]]);

function readMetric(r, what = 'Metric') {
  return r.tag(what, 2) === 0 ? 'ghg' : { non_ghg: readText(r, `${what}.non_ghg`) };
}

const readEnforcement = unitEnum('Enforcement', ['enforce', 'warn']);
const readCaStatus = unitEnum('CaStatus', ['ACTIVE', 'INACTIVE']);

const readCooperativeApproach = struct('CooperativeApproach', [
  ['id', readCaId],
  ['name', readText],
  ['participants', set(readParty, stringKey, 4)],
  ['underlying_registry', readText],
  ['metric', readMetric],
  ['omge_rate_bp', u16],
  ['sop_rate_bp', u16],
  ['eligibility', readEnforcement],
  ['transfer_timeout_secs', u64],
  ['status', readCaStatus],
]);

const readJointCommittee = struct('JointCommittee', [
  ['id', readJcId],
  ['ca', readCaId],
  ['parties', set(readParty, stringKey, 4)],
]);

const readSector = unitEnum('Sector', [
  'Agriculture',
  'Building and construction',
  'Cross-sectoral mechanisms',
  'Energy generation',
  'Forestry and land use',
  'Industrial processes',
  'Transportation',
  'Urban development',
  'Waste management',
]);
const readMitigationType = unitEnum('MitigationType', ['Emission reductions', 'Removals']);

const readOtherCrediting = struct('OtherCrediting', [
  ['programme', readText],
  ['from', readTimestamp],
  ['to', readTimestamp],
]);

const readProject = struct('Project', [
  ['id', readProjectId],
  ['name', readText],
  ['host', readParty],
  ['ca', readCaId],
  ['sector', readSector],
  ['activity_type', readText],
  ['mitigation_type', readMitigationType],
  ['other_crediting', vec(readOtherCrediting, 20)],
]);

const readEntity = struct('Entity', [
  ['id', readEntityId],
  ['name', readText],
  ['country', readParty],
  ['identification', readText],
]);

const readAccountKind = unitEnum('AccountKind', [
  'PENDING',
  'HOLDING',
  'USE_NDC',
  'USE_OIMP',
  'CANCEL_VOLUNTARY',
  'CANCEL_OMGE',
  'SOP_ADAPTATION',
]);

/** `Holder`: `{party: "IND"}` or `{entity: "E-JP-1"}`. */
export function readHolder(r, what = 'Holder') {
  return r.tag(what, 2) === 0 ? { party: readParty(r, `${what}.party`) } : { entity: readEntityId(r, `${what}.entity`) };
}
const holderKey = (h) => ('party' in h ? [0, h.party] : [1, h.entity]);

export const readAccountStatus = unitEnum('AccountStatus', ['ACTIVE', 'SUSPENDED', 'CLOSED', 'FROZEN']);

const readAccount = struct('Account', [
  ['id', readAccountId],
  ['registry', readRegistryId],
  ['kind', readAccountKind],
  ['holder', opt(readHolder)],
  ['status', readAccountStatus],
]);

function readRole(r, what = 'Role') {
  switch (r.tag(what, 5)) {
    case 0:
      return { registry_admin: readRegistryId(r, `${what}.registry_admin`) };
    case 1:
      return { designated_authority: readParty(r, `${what}.designated_authority`) };
    case 2:
      return { jc_representative: { jc: readJcId(r, `${what}.jc`), party: readParty(r, `${what}.party`) } };
    case 3:
      return { account_holder: readHolder(r, `${what}.account_holder`) };
    default:
      return 'secretariat';
  }
}
function roleKey(role) {
  if (role === 'secretariat') return [4];
  if ('registry_admin' in role) return [0, role.registry_admin];
  if ('designated_authority' in role) return [1, role.designated_authority];
  if ('jc_representative' in role) return [2, role.jc_representative.jc, role.jc_representative.party];
  return [3, ...holderKey(role.account_holder)];
}

const readOfficer = struct('Officer', [
  ['name', readOfficerName],
  ['public_key', readKey],
  ['roles', set(readRole, roleKey, 1)],
]);

/** `model::Validator`: name, consensus key, power, Party. */
export const readValidator = struct('Validator', [
  ['name', readText],
  ['public_key', readKey],
  ['power', u64],
  ['party', readParty],
]);

// ---- authorizations (runtime/src/model/authorization.rs) ---------------------------

const readPurpose = unitEnum('Purpose', ['NDC', 'OIMP', 'IMP', 'OP']);
const readFirstTransferDefinition = unitEnum('FirstTransferDefinition', [
  'First international transfer',
  'Authorisation',
  'Issuance',
  'Use or Cancellation',
]);
const readChangeKind = unitEnum('ChangeKind', [
  'revoke',
  'add_parties',
  'remove_parties',
  'add_entities',
  'remove_entities',
  'purposes',
  'quantity',
  'scope',
  'timeframe',
  'oimp',
  'first_transfer_definition',
  'terms',
]);
export const readAuthStatus = unitEnum('AuthStatus', ['ACTIVE', 'REVOKED']);

const enumKey = (read) => (value) => [read.index(value)];

const readChangeConditions = struct('ChangeConditions', [
  ['text', readText],
  ['permitted', set(readChangeKind, enumKey(readChangeKind))],
]);

const readAuthorizationTerms = struct('AuthorizationTerms', [
  ['id', readAuthId],
  ['ca', readCaId],
  ['quantity', opt(u64)],
  ['gwp', readText],
  ['sectors', set(readSector, enumKey(readSector))],
  ['activity_types', set(readText, stringKey, 4)],
  ['mitigation_types', set(readMitigationType, enumKey(readMitigationType))],
  ['purposes', set(readPurpose, enumKey(readPurpose))],
  ['parties', opt(set(readParty, stringKey, 4))],
  ['entities', opt(set(readEntityId, stringKey, 4))],
  ['oimp', opt(readText)],
  ['occurred', opt(readYearRange)],
  ['use_period', opt(readYearRange)],
  ['terms', readText],
  ['first_transfer', opt(readFirstTransferDefinition)],
  ['change_conditions', readChangeConditions],
  ['additional_information', readText],
]);

const readGenesisAuthorization = struct('GenesisAuthorization', [
  ['party', readParty],
  ['date', readTimestamp],
  ['terms', readAuthorizationTerms],
]);

// ---- the genesis document ----------------------------------------------------------

/** Largest genesis accepted (a guard for the browser; the runtime reads JSON). */
export const GENESIS_BYTES_MAX = 16 * 1024 * 1024;

/** `Genesis`, every field, in order: the validators are the last. */
export const readGenesis = struct('Genesis', [
  ['chain_id', readText],
  ['genesis_time', readTimestamp],
  ['parties', vec(readPartyRecord, 12)],
  ['registries', vec(readRegistry, 8)],
  ['cooperative_approaches', vec(readCooperativeApproach, 30)],
  ['joint_committees', vec(readJointCommittee, 12)],
  ['projects', vec(readProject, 30)],
  ['entities', vec(readEntity, 16)],
  ['accounts', vec(readAccount, 15)],
  ['officers', vec(readOfficer, 40)],
  ['authorizations', vec(readGenesisAuthorization, 40)],
  ['validators', vec(readValidator, 48)],
]);

/** Decodes a genesis document's canonical bytes; all of them. */
export function decodeGenesis(bytes) {
  return decodeAll(bytes, readGenesis, GENESIS_BYTES_MAX, 'the genesis');
}

// ---- state records -----------------------------------------------------------------

/** `ChainMeta` (state key `m/chain`). */
export const readChainMeta = struct('ChainMeta', [
  ['chain_id', readText],
  ['genesis_hash', readHash],
  ['genesis_time', readTimestamp],
]);

/** `ValidatorChange` (R49), serde-tagged by `op`. */
export function readValidatorChange(r, what = 'ValidatorChange') {
  switch (r.tag(what, 5)) {
    case 0:
      return { op: 'add', validator: readValidator(r), node_id: opt(readText)(r, `${what}.node_id`) };
    case 1:
      return { op: 'remove', key: readKey(r, `${what}.key`) };
    case 2:
      return { op: 'set_power', key: readKey(r, `${what}.key`), power: r.u64(`${what}.power`) };
    case 3:
      return { op: 'rotate_key', key: readKey(r, `${what}.key`), new_key: readKey(r, `${what}.new_key`) };
    default:
      return { op: 'set_node', key: readKey(r, `${what}.key`), node_id: readText(r, `${what}.node_id`) };
  }
}

/** `ScheduledChange` (state key `vs/<height><proposal>`). */
export const readScheduledChange = struct('ScheduledChange', [
  ['proposal', u64],
  ['height', u64],
  ['change', readValidatorChange],
]);

// ---- units (runtime/src/units.rs) --------------------------------------------------

const readAuthBinding = struct('AuthBinding', [['id', readAuthId], ['bound_version', opt(u32)]]);

const readUnitAttrs = struct('UnitAttrs', [
  ['origin', readRegistryId],
  ['vintage', u16],
  ['project', readProjectId],
  ['account', readAccountId],
  ['authorization', opt(readAuthBinding)],
  ['first_transferred', bool],
  ['use_year', opt(u16)],
  ['hold', bool],
  ['reserved_by', opt(readHash)],
]);

/** `UnitBlock` (state key `u/<ca><ftp><last serial>`): serials first..=last. */
export const readUnitBlock = struct('UnitBlock', [
  ['ca', readCaId],
  ['ftp', readParty],
  ['first', u64],
  ['last', u64],
  ['attrs', readUnitAttrs],
]);

// ---- events (runtime/src/events.rs) ------------------------------------------------

/** The numbers of every rejection code (runtime/src/error.rs); a code encodes as its u16. */
export const CODE_NUMBERS = Object.freeze(
  new Set([
    1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 3001, 3002,
    3003, 3004, 3005, 3006, 3007, 3008, 4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008, 4009, 4010, 4011, 5001,
    5002, 5003, 5004, 5005, 5006, 6001, 6002, 6003, 6004, 6005, 6006, 6007, 7001, 7002, 7003, 7004, 7005, 7006,
    8001, 8002, 8003, 9001, 9002, 9003, 9004, 9005, 9006, 9007, 9008, 9009, 9010, 9011, 9012, 9013, 9014, 9015,
    9016, 9017, 9018, 9019, 9020, 9021, 9022, 9023,
  ]),
);

/** `Code`: its number as u16, one of CODE_NUMBERS; spelled `A6-nnnn`. */
export function readCode(r, what = 'a rejection code') {
  const n = r.u16(what);
  if (!CODE_NUMBERS.has(n)) throw new DecodeError(`${what}: unknown code ${n}`);
  return `A6-${n}`;
}

const readFirstTransferSubtype = unitEnum('FirstTransferSubtype', [
  'ToAnotherParty',
  'Authorization',
  'Issuance',
  'UseOrCancellation',
  'MandatoryOmge',
  'VoluntaryOmge',
]);
const readCancellationSubtype = unitEnum('CancellationSubtype', ['MandatoryOmge', 'VoluntaryOmge', 'Other']);
const readOimpPurpose = unitEnum('OimpPurpose', ['IMP', 'OP', 'OIMP']);
const readProposalState = unitEnum('ProposalState', ['open', 'approved', 'rejected', 'expired', 'executed']);
const readOfficerChange = unitEnum('OfficerChange', [
  'added',
  'removed',
  'roles_changed',
  'key_rotated',
  'key_revoked',
]);

const A = readAccountId;
/** EventKind's variants in declaration order: serde name (`kind`) and fields. */
const EVENT_KINDS = [
  ['issued', [['account', A]]],
  ['authorized', [['authorization', readAuthId], ['version', u32], ['account', A]]],
  ['authorization_version', [['authorization', readAuthId], ['version', u32], ['status', readAuthStatus]]],
  [
    'first_transfer',
    [
      ['subtype', readFirstTransferSubtype],
      ['acquiring', opt(readParty)],
      ['user', opt(readHolder)],
      ['purpose', opt(readText)],
    ],
  ],
  ['transferred', [['from', A], ['to', A], ['acquiring', readParty]]],
  ['acquired', [['to', A], ['transferring', readParty]]],
  ['transferred_internal', [['from', A], ['to', A]]],
  ['transfer_proposed', [['transfer', readHash], ['from', A], ['to', A]]],
  ['transfer_terminated', [['transfer', readHash], ['code', readCode]]],
  ['used_ndc', [['from', A], ['to', A], ['party', readParty], ['year', u16]]],
  [
    'used_oimp',
    [['from', A], ['to', A], ['user', readHolder], ['purpose', readOimpPurpose], ['scheme', readText]],
  ],
  ['cancelled', [['subtype', readCancellationSubtype], ['from', A], ['to', A], ['canceller', opt(readHolder)]]],
  ['sop_transferred', [['from', A], ['to', A], ['mandatory', bool]]],
  ['held', [['reason', readText]]],
  ['released', [['reason', readText]]],
  [
    'account_status_changed',
    [['account', A], ['status', readAccountStatus], ['code', opt(readCode)], ['reason', readText]],
  ],
  ['participation_changed', [['party', readParty], ['status', readParticipation]]],
  ['reporting_year_closed', [['party', readParty], ['year', u16]]],
  ['reporting_year_resubmitted', [['party', readParty], ['year', u16], ['version', readText]]],
  ['received', [['account', A], ['a64_first', readText], ['a64_last', readText]]],
  ['proposal_submitted', [['proposal', u64], ['change', readText], ['deadline', u64]]],
  ['proposal_voted', [['proposal', u64], ['party', readParty], ['approve', bool]]],
  ['proposal_closed', [['proposal', u64], ['state', readProposalState]]],
  ['party_admitted', [['party', readParty]]],
  ['approach_created', [['ca', readCaId], ['jc', readJcId]]],
  ['officer_changed', [['party', opt(readParty)], ['officer', readOfficerName], ['change', readOfficerChange]]],
  ['validators_scheduled', [['proposal', u64], ['height', u64]]],
  ['validator_set_changed', [['proposal', u64]]],
  ['observer_changed', [['node_id', readText], ['allowed', bool]]],
  ['upgrade_planned', [['version', u32], ['height', u64]]],
  ['evidence_recorded', [['validator', readKey], ['height', u64], ['round', u32], ['evidence', readHash]]],
];

/** `EventKind`, internally tagged by `kind` as its serde form. */
export function readEventKind(r, what = 'EventKind') {
  const [kind, fields] = EVENT_KINDS[r.tag(what, EVENT_KINDS.length)];
  const out = { kind };
  for (const [name, read] of fields) out[name] = read(r, `${what}.${kind}.${name}`);
  return out;
}

/** `Event` (state key `ev/<seq>`). */
export const readEvent = struct('Event', [
  ['seq', u64],
  ['height', u64],
  ['time', readTimestamp],
  ['tx', readHash],
  ['registry', opt(readRegistryId)],
  ['kind', readEventKind],
  ['units', opt(readUnitBlock)],
  ['prev_hash', readHash],
]);

/**
 * The value as plain JSON data: BigInt as a Number when it is exact (below 2^53), as a
 * decimal string otherwise.
 */
export function plain(value) {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}
