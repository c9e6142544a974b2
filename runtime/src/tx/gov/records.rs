//! What governance keeps in the state: proposals and their votes (R43, R44), scheduled
//! validator changes (R49), retired keys (R48), observers (R50) and the upgrade plan
//! (R51), with typed access over every [`Store`] through [`GovState`].

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::codec::Hash32;
use crate::crypto::PublicKey;
use crate::events::EventKind;
use crate::ids::*;
use crate::model::{Text, Validator};
use crate::protocol::{GovChange, ProposalState, ValidatorChange};
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::BlockContext;
use crate::tx::movement;

/// One Party's vote on a proposal, and who cast it (R44).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct Vote {
    /// The Party voting.
    pub party: Party,
    /// The officer who signed.
    pub officer: OfficerName,
    /// The key that signed.
    pub key: PublicKey,
    /// Height of the vote.
    pub height: u64,
    /// The transaction.
    pub tx: Hash32,
}

/// A governance proposal (R43).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct Proposal {
    /// Id: the chain's proposal counter, from 1.
    pub id: u64,
    /// What it asks for.
    pub change: GovChange,
    /// The proposing transaction.
    pub tx: Hash32,
    /// Height of the proposal.
    pub height: u64,
    /// Last height at which it may be approved.
    pub deadline: u64,
    /// Where it stands.
    pub state: ProposalState,
    /// Approvals, in order; the proposer's Party first.
    pub approvals: Vec<Vote>,
    /// Rejections, in order.
    pub rejections: Vec<Vote>,
    /// For an admission: the admitted Party's consent, by its authority key (R45).
    pub consent: Option<Vote>,
    /// Height at which it was executed, rejected or expired.
    pub closed_at: Option<u64>,
}

impl Proposal {
    /// Whether `party` approved or rejected it already.
    pub fn voted(&self, party: &Party) -> bool {
        self.approvals.iter().chain(&self.rejections).any(|v| &v.party == party)
    }
}

/// A validator change waiting for its height (R49).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct ScheduledChange {
    /// The proposal that decided it.
    pub proposal: u64,
    /// The height at which it takes effect.
    pub height: u64,
    /// The change.
    pub change: ValidatorChange,
}

/// Why a key may never sign again (R48).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Retirement {
    /// Its officer rotated to `new_key`.
    Rotated { new_key: PublicKey },
    /// Its Party's authority revoked it.
    Revoked { by: OfficerName, reason: Text },
}

/// A key rotated away or revoked (R48).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct RetiredKey {
    /// The key.
    pub key: PublicKey,
    /// The officer it belonged to.
    pub officer: OfficerName,
    /// Why.
    pub retirement: Retirement,
    /// Height of the block that retired it: the key is refused from the next
    /// transaction of that block on.
    pub height: u64,
    /// The transaction.
    pub tx: Hash32,
}

/// An equivocation recorded on chain (R52).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct EvidenceRecord {
    /// The evidence's hash (its identity).
    pub hash: Hash32,
    /// The two conflicting votes.
    pub evidence: crate::protocol::Evidence,
    /// The validator that signed both, and its name in the set in force then.
    pub validator: PublicKey,
    /// Its name then.
    pub name: Text,
    /// The validator key that reported it.
    pub reporter: PublicKey,
    /// Height of the block that recorded it.
    pub height: u64,
    /// The transaction.
    pub tx: Hash32,
}

/// A node allowed to connect without being a validator (R50).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct Observer {
    /// The libp2p node id.
    pub node_id: Text,
    /// What it is (e.g. "CAG auditor replica").
    pub name: Text,
    /// The Party that allowed it and alone may remove it.
    pub party: Party,
    /// Height at which it was allowed.
    pub height: u64,
}

/// The planned protocol upgrade (R51): `version` is required from `height` on.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct UpgradePlan {
    /// The protocol version required from `height`.
    pub version: u32,
    /// The first height of `version`.
    pub height: u64,
    /// The version in force before `height`.
    pub previous: u32,
    /// The proposal that decided it.
    pub proposal: u64,
}

/// Typed access to the governance records, for every [`Store`].
pub trait GovState: ReadStore {
    /// A proposal.
    fn proposal(&self, id: u64) -> Option<Proposal> {
        self.read(&keys::proposal(id))
    }
    /// Every proposal, by id.
    fn proposals(&self) -> Vec<Proposal> {
        self.read_all(keys::prefix::PROPOSAL)
    }
    /// The id the next proposal gets.
    fn next_proposal_id(&self) -> u64 {
        self.read(keys::NEXT_PROPOSAL).unwrap_or(1)
    }
    /// The validator set in force (after this block's scheduled changes).
    fn validators(&self) -> Vec<Validator> {
        self.read(keys::VALIDATORS).expect("state holds the validator set from genesis")
    }
    /// Every scheduled validator change, by height then proposal.
    fn scheduled_changes(&self) -> Vec<ScheduledChange> {
        self.read_all(keys::prefix::SCHEDULED_VALIDATORS)
    }
    /// A validator's node id.
    fn validator_node(&self, key: &PublicKey) -> Option<Text> {
        self.read(&keys::validator_node(key))
    }
    /// Why a key was retired, if it was.
    fn retired(&self, key: &PublicKey) -> Option<RetiredKey> {
        self.read(&keys::retired_key(key))
    }
    /// Every retired key, by key.
    fn retired_keys(&self) -> Vec<RetiredKey> {
        self.read_all(keys::prefix::RETIRED_KEY)
    }
    /// An allowed observer.
    fn observer(&self, node_id: &str) -> Option<Observer> {
        self.read(&keys::observer(node_id))
    }
    /// Every allowed observer, by node id.
    fn observers(&self) -> Vec<Observer> {
        self.read_all(keys::prefix::OBSERVER)
    }
    /// A recorded equivocation.
    fn evidence(&self, hash: &Hash32) -> Option<EvidenceRecord> {
        self.read(&keys::evidence(hash))
    }
    /// Every recorded equivocation, by hash.
    fn evidence_records(&self) -> Vec<EvidenceRecord> {
        self.read_all(keys::prefix::EVIDENCE)
    }
    /// The upgrade plan, if one was decided.
    fn upgrade_plan(&self) -> Option<UpgradePlan> {
        self.read(keys::UPGRADE_PLAN)
    }
}

impl<S: ReadStore + ?Sized> GovState for S {}

/// Marks an approved proposal executed when its change takes effect at `block` (R49, R51).
pub(crate) fn executed_at<S: Store + ?Sized>(st: &mut S, block: &BlockContext, id: u64) {
    let Some(mut p) = st.proposal(id) else { return };
    if p.state != ProposalState::Approved {
        return;
    }
    p.state = ProposalState::Executed;
    p.closed_at = Some(block.height);
    st.write(keys::proposal(id), &p);
    let kind = EventKind::ProposalClosed { proposal: id, state: ProposalState::Executed };
    movement::emit_at(st, block.height, block.time, Default::default(), None, kind, None);
}
