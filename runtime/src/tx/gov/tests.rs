//! Governance unit tests for what a scenario (one transaction per block) cannot show:
//! several transactions in one block, begin_block at exact heights, the pure queries.

use super::*;
use crate::crypto::SecretKey;
use crate::error::Code;
use crate::protocol::{payload_from_json, Genesis, GovChange, Payload, ProposalState, Transaction};
use crate::state::MemStore;
use crate::time::Timestamp;
use crate::tx::{apply, BlockContext};
use crate::verdict::Verdict;

const CHAIN: &str = "jcm-gov-test";

fn key(name: &str) -> String {
    SecretKey::dev(name).public().to_hex()
}

/// India (power 3) and Japan (power 1), one designated authority each, and India's
/// registry administrator.
fn chain() -> MemStore {
    let json = serde_json::json!({
        "chain_id": CHAIN,
        "genesis_time": "2027-01-01T00:00:00Z",
        "parties": [
            { "code": "IND", "name": "India", "status": "ELIGIBLE", "ndc_periods": [] },
            { "code": "JPN", "name": "Japan", "status": "ELIGIBLE", "ndc_periods": [] },
        ],
        "registries": [{ "id": "IND01", "name": "India" }],
        "cooperative_approaches": [],
        "officers": [
            { "name": "IND-DA", "public_key": key("IND-DA"), "roles": [{ "designated_authority": "IND" }] },
            { "name": "JPN-DA", "public_key": key("JPN-DA"), "roles": [{ "designated_authority": "JPN" }] },
            { "name": "IND-ADMIN", "public_key": key("IND-ADMIN"), "roles": [{ "registry_admin": "IND01" }] },
        ],
        "validators": [
            { "name": "v-ind", "public_key": key("v-ind"), "power": 3, "party": "IND" },
            { "name": "v-jpn", "public_key": key("v-jpn"), "power": 1, "party": "JPN" },
        ],
    });
    let genesis = Genesis::from_json(&json.to_string()).expect("valid test genesis");
    let mut store = MemStore::new();
    genesis.init_state(&mut store);
    store
}

fn block(height: u64) -> BlockContext {
    BlockContext { height, time: Timestamp(1_800_000_000 + height) }
}

fn submit(st: &mut MemStore, at: &BlockContext, signer: &str, payload: Payload) -> Verdict {
    let secret = SecretKey::dev(signer);
    let nonce = crate::state::StateExt::nonce(st, &secret.public());
    apply(st, at, &Transaction::sign(CHAIN, &secret, nonce, payload))
}

fn payload(json: serde_json::Value) -> Payload {
    payload_from_json(json).expect("a valid payload")
}

fn set_power(deadline: u64, effective_height: u64, power: u64) -> Payload {
    payload(serde_json::json!({
        "action": "propose",
        "deadline": deadline,
        "change": {
            "kind": "change_validators",
            "effective_height": effective_height,
            "change": { "op": "set_power", "key": key("v-jpn"), "power": power },
        },
    }))
}

fn powers(set: &[crate::model::Validator]) -> Vec<u64> {
    set.iter().map(|v| v.power).collect()
}

#[test]
fn a_scheduled_change_applies_in_begin_block_at_exactly_its_height() {
    let mut st = chain();
    // India holds 3 of 4: more than 2/3 alone, so proposing decides it.
    let verdict = submit(&mut st, &block(1), "IND-DA", set_power(3, 5, 2));
    assert!(verdict.is_accepted(), "{verdict}");
    assert_eq!(st.proposal(1).map(|p| p.state), Some(ProposalState::Approved));
    for h in 2..5 {
        crate::tx::begin_block(&mut st, &block(h));
        assert_eq!(powers(&st.validators()), [3, 1], "height {h} keeps the set");
        assert!(!changes_at(&st, h));
    }
    assert!(changes_at(&st, 5));
    assert_eq!(powers(&validators_at(&st, 4)), [3, 1]);
    assert_eq!(powers(&validators_at(&st, 5)), [3, 2]);
    crate::tx::begin_block(&mut st, &block(5));
    assert_eq!(powers(&st.validators()), [3, 2]);
    assert!(st.scheduled_changes().is_empty());
    assert!(!changes_at(&st, 5));
    assert_eq!(st.proposal(1).map(|p| p.state), Some(ProposalState::Executed));
}

