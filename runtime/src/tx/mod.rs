//! The rules: one module per Article 6.2 action, the engine that runs them ([`exec`]),
//! the dispatcher that hands each payload to its module, and the context every rule
//! sees. The transaction types themselves are the protocol's (`crate::protocol`).

mod admin;
mod authorization;
pub mod context;
mod dispatch;
pub mod exec;
pub mod gov;
mod guards;
mod hold;
mod issue;
pub mod movement;
mod receive_a64;
mod reconcile;
mod reporting;
mod select;
mod transfer;
mod transfer_external;
mod use_cancel;

pub use context::{BlockContext, Checks, Ctx};
pub use exec::{apply, apply_verified, bad_signature, begin_block};
