//! The state of the registry over a [`Store`]: typed records under the key layout of
//! [`keys`], read and written through [`StateExt`], which every `Store` implements.
//!
//! Values are canonical encodings. A value that fails to decode means the store is
//! corrupt; that is a broken invariant and stops the process (STYLE.md convention 5).

mod genesis;
pub mod keys;
mod store;

pub use store::*;

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::codec::{self, Hash32};
use crate::crypto::PublicKey;
use crate::events::{chain_hash, Event, EventHead};
use crate::ids::*;
use crate::model::*;
use crate::protocol::Period;
use crate::time::Timestamp;
use crate::units::UnitBlock;
use crate::verdict::Verdict;

/// Chain-wide facts fixed at genesis.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct ChainMeta {
    /// Chain id, signed into every transaction.
    pub chain_id: Text,
    /// Hash of the genesis document.
    pub genesis_hash: Hash32,
    /// Genesis time.
    pub genesis_time: Timestamp,
}

/// The latest AEF submission of a Party's reporting year (§9.1): version `1.0` when the
/// year is closed, `1.1`, `1.2`, ... for each corrected resubmission.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct Submission {
    /// The minor version: 0 for the first submission.
    pub minor: u16,
    /// Date of submission (the block time of the transaction).
    pub time: Timestamp,
    /// The transaction that made it.
    pub tx: Hash32,
    /// What a resubmission corrects (empty for the first).
    pub explanation: Text,
}

impl Submission {
    /// `1.0`, `1.1`, ...
    pub fn version(&self) -> String {
        format!("1.{}", self.minor)
    }
}

/// Per authorization: the latest version and the counters R21 and R25 need.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct AuthMeta {
    /// The latest version.
    pub latest: u32,
    /// Units ever attached (R21).
    pub attached: u64,
    /// Units first transferred under it (R25).
    pub first_transferred: u64,
}

/// An executed JC notification (R35).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct NotificationRecord {
    /// The issuing transaction.
    pub tx: Hash32,
    /// Height of execution.
    pub height: u64,
    /// The project.
    pub project: ProjectId,
    /// Its monitoring period.
    pub period: Period,
}

/// A declaration of crediting elsewhere with the other programme's identifiers (R37), as
/// recorded by `declare_credited_elsewhere`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct CreditingRecord {
    /// The declaration.
    pub declaration: crate::model::CreditingDeclaration,
    /// The declaring transaction.
    pub tx: Hash32,
    /// Height of the declaration.
    pub height: u64,
}

/// States of an external transfer (R39).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransferStatus {
    /// Checked with no discrepancy; awaiting the acquiring registry.
    CheckedNoDiscrepancy,
    /// Accepted and executed.
    Completed,
    /// Ended without moving anything.
    Terminated,
}

/// An external transfer and its units (reserved while pending, R16).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct ExternalTransfer {
    /// The proposing transaction's id.
    pub id: Hash32,
    /// Source account.
    pub from: AccountId,
    /// Destination account.
    pub to: AccountId,
    /// The reserved blocks, as proposed (serial space and ranges).
    pub blocks: Vec<UnitBlock>,
    /// When it was proposed.
    pub proposed_at: Timestamp,
    /// When it times out (R39).
    pub deadline: Timestamp,
    /// Status.
    pub status: TransferStatus,
    /// Why it terminated.
    pub code: Option<crate::error::Code>,
}

/// Corresponding-adjustment totals of a Party for a year (R29).
#[derive(
    Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize, BorshSerialize, BorshDeserialize,
)]
pub struct LedgerTotals {
    /// First-transfer additions, for year = vintage.
    pub additions: u64,
    /// NDC-use subtractions, for year = use year.
    pub subtractions: u64,
}

/// The recorded verdict of a transaction (R1) and where it was recorded.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct Receipt {
    /// Block height.
    pub height: u64,
    /// The verdict.
    pub verdict: Verdict,
}

