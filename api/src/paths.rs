//! The routes' paths, built from typed arguments with each path segment
//! percent-encoded (authorization ids may hold spaces).

use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::ids::{AccountId, AuthId, Party, ProjectId};

/// Percent-encodes one path segment: everything but `A-Z a-z 0-9 - _ . ~`.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `/v1/status`.
pub const STATUS: &str = "/v1/status";
/// `/v1/genesis`.
pub const GENESIS: &str = "/v1/genesis";
/// `/v1/genesis/raw`.
pub const GENESIS_RAW: &str = "/v1/genesis/raw";
/// `/v1/tx`.
pub const SUBMIT: &str = "/v1/tx";
/// `/v1/tx/dry-run`.
pub const DRY_RUN: &str = "/v1/tx/dry-run";
/// `/v1/gov/proposals`.
pub const PROPOSALS: &str = "/v1/gov/proposals";
/// `/v1/gov/validators`.
pub const VALIDATORS: &str = "/v1/gov/validators";
/// `/v1/evidence`.
pub const EVIDENCE: &str = "/v1/evidence";
/// `/v1/openapi.json`.
pub const OPENAPI: &str = "/v1/openapi.json";

/// `/v1/tx/{hash}`.
pub fn tx(hash: &Hash32) -> String {
    format!("/v1/tx/{hash}")
}

/// `/v1/nonce/{signer}`.
pub fn nonce(signer: &PublicKey) -> String {
    format!("/v1/nonce/{}", signer.to_hex())
}

/// `/v1/blocks/{height}`.
pub fn block(height: u64) -> String {
    format!("/v1/blocks/{height}")
}

/// `/v1/blocks/{height}/raw`.
pub fn raw_block(height: u64) -> String {
    format!("/v1/blocks/{height}/raw")
}

/// `/v1/blocks?from=&to=`.
pub fn blocks(from: u64, to: u64) -> String {
    format!("/v1/blocks?from={from}&to={to}")
}

/// `/v1/units/{unit}/history`.
pub fn unit_history(unit: &str) -> String {
    format!("/v1/units/{}/history", segment(unit))
}

/// `/v1/units/{unit}/proof`: add [`at`] for a past height.
pub fn unit_proof(unit: &str) -> String {
    format!("/v1/units/{}/proof", segment(unit))
}

/// `/v1/accounts/{id}/holdings`.
pub fn account_holdings(account: &AccountId) -> String {
    format!("/v1/accounts/{}/holdings", segment(account.as_str()))
}

/// `/v1/parties/{code}/holdings`.
pub fn party_holdings(party: &Party) -> String {
    format!("/v1/parties/{}/holdings", segment(party.as_str()))
}

/// `/v1/accounts/{id}/events`, with `?after=&limit=` when given.
pub fn account_events(account: &AccountId, after: Option<u64>, limit: Option<u64>) -> String {
    page(format!("/v1/accounts/{}/events", segment(account.as_str())), after, limit)
}

/// `/v1/parties/{code}/events`, with `?after=&limit=` when given.
pub fn party_events(party: &Party, after: Option<u64>, limit: Option<u64>) -> String {
    page(format!("/v1/parties/{}/events", segment(party.as_str())), after, limit)
}

fn page(base: String, after: Option<u64>, limit: Option<u64>) -> String {
    let query: Vec<String> = [after.map(|a| format!("after={a}")), limit.map(|l| format!("limit={l}"))]
        .into_iter()
        .flatten()
        .collect();
    if query.is_empty() {
        base
    } else {
        format!("{base}?{}", query.join("&"))
    }
}

/// `path` read as of committed height `height` (`?height=`, or `&height=` after a
/// query already there); `path` itself when `height` is `None` (the last height).
pub fn at(path: String, height: Option<u64>) -> String {
    match height {
        None => path,
        Some(h) if path.contains('?') => format!("{path}&height={h}"),
        Some(h) => format!("{path}?height={h}"),
    }
}

/// `/v1/authorizations/{id}`.
pub fn authorization(id: &AuthId) -> String {
    format!("/v1/authorizations/{}", segment(id.as_str()))
}

/// `/v1/ledger/{party}`.
pub fn ledger(party: &Party) -> String {
    format!("/v1/ledger/{}", segment(party.as_str()))
}

/// `/v1/ledger/{party}/{year}`.
pub fn ledger_year(party: &Party, year: u16) -> String {
    format!("/v1/ledger/{}/{year}", segment(party.as_str()))
}

/// `/v1/projects/{id}/credited?from=&to=` (days as `YYYY-MM-DD`).
pub fn credited(project: &ProjectId, from: &str, to: &str) -> String {
    format!("/v1/projects/{}/credited?from={}&to={}", segment(project.as_str()), segment(from), segment(to))
}

/// `/v1/a64/{id}`.
pub fn a64(id: &str) -> String {
    format!("/v1/a64/{}", segment(id))
}

/// `/v1/gov/proposals/{id}`.
pub fn proposal(id: u64) -> String {
    format!("/v1/gov/proposals/{id}")
}

/// `/v1/gov/validators?height=`.
pub fn validators_at(height: u64) -> String {
    format!("/v1/gov/validators?height={height}")
}

/// `/v1/aef/{party}/{year}`, as JSON or CSV.
pub fn aef(party: &Party, year: u16, csv: bool) -> String {
    let format = if csv { "?format=csv" } else { "" };
    format!("/v1/aef/{}/{year}{format}", segment(party.as_str()))
}

/// `/v1/proof?key=&height=`.
pub fn proof(key: &[u8], height: Option<u64>) -> String {
    let height = height.map(|h| format!("&height={h}")).unwrap_or_default();
    format!("/v1/proof?key={}{height}", hex::encode(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_keeps_the_unreserved_characters_and_encodes_the_rest() {
        assert_eq!(segment("AUTH-IND 001/é"), "AUTH-IND%20001%2F%C3%A9");
        assert_eq!(segment("A6.4ER-IND_x~"), "A6.4ER-IND_x~");
    }

    #[test]
    fn an_event_page_carries_only_the_bounds_given() {
        let party: Party = "JPN".parse().expect("a party code");
        assert_eq!(party_events(&party, None, None), "/v1/parties/JPN/events");
        assert_eq!(party_events(&party, Some(40), None), "/v1/parties/JPN/events?after=40");
        assert_eq!(party_events(&party, Some(40), Some(20)), "/v1/parties/JPN/events?after=40&limit=20");
        assert_eq!(party_events(&party, None, Some(20)), "/v1/parties/JPN/events?limit=20");
    }

    #[test]
    fn a_height_joins_the_query_the_path_has() {
        let party: Party = "JPN".parse().expect("a party code");
        assert_eq!(at(ledger(&party), None), "/v1/ledger/JPN");
        assert_eq!(at(ledger(&party), Some(7)), "/v1/ledger/JPN?height=7");
        assert_eq!(at(aef(&party, 2025, true), Some(7)), "/v1/aef/JPN/2025?format=csv&height=7");
    }
}
