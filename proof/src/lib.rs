//! A unit's light-client proof: one unit's history, tied by Merkle proofs to a committed
//! header of the genesis's chain, checked offline with nothing but the genesis, across
//! the validator-set changes governance decided (R49). The node assembles it
//! (`GET /v1/units/{id}/proof`, [`prove_from_state`]), `jcm prove unit` writes it,
//! `jcm verify-proof` and the explorer check it ([`verify_proof`]; the explorer's
//! in-browser verifier does the same checks).
//!
//! A proof file (JSON, format [`FORMAT`], see [`UnitProof`]) holds, for one height `H`:
//!
//! - `header`: the canonical bytes of the header of `H` (hex), and `commit`: its commit
//!   certificate (hex);
//! - `meta`: the chain-metadata state entry, which names the genesis hash: the proven
//!   state is this genesis's chain, not another with the same validators;
//! - `current`: the unit block (state key `u/…`) that holds the unit at `H`;
//! - `events`: every entry of the action log (`ev/<seq>`) that touched the unit;
//! - `transitions`: each height `E ≤ H` at which the validator set changed, in increasing
//!   order ([`Transition`]): the header of `E - 1` and its certificate, and, in the state
//!   of `E - 1`, Merkle proofs of the chain metadata, of the proposal counter `gn`, and of
//!   the schedule entry `vs/<E><p>` of every proposal `p` the counter gave out, present
//!   (with its `ScheduledChange`) or absent.
//!
//! Each entry is checked with [`merkle::verify`](jcm_runtime::merkle::verify) against
//! the state root of a certified header; its value is decoded and must be what the file
//! says it is.
//!
//! # The validator sets
//!
//! The verifier trusts the genesis set first. For each transition, in order:
//!
//! 1. the trusted set certified the header of `E - 1`: the header names the trusted set's
//!    hash and more than two thirds of its power signed a precommit for it;
//! 2. that state is of this genesis (its chain metadata is the file's `meta`);
//! 3. the changes that take effect at `E` are the entries `vs/<E><p>` of that state, all
//!    of them: ids are given out from 1 by the counter `gn`, proven too, and every id
//!    below it has its entry proven present or absent, so none can be left out or added.
//!    They are not applied yet: the `begin_block` of each height applies and deletes the
//!    entries due at it, and the state of `E - 1` is after `begin_block(E - 1)`;
//! 4. the changes are applied in key order with the runtime's own
//!    [`apply_one`](jcm_runtime::tx::gov::validators::apply_one), as `begin_block(E)`
//!    does: the result is the set trusted from `E` on.
//!
//! Heights without a transition keep the trusted set. Finally the header of `H` must
//! name the set trusted at `H` and be certified by it.
//!
//! **What a valid proof guarantees.** If no set the chain ever had signed, with more than
//! two thirds of its power, a header that is not the chain's at that height (its keys
//! held by validators that left the set included), then every header the verifier
//! checks is the chain's, the set it checks it against has the keys and powers of the
//! set that decided that height, and the entries are the chain's state at `H`. This
//! holds whichever transitions the prover listed: a transition left out makes the next
//! header checked (a later transition's `E - 1`, or `H`) name the set actually in force,
//! whose hash is not the trusted set's, and the proof fails, unless the set came back to
//! the same keys and powers in between, in which case every certificate was checked
//! against the right set all the same.
//!
//! **What it does not show.**
//!
//! - That the transitions listed are every change: a change undone before the next
//!   header checked, or one that changes a node id only, can be left out (see above).
//!   The keys and powers of the set at `H` are proven; the list of changes the verdict
//!   reports ([`Verified::set_changes`]) may miss such an excursion.
//! - Anything against a former set that signs past its tenure: more than two thirds of a
//!   set that has left still hold its keys, and can sign a header of a later height
//!   naming themselves; a file that leaves out the transitions after that set verifies.
//!   No fork is needed for that (a bundle for `jcm audit` would need that set to sign a
//!   second block at a height it did decide). This is the long-range attack of every
//!   light client: the proof trusts each set not to sign for heights it does not decide.
//! - The validators' names, Parties and node ids: headers hash keys and powers only.
//! - That no event is missing. The events of a unit are not under one provable prefix
//!   (the tree hashes its keys), so a node could leave one out; the current block, which
//!   is what the unit is now, cannot be faked. `jcm audit` is the complete check.
//!
//! A file of format [`FORMAT_V1`] (written before validator sets could change) has no
//! transitions: it is checked against the genesis set, as before. `jcm prove` writes
//! [`FORMAT`] always.

