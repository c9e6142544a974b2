//! The Tendermint consensus core of the JCM chain.
#![forbid(unsafe_code)]
