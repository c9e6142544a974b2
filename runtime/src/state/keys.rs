//! The key layout of the state. Every key starts with a short ASCII prefix naming its
//! record kind; numbers are big-endian so that byte order is numeric order; variable
//! length ids are followed by a 0x00 separator where another component follows.
//!
//! Unit blocks are keyed by their **last** serial, so the block containing serial `s`
//! is the first key at or after `(space, s)`: one forward seek.

use crate::codec::Hash32;
use crate::crypto::PublicKey;
use crate::ids::*;

fn key(prefix: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut out = prefix.to_vec();
    for part in parts {
        out.extend_from_slice(part);
    }
    out
}

/// Chain metadata.
pub const META: &[u8] = b"m/chain";
/// The validator set.
pub const VALIDATORS: &[u8] = b"m/validators";
/// The next governance proposal id (R43).
pub const NEXT_PROPOSAL: &[u8] = b"gn";
/// The software upgrade plan (R51).
pub const UPGRADE_PLAN: &[u8] = b"up";
/// The head of the event log.
pub const EVENT_HEAD: &[u8] = b"eh";

#[allow(missing_docs)]
pub mod prefix {
    pub const PARTY: &[u8] = b"p/";
    pub const REGISTRY: &[u8] = b"r/";
    pub const CA: &[u8] = b"ca/";
    pub const JC: &[u8] = b"jc/";
    pub const PROJECT: &[u8] = b"pj/";
    pub const ENTITY: &[u8] = b"en/";
    pub const ACCOUNT: &[u8] = b"ac/";
    pub const OFFICER: &[u8] = b"of/";
    pub const AUTH: &[u8] = b"au/";
    pub const AUTH_META: &[u8] = b"am/";
    pub const UNITS: &[u8] = b"u/";
    pub const ACCOUNT_UNITS: &[u8] = b"ua/";
    pub const NEXT_SERIAL: &[u8] = b"ns/";
    pub const NOTIFICATION: &[u8] = b"nx/";
    pub const MONITORING: &[u8] = b"mp/";
    pub const TRANSFER: &[u8] = b"xt/";
    pub const TRANSFER_DEADLINE: &[u8] = b"xd/";
    pub const LEDGER: &[u8] = b"lg/";
    pub const EVENT: &[u8] = b"ev/";
    pub const EVENT_BY_SPACE: &[u8] = b"es/";
    pub const NONCE: &[u8] = b"nc/";
    pub const RECEIPT: &[u8] = b"rc/";
    pub const CLOSED_YEAR: &[u8] = b"ry/";
    pub const CREDITING: &[u8] = b"oc/";
    pub const SUBMISSION: &[u8] = b"sb/";
    pub const A64_RECEIPT: &[u8] = b"a4/";
    pub const A64_MECHANISM: &[u8] = b"a4x/";
    pub const PROPOSAL: &[u8] = b"gp/";
    pub const PROPOSAL_DEADLINE: &[u8] = b"gd/";
    pub const SCHEDULED_VALIDATORS: &[u8] = b"vs/";
    pub const VALIDATOR_NODE: &[u8] = b"vn/";
    pub const RETIRED_KEY: &[u8] = b"rk/";
    pub const OBSERVER: &[u8] = b"ob/";
    pub const EVIDENCE: &[u8] = b"eq/";
}

/// A serial space: cooperative approach (6 bytes) and first transferring Party (3 bytes).
pub fn space(ca: &CaId, ftp: &Party) -> Vec<u8> {
    key(ca.as_str().as_bytes(), &[ftp.as_str().as_bytes()])
}

