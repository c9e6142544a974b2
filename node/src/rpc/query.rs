//! The registry's read models over the committed state: holdings, unit histories,
//! events by account and Party (through the node's index), authorizations, the
//! corresponding-adjustment ledger, AEF reports, and state proofs.

use std::str::FromStr;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jcm_api::query::{
    A64Location, AuthorizationView, EventsPage, Ledger, LedgerYear, LedgerYearTotals, PartyHoldings,
    ProofAnswer,
};
use jcm_runtime::aef::AefReport;
use jcm_runtime::codec::Hash32;
use jcm_runtime::events::Event;
use jcm_runtime::ids::{AccountId, AuthId, Party, ProjectId};
use jcm_runtime::merkle::{self, Proof};
use jcm_runtime::protocol::Period;
use jcm_runtime::read::{Credited, Holding, UnitHistory};
use jcm_runtime::state::{keys, ReadStore, StateExt};
use jcm_runtime::time::Timestamp;
use jcm_runtime::units::UnitId;
use jcm_runtime::{a64, aef, read};
use serde::Deserialize;

use super::chain::{check_committed, last_height};
use super::{Api, ApiError};
use crate::chain;
use crate::index;
use crate::limits::PROOF_KEY_BYTES_MAX;
use crate::store::{Db, StateAt};

fn parse_id<T: FromStr>(kind: &'static str, text: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| ApiError::bad_request(kind, format!("{e}")))
}

fn parse_party(state: &dyn ReadStore, text: &str) -> Result<Party, ApiError> {
    let party: Party = parse_id("malformed_party", text)?;
    if state.party(&party).is_none() {
        return Err(ApiError::not_found(format!("Party {party} is not on this chain")));
    }
    Ok(party)
}

/// `?height=H` of the read routes: read the state as it was after committed height `H`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AtHeight {
    #[serde(default)]
    pub(super) height: Option<u64>,
}

/// The state after committed height `height` (default: the last), or 404 naming the
/// last committed height.
fn state_at(db: &Db, height: Option<u64>) -> Result<StateAt<'_>, ApiError> {
    match height {
        Some(height) => check_committed(db, height)?,
        None => last_height(db)?,
    };
    db.state_as_of(height).ok_or_else(|| ApiError::internal("the store has no state at a committed height"))
}

fn parse_year(text: &str) -> Result<u16, ApiError> {
    text.parse().map_err(|_| ApiError::bad_request("malformed_year", format!("`{text}` is not a year")))
}

/// `GET /v1/units/{unit}/history`.
pub(super) async fn unit_history(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    at: Result<Query<AtHeight>, QueryRejection>,
) -> Result<Json<UnitHistory>, ApiError> {
    let (Path(unit), Query(at)) = (path?, at?);
    UnitId::parse(&unit).map_err(|e| ApiError::bad_request("malformed_unit", e))?;
    api.read(move |_, db| {
        let history = read::unit_history(&state_at(db, at.height)?, &unit).map_err(ApiError::not_found)?;
        Ok(Json(history))
    })
    .await
}

/// `GET /v1/accounts/{id}/holdings`.
pub(super) async fn account_holdings(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    at: Result<Query<AtHeight>, QueryRejection>,
) -> Result<Json<Holding>, ApiError> {
    let (Path(text), Query(at)) = (path?, at?);
    let account: AccountId = parse_id("malformed_account", &text)?;
    api.read(move |_, db| match read::holdings(&state_at(db, at.height)?, &account) {
        Some(holding) => Ok(Json(holding)),
        None => Err(ApiError::not_found(format!("account {account} does not exist"))),
    })
    .await
}

/// `GET /v1/parties/{code}/holdings`: every account in the Party's registries.
pub(super) async fn party_holdings(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    at: Result<Query<AtHeight>, QueryRejection>,
) -> Result<Json<PartyHoldings>, ApiError> {
    let (Path(text), Query(at)) = (path?, at?);
    let page = api.page(None, usize::MAX)?;
    api.read(move |_, db| {
        let state = state_at(db, at.height)?;
        let party = parse_party(&state, &text)?;
        let mut holdings = read::party_holdings(&state, &party);
        let truncated = holdings.len() > page;
        holdings.truncate(page);
        let quantity: u64 = holdings.iter().map(|h| h.quantity).sum();
        Ok(Json(PartyHoldings { party, quantity, truncated, accounts: holdings }))
    })
    .await
}

