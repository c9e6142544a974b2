//! The protocol: everything that is signed, hashed or sent between nodes and auditors,
//! and nothing that reads the state. Transactions (the signed envelope and its
//! payloads, with their JSON form), governance changes, blocks and their link check,
//! consensus votes, proposals, validator sets and commit certificates, equivocation
//! evidence, and the genesis document.
//!
//! The layers of the runtime, each using only those below it: the value types (`ids`,
//! `model`, `units`, `time`, `codec`, `crypto`, `error`, `verdict`), then `protocol`,
//! then `events` and `state`, then the rules (`tx`), then `chain` (executing blocks)
//! and the readers (`read`, `aef`, `invariants`).

mod block;
mod evidence;
mod genesis;
mod gov;
mod json;
mod tx;
mod votes;

pub use block::*;
pub use evidence::*;
pub use genesis::*;
pub use gov::*;
pub use json::*;
pub use tx::*;
pub use votes::*;
