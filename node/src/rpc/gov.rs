//! Governance (docs/governance.md): proposals with their approvals and state, and the
//! validator set with the changes scheduled, the observers, the upgrade plan and the
//! retired keys, from the committed state.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jcm_api::gov::{Evidence, Validators, ValidatorsAt};
use jcm_runtime::read::gov::{self, ProposalView};

use super::chain::{check_committed, last_height};
use super::{Api, ApiError};
use crate::chain;

/// `GET /v1/gov/proposals`: every proposal, oldest first, with its tally.
pub(super) async fn proposals(State(api): State<Api>) -> Result<Json<Vec<ProposalView>>, ApiError> {
    api.read(|_, db| Ok(Json(gov::proposals(db.state())))).await
}

/// `GET /v1/gov/proposals/{id}`.
pub(super) async fn proposal(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<ProposalView>, ApiError> {
    let Path(text) = path?;
    let id: u64 = text.parse().map_err(|_| {
        ApiError::bad_request("malformed_proposal", format!("`{text}` is not a proposal id (1, 2, ...)"))
    })?;
    api.read(move |_, db| match gov::proposal(db.state(), id) {
        Some(view) => Ok(Json(view)),
        None => Err(ApiError::not_found(format!("no proposal {id} on this chain"))),
    })
    .await
}

/// `?height=` of the validators route.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AtHeight {
    #[serde(default)]
    height: Option<u64>,
}

/// `GET /v1/gov/validators`: the validator set in force after the last committed block,
/// the changes scheduled for later heights, the observers, the upgrade plan and the
/// retired keys. `?height=H`: the set that decided the committed height `H` (keys,
/// names, power, Parties), from the node's index of the heights where the set changed.
pub(super) async fn validators(
    State(api): State<Api>,
    query: Result<Query<AtHeight>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(AtHeight { height }) = query?;
    if let Some(height) = height {
        return api
            .read(move |shared, db| {
                check_committed(db, height)?;
                let set =
                    chain::validators_at(db, height)?.unwrap_or_else(|| shared.genesis.validators.clone());
                Ok(Json(ValidatorsAt { height, validators: set }).into_response())
            })
            .await;
    }
    api.read(|_, db| {
        let state = db.state();
        let answer = Validators {
            height: last_height(db)?,
            validators: gov::validator_set(state),
            scheduled: gov::scheduled(state),
            observers: gov::observers(state),
            upgrade: gov::upgrade(state),
            retired_keys: gov::retired_keys(state),
        };
        Ok(Json(answer).into_response())
    })
    .await
}

/// `GET /v1/evidence`: every equivocation recorded on chain (R52), by hash: the
/// validator, its two conflicting votes, who reported it and when.
pub(super) async fn evidence(State(api): State<Api>) -> Result<Json<Evidence>, ApiError> {
    api.read(|_, db| Ok(Json(Evidence { height: last_height(db)?, evidence: gov::evidence(db.state()) })))
        .await
}