/// `?after=&limit=` of the event routes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EventPage {
    #[serde(default)]
    after: Option<u64>,
    #[serde(default)]
    limit: Option<u64>,
}

/// `GET /v1/accounts/{id}/events`.
pub(super) async fn account_events(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<EventPage>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    let (Path(text), Query(page)) = (path?, query?);
    let account: AccountId = parse_id("malformed_account", &text)?;
    let limit = api.page(page.limit, usize::MAX)?;
    api.read(move |_, db| {
        if db.state().account(&account).is_none() {
            return Err(ApiError::not_found(format!("account {account} does not exist")));
        }
        let events = events_page(db, &index::account_prefix(&account), page.after, limit)?;
        Ok(Json(EventsPage { account: Some(account), ..events_json(events, limit) }))
    })
    .await
}

/// `GET /v1/parties/{code}/events`.
pub(super) async fn party_events(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<EventPage>, QueryRejection>,
) -> Result<Json<EventsPage>, ApiError> {
    let (Path(text), Query(page)) = (path?, query?);
    let limit = api.page(page.limit, usize::MAX)?;
    api.read(move |_, db| {
        let party = parse_party(db.state(), &text)?;
        let events = events_page(db, &index::party_prefix(&party), page.after, limit)?;
        Ok(Json(EventsPage { party: Some(party), ..events_json(events, limit) }))
    })
    .await
}

/// A page of `events`, with the `after` of the next page when it is full.
fn events_json(events: Vec<Event>, limit: usize) -> EventsPage {
    let next_after = if events.len() == limit { events.last().map(|e| e.seq) } else { None };
    EventsPage { account: None, party: None, events, next_after }
}

/// Up to `limit` events of an index list (`prefix` ‖ seq, big-endian), from the first
/// with a sequence number above `after`.
fn events_page(db: &Db, prefix: &[u8], after: Option<u64>, limit: usize) -> Result<Vec<Event>, ApiError> {
    let count = db.state().event_head().count;
    let seqs = match after {
        None => db.index_scan(prefix, limit)?.iter().filter_map(|(k, _)| index::event_seq_of(k)).collect(),
        Some(after) => seqs_after(db, prefix, after, count, limit)?,
    };
    seqs.into_iter()
        .map(|seq| {
            db.state().read::<Event>(&keys::event(seq)).ok_or_else(|| {
                ApiError::internal(format!("the index names event {seq}, which the log lacks"))
            })
        })
        .collect()
}

/// Sequence numbers above `after` (and below the log's `count`) under `prefix`, in order.
///
/// The index offers prefix scans only, so the range `after+1 ..` is covered by prefixes
/// of its big-endian bytes: the numbers sharing the first 7 bytes of `after+1` with a
/// last byte at least its own, then those sharing the first 6 with a 7th byte above its
/// own, and so on. Prefixes that start at or beyond `count` hold nothing and end the
/// walk, so a page costs at most 255 seeks per byte that `after` and `count` differ in.
fn seqs_after(db: &Db, prefix: &[u8], after: u64, count: u64, limit: usize) -> Result<Vec<u64>, ApiError> {
    let Some(start) = after.checked_add(1) else {
        return Ok(Vec::new());
    };
    let bytes = start.to_be_bytes();
    let mut out = Vec::new();
    for level in (0..8).rev() {
        let first = if level == 7 { u16::from(bytes[7]) } else { u16::from(bytes[level]) + 1 };
        for byte in first..=255 {
            let mut lowest = [0u8; 8];
            lowest[..level].copy_from_slice(&bytes[..level]);
            lowest[level] = byte as u8;
            if u64::from_be_bytes(lowest) >= count {
                return Ok(out);
            }
            let mut key = prefix.to_vec();
            key.extend_from_slice(&lowest[..=level]);
            for (k, _) in db.index_scan(&key, limit - out.len())? {
                out.extend(index::event_seq_of(&k));
            }
            if out.len() >= limit {
                return Ok(out);
            }
        }
    }
    Ok(out)
}

