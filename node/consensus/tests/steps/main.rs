//! Table-driven step tests of the consensus core: one or more rows per rule of the
//! paper's Algorithm 1 (lines 11-67). Each row is a description, a starting state and
//! the messages already received, one input, the outputs expected in order, and the
//! state expected after.
#![allow(clippy::unwrap_used)]

mod bounds;
mod fixture;
mod precommit;
mod prevote;
mod propose;
mod rounds;
