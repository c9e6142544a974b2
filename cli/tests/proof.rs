//! `jcm prove unit` and `jcm verify-proof` over chains built in-process (devchain): a
//! proof from the state or from a node verifies offline against the genesis, across
//! validator-set changes (R49); a proof changed anywhere, with a transition or a
//! scheduled change left out or forged, certified by the wrong set, or checked against
//! another genesis, does not.

mod devchain;

use devchain::{serve, temp_dir, DevChain, Served, UNIT};
use jcm_cli::audit::node::NodeClient;
use jcm_cli::audit::progress::Progress;
use jcm_cli::audit::{audit_bundle, AuditOptions, Outcome, OutputFormat};
use jcm_cli::proof::{
    self, prove_from_node, prove_from_state, verify, verify_proof, CheckError, Part, ProveArgs, ProveWhat,
    UnitProof, VerifyProofArgs, FORMAT, FORMAT_V1,
};
use jcm_runtime::codec;
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::events::EventKind;
use jcm_runtime::protocol;
use jcm_runtime::protocol::ValidatorChange;
use jcm_runtime::state::keys;
use jcm_runtime::tx::gov::ScheduledChange;
use jcm_tests::builders;
use jcm_tests::fixture::{dev_certificate, Fixture, Patch, F0_JSON};
use serde_json::json;