mod check;
mod file;
mod prove;
mod schedule;
mod sets;

use jcm_runtime::codec::Hash32;
use jcm_runtime::events::Event;
use jcm_runtime::model::Validator;
use jcm_runtime::protocol::Genesis;
use jcm_runtime::state::{keys, ChainMeta};
use jcm_runtime::tx::gov::ScheduledChange;
use jcm_runtime::units::{UnitBlock, UnitId};
use serde::Serialize;

pub use self::file::{Entry, Lookup, Transition, UnitProof};
pub use self::prove::prove_from_state;
pub use self::schedule::{transitions, Source};
pub use self::sets::FIRST_CHANGE_HEIGHT;

/// The proof file format and version `jcm prove` writes.
pub const FORMAT: &str = "jcm-unit-proof/2";
/// The first version, without validator-set transitions: still read.
pub const FORMAT_V1: &str = "jcm-unit-proof/1";
/// Largest proof file read. It bounds everything else a file holds (transitions,
/// schedule entries, events), and so the verifier's work.
pub const PROOF_FILE_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// Largest encoded header.
pub const HEADER_BYTES_MAX: usize = 4 * 1024;
/// Largest state value in a proof (an event, a unit block, a scheduled change).
pub const VALUE_BYTES_MAX: usize = 1024 * 1024;

/// What a valid proof establishes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// The unit.
    pub unit: String,
    /// The height.
    pub height: u64,
    /// Its block hash (the certified value).
    pub block_hash: Hash32,
    /// Its state root.
    pub state_root: Hash32,
    /// The genesis the chain started from.
    pub genesis_hash: Hash32,
    /// The block holding the unit at that height.
    pub current: UnitBlock,
    /// The events proven, oldest first.
    pub events: Vec<Event>,
    /// The validator set in force at `height`, which certified its header (its keys and
    /// powers are proven; see the module doc for its other fields).
    pub validators: Vec<Validator>,
    /// The validator changes the file showed, in the order they took effect (each with
    /// its height and proposal). Not proven complete: see the module doc.
    pub set_changes: Vec<ScheduledChange>,
}

/// Which part of a validator-set transition failed its check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Its height: after the previous transition's, from [`FIRST_CHANGE_HEIGHT`] up to the
    /// proven height.
    Order,
    /// The header of the height before.
    Header,
    /// That header's commit certificate.
    Commit,
    /// The chain-metadata proof in that header's state.
    Meta,
    /// The proposal counter in that state.
    NextProposal,
    /// The schedule entries as a whole: one per proposal id, at least one present.
    Changes,
    /// The schedule entry of one proposal, or its change applied to the set.
    Change(u64),
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Part::Order => write!(f, "its place in the list"),
            Part::Header => write!(f, "the header before it"),
            Part::Commit => write!(f, "the certificate of the header before it"),
            Part::Meta => write!(f, "the chain-metadata proof"),
            Part::NextProposal => write!(f, "the proposal counter"),
            Part::Changes => write!(f, "its schedule entries"),
            Part::Change(p) => write!(f, "the schedule entry of proposal {p}"),
        }
    }
}

/// Why a proof file does not prove what it claims.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Not a proof file of a known format.
    #[error("not a unit proof file ({FORMAT} or {FORMAT_V1}): {0}")]
    Format(String),
    /// The header of the proven height does not decode, or does not belong to the
    /// genesis's chain under the set in force at its height.
    #[error("the header: {0}")]
    Header(String),
    /// The commit certificate does not certify the header.
    #[error("the commit certificate: {0}")]
    Commit(String),
    /// A state entry does not verify against the state root, or is not what it claims.
    #[error("{what}: {message}")]
    Entry {
        /// Which entry.
        what: String,
        /// Why.
        message: String,
    },
    /// A validator-set transition does not show the change it claims.
    #[error("the validator-set transition at height {height}, {part}: {message}")]
    Transition {
        /// The height at which it says the set changed.
        height: u64,
        /// What failed.
        part: Part,
        /// Why.
        message: String,
    },
}

