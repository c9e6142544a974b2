//! Unit proofs assembled by the node (`GET /v1/units/{unit}/proof`) and the genesis's
//! canonical bytes (`GET /v1/genesis/raw`): what a light client, the explorer among them,
//! needs to check a unit offline against the genesis without trusting this node.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use jcm_api::chain::RawGenesis;
use jcm_proof::{prove_from_state, verify_proof, UnitProof};
use jcm_runtime::codec;
use jcm_runtime::units::UnitId;

use super::chain::{check_committed, last_height};
use super::query::AtHeight;
use super::{Api, ApiError};
use crate::chain;

/// `GET /v1/genesis/raw`.
pub(super) async fn raw_genesis(State(api): State<Api>) -> Json<RawGenesis> {
    let genesis = &api.shared.genesis;
    Json(RawGenesis { hash: api.shared.genesis_hash, genesis: hex::encode(codec::encode(genesis)) })
}

/// `GET /v1/units/{unit}/proof?height=H`: the proof file `jcm prove unit` writes, of the
/// state after committed height `H` (default: the last), verified here before it is sent.
pub(super) async fn unit_proof(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    at: Result<Query<AtHeight>, QueryRejection>,
) -> Result<Json<UnitProof>, ApiError> {
    let (Path(unit), Query(at)) = (path?, at?);
    UnitId::parse(&unit).map_err(|e| ApiError::bad_request("malformed_unit", e))?;
    api.read(move |shared, db| {
        let height = match at.height {
            Some(height) => {
                check_committed(db, height)?;
                height
            }
            None => last_height(db)?,
        };
        if height == 0 {
            return Err(ApiError::bad_request(
                "malformed_query",
                "height 0 is the genesis, which no certificate signs: ask for a committed block's height",
            ));
        }
        let header = chain::header(db, height)?;
        let commit = chain::stored_commit(db, height)?
            .ok_or_else(|| ApiError::internal(format!("no commit certificate stored for height {height}")))?;
        let state = db
            .state_as_of(Some(height))
            .ok_or_else(|| ApiError::internal("the store has no state at a committed height"))?;
        let earlier = |h: u64| Some((chain::header(db, h).ok()?, chain::stored_commit(db, h).ok()??));
        let proof = prove_from_state(&state, db.merkle(), &header, &commit, &earlier, &unit)
            .map_err(ApiError::not_found)?;
        // The auditor's own check, before anything leaves: a failure is a corrupt store.
        verify_proof(&proof, &shared.genesis)
            .map_err(|e| ApiError::internal(format!("the proof this node assembled does not verify: {e}")))?;
        Ok(Json(proof))
    })
    .await
}
