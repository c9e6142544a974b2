//! The library half of `jcm`: the auditor's commands, kept apart from the binary so that
//! tests drive them in-process and `main.rs` only wires them into the command tree.
#![forbid(unsafe_code)]

pub mod audit;
pub mod proof;
