//! The Tendermint consensus core of the JCM chain, as a pure state machine.
//!
//! This crate is Algorithm 1 of "The latest gossip on BFT consensus" (Buchman, Kwon,
//! Milosevic, 2018) with no I/O: no sockets, disk, clock or randomness. The caller owns
//! all of those and talks to the [`Core`] through two enums: [`Input`] (what happened)
//! and [`Output`] (what to do, in order). Values are opaque 32-byte ids ([`ValueId`]),
//! typically block hashes; the caller keeps the blocks and judges their validity.
//!
//! # Driving a core
//!
//! The loop of a caller is:
//!
//! 1. feed an input: [`Input::StartHeight`], a signed proposal or vote from the network
//!    (or from itself), an elapsed timeout, a value to propose, a validity verdict;
//! 2. act on the returned outputs front to back: [`Output::Persist`] the state, sign and
//!    [`Output::Broadcast`] messages (and feed each signed message back to the core, as
//!    a node hears its own broadcasts), arm [`Output::ScheduleTimeout`] timers, commit an
//!    [`Output::Decide`], keep [`Output::Evidence`], answer [`Output::GetValue`] and
//!    [`Output::Validate`].
//!
//! Signatures are made through a [`Signer`]; a validator wraps its key in a
//! [`SignGuard`], which refuses to sign anything that conflicts with what it signed
//! before, even across crashes.
//!
//! # Example: a single-validator chain decides a height
//!
//! ```
//! use jcm_consensus::*;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut signer = KeySigner::from_secret(&[7; 32]);
//! let config = Config {
//!     chain_id: ChainId::new("jcm-dev")?,
//!     own_key: signer.public_key(),
//!     timeouts: Timeouts::default(),
//! };
//! let validators = ValidatorSet::new(&[(signer.public_key(), 10)])?;
//! let mut core = Core::new(config);
//!
//! // Start height 1. This node proposes, so the core asks for a value.
//! let mut pending = vec![Input::StartHeight { height: 1, validators }];
//! let mut decided = None;
//! while let Some(input) = pending.pop() {
//!     for output in core.handle(input)? {
//!         match output {
//!             Output::Persist(_state) => { /* write to disk before going on */ }
//!             Output::Broadcast(Message::Proposal(p)) => {
//!                 let signed = signer.sign_proposal(&p)?;
//!                 pending.push(Input::Proposal(signed)); // and send to peers
//!             }
//!             Output::Broadcast(Message::Vote(v)) => {
//!                 let signed = signer.sign_vote(&v)?;
//!                 pending.push(Input::Vote(signed)); // and send to peers
//!             }
//!             Output::GetValue { height, round } => {
//!                 let value = ValueId([height as u8; 32]); // a block hash, really
//!                 pending.push(Input::ProposeValue { height, round, value });
//!             }
//!             Output::Validate { height, value } => {
//!                 pending.push(Input::Validity { height, value, valid: true });
//!             }
//!             Output::ScheduleTimeout { .. } | Output::Evidence(_) => {}
//!             Output::Decide(decision) => decided = Some(decision),
//!         }
//!     }
//! }
//! let decision = decided.expect("one validator decides alone");
//! assert_eq!((decision.height, decision.value), (1, ValueId([1; 32])));
//! # Ok(())
//! # }
//! ```
//!
//! # Modules
//!
//! - [`protocol`]: votes, proposals, validator sets and commit certificates with their
//!   canonical signed bytes (these move to `jcm-runtime` later, unchanged);
//! - [`Evidence`] (a protocol type, in [`protocol`]): proof of equivocation that anyone
//!   can verify;
//! - [`signer`]: the signing trait and the sign guard;
//! - `input.rs`, `output.rs`: the interface; `rules.rs`: the paper's rules, line by line.
#![forbid(unsafe_code)]

mod config;
mod core;
mod input;
pub mod limits;
mod machine;
mod output;
pub mod proposer;
/// The protocol types of consensus (votes, proposals, validator sets, commit
/// certificates), defined in `jcm-runtime` because auditors verify them too.
pub mod protocol {
    pub use jcm_runtime::protocol::{
        ChainId, CommitCertificate, CommitSignature, Evidence, EvidenceError, Proposal, ProtocolError,
        Signature, SignedProposal, SignedVote, Validator, ValidatorKey, ValidatorSet, ValueId, Vote,
        VoteKind, CHAIN_ID_LEN_MAX, PROPOSAL_TAG, VALIDATORS_MAX, VOTE_TAG,
    };
}
mod rules;
pub mod signer;
mod state;
mod votes;

pub use crate::config::{Config, TimeoutRule, Timeouts};
pub use crate::core::Core;
pub use crate::input::{Input, InputError};
pub use crate::output::{Decision, Message, Output, Timeout, TimeoutKind};
pub use crate::proposer::ProposerSchedule;
pub use crate::protocol::{
    ChainId, CommitCertificate, CommitSignature, Proposal, ProtocolError, Signature, SignedProposal,
    SignedVote, ValidatorKey, ValidatorSet, ValueId, Vote, VoteKind,
};
pub use crate::protocol::{Evidence, EvidenceError};
pub use crate::signer::{GuardStore, KeySigner, SignError, SignGuard, SignRecord, SignStep, Signer};
pub use crate::state::{RoundValue, State, Step};