#[test]
fn the_set_at_a_height_applies_every_change_due_by_then_in_order() {
    let mut st = chain();
    assert!(submit(&mut st, &block(1), "IND-DA", set_power(3, 6, 2)).is_accepted());
    assert!(submit(&mut st, &block(2), "IND-DA", set_power(4, 8, 5)).is_accepted());
    assert_eq!(powers(&validators_at(&st, 5)), [3, 1]);
    assert_eq!(powers(&validators_at(&st, 6)), [3, 2]);
    assert_eq!(powers(&validators_at(&st, 7)), [3, 2]);
    assert_eq!(powers(&validators_at(&st, u64::MAX)), [3, 5]);
    assert!(changes_at(&st, 6) && changes_at(&st, 8) && !changes_at(&st, 7));
}

#[test]
fn a_revoked_key_is_refused_for_the_rest_of_its_block_and_every_later_one() {
    let mut st = chain();
    let at = block(1);
    let open = |id: &str| {
        payload(serde_json::json!({
            "action": "open_account",
            "account": { "id": id, "registry": "IND01", "kind": "HOLDING", "holder": { "party": "IND" } },
        }))
    };
    assert!(submit(&mut st, &at, "IND-ADMIN", open("IND01-H-A")).is_accepted(), "before the revocation");
    let revoke = payload(serde_json::json!({
        "action": "revoke_key", "party": "IND", "key": key("IND-ADMIN"), "reason": "stolen",
    }));
    assert!(submit(&mut st, &at, "IND-DA", revoke).is_accepted());
    assert_eq!(submit(&mut st, &at, "IND-ADMIN", open("IND01-H-B")).codes(), [Code::KeyRevoked]);
    crate::tx::begin_block(&mut st, &block(2));
    assert_eq!(submit(&mut st, &block(2), "IND-ADMIN", open("IND01-H-C")).codes(), [Code::KeyRevoked]);
    assert_eq!(st.retired(&SecretKey::dev("IND-ADMIN").public()).map(|r| r.height), Some(1));
}

#[test]
fn power_decides_not_the_number_of_parties() {
    let mut st = chain();
    // Japan's 1 of 4 is not enough; India's rejection (3 of 4) makes passing impossible.
    assert!(submit(&mut st, &block(1), "JPN-DA", set_power(5, 8, 2)).is_accepted());
    assert_eq!(st.proposal(1).map(|p| p.state), Some(ProposalState::Open));
    let reject = payload(serde_json::json!({ "action": "reject_proposal", "proposal": 1 }));
    assert!(submit(&mut st, &block(2), "IND-DA", reject).is_accepted());
    assert_eq!(st.proposal(1).map(|p| p.state), Some(ProposalState::Rejected));
    assert!(st.scheduled_changes().is_empty());
}

#[test]
fn a_proposal_expires_at_the_first_block_past_its_deadline() {
    let mut st = chain();
    assert!(submit(&mut st, &block(1), "JPN-DA", set_power(3, 8, 2)).is_accepted());
    crate::tx::begin_block(&mut st, &block(3));
    assert_eq!(st.proposal(1).map(|p| p.state), Some(ProposalState::Open), "open at its deadline");
    crate::tx::begin_block(&mut st, &block(4));
    let p = st.proposal(1).expect("kept");
    assert_eq!((p.state, p.closed_at), (ProposalState::Expired, Some(4)));
}

