//! The load plan's tests: every planned transaction is accepted in memory, the mix
//! spreads over the approaches the genesis gives, and a plan is reproducible.

use std::collections::BTreeMap;

use jcm_runtime::protocol::Genesis;
use jcm_runtime::read;
use jcm_runtime::state::{MemStore, StateExt};
use jcm_runtime::time::Timestamp;

use super::*;
use crate::check::{check, decode};
use crate::genesis::{self, Network, Selection};
use jcm_scenario::fixture::{Fixture, Patch};

/// `fixture` with `signers` load signers in the approaches `extended_for` chooses, the
/// network `run_in` chooses among them (as `jcm-load run` finds it), its signers, and the
/// plan of `txs` transactions.
fn planned_in(
    fixture: &Fixture,
    signers: usize,
    extended_for: &Selection,
    run_in: &Selection,
    txs: usize,
    mix: &Mix,
) -> (Genesis, Network, Vec<Signer>, Plan) {
    let extended = genesis::extend(&fixture.genesis, signers, extended_for).expect("extended");
    let network = genesis::run_network(&extended, run_in).expect("the fixture has the load's actors");
    let all = genesis::signers_in(&extended, &network).expect("the load signers");
    let input = PlanInput {
        chain_id: extended.chain_id.as_str(),
        network: &network,
        signers: &all,
        officer_keys: &fixture.keys,
        officer_nonces: &BTreeMap::new(),
        txs,
        mix,
        seed: 7,
        threads: 2,
    };
    let plan = build(&input).expect("a plan");
    (extended, network, all, plan)
}

/// F0 (one approach, CA0001) with `signers` load signers, and the plan.
fn planned(signers: usize, txs: usize, mix: &Mix) -> (Genesis, Vec<Signer>, Plan) {
    let all = Selection::All;
    let (genesis, _, signers, plan) = planned_in(&Fixture::f0(), signers, &all, &all, txs, mix);
    (genesis, signers, plan)
}

/// S3 (Japan and five partners, CA0001 to CA0005) with one officer representing Japan on
/// every Joint Committee, as in a `jcm-node testnet` genesis (`JPN-JC`).
fn s3() -> Fixture {
    let fixture = Fixture::named("s3", &[]).expect("S3 is a built-in fixture");
    let roles: Vec<serde_json::Value> = fixture
        .genesis
        .joint_committees
        .iter()
        .map(|jc| serde_json::json!({ "jc_representative": { "jc": jc.id, "party": "JPN" } }))
        .collect();
    let index =
        fixture.genesis.officers.iter().position(|o| o.name.as_str() == "JPN-JC-IN").expect("JPN-JC-IN");
    let patch = Patch { pointer: format!("/officers/{index}/roles"), value: roles.into() };
    Fixture::named("s3", &[patch]).expect("S3 with one Japanese representative")
}

fn checked(genesis: &Genesis, plan: &Plan) -> MemStore {
    check(genesis, plan, Timestamp::parse("2026-03-01").expect("date")).expect("all accepted")
}

#[test]
fn every_planned_transaction_is_accepted_in_memory() {
    let (genesis, signers, plan) = planned(8, 600, &Mix::default());
    assert_eq!(plan.load.len(), 600);
    assert!(plan.counts.len() == Kind::ALL.len(), "{:?}", plan.counts);
    let state = checked(&genesis, &plan);
    // The government signers' uses reached Japan's NDC use account.
    let network = genesis::run_network(&genesis, &Selection::All).expect("actors");
    let used = read::holdings(&state, &network.japan_use_ndc).expect("account").quantity;
    assert_eq!(used, plan.counts[&Kind::UseNdc] as u64 * CHUNK_UNITS);
    // Fragmented holdings: shuffled chunks land in account B out of serial order.
    let b = read::holdings(&state, &signers[0].account("B")).expect("account");
    assert!(b.blocks.len() > 1, "{b:?}");
}

