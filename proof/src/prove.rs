//! The prover: a unit's proof assembled in-process from a state and its tree
//! ([`prove_from_state`]), as the node answers it and tests build it. It writes
//! [`FORMAT`], with the validator-set transitions up to the proven height
//! ([`super::schedule`]). `jcm prove` assembles the same file from a node's RPC.

use anyhow::Context;
use jcm_runtime::codec;
use jcm_runtime::merkle::{self, Proof};
use jcm_runtime::protocol::{CommitCertificate, Header};
use jcm_runtime::read;
use jcm_runtime::state::{keys, ReadStore};
use jcm_runtime::tx::gov::GovState;

use super::file::{Entry, UnitProof};
use super::schedule::{self, Source};
use super::FORMAT;

/// Builds a proof from a state and its tree at the height of `header`: the prover's core,
/// used in-process (tests, tools holding a replayed state). `earlier` gives the header
/// and certificate of an earlier height (the height before each validator-set change);
/// `tree` must still hold the state trees of those heights.
pub fn prove_from_state<S, T>(
    state: &S,
    tree: &T,
    header: &Header,
    commit: &CommitCertificate,
    earlier: &dyn Fn(u64) -> Option<(Header, CommitCertificate)>,
    unit: &str,
) -> Result<UnitProof, String>
where
    S: ReadStore + ?Sized,
    T: ReadStore + ?Sized,
{
    let history = read::unit_history(state, unit)?;
    let entry = |key: Vec<u8>| -> Result<Entry, String> {
        let value = state.get(&key).ok_or_else(|| format!("no state entry at {}", hex::encode(&key)))?;
        let proof = merkle::prove(tree, &header.state_root, &key).map_err(|e| e.to_string())?;
        Ok(Entry::new(&key, &value, proof))
    };
    let current = &history.current;
    let meta = entry(keys::META.to_vec())?;
    let meta_value = state.get(keys::META).expect("the metadata entry was just read");
    let mut source = StateSource { tree, earlier };
    let transitions = schedule::transitions(&mut source, &state.proposals(), &meta_value, header.height)
        .map_err(|e| format!("{e:#}"))?;
    Ok(UnitProof {
        format: FORMAT.to_string(),
        unit: history.unit.clone(),
        height: header.height,
        header: hex::encode(codec::encode(header)),
        commit: hex::encode(codec::encode(commit)),
        meta,
        current: entry(keys::units(&current.ca, &current.ftp, current.last))?,
        events: history.events.iter().map(|e| entry(keys::event(e.seq))).collect::<Result<_, _>>()?,
        transitions,
    })
}

/// A state tree and the earlier certified headers, as a [`Source`].
struct StateSource<'a, T: ?Sized> {
    tree: &'a T,
    earlier: &'a dyn Fn(u64) -> Option<(Header, CommitCertificate)>,
}

impl<T: ReadStore + ?Sized> Source for StateSource<'_, T> {
    fn certified(&mut self, height: u64) -> anyhow::Result<(Header, CommitCertificate)> {
        (self.earlier)(height).with_context(|| format!("no certified header of height {height}"))
    }

    fn prove(&mut self, header: &Header, key: &[u8]) -> anyhow::Result<Proof> {
        merkle::prove(self.tree, &header.state_root, key)
            .with_context(|| format!("the state tree of height {} is not whole", header.height))
    }
}
