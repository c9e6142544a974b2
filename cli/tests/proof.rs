//! `jcm prove unit` and `jcm verify-proof` over chains built in-process (devchain): a
//! proof from the state or from a node verifies offline against the genesis; a proof
//! changed anywhere, or checked against another genesis, does not.

mod devchain;

use devchain::{serve, temp_dir, DevChain, Served, UNIT};
use jcm_cli::audit::node::NodeClient;
use jcm_cli::audit::{Outcome, OutputFormat};
use jcm_cli::proof::{
    self, prove_from_node, prove_from_state, verify, verify_proof, CheckError, ProveArgs, ProveWhat,
    UnitProof, VerifyProofArgs,
};
use jcm_runtime::codec;
use jcm_runtime::events::EventKind;
use jcm_runtime::state::keys;
use jcm_tests::fixture::{Fixture, Patch, F0_JSON};

fn proof_of(chain: &DevChain, unit: &str) -> UnitProof {
    let commit = chain.commits.last().expect("a committed height");
    prove_from_state(&chain.state, &chain.tree, chain.head(), commit, unit).expect("the unit exists")
}

#[test]
fn a_unit_proof_verifies_against_the_genesis() {
    let chain = DevChain::small();
    let proof = proof_of(&chain, UNIT);
    let verified = verify_proof(&proof, &chain.fixture.genesis).expect("valid");
    assert_eq!(verified.unit, UNIT);
    assert_eq!((verified.height, verified.state_root), (4, chain.head().state_root));
    assert_eq!(verified.block_hash, chain.head().hash());
    assert_eq!(verified.current.attrs.account.as_str(), "JPN01-H-EJP1");
    let kinds: Vec<&EventKind> = verified.events.iter().map(|e| &e.kind).collect();
    assert!(matches!(kinds.first(), Some(EventKind::Issued { .. })), "{kinds:?}");
    assert!(kinds.iter().any(|k| matches!(k, EventKind::TransferredInternal { .. })), "{kinds:?}");
    let text = proof::describe(&verified);
    assert!(text.starts_with(&format!("PROOF VALID: unit {UNIT} at height 4")), "{text}");
}

#[test]
fn a_proof_against_another_genesis_fails() {
    let chain = DevChain::small();
    let proof = proof_of(&chain, UNIT);
    // Same validators and chain id, another genesis: the chain metadata names the genesis.
    let patch = Patch { pointer: "/cooperative_approaches/0/omge_rate_bp".into(), value: 200.into() };
    let other = Fixture::from_json(F0_JSON, &[patch]).expect("patched").genesis;
    let e = verify_proof(&proof, &other).expect_err("another genesis");
    assert!(matches!(e, CheckError::Entry { .. }), "{e}");
    assert!(e.to_string().contains("genesis"), "{e}");
    // Another validator set: the certificate does not verify.
    let patch = Patch { pointer: "/validators/1/public_key".into(), value: "dev:stranger".into() };
    let other = Fixture::from_json(F0_JSON, &[patch]).expect("patched").genesis;
    let e = verify_proof(&proof, &other).expect_err("other validators");
    assert!(matches!(e, CheckError::Header(_) | CheckError::Commit(_)), "{e}");
}