#[test]
fn the_mix_spreads_over_every_approach_of_japan_and_is_accepted() {
    let all = Selection::All;
    let (genesis, network, signers, plan) = planned_in(&s3(), 40, &all, &all, 2_000, &Mix::default());
    assert_eq!(network.approaches.len(), 5, "S3: Japan and five partners");
    assert!(network.approaches.iter().all(|a| a.jc_reps[1] == "JPN-JC-IN"), "one Japanese representative");
    assert_eq!(plan.approaches.len(), 5);
    assert!(plan.approach_counts.iter().all(|n| *n > 0), "{:?}", plan.approach_counts);
    assert_eq!(plan.approach_counts.iter().sum::<usize>(), 2_000);
    let state = checked(&genesis, &plan);
    for (k, approach) in network.approaches.iter().enumerate() {
        // Its setup issuances, and the mix's, filled its own serial space.
        assert!(state.next_serial(&approach.ca, &approach.host) > 1, "{}", approach.ca);
        let mut kinds = Vec::new();
        for signer in signers.iter().filter(|s| s.approach == k) {
            kinds.push(signer.kind);
            let b = read::holdings(&state, &signer.account("B")).expect("account");
            assert!(b.quantity > 0, "{}: {b:?}", signer.name);
            assert!(b.blocks.iter().all(|block| block.ca == approach.ca), "{}: {b:?}", signer.name);
        }
        let both = [SignerKind::Entity, SignerKind::Government];
        assert!(
            both.iter().all(|kind| kinds.contains(kind)),
            "{}: entity and government signers",
            approach.ca
        );
    }
    // Every load transaction is in its signer's approach (a new account names none: it
    // is in the registry of the approach's host).
    for planned in &plan.load {
        let signer = signers.iter().find(|s| Some(s.index) == planned.signer).expect("a load signer");
        assert_eq!(signer.approach, planned.approach);
        if planned.kind != Kind::OpenAccount.name() {
            assert_eq!(payload_ca(planned), Some(plan.approaches[planned.approach].to_string()));
        }
    }
}

/// The cooperative approach a planned transaction names (itself, or its project's or
/// authorization's), if its kind names one.
fn payload_ca(planned: &Planned) -> Option<String> {
    let json = serde_json::to_value(&decode(planned).body.payload).expect("payloads serialize");
    let ca = json.get("ca").or_else(|| json.pointer("/project/ca")).or_else(|| json.pointer("/terms/ca"));
    ca.and_then(|ca| ca.as_str()).map(str::to_owned)
}

#[test]
fn one_approach_gives_the_single_approach_load_of_ca0001() {
    let one = Selection::parse("1").expect("one");
    let all = Selection::All;
    // Extended for CA0001 only, or for all and run in CA0001 only: the same signers' kinds,
    // every transaction in CA0001.
    for (extended_for, run_in) in [(&one, &all), (&all, &one)] {
        let (genesis, network, signers, plan) =
            planned_in(&s3(), 24, extended_for, run_in, 400, &Mix::default());
        assert_eq!(network.approaches.len(), 1);
        assert_eq!(plan.approaches.iter().map(ToString::to_string).collect::<Vec<_>>(), ["CA0001"]);
        assert!(signers.iter().all(|s| s.approach == 0));
        let setup = plan.setup.iter().flatten();
        assert!(setup.chain(&plan.load).filter_map(payload_ca).all(|ca| ca == "CA0001"));
        checked(&genesis, &plan);
    }
}

#[test]
fn the_run_reads_back_the_approaches_the_genesis_gave_its_signers() {
    let fixture = s3();
    let selection = Selection::parse("CA0002,CA0004").expect("ids");
    let extended = genesis::extend(&fixture.genesis, 16, &selection).expect("extended");
    let network = Network::select(&fixture.genesis, &selection).expect("network");
    let written = genesis::signers(&network, 16);
    let found = genesis::run_network(&extended, &Selection::All).expect("network");
    let read = genesis::signers_in(&extended, &found).expect("signers");
    let cas = |n: &Network| n.approaches.iter().map(|a| a.ca.to_string()).collect::<Vec<_>>();
    assert_eq!(cas(&found), ["CA0002", "CA0004"]);
    let summary = |s: &[Signer], n: &Network| {
        s.iter().map(|s| (s.index, s.kind, n.approaches[s.approach].ca.clone())).collect::<Vec<_>>()
    };
    assert_eq!(summary(&read, &found), summary(&written, &network));
    // An approach the genesis has no load signers for cannot be run in.
    assert!(genesis::run_network(&extended, &Selection::parse("CA0001").expect("id")).is_err());
}

#[test]
fn the_plan_is_reproducible_and_in_offered_order() {
    let mix = Mix::parse("range=1,quantity=1").expect("mix");
    let (_, _, one) = planned(4, 50, &mix);
    let (_, _, two) = planned(4, 50, &mix);
    let hashes = |p: &Plan| p.load.iter().map(|t| t.hash).collect::<Vec<_>>();
    assert_eq!(hashes(&one), hashes(&two));
    assert!(one.load.windows(2).all(|w| w[0].seq < w[1].seq));
}

#[test]
fn mixes_parse_and_refuse_unknown_kinds() {
    assert_eq!(Mix::default().render(), "range=45,quantity=30,use=10,open=10,issue=5");
    assert!(Mix::parse("range=1,teleport=2").is_err());
    assert!(Mix::parse("range=0").is_err());
    assert!(Mix::parse("range").is_err());
}