#[allow(missing_docs)]
pub fn party(p: &Party) -> Vec<u8> {
    key(prefix::PARTY, &[p.as_str().as_bytes()])
}
#[allow(missing_docs)]
pub fn registry(r: &RegistryId) -> Vec<u8> {
    key(prefix::REGISTRY, &[r.as_str().as_bytes()])
}
#[allow(missing_docs)]
pub fn ca(c: &CaId) -> Vec<u8> {
    key(prefix::CA, &[c.as_str().as_bytes()])
}
#[allow(missing_docs)]
pub fn jc(j: &JcId) -> Vec<u8> {
    key(prefix::JC, &[j.as_str().as_bytes()])
}
#[allow(missing_docs)]
pub fn project(p: &ProjectId) -> Vec<u8> {
    key(prefix::PROJECT, &[p.as_str().as_bytes()])
}
#[allow(missing_docs)]
pub fn entity(e: &EntityId) -> Vec<u8> {
    key(prefix::ENTITY, &[e.as_str().as_bytes()])
}
#[allow(missing_docs)]
pub fn account(a: &AccountId) -> Vec<u8> {
    key(prefix::ACCOUNT, &[a.as_str().as_bytes()])
}
#[allow(missing_docs)]
pub fn officer(k: &PublicKey) -> Vec<u8> {
    key(prefix::OFFICER, &[&k.0])
}
/// Every version of an authorization sorts under this prefix, oldest first.
pub fn auth_versions(id: &AuthId) -> Vec<u8> {
    key(prefix::AUTH, &[id.as_str().as_bytes(), &[0]])
}
#[allow(missing_docs)]
pub fn auth(id: &AuthId, version: u32) -> Vec<u8> {
    key(&auth_versions(id), &[&version.to_be_bytes()])
}
#[allow(missing_docs)]
pub fn auth_meta(id: &AuthId) -> Vec<u8> {
    key(prefix::AUTH_META, &[id.as_str().as_bytes()])
}
/// The prefix of every block of a serial space.
pub fn units_in(ca: &CaId, ftp: &Party) -> Vec<u8> {
    key(prefix::UNITS, &[&space(ca, ftp)])
}
/// A block, by its last serial.
pub fn units(ca: &CaId, ftp: &Party, last: u64) -> Vec<u8> {
    key(&units_in(ca, ftp), &[&last.to_be_bytes()])
}
/// The prefix of an account's block index.
pub fn account_units_of(a: &AccountId) -> Vec<u8> {
    key(prefix::ACCOUNT_UNITS, &[a.as_str().as_bytes(), &[0]])
}
/// An entry of an account's block index: (space, last serial).
pub fn account_units(a: &AccountId, ca: &CaId, ftp: &Party, last: u64) -> Vec<u8> {
    key(&account_units_of(a), &[&space(ca, ftp), &last.to_be_bytes()])
}
#[allow(missing_docs)]
pub fn next_serial(ca: &CaId, ftp: &Party) -> Vec<u8> {
    key(prefix::NEXT_SERIAL, &[&space(ca, ftp)])
}
#[allow(missing_docs)]
pub fn notification(n: &NotificationId) -> Vec<u8> {
    key(prefix::NOTIFICATION, &[n.as_str().as_bytes()])
}
/// The prefix of a project's declarations of crediting elsewhere, by first day (R37).
pub fn crediting_of(p: &ProjectId) -> Vec<u8> {
    key(prefix::CREDITING, &[p.as_str().as_bytes(), &[0]])
}
/// One declaration of crediting elsewhere: the project, its first day, the declaring
/// transaction.
pub fn crediting(p: &ProjectId, from: u64, tx: &Hash32) -> Vec<u8> {
    key(&crediting_of(p), &[&from.to_be_bytes(), &tx.0])
}
/// The prefix of the A6.4ER receipts of a serial space.
pub fn a64_receipts_in(ca: &CaId, ftp: &Party) -> Vec<u8> {
    key(prefix::A64_RECEIPT, &[&space(ca, ftp)])
}
/// An A6.4ER receipt, by the last ITMO serial it was recorded under.
pub fn a64_receipt(ca: &CaId, ftp: &Party, last: u64) -> Vec<u8> {
    key(&a64_receipts_in(ca, ftp), &[&last.to_be_bytes()])
}
/// The prefix of the received A6.4ER serials of a 6.4 activity and vintage.
pub fn a64_mechanism_in(activity: &ProjectId, vintage: u16) -> Vec<u8> {
    key(prefix::A64_MECHANISM, &[activity.as_str().as_bytes(), &[0], &vintage.to_be_bytes()])
}
/// A received run of A6.4ER serials, by its last mechanism serial.
pub fn a64_mechanism(activity: &ProjectId, vintage: u16, last: u64) -> Vec<u8> {
    key(&a64_mechanism_in(activity, vintage), &[&last.to_be_bytes()])
}
/// The prefix of a project's issued monitoring periods.
pub fn monitoring_of(p: &ProjectId) -> Vec<u8> {
    key(prefix::MONITORING, &[p.as_str().as_bytes(), &[0]])
}
#[allow(missing_docs)]
pub fn monitoring(p: &ProjectId, from: u64) -> Vec<u8> {
    key(&monitoring_of(p), &[&from.to_be_bytes()])
}
#[allow(missing_docs)]
pub fn transfer(id: &Hash32) -> Vec<u8> {
    key(prefix::TRANSFER, &[&id.0])
}
#[allow(missing_docs)]
pub fn transfer_deadline(deadline: u64, id: &Hash32) -> Vec<u8> {
    key(prefix::TRANSFER_DEADLINE, &[&deadline.to_be_bytes(), &id.0])
}
/// The prefix of a Party's ledger years.
pub fn ledger_of(p: &Party) -> Vec<u8> {
    key(prefix::LEDGER, &[p.as_str().as_bytes()])
}
#[allow(missing_docs)]
pub fn ledger(p: &Party, year: u16) -> Vec<u8> {
    key(&ledger_of(p), &[&year.to_be_bytes()])
}
#[allow(missing_docs)]
pub fn event(seq: u64) -> Vec<u8> {
    key(prefix::EVENT, &[&seq.to_be_bytes()])
}
/// The prefix of the events touching a serial space.
pub fn events_in(ca: &CaId, ftp: &Party) -> Vec<u8> {
    key(prefix::EVENT_BY_SPACE, &[&space(ca, ftp)])
}
#[allow(missing_docs)]
pub fn event_in(ca: &CaId, ftp: &Party, seq: u64) -> Vec<u8> {
    key(&events_in(ca, ftp), &[&seq.to_be_bytes()])
}
#[allow(missing_docs)]
pub fn nonce(k: &PublicKey) -> Vec<u8> {
    key(prefix::NONCE, &[&k.0])
}
#[allow(missing_docs)]
pub fn receipt(h: &Hash32) -> Vec<u8> {
    key(prefix::RECEIPT, &[&h.0])
}
#[allow(missing_docs)]
pub fn closed_year(p: &Party, year: u16) -> Vec<u8> {
    key(prefix::CLOSED_YEAR, &[p.as_str().as_bytes(), &year.to_be_bytes()])
}