#[test]
fn proofs_changed_in_meaning_fail_at_the_check_that_catches_them() {
    let chain = DevChain::small();
    let good = proof_of(&chain, UNIT);
    let genesis = &chain.fixture.genesis;
    let fails = |edit: &dyn Fn(&mut UnitProof), check: &str| {
        let mut bad = good.clone();
        edit(&mut bad);
        let e = verify_proof(&bad, genesis).expect_err("altered");
        assert_eq!(e.check(), check, "{e}");
    };
    // A value changed: its proof no longer rebuilds the state root.
    fails(&|p| p.current.value.replace_range(0..2, "ff"), "entry");
    // An entry of another key passed off as the current block.
    fails(&|p| p.current = p.events[0].clone(), "entry");
    // An event dropped from the middle is not detected (documented), but one repeated is.
    fails(&|p| p.events.push(p.events[0].clone()), "entry");
    // A sibling removed from a Merkle proof.
    fails(
        &|p| {
            p.events[0].proof.siblings.pop();
        },
        "entry",
    );
    // Another height claimed, the header of an earlier height, a certificate of another.
    fails(&|p| p.height = 3, "header");
    fails(
        &|p| {
            p.header = hex::encode(codec::encode(&chain.headers[3]));
            p.height = 3;
        },
        "commit",
    );
    fails(&|p| p.commit = hex::encode(codec::encode(&chain.commits[2])), "commit");
    // Another unit claimed with this unit's entries.
    fails(&|p| p.unit = "CA0001-JPN01-IND-4999-2025".into(), "entry");
    fails(&|p| p.format = "jcm-unit-proof/2".into(), "format");
}

/// A proof at an earlier height, of a state entry of another kind: the metadata entry
/// must be the chain metadata key.
#[test]
fn the_metadata_entry_must_be_the_metadata_key() {
    let chain = DevChain::small();
    let mut proof = proof_of(&chain, UNIT);
    proof.meta.key = hex::encode(keys::EVENT_HEAD);
    assert!(verify_proof(&proof, &chain.fixture.genesis).is_err());
}

#[test]
fn every_changed_byte_of_a_proof_file_is_refused() {
    let chain = DevChain::small();
    let good = serde_json::to_vec_pretty(&proof_of(&chain, UNIT)).expect("serializes");
    let genesis = &chain.fixture.genesis;
    assert!(verify(&good, genesis).is_ok());
    let mut bad = good.clone();
    // Every byte of the head (format, unit, height, header, certificate), a spread of the
    // long hex proofs after it.
    for i in (0..good.len()).filter(|i| *i < 2_000 || i % 7 == 0) {
        // 0x01 never turns a hex digit into its other case (which decodes the same).
        bad[i] ^= 0x01;
        assert!(verify(&bad, genesis).is_err(), "byte {i} ({:?}) changed", good[i] as char);
        bad[i] ^= 0x01;
    }
}

#[test]
fn prove_from_a_node_then_verify_the_file_offline() {
    let chain = DevChain::small();
    let url = serve(Served::of(&chain));
    let proof = prove_from_node(&NodeClient::new(&url), UNIT).expect("proved");
    assert_eq!(proof, proof_of(&chain, UNIT), "the node's proof is the state's");

    let dir = temp_dir("prove");
    let out = dir.join("unit.proof.json");
    let args = ProveArgs { what: ProveWhat::Unit { unit: UNIT.into(), out: out.clone() } };
    assert_eq!(proof::run_prove(&args, Some(&url)).expect("ran"), Outcome::Success);
    let genesis_file = dir.join("genesis.json");
    std::fs::write(&genesis_file, &chain.genesis_json).expect("written");
    let verify_args =
        VerifyProofArgs { file: out.clone(), genesis: genesis_file, output: OutputFormat::Json };
    assert_eq!(proof::run_verify(&verify_args, None).expect("ran"), Outcome::Success);
    let text = std::fs::read_to_string(&out).expect("read");
    std::fs::write(&out, text.replacen("\"height\": 4", "\"height\": 2", 1)).expect("written");
    assert_eq!(proof::run_verify(&verify_args, None).expect("ran"), Outcome::Failed);
    let missing = VerifyProofArgs { file: dir.join("missing.json"), ..verify_args };
    assert!(proof::run_verify(&missing, None).is_err(), "an unreadable file is an I/O error (exit 2)");
    let absent = ProveArgs { what: ProveWhat::Unit { unit: "CA0001-JPN01-IND-999999-2025".into(), out } };
    assert!(proof::run_prove(&absent, Some(&url)).is_err(), "an unknown unit");
    assert!(proof::run_prove(&args, None).is_err(), "no node");
    let _ = std::fs::remove_dir_all(dir);
}