/// `GET /v1/authorizations/{id}`: every version, oldest first.
pub(super) async fn authorization(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    at: Result<Query<AtHeight>, QueryRejection>,
) -> Result<Json<AuthorizationView>, ApiError> {
    let (Path(text), Query(at)) = (path?, at?);
    let id: AuthId = parse_id("malformed_authorization", &text)?;
    api.read(move |_, db| {
        let state = state_at(db, at.height)?;
        let versions = read::authorization_versions(&state, &id);
        if versions.is_empty() {
            return Err(ApiError::not_found(format!("authorization {id} does not exist")));
        }
        let meta = state.auth_meta(&id).unwrap_or_default();
        Ok(Json(AuthorizationView { id, meta, versions }))
    })
    .await
}

/// `GET /v1/ledger/{party}`: corresponding-adjustment totals per year.
pub(super) async fn ledger(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    at: Result<Query<AtHeight>, QueryRejection>,
) -> Result<Json<Ledger>, ApiError> {
    let (Path(text), Query(at)) = (path?, at?);
    api.read(move |_, db| {
        let state = state_at(db, at.height)?;
        let party = parse_party(&state, &text)?;
        let years = read::ledger(&state, &party)
            .into_iter()
            .map(|(year, t)| LedgerYearTotals { year, additions: t.additions, subtractions: t.subtractions })
            .collect();
        Ok(Json(Ledger { party, years }))
    })
    .await
}