impl CheckError {
    /// Which check failed, as a stable word for scripts.
    pub fn check(&self) -> &'static str {
        match self {
            CheckError::Format(_) => "format",
            CheckError::Header(_) => "header",
            CheckError::Commit(_) => "commit",
            CheckError::Entry { .. } => "entry",
            CheckError::Transition { .. } => "transition",
        }
    }
}

/// Verifies a proof file's bytes against the genesis, offline.
pub fn verify(bytes: &[u8], genesis: &Genesis) -> Result<Verified, CheckError> {
    let proof: UnitProof = serde_json::from_slice(bytes).map_err(|e| CheckError::Format(e.to_string()))?;
    verify_proof(&proof, genesis)
}

/// Verifies a parsed proof against the genesis.
pub fn verify_proof(proof: &UnitProof, genesis: &Genesis) -> Result<Verified, CheckError> {
    match proof.format.as_str() {
        FORMAT => {}
        FORMAT_V1 if proof.transitions.is_empty() => {}
        FORMAT_V1 => {
            return Err(CheckError::Format(format!(
                "a `{FORMAT_V1}` file has no validator-set transitions, this one lists {}",
                proof.transitions.len()
            )))
        }
        other => return Err(CheckError::Format(format!("the format is `{other}`"))),
    }
    let unit = UnitId::parse(&proof.unit).map_err(CheckError::Format)?;
    let chain = check::Chain::of(genesis)?;
    let trusted = sets::follow(&chain, proof)?;
    let header =
        check::certified(&chain, &trusted.set, &proof.header, &proof.commit, proof.height).map_err(|e| {
            match e {
                check::Uncertified::Header(m) => CheckError::Header(m),
                check::Uncertified::Commit(m) => CheckError::Commit(m),
            }
        })?;
    let root = header.state_root;
    check::entry::<ChainMeta>(&root, &proof.meta, "the chain-metadata entry")?;
    check::meta_claim(&chain, &proof.meta)?;
    let current = current_block(&root, proof, &unit)?;
    let events = unit_events(&root, proof, &unit)?;
    Ok(Verified {
        unit: unit.to_string(),
        height: header.height,
        block_hash: header.hash(),
        state_root: root,
        genesis_hash: chain.genesis_hash,
        current,
        events,
        validators: trusted.validators,
        set_changes: trusted.applied,
    })
}

/// The unit block entry: it holds the unit.
fn current_block(root: &Hash32, proof: &UnitProof, unit: &UnitId) -> Result<UnitBlock, CheckError> {
    let what = "the current-block entry";
    let current: UnitBlock = check::entry(root, &proof.current, what)?;
    let holds = current.ca == unit.ca
        && current.ftp == unit.ftp
        && current.first <= unit.serial
        && unit.serial <= current.last
        && current.attrs.origin == unit.registry
        && current.attrs.vintage == unit.vintage;
    let key = keys::units(&current.ca, &current.ftp, current.last);
    if !holds || hex::encode(&key) != proof.current.key {
        return Err(CheckError::Entry {
            what: what.to_string(),
            message: format!("it is not the block holding {unit}: {}", current.range_text()),
        });
    }
    Ok(current)
}

/// The event entries: each touches the unit, in increasing sequence order.
fn unit_events(root: &Hash32, proof: &UnitProof, unit: &UnitId) -> Result<Vec<Event>, CheckError> {
    let mut events: Vec<Event> = Vec::with_capacity(proof.events.len());
    for (i, entry) in proof.events.iter().enumerate() {
        let label = format!("event entry #{i}");
        let what = |message: String| CheckError::Entry { what: label.clone(), message };
        let event: Event = check::entry(root, entry, &label)?;
        let touches = event.units.as_ref().is_some_and(|u| {
            u.ca == unit.ca && u.ftp == unit.ftp && u.first <= unit.serial && unit.serial <= u.last
        });
        if !touches || hex::encode(keys::event(event.seq)) != entry.key {
            return Err(what(format!("event {} does not concern {unit}", event.seq)));
        }
        if events.last().is_some_and(|previous| previous.seq >= event.seq) {
            return Err(what(format!("event {} is out of order", event.seq)));
        }
        events.push(event);
    }
    Ok(events)
}