#[test]
fn only_a_consent_to_an_open_admission_naming_the_signer_escapes_r10() {
    let mut st = chain();
    let admit = payload(serde_json::json!({
        "action": "propose",
        "deadline": 10,
        "change": {
            "kind": "admit_party",
            "party": { "code": "MNG", "name": "Mongolia", "status": "ELIGIBLE", "ndc_periods": [] },
            "registry": { "id": "MNG01", "name": "Mongolia" },
            "authority": { "name": "MNG-DA", "public_key": key("MNG-DA"), "roles": [{ "designated_authority": "MNG" }] },
        },
    }));
    assert!(submit(&mut st, &block(1), "JPN-DA", admit).is_accepted());
    let mng = SecretKey::dev("MNG-DA").public();
    let consent = Payload::ConsentToAdmission { proposal: 1 };
    assert!(proposal::consents_as_admitted(&st, &consent, &mng));
    assert!(!proposal::consents_as_admitted(&st, &consent, &SecretKey::dev("other").public()));
    assert!(!proposal::consents_as_admitted(&st, &Payload::ConsentToAdmission { proposal: 2 }, &mng));
    let other = Payload::ApproveProposal { proposal: 1 };
    assert!(!proposal::consents_as_admitted(&st, &other, &mng));
    assert_eq!(submit(&mut st, &block(2), "MNG-DA", other).codes(), [Code::UnauthorizedSigner]);
    // India's approval passes the power threshold; the consent executes the admission.
    let approve = Payload::ApproveProposal { proposal: 1 };
    assert!(submit(&mut st, &block(3), "IND-DA", approve).is_accepted());
    assert_eq!(st.proposal(1).map(|p| p.state), Some(ProposalState::Open), "waits for the consent");
    assert!(submit(&mut st, &block(4), "MNG-DA", consent).is_accepted());
    assert_eq!(st.proposal(1).map(|p| p.state), Some(ProposalState::Executed));
    assert!(crate::state::StateExt::officer(&st, &mng).is_some());
}

#[test]
fn the_required_protocol_version_follows_the_plan() {
    let mut st = chain();
    assert_eq!(required_protocol_version(&st, 1_000), crate::protocol::PROTOCOL_VERSION);
    assert_eq!(upgrade_at(&st), None);
    let plan = payload(serde_json::json!({
        "action": "propose", "deadline": 3, "change": { "kind": "plan_upgrade", "version": 2, "height": 9 },
    }));
    assert!(submit(&mut st, &block(1), "IND-DA", plan).is_accepted());
    assert_eq!(upgrade_at(&st), Some((2, 9)));
    assert_eq!(required_protocol_version(&st, 8), crate::protocol::PROTOCOL_VERSION);
    assert_eq!(required_protocol_version(&st, 9), 2);
}

#[test]
fn a_decision_is_checked_in_the_schedule_order_its_changes_apply_in() {
    let mut st = chain();
    let remove = payload(serde_json::json!({
        "action": "propose",
        "deadline": 5,
        "change": { "kind": "change_validators", "effective_height": 10, "change": { "op": "remove", "key": key("v-jpn") } },
    }));
    // Proposal 1 (Japan, open) removes Japan's validator at 10; proposal 2 (India,
    // decided at once) changes its power at 10. Proposal 1 sorts first at height 10, so
    // deciding it now would leave proposal 2 changing a validator that has left.
    assert!(submit(&mut st, &block(1), "JPN-DA", remove).is_accepted());
    assert!(submit(&mut st, &block(2), "IND-DA", set_power(5, 10, 2)).is_accepted());
    let approve = Payload::ApproveProposal { proposal: 1 };
    assert_eq!(submit(&mut st, &block(3), "IND-DA", approve).codes(), [Code::UnknownValidator]);
    for h in 4..=10 {
        crate::tx::begin_block(&mut st, &block(h));
    }
    assert_eq!(powers(&st.validators()), [3, 2]);
    assert_eq!(st.proposal(1).map(|p| p.state), Some(ProposalState::Expired));
}

