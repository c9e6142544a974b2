//! The peer allow list the chain names: the node ids of the validators in force
//! (recorded with a validator change, `vn/`) and of the observers the Parties allowed
//! (`ob/`, R50). The node's list is these and what node.toml names (`p2p.peers`,
//! `p2p.observers`); after every commit the actor hands the network the new list when it
//! changed, so a node admitted on chain can connect without anyone editing node.toml, and
//! one the chain removes (and node.toml does not name) is disconnected.

use std::collections::BTreeSet;

use jcm_runtime::state::ReadStore;
use jcm_runtime::tx::gov::GovState as _;

use crate::home::NodeId;

/// The node ids the chain's state names. An id that is not a node id (64 hex digits) is
/// skipped with a warning: the chain records text, the network needs a key.
pub fn chain_node_ids(state: &dyn ReadStore) -> BTreeSet<NodeId> {
    let validators = state.validators().into_iter().filter_map(|v| state.validator_node(&v.public_key));
    let observers = state.observers().into_iter().map(|o| o.node_id);
    validators
        .chain(observers)
        .filter_map(|text| match text.as_str().parse::<NodeId>() {
            Ok(id) => Some(id),
            Err(error) => {
                tracing::warn!(%error, "a node id on chain is not a node key: not allowing it");
                None
            }
        })
        .collect()
}