fn proof_of(chain: &DevChain, unit: &str) -> UnitProof {
    let commit = chain.commits.last().expect("a committed height");
    let earlier = |height| chain.certified(height);
    prove_from_state(&chain.state, &chain.tree, chain.head(), commit, &earlier, unit)
        .expect("the unit exists")
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
    fails(&|p| p.format = "jcm-unit-proof/3".into(), "format");
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

/// The height at which the changed chain's first validator-set change takes effect.
const FIRST_CHANGE: u64 = 8;
/// The height of its second.
const SECOND_CHANGE: u64 = 12;
/// Its last height.
const LAST: u64 = 13;

/// Mongolia's admission, with a validator of power 3 (tests/scenarios/g01_admit_party.toml).
fn admission() -> serde_json::Value {
    json!({
        "kind": "admit_party",
        "party": { "code": "MNG", "name": "Mongolia", "status": "ELIGIBLE",
                   "ndc_periods": [{ "years": { "first": 2021, "last": 2030 }, "kind": "single_year" }] },
        "registry": { "id": "MNG01", "name": "Mongolia JCM registry" },
        "authority": {
            "name": "MNG-DA", "public_key": "dev:MNG-DA",
            "roles": [{ "designated_authority": "MNG" }, { "account_holder": { "party": "MNG" } }]
        },
        "validator": { "name": "validator-mng", "public_key": "dev:validator-mng", "power": 3,
                       "node_id": "12D3KooWmng" }
    })
}

/// The small chain, then two validator-set changes decided by governance (India's
/// authority proposes, Japan's approves: they hold all the power), then the unit moves
/// under the new set:
///
/// - 5: proposal 1, validator-ind's power to 2 from height 8; 6: Japan approves;
/// - 8: the set is {ind 2, jpn 1}; proposal 2 admits Mongolia with validator-mng (power
///   3); 9: Japan approves; 10: Mongolia's authority consents: decided, its validator
///   joins at 12 (an admission's change, with no effective height in the proposal);
/// - 12: the set is {ind 2, jpn 1, mng 3}, where the old set's 3 of 6 is no quorum; the
///   unit moves; 13: an empty block.
fn changed_chain() -> DevChain {
    let mut chain = DevChain::small();
    chain.signers.push("validator-mng".into());
    let set_power = json!({ "op": "set_power", "key": "dev:validator-ind", "power": 2 });
    let change =
        json!({ "kind": "change_validators", "effective_height": FIRST_CHANGE, "change": set_power });
    let tx = chain.tx_json("NDAIAPA", json!({ "action": "propose", "deadline": 6, "change": change }));
    chain.push(vec![tx]);
    let tx = chain.tx_json("MOEJ", json!({ "action": "approve_proposal", "proposal": 1 }));
    chain.push(vec![tx]);
    chain.push_empty(1);
    let tx = chain.tx_json("NDAIAPA", json!({ "action": "propose", "deadline": 20, "change": admission() }));
    chain.push(vec![tx]);
    let tx = chain.tx_json("MOEJ", json!({ "action": "approve_proposal", "proposal": 2 }));
    chain.push(vec![tx]);
    let tx = chain.tx_json("dev:MNG-DA", json!({ "action": "consent_to_admission", "proposal": 2 }));
    chain.push(vec![tx]);
    chain.push_empty(1);
    let units = builders::range("JPN01", 1, 5, 2025);
    let tx =
        chain.tx("E-JP-1", builders::movement("transfer_internal", "JPN01-H-EJP1", "JPN01-H-AIR", units));
    chain.push(vec![tx]);
    chain.push_empty(1);
    for (i, results) in chain.results.iter().enumerate().skip(4) {
        assert!(results.iter().all(|r| r.verdict.is_accepted()), "height {}: {results:?}", i + 1);
    }
    let total = |height: u64| chain.deciding[height as usize - 1].total_power();
    let totals = [FIRST_CHANGE - 1, FIRST_CHANGE, SECOND_CHANGE - 1, SECOND_CHANGE, LAST].map(total);
    assert_eq!(totals, [2, 3, 3, 6, 6], "the sets the chain went through");
    assert_eq!(chain.head().height, LAST);
    chain
}

/// `bad` fails as a transition at `height`, at `part`.
fn fails_at(chain: &DevChain, bad: &UnitProof, height: u64, part: Part) -> CheckError {
    let e = verify_proof(bad, &chain.fixture.genesis).expect_err("altered");
    match &e {
        CheckError::Transition { height: h, part: p, .. } if (*h, *p) == (height, part) => {}
        other => panic!("expected the transition at {height} to fail at {part:?}, got: {other}"),
    }
    assert_eq!(e.check(), "transition");
    e
}

#[test]
fn a_proof_across_two_validator_set_changes_verifies() {
    let chain = changed_chain();
    let proof = proof_of(&chain, UNIT);
    assert_eq!(proof.format, FORMAT);
    let heights: Vec<u64> = proof.transitions.iter().map(|t| t.height).collect();
    assert_eq!(heights, [FIRST_CHANGE, SECOND_CHANGE]);
    // At 7 the counter had given out proposal 1 only; at 11, proposals 1 and 2, and
    // proposal 1 has no entry for 12 (proven absent).
    let presence =
        |i: usize| -> Vec<bool> { proof.transitions[i].changes.iter().map(|c| c.value.is_some()).collect() };
    assert_eq!((presence(0), presence(1)), (vec![true], vec![false, true]));

    let verified = verify_proof(&proof, &chain.fixture.genesis).expect("valid");
    assert_eq!((verified.height, verified.block_hash), (LAST, chain.head().hash()));
    assert_eq!(verified.current.attrs.account.as_str(), "JPN01-H-AIR", "moved at height 12");
    let changes: Vec<(u64, u64)> = verified.set_changes.iter().map(|c| (c.height, c.proposal)).collect();
    assert_eq!(changes, [(FIRST_CHANGE, 1), (SECOND_CHANGE, 2)]);
    let mut powers: Vec<(String, u64)> =
        verified.validators.iter().map(|v| (v.name.as_str().to_string(), v.power)).collect();
    powers.sort();
    let expected = [("validator-ind", 2), ("validator-jpn", 1), ("validator-mng", 3)];
    assert_eq!(powers, expected.map(|(n, p)| (n.to_string(), p)));
    assert_eq!(
        chain.head().validators_hash,
        protocol::validators_hash(&chain.deciding[LAST as usize - 1]),
        "the header names the new set"
    );
    let text = proof::describe(&verified);
    assert!(text.contains("after 2 proven changes at heights 8, 12"), "{text}");
}

/// The fixture is a chain the auditor accepts: each block certified by the set that
/// decides it, as the replay takes it from the state.
#[test]
fn the_changed_chain_passes_the_audit() {
    let chain = changed_chain();
    let options = AuditOptions {
        trusted: Some((chain.fixture.genesis.clone(), "genesis.json".into())),
        quiet: true,
        ..AuditOptions::default()
    };
    let audit = audit_bundle(chain.bundle().as_slice(), &options, &Progress::heights(0, "", true));
    let report = audit.verdict.expect("a valid chain");
    assert_eq!((report.height, report.validator_set_changes), (LAST, 2));
    assert_eq!(report.block_hash, chain.head().hash());
}

/// An audit of the changed chain in which the first change is forged: the block of its
/// height names a set governance never decided (India's validator with a stranger of
/// great power), certified by that set. The replay takes the set from the state, so it
/// fails at exactly that height; with the chain's own set hash but the forged set's
/// signatures, the certificate fails there instead.
#[test]
fn an_audit_of_a_forged_validator_change_fails_at_its_height() {
    use jcm_cli::audit::bundle::HeightBytes;
    use jcm_runtime::protocol::{ValidatorKey, ValidatorSet};
    let chain = changed_chain();
    let options = AuditOptions {
        trusted: Some((chain.fixture.genesis.clone(), "genesis.json".into())),
        quiet: true,
        ..AuditOptions::default()
    };
    let key = |name: &str| ValidatorKey(SecretKey::dev(name).public().0);
    let forged = ValidatorSet::new(&[(key("validator-ind"), 1), (key("mallory"), 10)]).expect("a set");
    let at = FIRST_CHANGE as usize;
    let forge = |rename_set: bool| {
        let mut heights = chain.heights();
        heights.truncate(at);
        let mut block = chain.blocks[at - 1].clone();
        if rename_set {
            block.header.validators_hash = protocol::validators_hash(&forged);
        }
        let commit = dev_certificate(&block.header, &["validator-ind", "mallory"]);
        heights[at - 1] =
            HeightBytes { height: at as u64, block: block.encode(), commit: codec::encode(&commit) };
        devchain::bundle_of(&chain.genesis_json, &heights)
    };
    for (rename_set, check, says) in [(true, "link", "validator-set hash"), (false, "commit", "")] {
        let audit = audit_bundle(forge(rename_set).as_slice(), &options, &Progress::heights(0, "", true));
        let error = audit.verdict.expect_err("a forged validator change");
        assert_eq!((error.height(), error.check()), (FIRST_CHANGE, check), "{error}");
        assert!(error.to_string().contains(says), "{error}");
    }
    // The chain as decided passes up to the same height.
    let mut heights = chain.heights();
    heights.truncate(at);
    let audit = audit_bundle(
        devchain::bundle_of(&chain.genesis_json, &heights).as_slice(),
        &options,
        &Progress::heights(0, "", true),
    );
    assert_eq!(audit.verdict.expect("the chain's own blocks").height, FIRST_CHANGE);
}

#[test]
fn a_transition_left_out_fails_at_the_next_header_checked() {
    let chain = changed_chain();
    let good = proof_of(&chain, UNIT);
    // The first left out: the header of 11 names {ind 2, jpn 1}, the genesis set is trusted.
    let mut bad = good.clone();
    bad.transitions.remove(0);
    fails_at(&chain, &bad, SECOND_CHANGE, Part::Header);
    // The second left out, or both, or the file read as one of the first version: the
    // header of 13 names the set after the second change.
    for keep in [1, 0] {
        let mut bad = good.clone();
        bad.transitions.truncate(keep);
        let e = verify_proof(&bad, &chain.fixture.genesis).expect_err("a transition left out");
        assert!(matches!(e, CheckError::Header(_)), "{e}");
    }
    let mut bad = good.clone();
    (bad.format, bad.transitions) = (FORMAT_V1.into(), Vec::new());
    let e = verify_proof(&bad, &chain.fixture.genesis).expect_err("the genesis set only");
    assert!(matches!(e, CheckError::Header(_)), "{e}");
}

#[test]
fn a_schedule_entry_left_out_or_forged_fails() {
    let chain = changed_chain();
    let good = proof_of(&chain, UNIT);
    let second = 1;
    let edit = |change: &dyn Fn(&mut jcm_cli::proof::Transition)| {
        let mut bad = good.clone();
        change(&mut bad.transitions[second]);
        bad
    };
    // Left out: every proposal id below the counter needs its entry.
    fails_at(&chain, &edit(&|t| drop(t.changes.pop())), SECOND_CHANGE, Part::Changes);
    fails_at(&chain, &edit(&|t| drop(t.changes.remove(0))), SECOND_CHANGE, Part::Changes);
    // Mongolia's change claimed absent, then forged with another power.
    fails_at(&chain, &edit(&|t| t.changes[1].value = None), SECOND_CHANGE, Part::Change(2));
    let forged = |t: &mut jcm_cli::proof::Transition| {
        let bytes = hex::decode(t.changes[1].value.as_ref().expect("present")).expect("hex");
        let mut change: ScheduledChange = codec::decode(&bytes, usize::MAX).expect("a scheduled change");
        let ValidatorChange::Add { validator, .. } = &mut change.change else { panic!("the admission") };
        validator.power = 1;
        t.changes[1].value = Some(hex::encode(codec::encode(&change)));
    };
    let e = fails_at(&chain, &edit(&forged), SECOND_CHANGE, Part::Change(2));
    assert!(e.to_string().contains("Merkle proof"), "{e}");
    // A change proposal 1 never scheduled for 12, claimed with its absence proof.
    let added = |t: &mut jcm_cli::proof::Transition| {
        let key = SecretKey::dev("validator-jpn").public();
        let change = ValidatorChange::SetPower { key, power: 5 };
        let scheduled = ScheduledChange { proposal: 1, height: SECOND_CHANGE, change };
        t.changes[0].value = Some(hex::encode(codec::encode(&scheduled)));
    };
    fails_at(&chain, &edit(&added), SECOND_CHANGE, Part::Change(1));
    // The entries swapped: each is checked against its own key.
    fails_at(&chain, &edit(&|t| t.changes.swap(0, 1)), SECOND_CHANGE, Part::Change(1));
    // The counter lowered to hide proposal 2 (its entry dropped to match), or claimed absent.
    let lowered = |t: &mut jcm_cli::proof::Transition| {
        t.next_proposal.value = Some(hex::encode(codec::encode(&2u64)));
        t.changes.pop();
    };
    fails_at(&chain, &edit(&lowered), SECOND_CHANGE, Part::NextProposal);
    fails_at(&chain, &edit(&|t| t.next_proposal.value = None), SECOND_CHANGE, Part::NextProposal);
    // The metadata proof of another state.
    let other = good.transitions[0].meta.clone();
    fails_at(&chain, &edit(&|t| t.meta = other.clone()), SECOND_CHANGE, Part::Meta);
}

#[test]
fn a_transition_certified_by_keys_outside_the_trusted_set_fails() {
    let chain = changed_chain();
    let good = proof_of(&chain, UNIT);
    // The header of 7 re-signed by strangers to the genesis set.
    let header = &chain.headers[FIRST_CHANGE as usize - 1];
    let mut bad = good.clone();
    bad.transitions[0].commit =
        hex::encode(codec::encode(&dev_certificate(header, &["stranger-1", "stranger-2"])));
    fails_at(&chain, &bad, FIRST_CHANGE, Part::Commit);
    // The header of 11 signed with Mongolia's validator, which joins only at 12.
    let header = &chain.headers[SECOND_CHANGE as usize - 1];
    let mut bad = good.clone();
    let signers = ["validator-ind", "validator-mng"];
    bad.transitions[1].commit = hex::encode(codec::encode(&dev_certificate(header, &signers)));
    let e = fails_at(&chain, &bad, SECOND_CHANGE, Part::Commit);
    assert!(e.to_string().contains(&format!("height {}", SECOND_CHANGE - 1)), "{e}");
    // The certificate of another height.
    let mut bad = good.clone();
    bad.transitions[1].commit = good.transitions[0].commit.clone();
    fails_at(&chain, &bad, SECOND_CHANGE, Part::Commit);
}

#[test]
fn the_final_header_certified_by_the_old_set_fails() {
    let chain = changed_chain();
    let good = proof_of(&chain, UNIT);
    let old = ["validator-ind", "validator-jpn"];
    // The real header, signed by the set before the second change: 3 of 6 is no quorum.
    let mut bad = good.clone();
    bad.commit = hex::encode(codec::encode(&dev_certificate(chain.head(), &old)));
    let e = verify_proof(&bad, &chain.fixture.genesis).expect_err("the old set");
    assert!(matches!(&e, CheckError::Commit(m) if m.contains("power")), "{e}");
    // A header naming the old set, which the old set certifies: not the set in force.
    let mut header = chain.head().clone();
    header.validators_hash = protocol::validators_hash(&chain.deciding[SECOND_CHANGE as usize - 2]);
    let mut bad = good.clone();
    bad.header = hex::encode(codec::encode(&header));
    bad.commit = hex::encode(codec::encode(&dev_certificate(&header, &old)));
    let e = verify_proof(&bad, &chain.fixture.genesis).expect_err("not the set in force");
    assert!(matches!(e, CheckError::Header(_)), "{e}");
}

/// The documented limit (module doc of `jcm_cli::proof`): a former set signing a header
/// of a height it no longer decides, naming itself, with the transitions after it left
/// out of the file, verifies. The check trusts each set not to sign past its tenure.
#[test]
fn a_former_set_signing_past_its_tenure_is_beyond_the_check() {
    let chain = changed_chain();
    let good = proof_of(&chain, UNIT);
    let mut header = chain.head().clone();
    header.validators_hash = protocol::validators_hash(&chain.deciding[SECOND_CHANGE as usize - 2]);
    let mut forged = good.clone();
    forged.header = hex::encode(codec::encode(&header));
    forged.commit =
        hex::encode(codec::encode(&dev_certificate(&header, &["validator-ind", "validator-jpn"])));
    forged.transitions.truncate(1);
    let verified = verify_proof(&forged, &chain.fixture.genesis).expect("beyond the check");
    assert_eq!(verified.validators.len(), 2, "the former set");
}

#[test]
fn transitions_out_of_order_fail() {
    let chain = changed_chain();
    let good = proof_of(&chain, UNIT);
    let mut bad = good.clone();
    bad.transitions.insert(1, good.transitions[0].clone());
    fails_at(&chain, &bad, FIRST_CHANGE, Part::Order);
    // A transition beyond the proven height, or before the first certified block.
    let mut bad = good.clone();
    bad.transitions[1].height = LAST + 1;
    fails_at(&chain, &bad, LAST + 1, Part::Order);
    let mut bad = good.clone();
    bad.transitions[0].height = 1;
    fails_at(&chain, &bad, 1, Part::Order);
    // Moved to a height whose previous header is not the one given.
    let mut bad = good.clone();
    bad.transitions[0].height = FIRST_CHANGE + 1;
    fails_at(&chain, &bad, FIRST_CHANGE + 1, Part::Header);
}

#[test]
fn a_first_version_proof_still_verifies() {
    let chain = DevChain::small();
    let proof = proof_of(&chain, UNIT);
    assert!(proof.transitions.is_empty(), "no change on the small chain");
    let mut file = serde_json::to_value(&proof).expect("serializes");
    assert_eq!(file["transitions"], json!([]), "format 2 writes the field always");
    // As the first version wrote it: no `transitions` field.
    file["format"] = json!(FORMAT_V1);
    file.as_object_mut().expect("an object").remove("transitions");
    let bytes = serde_json::to_vec_pretty(&file).expect("serializes");
    let verified = verify(&bytes, &chain.fixture.genesis).expect("a first-version file");
    assert_eq!((verified.height, verified.set_changes.len()), (4, 0));
    // A first-version file has no transitions.
    let changed = changed_chain();
    let mut bad = proof_of(&changed, UNIT);
    bad.format = FORMAT_V1.into();
    let e = verify_proof(&bad, &changed.fixture.genesis).expect_err("transitions in a /1 file");
    assert!(matches!(e, CheckError::Format(_)), "{e}");
}

#[test]
fn prove_from_a_node_across_validator_set_changes() {
    let chain = changed_chain();
    let url = serve(Served::of(&chain));
    let proof = prove_from_node(&NodeClient::new(&url), UNIT).expect("proved");
    assert_eq!(proof, proof_of(&chain, UNIT), "the node's proof is the state's");
    assert_eq!(proof.transitions.len(), 2);
    let verified = verify_proof(&proof, &chain.fixture.genesis).expect("valid");
    assert_eq!(verified.height, LAST);

    // The commands, on files: written, valid; a transition removed, invalid (exit 1).
    let dir = temp_dir("prove-sets");
    let out = dir.join("unit.proof.json");
    let args = ProveArgs { what: ProveWhat::Unit { unit: UNIT.into(), out: out.clone() } };
    assert_eq!(proof::run_prove(&args, Some(&url)).expect("ran"), Outcome::Success);
    let genesis = dir.join("genesis.json");
    std::fs::write(&genesis, &chain.genesis_json).expect("written");
    let verify_args = VerifyProofArgs { file: out.clone(), genesis, output: OutputFormat::Json };
    assert_eq!(proof::run_verify(&verify_args, None).expect("ran"), Outcome::Success);
    let mut file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("read")).expect("JSON");
    file["transitions"].as_array_mut().expect("a list").remove(0);
    std::fs::write(&out, serde_json::to_vec(&file).expect("serializes")).expect("written");
    assert_eq!(proof::run_verify(&verify_args, None).expect("ran"), Outcome::Failed);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_changed_byte_of_a_proof_with_transitions_is_refused() {
    let chain = changed_chain();
    let good = serde_json::to_vec_pretty(&proof_of(&chain, UNIT)).expect("serializes");
    let genesis = &chain.fixture.genesis;
    assert!(verify(&good, genesis).is_ok());
    let text = String::from_utf8(good.clone()).expect("JSON");
    let transitions = text.find("\"transitions\"").expect("the field");
    let mut bad = good.clone();
    // Every byte of the first transition's head (height, header, certificate), a spread
    // of the rest.
    for i in (0..good.len()).filter(|i| (transitions..transitions + 2_000).contains(i) || i % 29 == 0) {
        bad[i] ^= 0x01;
        assert!(verify(&bad, genesis).is_err(), "byte {i} ({:?}) changed", good[i] as char);
        bad[i] ^= 0x01;
    }
}