/// `GET /v1/ledger/{party}/{year}`: the year's totals and entries.
pub(super) async fn ledger_year(
    State(api): State<Api>,
    path: Result<Path<(String, String)>, PathRejection>,
    at: Result<Query<AtHeight>, QueryRejection>,
) -> Result<Json<LedgerYear>, ApiError> {
    let (Path((text, year)), Query(at)) = (path?, at?);
    let year = parse_year(&year)?;
    api.read(move |_, db| {
        let state = state_at(db, at.height)?;
        let party = parse_party(&state, &text)?;
        let totals = state.ledger_totals(&party, year);
        let entries = read::ledger_entries(&state, &party, year);
        let closed = state.year_closed(&party, year);
        Ok(Json(LedgerYear { party, year, closed, totals, entries }))
    })
    .await
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD` of the crediting route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PeriodQuery {
    from: String,
    to: String,
    #[serde(default)]
    height: Option<u64>,
}

/// `GET /v1/projects/{id}/credited?from=&to=`: what of the project's period has been
/// credited where (R37): the JCM issuances and the other programmes' declarations (CCTS
/// and others, with their identifiers) that overlap it.
pub(super) async fn credited(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<Credited>, ApiError> {
    let (Path(text), Query(query)) = (path?, query?);
    let project: ProjectId = parse_id("malformed_project", &text)?;
    let day = |name: &str, text: &str| {
        Timestamp::parse(text).map_err(|e| ApiError::bad_request("malformed_query", format!("{name}: {e}")))
    };
    let period = Period { from: day("from", &query.from)?, to: day("to", &query.to)? };
    if period.from > period.to {
        return Err(ApiError::bad_request("malformed_query", "`from` is after `to`"));
    }
    api.read(move |_, db| match read::credited(&state_at(db, query.height)?, &project, &period) {
        Some(credited) => Ok(Json(credited)),
        None => Err(ApiError::not_found(format!("project {project} is not registered on this chain"))),
    })
    .await
}

/// `GET /v1/a64/{id}`: where an A6.4ER is on the chain: the receipt that brought it from
/// the mechanism registry and the ITMO serial it is tracked under.
pub(super) async fn a64_unit(
    State(api): State<Api>,
    path: Result<Path<String>, PathRejection>,
    at: Result<Query<AtHeight>, QueryRejection>,
) -> Result<Json<A64Location>, ApiError> {
    let (Path(text), Query(at)) = (path?, at?);
    let id = a64::A64Id::parse(&text).map_err(|e| ApiError::bad_request("malformed_unit", e))?;
    api.read(move |_, db| match a64::locate(&state_at(db, at.height)?, &id) {
        Some((receipt, serial)) => Ok(Json(A64Location {
            a64_id: id.to_string(),
            ca: receipt.ca.clone(),
            first_transferring_party: receipt.ftp.clone(),
            serial,
            receipt,
        })),
        None => Err(ApiError::not_found(format!("{id} was not received on this chain"))),
    })
    .await
}

/// `?format=json|csv` of the AEF route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AefFormat {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    height: Option<u64>,
}

/// `GET /v1/aef/{party}/{year}`: the AEF tables from the state (at `?height`, default the last) (table 4 as at the
/// end of the year, rebuilt from the action log).
pub(super) async fn aef(
    State(api): State<Api>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<AefFormat>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (Path((text, year)), Query(format)) = (path?, query?);
    let year = parse_year(&year)?;
    let csv = match format.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_request("malformed_query", format!("format={other}: use json or csv")))
        }
    };
    let report = api
        .read(move |_, db| {
            let state = state_at(db, format.height)?;
            let party = parse_party(&state, &text)?;
            Ok(aef::report(&state, &party, year))
        })
        .await?;
    if csv {
        Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], report.to_csv()).into_response())
    } else {
        Ok(Json::<AefReport>(report).into_response())
    }
}

/// `?key=<hex>&height=` of the proof route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProofQuery {
    key: String,
    #[serde(default)]
    height: Option<u64>,
}

/// `GET /v1/proof?key=<hex>&height=`: a Merkle proof of the key's value (or absence)
/// under the state root in the header at `height` (default: the last), with the value
/// the key held at that height. The proof is checked before it is sent.
pub(super) async fn proof(
    State(api): State<Api>,
    query: Result<Query<ProofQuery>, QueryRejection>,
) -> Result<Json<ProofAnswer>, ApiError> {
    let Query(query) = query?;
    let key = hex::decode(query.key.trim())
        .map_err(|e| ApiError::bad_request("malformed_key", format!("`key` is not hex: {e}")))?;
    if key.len() > PROOF_KEY_BYTES_MAX {
        return Err(ApiError::bad_request(
            "malformed_key",
            format!("the key is {} bytes, the limit is {PROOF_KEY_BYTES_MAX}", key.len()),
        ));
    }
    api.read(move |_, db| {
        let last = last_height(db)?;
        let height = query.height.unwrap_or(last);
        check_committed(db, height)?;
        let header = chain::header(db, height)?;
        let root = header.state_root;
        let proof = merkle::prove(db.merkle(), &root, &key).map_err(|e| {
            if height == last {
                ApiError::internal(format!("the store cannot prove against its own last root {root}: {e}"))
            } else {
                ApiError::not_found(format!("the state tree of height {height} is not available here: {e}"))
            }
        })?;
        let present = proof.leaf.is_some_and(|leaf| leaf.key_hash == merkle::key_hash(&key));
        let value = state_at(db, Some(height))?.get(&key);
        self_check(&root, &key, value.as_deref(), &proof)?;
        Ok(Json(ProofAnswer {
            key: hex::encode(&key),
            height,
            header_hash: header.hash(),
            state_root: root,
            present,
            value: value.map(hex::encode),
            value_hash: proof.leaf.filter(|_| present).map(|leaf| leaf.value_hash),
            proof_bytes: hex::encode(proof.to_bytes()),
            proof,
        }))
    })
    .await
}

/// Verifies a proof before it is sent, with the auditor's [`merkle::verify`], against
/// the value the state held at that height. A failure means the store is corrupt.
fn self_check(root: &Hash32, key: &[u8], value: Option<&[u8]>, proof: &Proof) -> Result<(), ApiError> {
    merkle::verify(root, key, value, proof).map_err(|e| {
        ApiError::internal(format!("the proof for this key fails its own check ({e}): the store is corrupt"))
    })
}