/// The latest AEF submission of a Party's reporting year (R38, §9.1).
pub fn submission(p: &Party, year: u16) -> Vec<u8> {
    key(prefix::SUBMISSION, &[p.as_str().as_bytes(), &year.to_be_bytes()])
}

/// A governance proposal, by id (R43).
pub fn proposal(id: u64) -> Vec<u8> {
    key(prefix::PROPOSAL, &[&id.to_be_bytes()])
}
/// An open proposal in the expiry index, by deadline height (R43).
pub fn proposal_deadline(deadline: u64, id: u64) -> Vec<u8> {
    key(prefix::PROPOSAL_DEADLINE, &[&deadline.to_be_bytes(), &id.to_be_bytes()])
}
/// A validator change scheduled at `height` by proposal `id` (R49).
pub fn scheduled_validators(height: u64, id: u64) -> Vec<u8> {
    key(prefix::SCHEDULED_VALIDATORS, &[&height.to_be_bytes(), &id.to_be_bytes()])
}
/// The node id of a validator, by its consensus key (R49).
pub fn validator_node(k: &PublicKey) -> Vec<u8> {
    key(prefix::VALIDATOR_NODE, &[&k.0])
}
/// A key rotated away or revoked (R48).
pub fn retired_key(k: &PublicKey) -> Vec<u8> {
    key(prefix::RETIRED_KEY, &[&k.0])
}
/// A recorded equivocation, by the evidence's hash (R52).
pub fn evidence(hash: &Hash32) -> Vec<u8> {
    key(prefix::EVIDENCE, &[&hash.0])
}
/// An allowed observer node (R50).
pub fn observer(node_id: &str) -> Vec<u8> {
    key(prefix::OBSERVER, &[node_id.as_bytes()])
}

/// The last serial encoded at the end of a unit key.
pub fn last_serial_of(key: &[u8]) -> u64 {
    let tail: [u8; 8] = key[key.len() - 8..].try_into().expect("unit keys end in a u64");
    u64::from_be_bytes(tail)
}
