use std::collections::BTreeMap;

use jcm_runtime::read;
use jcm_runtime::time::Timestamp;

use super::*;
use crate::check::check;
use crate::genesis::{self, Network};
use jcm_scenario::fixture::Fixture;

/// F0 with `signers` load signers, its actors, and the plan of `txs` transactions.
fn planned(signers: usize, txs: usize, mix: &Mix) -> (jcm_runtime::genesis::Genesis, Vec<Signer>, Plan) {
    let f0 = Fixture::f0();
    let extended = genesis::extend(&f0.genesis, signers).expect("extended");
    let network = Network::discover(&extended).expect("F0 has the load's actors");
    let all = genesis::signers(&network, signers);
    let keys: BTreeMap<String, SecretKey> = f0.keys.clone();
    let input = PlanInput {
        chain_id: extended.chain_id.as_str(),
        network: &network,
        signers: &all,
        officer_keys: &keys,
        officer_nonces: &BTreeMap::new(),
        txs,
        mix,
        seed: 7,
        threads: 2,
    };
    let plan = build(&input).expect("a plan");
    (extended, all, plan)
}

#[test]
fn every_planned_transaction_is_accepted_in_memory() {
    let (genesis, signers, plan) = planned(8, 600, &Mix::default());
    assert_eq!(plan.load.len(), 600);
    assert!(plan.counts.len() == Kind::ALL.len(), "{:?}", plan.counts);
    let state = check(&genesis, &plan, Timestamp::parse("2026-03-01").expect("date")).expect("all accepted");
    // The government signers' uses reached Japan's NDC use account.
    let network = Network::discover(&genesis).expect("actors");
    let used = read::holdings(&state, &network.japan_use_ndc).expect("account").quantity;
    assert_eq!(used, plan.counts[&Kind::UseNdc] as u64 * CHUNK_UNITS);
    // Fragmented holdings: shuffled chunks land in account B out of serial order.
    let b = read::holdings(&state, &signers[0].account("B")).expect("account");
    assert!(b.blocks.len() > 1, "{b:?}");
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