/// Decodes a state value. The runtime wrote it canonically, so unlike untrusted input
/// it is not re-encoded to prove canonicity; it must still decode exactly.
fn decode_value<T: BorshDeserialize>(key: &[u8], bytes: &[u8]) -> T {
    borsh::from_slice(bytes).unwrap_or_else(|e| {
        panic!("state corrupt: value at {:?} does not decode: {e}", String::from_utf8_lossy(key))
    })
}

/// Typed access to the state, for every [`Store`].
pub trait StateExt: ReadStore {
    /// The record at `key`.
    fn read<T: BorshDeserialize + BorshSerialize>(&self, key: &[u8]) -> Option<T> {
        self.get(key).map(|bytes| decode_value(key, &bytes))
    }

    /// Writes `value` at `key`.
    fn write<T: BorshSerialize>(&mut self, key: Vec<u8>, value: &T)
    where
        Self: Store,
    {
        self.put(key, codec::encode(value));
    }

    /// Every record under `prefix`, in key order.
    fn read_all<T: BorshDeserialize + BorshSerialize>(&self, prefix: &[u8]) -> Vec<T> {
        self.scan_prefix(prefix).map(|(k, v)| decode_value(&k, &v)).collect()
    }

    #[allow(missing_docs)]
    fn meta(&self) -> ChainMeta {
        self.read(keys::META).expect("state holds chain metadata from genesis")
    }
    #[allow(missing_docs)]
    fn party(&self, p: &Party) -> Option<PartyRecord> {
        self.read(&keys::party(p))
    }
    #[allow(missing_docs)]
    fn registry(&self, r: &RegistryId) -> Option<Registry> {
        self.read(&keys::registry(r))
    }
    #[allow(missing_docs)]
    fn ca(&self, c: &CaId) -> Option<CooperativeApproach> {
        self.read(&keys::ca(c))
    }
    #[allow(missing_docs)]
    fn jc(&self, j: &JcId) -> Option<JointCommittee> {
        self.read(&keys::jc(j))
    }
    #[allow(missing_docs)]
    fn project(&self, p: &ProjectId) -> Option<Project> {
        self.read(&keys::project(p))
    }
    #[allow(missing_docs)]
    fn entity(&self, e: &EntityId) -> Option<Entity> {
        self.read(&keys::entity(e))
    }
    #[allow(missing_docs)]
    fn account(&self, a: &AccountId) -> Option<Account> {
        self.read(&keys::account(a))
    }
    #[allow(missing_docs)]
    fn officer(&self, k: &PublicKey) -> Option<Officer> {
        self.read(&keys::officer(k))
    }
    /// A given version of an authorization.
    fn authorization(&self, id: &AuthId, version: u32) -> Option<Authorization> {
        self.read(&keys::auth(id, version))
    }
    /// The latest version of an authorization.
    fn authorization_latest(&self, id: &AuthId) -> Option<Authorization> {
        let meta = self.auth_meta(id)?;
        self.authorization(id, meta.latest)
    }
    #[allow(missing_docs)]
    fn auth_meta(&self, id: &AuthId) -> Option<AuthMeta> {
        self.read(&keys::auth_meta(id))
    }
    /// The next free serial of a serial space (from 1).
    fn next_serial(&self, ca: &CaId, ftp: &Party) -> u64 {
        self.read(&keys::next_serial(ca, ftp)).unwrap_or(1)
    }
    #[allow(missing_docs)]
    fn transfer(&self, id: &Hash32) -> Option<ExternalTransfer> {
        self.read(&keys::transfer(id))
    }
    #[allow(missing_docs)]
    fn ledger_totals(&self, p: &Party, year: u16) -> LedgerTotals {
        self.read(&keys::ledger(p, year)).unwrap_or_default()
    }
    /// The signer's next nonce.
    fn nonce(&self, k: &PublicKey) -> u64 {
        self.read(&keys::nonce(k)).unwrap_or(0)
    }
    #[allow(missing_docs)]
    fn receipt(&self, h: &Hash32) -> Option<Receipt> {
        self.read(&keys::receipt(h))
    }
    /// The latest AEF submission of a Party's reporting year.
    fn submission(&self, p: &Party, year: u16) -> Option<Submission> {
        self.read(&keys::submission(p, year))
    }
    /// Whether a Party's reporting year is final (R38).
    fn year_closed(&self, p: &Party, year: u16) -> bool {
        self.get(&keys::closed_year(p, year)).is_some()
    }
    #[allow(missing_docs)]
    fn event_head(&self) -> EventHead {
        self.read(keys::EVENT_HEAD).unwrap_or_default()
    }