#[test]
fn the_proposal_view_is_the_json_the_governance_routes_answer() {
    let mut st = chain();
    assert!(submit(&mut st, &block(1), "JPN-DA", set_power(5, 8, 2)).is_accepted());
    let view = serde_json::to_value(read::proposal(&st, 1).expect("proposal 1")).expect("serializes");
    assert_eq!(view["state"], "open");
    assert_eq!(view["change"]["kind"], "change_validators");
    assert_eq!(view["approvals"][0]["party"], "JPN");
    assert_eq!((view["approving_power"].as_u64(), view["total_power"].as_u64()), (Some(1), Some(4)));
    assert_eq!((view["needs"].as_str(), view["passes"].as_bool()), (Some("power"), Some(false)));
    assert_eq!(read::proposals(&st).len(), 1);
    assert_eq!(read::scheduled(&st).len(), 0);
}

#[test]
fn a_governance_payload_has_one_pinned_encoding() {
    let p = Payload::Propose { change: GovChange::PlanUpgrade { version: 2, height: 9 }, deadline: 7 };
    let bytes = crate::codec::encode(&p);
    // Variant 30 (after the 30 Article 6.2 actions), change variant 3, then u32 and u64s.
    let mut want = vec![30u8, 3];
    want.extend_from_slice(&2u32.to_le_bytes());
    want.extend_from_slice(&9u64.to_le_bytes());
    want.extend_from_slice(&7u64.to_le_bytes());
    assert_eq!(bytes, want);
    assert_eq!(crate::codec::decode::<Payload>(&bytes, 64), Ok(p));
}

#[test]
fn the_consensus_sets_around_a_state_follow_the_schedule() {
    let mut st = chain();
    assert!(submit(&mut st, &block(1), "IND-DA", set_power(3, 5, 2)).is_accepted());
    let genesis_set = consensus_set(&st.validators()).expect("the genesis set runs consensus");
    // After block 3, nothing changes at 4: both sets are the genesis set.
    crate::tx::begin_block(&mut st, &block(3));
    let after_3 = sets_after(&st, 3);
    assert_eq!(after_3, Sets { decided: genesis_set.clone(), next: genesis_set.clone() });
    // After block 4, the set of 5 is the changed one; block 4 was still decided by the old.
    crate::tx::begin_block(&mut st, &block(4));
    let after_4 = sets_after(&st, 4);
    assert_eq!(Sets::after_commit(after_3.next, &st, 4), after_4, "stepping from 3 sees the change due at 5");
    assert_eq!(after_4.decided, genesis_set);
    assert_eq!(after_4.next.total_power(), 5);
    // After block 5, the changed set decided it and decides 6.
    crate::tx::begin_block(&mut st, &block(5));
    assert_eq!(sets_after(&st, 5), Sets { decided: after_4.next.clone(), next: after_4.next.clone() });
    // Following block by block from the sets before gives the same.
    assert_eq!(Sets::after_commit(after_4.next, &st, 5), sets_after(&st, 5));
}

#[test]
fn a_change_to_a_set_the_consensus_cannot_run_is_refused() {
    let mut st = chain();
    // Not a point of the curve: the core could never verify its votes.
    let not_a_key = "02".repeat(32);
    let add = payload(serde_json::json!({
        "action": "propose",
        "deadline": 3,
        "change": {
            "kind": "change_validators",
            "effective_height": 5,
            "change": { "op": "add", "validator": {
                "name": "v-bad", "public_key": not_a_key, "power": 1, "party": "JPN" } },
        },
    }));
    let verdict = submit(&mut st, &block(1), "IND-DA", add);
    assert_eq!(verdict.codes(), [Code::ValidatorSetInvalid], "{verdict}");
    assert!(st.scheduled_changes().is_empty());
}

