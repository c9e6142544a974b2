//! The genesis document: F0's hash is pinned, and documents whose references do not
//! resolve are refused with a message naming the problem.

use jcm_runtime::protocol::Genesis;
use jcm_tests::fixture::{Fixture, Patch, F0_JSON};
use serde_json::Value;

/// The genesis hash of fixture F0. Any change to the genesis encoding or to F0 changes
/// it; update it only on purpose.
const F0_GENESIS_HASH: &str = "998815ac5d298e845ef886a45f92cf1b1dfba934bc346bc42523be488652351a";

#[test]
fn f0_genesis_hash_is_pinned() {
    let f0 = Fixture::f0();
    assert_eq!(f0.genesis.hash().to_hex(), F0_GENESIS_HASH);
    let reparsed = Genesis::from_json(&f0.genesis.to_json()).expect("round trip");
    assert_eq!(reparsed.hash(), f0.genesis.hash(), "JSON round trip keeps the hash");
}

fn refused(pointer: &str, value: Value) -> String {
    let patch = Patch { pointer: pointer.into(), value };
    Fixture::from_json(F0_JSON, &[patch]).expect_err("must be refused").to_string()
}

#[test]
fn unresolved_references_are_refused() {
    assert!(refused("/accounts/0/registry", "XYZ01".into()).contains("unknown registry"));
    assert!(refused("/projects/0/host", "FRA".into()).contains("unknown host"));
    assert!(refused("/cooperative_approaches/0/participants/-", "FRA".into()).contains("unknown participant"));
    assert!(refused("/authorizations/0/terms/ca", "CA0009".into()).contains("unknown CA"));
    assert!(refused("/officers/0/roles/-", serde_json::json!({ "registry_admin": "XYZ01" }))
        .contains("names something unknown"));
    assert!(refused("/validators", serde_json::json!([])).contains("validator set is empty"));
    assert!(refused("/accounts/1/id", "IND01-PEND".into()).contains("declared twice"));
    assert!(refused("/cooperative_approaches/0/omge_rate_bp", 10_001.into()).contains("basis points"));
}

#[test]
fn malformed_values_are_refused_with_the_field() {
    assert!(refused("/parties/0/code", "india".into()).contains("Party code"));
    assert!(refused("/registries/0/id", "IND1".into()).contains("registry id"));
    assert!(refused("/accounts/0/kind", "WALLET".into()).contains("unknown variant"));
    assert!(refused("/genesis_time", "yesterday".into()).contains("not a UTC date"));
    assert!(Genesis::from_json("{").is_err());
    assert!(Genesis::from_json("{\"chain_id\": \"x\", \"unexpected\": 1}").is_err());
}