    /// Stores a unit block and its account index entry.
    fn put_block(&mut self, block: &UnitBlock)
    where
        Self: Store,
    {
        self.write(keys::units(&block.ca, &block.ftp, block.last), block);
        let index = keys::account_units(&block.attrs.account, &block.ca, &block.ftp, block.last);
        self.put(index, Vec::new());
    }

    /// Removes a unit block and its account index entry.
    fn delete_block(&mut self, block: &UnitBlock)
    where
        Self: Store,
    {
        self.delete(&keys::units(&block.ca, &block.ftp, block.last));
        self.delete(&keys::account_units(&block.attrs.account, &block.ca, &block.ftp, block.last));
    }

    /// The blocks of a serial space that intersect `first..=last`, in serial order.
    fn blocks_in_range(&self, ca: &CaId, ftp: &Party, first: u64, last: u64) -> Vec<UnitBlock> {
        let start = keys::units(ca, ftp, first);
        let end = store::prefix_end(&keys::units_in(ca, ftp));
        let mut out = Vec::new();
        for (key, value) in self.range(&start, end.as_deref()) {
            let block: UnitBlock = decode_value(&key, &value);
            if block.first > last {
                break;
            }
            out.push(block);
        }
        out
    }

    /// The blocks held by an account, in key order (serial space, then serial).
    fn blocks_of_account(&self, a: &AccountId) -> Vec<UnitBlock> {
        let prefix = keys::account_units_of(a);
        let index: Vec<Vec<u8>> = self.scan_prefix(&prefix).map(|(k, _)| k).collect();
        index
            .iter()
            .map(|k| {
                let tail = &k[prefix.len()..];
                let ca = CaId::new(std::str::from_utf8(&tail[..6]).expect("ascii")).expect("valid");
                let ftp = Party::new(std::str::from_utf8(&tail[6..9]).expect("ascii")).expect("valid");
                let last = keys::last_serial_of(k);
                self.read(&keys::units(&ca, &ftp, last)).expect("account index points at a block")
            })
            .collect()
    }

    /// Appends an event to the hash-chained log and indexes it by serial space.
    fn append_event(&mut self, mut event: Event) -> Event
    where
        Self: Store,
    {
        let head = self.event_head();
        event.seq = head.count;
        event.prev_hash = head.hash;
        let hash = chain_hash(&event);
        self.write(keys::event(event.seq), &event);
        if let Some(units) = &event.units {
            self.put(keys::event_in(&units.ca, &units.ftp, event.seq), Vec::new());
        }
        self.write(keys::EVENT_HEAD.to_vec(), &EventHead { count: head.count + 1, hash });
        event
    }

    /// Adds to a Party's ledger totals for a year (R29).
    fn add_to_ledger(&mut self, p: &Party, year: u16, additions: u64, subtractions: u64)
    where
        Self: Store,
    {
        let mut totals = self.ledger_totals(p, year);
        totals.additions = totals.additions.checked_add(additions).expect("ledger fits u64");
        totals.subtractions = totals.subtractions.checked_add(subtractions).expect("ledger fits u64");
        self.write(keys::ledger(p, year), &totals);
    }
}

impl<S: ReadStore + ?Sized> StateExt for S {}

/// A digest of the whole state: SHA-256 over every (key, value) in key order, each
/// length-prefixed. Equal states give equal digests on every machine.
pub fn state_digest<S: ReadStore + ?Sized>(store: &S) -> Hash32 {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (key, value) in store.range(&[], None) {
        hasher.update((key.len() as u64).to_le_bytes());
        hasher.update(&key);
        hasher.update((value.len() as u64).to_le_bytes());
        hasher.update(&value);
    }
    Hash32(hasher.finalize().into())
}
