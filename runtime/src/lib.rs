//! The Article 6.2 runtime of the JCM chain.
#![forbid(unsafe_code)]

pub mod a64;
pub mod aef;
pub mod chain;
pub mod codec;
pub mod crypto;
pub mod csv;
pub mod error;
pub mod events;
pub mod ids;
pub mod invariants;
pub mod keyfile;
pub mod limits;
pub mod merkle;
pub mod model;
pub mod protocol;
pub mod read;
pub mod state;
pub mod time;
pub mod tx;
pub mod units;
pub mod verdict;
