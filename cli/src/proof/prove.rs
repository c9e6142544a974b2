//! The prover over a node's RPC ([`prove_from_node`]): the same file as
//! [`jcm_proof::prove_from_state`] assembles in-process, from the node's answers, with
//! the validator-set transitions up to the proven height ([`jcm_proof::transitions`]).

use anyhow::{bail, Context};
use jcm_api::paths;
use jcm_api::query::ProofAnswer;
use jcm_proof::{transitions, verify_proof, Entry, Source, UnitProof, FORMAT};
use jcm_runtime::codec;
use jcm_runtime::merkle::Proof;
use jcm_runtime::protocol::{Block, CommitCertificate, Genesis, Header, COMMIT_BYTES_MAX};
use jcm_runtime::read;
use jcm_runtime::state::keys;
use jcm_runtime::tx::gov::Proposal;
use jcm_runtime::units::UnitId;

use crate::audit::node::NodeClient;

/// How many times `prove` starts over when the node's answers are not of one height.
const PROVE_ATTEMPTS_MAX: usize = 5;

/// Builds a proof from a node: at its last height, the unit's history and a proof of
/// every entry it rests on, that height's header and certificate, then the validator-set
/// transitions up to it from the node's proposals and past states. The result is
/// verified against the node's genesis before it is returned; if the node's answers were
/// not of one height, it starts over.
pub fn prove_from_node(client: &NodeClient, unit: &str) -> anyhow::Result<UnitProof> {
    let id = UnitId::parse(unit).map_err(anyhow::Error::msg)?;
    let genesis = Genesis::from_json(&client.genesis_text()?).context("the node's genesis is not valid")?;
    let mut last_error = None;
    for _ in 0..PROVE_ATTEMPTS_MAX {
        match prove_once(client, &id) {
            Ok(Some(proof)) => match verify_proof(&proof, &genesis) {
                Ok(_) => return Ok(proof),
                Err(e) => last_error = Some(e.to_string()),
            },
            Ok(None) => last_error = Some("the node's answers were not of one height".to_string()),
            Err(e) => return Err(e),
        }
    }
    bail!(
        "could not assemble a valid proof in {PROVE_ATTEMPTS_MAX} attempts: {}",
        last_error.unwrap_or_default()
    )
}

/// One attempt; `None` if the entries came from different heights.
fn prove_once(client: &NodeClient, unit: &UnitId) -> anyhow::Result<Option<UnitProof>> {
    let Some((height, entries)) = node_entries(client, unit)? else { return Ok(None) };
    let raw = client.raw_height(height)?;
    let block =
        Block::decode(&raw.block).with_context(|| format!("the node's block {height} does not decode"))?;
    let mut entries = entries.into_iter();
    let (meta, current) = (entries.next().expect("meta asked"), entries.next().expect("block asked"));
    let meta_value = hex::decode(&meta.value).expect("the entry's value was hex-encoded here");
    // Read after the entries: the records of every change up to `height` are there.
    let proposals = node_proposals(client)?;
    let transitions = transitions(&mut NodeSource { client }, &proposals, &meta_value, height)?;
    Ok(Some(UnitProof {
        format: FORMAT.to_string(),
        unit: unit.to_string(),
        height,
        header: hex::encode(codec::encode(&block.header)),
        commit: hex::encode(&raw.commit),
        meta,
        current,
        events: entries.collect(),
        transitions,
    }))
}

/// The metadata entry, the unit's block and its events, proven at the node's last
/// height: the metadata's proof names the height, and the unit's history and every
/// other proof are read as of that height. `None` if an answer is of another height or
/// lacks its value (a node that does not serve past states).
fn node_entries(client: &NodeClient, unit: &UnitId) -> anyhow::Result<Option<(u64, Vec<Entry>)>> {
    let mut entries = Vec::new();
    let Some(height) = proven(client, keys::META, None, &mut entries)? else { return Ok(None) };
    let at = Some(height);
    let history: read::UnitHistory = client.get(&paths::at(paths::unit_history(&unit.to_string()), at))?;
    let current = &history.current;
    let mut keys_wanted = vec![keys::units(&current.ca, &current.ftp, current.last)];
    keys_wanted.extend(history.events.iter().map(|e| keys::event(e.seq)));
    for key in &keys_wanted {
        if proven(client, key, at, &mut entries)? != at {
            return Ok(None);
        }
    }
    Ok(Some((height, entries)))
}

/// Adds `key`'s entry, proven at `height` (the last: `None`), to `entries`; the height
/// the node proved it at, or `None` if the answer carries no value.
fn proven(
    client: &NodeClient,
    key: &[u8],
    height: Option<u64>,
    entries: &mut Vec<Entry>,
) -> anyhow::Result<Option<u64>> {
    let path = paths::proof(key, height);
    let answer: ProofAnswer = client.get(&path)?;
    let Some(value) = &answer.value else { return Ok(None) };
    let value = client.hex(&path, "value", value)?;
    entries.push(Entry::new(key, &value, answer.proof));
    Ok(Some(answer.height))
}

/// Every proposal record the node holds (`/v1/gov/proposals`).
fn node_proposals(client: &NodeClient) -> anyhow::Result<Vec<Proposal>> {
    let views: Vec<read::gov::ProposalView> = client.get(paths::PROPOSALS)?;
    Ok(views.into_iter().map(|view| view.proposal).collect())
}

/// A node's RPC as a [`Source`]: `/v1/blocks/{h}/raw` and `/v1/proof?key=&height=`.
struct NodeSource<'a> {
    client: &'a NodeClient,
}

impl Source for NodeSource<'_> {
    fn certified(&mut self, height: u64) -> anyhow::Result<(Header, CommitCertificate)> {
        let raw = self.client.raw_height(height)?;
        let block = Block::decode(&raw.block)
            .with_context(|| format!("the node's block {height} does not decode"))?;
        let commit: CommitCertificate = codec::decode(&raw.commit, COMMIT_BYTES_MAX)
            .with_context(|| format!("the node's commit certificate of height {height} does not decode"))?;
        Ok((block.header, commit))
    }

    fn prove(&mut self, header: &Header, key: &[u8]) -> anyhow::Result<Proof> {
        let answer: ProofAnswer = self.client.get(&paths::proof(key, Some(header.height)))?;
        let root = answer.state_root;
        if root != header.state_root {
            bail!(
                "the node proves height {} against state root {root}, its header says {}",
                header.height,
                header.state_root
            );
        }
        Ok(answer.proof)
    }
}