fn vote(signer: &str, chain: &str, height: u64, value: Option<u8>) -> crate::protocol::SignedVote {
    use crate::protocol::{ChainId, Signature, SignedVote, ValidatorKey, ValueId, Vote, VoteKind};
    use ed25519_dalek::Signer as _;
    let key = ed25519_dalek::SigningKey::from_bytes(&SecretKey::dev(signer).seed());
    let vote = Vote {
        chain_id: ChainId::new(chain).expect("a chain id"),
        height,
        round: 0,
        kind: VoteKind::Precommit,
        value: value.map(|v| ValueId([v; 32])),
        validator: ValidatorKey(key.verifying_key().to_bytes()),
    };
    let signature = Signature(key.sign(&vote.sign_bytes()).to_bytes());
    SignedVote { vote, signature }
}

fn evidence(signer: &str, chain: &str, height: u64) -> crate::protocol::Evidence {
    crate::protocol::Evidence::new(vote(signer, chain, height, Some(1)), vote(signer, chain, height, None))
        .expect("conflicting votes")
}

fn report(evidence: crate::protocol::Evidence) -> Payload {
    Payload::ReportEvidence { evidence }
}

#[test]
fn a_validator_reports_an_equivocation_once_and_it_is_recorded() {
    let mut st = chain();
    let proof = evidence("v-jpn", CHAIN, 2);
    let verdict = submit(&mut st, &block(3), "v-ind", report(proof.clone()));
    assert!(verdict.is_accepted(), "{verdict}");
    let records = st.evidence_records();
    assert_eq!(records.len(), 1);
    assert_eq!((records[0].name.as_str(), records[0].height), ("v-jpn", 3));
    assert_eq!(records[0].hash, proof.hash());
    assert_eq!(records[0].reporter, SecretKey::dev("v-ind").public());
    // The same equivocation again, from the other validator: known.
    let again = submit(&mut st, &block(4), "v-jpn", report(proof));
    assert_eq!(again.codes(), [Code::EvidenceKnown], "{again}");
    // No penalty: the offender is still in the set with its power.
    assert_eq!(powers(&st.validators()), [3, 1]);
}

#[test]
fn evidence_that_does_not_hold_is_refused_with_its_code() {
    let mut st = chain();
    let cases = [
        ("another chain's votes", evidence("v-jpn", "another-chain", 2), Code::EvidenceInvalid),
        ("a height not reached", evidence("v-jpn", CHAIN, 9), Code::EvidenceInvalid),
        ("a key that is no validator", evidence("stranger", CHAIN, 2), Code::EvidenceInvalid),
    ];
    for (what, proof, code) in cases {
        let verdict = submit(&mut st, &block(3), "v-ind", report(proof));
        assert_eq!(verdict.codes(), [code], "{what}: {verdict}");
    }
    // A forged signature: the second vote's signature is of a third vote.
    let honest = evidence("v-jpn", CHAIN, 2);
    let crate::protocol::Evidence::Votes { first, mut second } = honest else { panic!("votes") };
    second.signature = vote("v-jpn", CHAIN, 2, Some(7)).signature;
    assert!(
        crate::protocol::Evidence::new(first.clone(), second.clone()).is_err(),
        "the constructor refuses it"
    );
    // Sent as a malicious node would: the encoding, through JSON.
    let bytes = crate::codec::encode(&crate::protocol::Evidence::Votes { first, second });
    let forged = serde_json::from_value(serde_json::json!(hex::encode(bytes))).expect("decodes");
    let verdict = submit(&mut st, &block(3), "v-ind", report(forged));
    assert_eq!(verdict.codes(), [Code::EvidenceInvalid], "{verdict}");
    // An officer is not a validator: R52's signer is a consensus key.
    let verdict = submit(&mut st, &block(3), "IND-DA", report(evidence("v-jpn", CHAIN, 2)));
    assert_eq!(verdict.codes(), [Code::UnauthorizedSigner], "{verdict}");
    assert!(st.evidence_records().is_empty());
}
