//! A plan run through the runtime in memory before any node sees it (`jcm-load run
//! --check`, and the unit tests): every setup and load transaction must be accepted, in
//! the offered order, one block per setup phase and one for the load.

use jcm_runtime::protocol::{Genesis, Transaction};
use jcm_runtime::state::MemStore;
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::{self, BlockContext};

use super::plan::{Plan, Planned};
use super::LoadError;

/// Decodes a planned transaction back from its request body.
pub fn decode(planned: &Planned) -> Transaction {
    let hex = planned
        .body
        .strip_prefix("{\"tx\":\"")
        .and_then(|b| b.strip_suffix("\"}"))
        .expect("the planner writes {\"tx\":\"<hex>\"}");
    let bytes = hex::decode(hex).expect("the planner writes hex");
    Transaction::decode(&bytes).expect("the planner writes canonical transactions")
}

/// Applies the plan over `genesis`'s state at `time`; returns the state, or the first
/// rejections (at most five).
pub fn check(genesis: &Genesis, plan: &Plan, time: Timestamp) -> Result<MemStore, LoadError> {
    let mut state = MemStore::new();
    genesis.init_state(&mut state);
    let mut failures = Vec::new();
    let phases = plan.setup.iter().chain(std::iter::once(&plan.load));
    for (height, phase) in (1u64..).zip(phases) {
        let ctx = BlockContext { height, time };
        tx::begin_block(&mut state, &ctx);
        for planned in phase {
            let verdict = tx::apply(&mut state, &ctx, &decode(planned));
            if !verdict.is_accepted() && failures.len() < 5 {
                failures.push(format!("#{} ({}): {verdict}", planned.seq, planned.kind));
            }
        }
    }
    if failures.is_empty() {
        Ok(state)
    } else {
        Err(LoadError::Plan(failures.join("; ")))
    }
}
