//! The prover's side of validator-set changes (R49): at which heights up to `H` the set
//! changed, what each change was, and the evidence each [`Transition`] cites.
//!
//! The schedule entries a transition proves are gone from later states (`begin_block`
//! deletes them as it applies them), and a node gives a past state's entries as value
//! hashes only, so the prover rebuilds each value from the proposal records, which stay:
//! a `change_validators` proposal approved for its effective height, an admission with a
//! validator, executed at its decision, scheduling it `GOV_EFFECT_DELAY_BLOCKS` later
//! (`validators::scheduled_by`, beside the rules that write them).
//! Every value is checked against the proof of the past state before it is written: a
//! record that does not give what the state held fails the prover, not the verifier.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context};
use jcm_runtime::codec;
use jcm_runtime::merkle::{self, Proof};
use jcm_runtime::protocol::{CommitCertificate, Header};
use jcm_runtime::state::keys;
use jcm_runtime::tx::gov::{validators, Proposal, ScheduledChange};

use super::file::{Lookup, Transition};
use super::sets::FIRST_CHANGE_HEIGHT;

/// Where the prover reads a transition's evidence: a node, or a state with its tree.
pub trait Source {
    /// The header of `height` and its commit certificate.
    fn certified(&mut self, height: u64) -> anyhow::Result<(Header, CommitCertificate)>;
    /// A Merkle proof of `key` against the state root of `header`.
    fn prove(&mut self, header: &Header, key: &[u8]) -> anyhow::Result<Proof>;
}

/// The transitions of every height up to `height` at which the set changed, given the
/// proposal records of a state at or after `height` and the chain-metadata value.
pub fn transitions(
    source: &mut dyn Source,
    proposals: &[Proposal],
    meta: &[u8],
    height: u64,
) -> anyhow::Result<Vec<Transition>> {
    let mut by_height: BTreeMap<u64, Vec<ScheduledChange>> = BTreeMap::new();
    for change in proposals.iter().filter_map(validators::scheduled_by).filter(|c| c.height <= height) {
        by_height.entry(change.height).or_default().push(change);
    }
    by_height
        .into_iter()
        .map(|(at, mut changes)| {
            changes.sort_by_key(|c| c.proposal);
            transition(source, proposals, meta, at, &changes)
                .with_context(|| format!("the validator-set change at height {at}"))
        })
        .collect()
}

/// The proposal counter in the state after block `height`: one past the last proposal
/// opened at or before it; `None` (the key absent) before the first.
fn next_proposal_after(proposals: &[Proposal], height: u64) -> Option<u64> {
    proposals.iter().filter(|p| p.height <= height).map(|p| p.id + 1).max()
}

/// The evidence of the changes taking effect at `at`, from the state of `at - 1`.
fn transition(
    source: &mut dyn Source,
    proposals: &[Proposal],
    meta: &[u8],
    at: u64,
    changes: &[ScheduledChange],
) -> anyhow::Result<Transition> {
    if at < FIRST_CHANGE_HEIGHT {
        bail!("a change cannot take effect before height {FIRST_CHANGE_HEIGHT}");
    }
    let before = at - 1;
    let (header, commit) = source.certified(before)?;
    let mut lookup = |key: Vec<u8>, value: Option<Vec<u8>>| -> anyhow::Result<Lookup> {
        let proof = source.prove(&header, &key)?;
        merkle::verify(&header.state_root, &key, value.as_deref(), &proof).map_err(|e| {
            anyhow!(
                "the state of height {before} at key {}: {e}; the proposal records do not give what it holds",
                hex::encode(&key)
            )
        })?;
        Ok(Lookup::new(&key, value.as_deref(), proof))
    };
    let meta = lookup(keys::META.to_vec(), Some(meta.to_vec()))?.proof;
    let next = next_proposal_after(proposals, before);
    let next_proposal = lookup(keys::NEXT_PROPOSAL.to_vec(), next.map(|n| codec::encode(&n)))?;
    let next = next.unwrap_or(1);
    if let Some(late) = changes.iter().find(|c| c.proposal >= next) {
        bail!("proposal {} was not yet opened at height {before}", late.proposal);
    }
    let entries = (1..next)
        .map(|p| {
            let value = changes.iter().find(|c| c.proposal == p).map(codec::encode);
            lookup(keys::scheduled_validators(at, p), value)
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Transition {
        height: at,
        header: hex::encode(codec::encode(&header)),
        commit: hex::encode(codec::encode(&commit)),
        meta,
        next_proposal,
        changes: entries,
    })
}
