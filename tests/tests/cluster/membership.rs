//! Governance on a running network of real processes: a four-Party network under load
//! admits a fifth Party (Mongolia, `MNG`, a JCM partner) with its validator. Mongolia's
//! node, started with the genesis file and its own peers list only (no validator's
//! node.toml names it), syncs, is let in because the chain names its node id, and
//! validates from the height its key joins the set; the chain keeps committing with one
//! of the five killed; an officer rotates its key and the old key is refused; Mongolia's
//! validator is removed, and its node is disconnected. `jcm audit` from the genesis file
//! passes over all of it, with the validator set changed twice.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jcm_runtime::crypto::SecretKey;
use jcm_runtime::protocol::{payload_from_json, Transaction};
use serde_json::{json, Value};

use crate::harness::{self, Cluster, PARTIES};
use crate::{assert_same_roots, load, SLOW};

/// Mongolia's home in the cluster (after the four Parties').
const MNG: usize = 4;

/// Signs `payload` (JSON, as `jcm tx submit --payload-file` takes it) with `key` at the
/// nonce node 0 expects, submits it and waits for its commit; the verdict.
fn commit(cluster: &Cluster, key: &SecretKey, payload: Value) -> Value {
    let payload = payload_from_json(payload).expect("a valid payload");
    let nonce = cluster.get(0, &format!("/v1/nonce/{}", key.public())).expect("a nonce")["next_nonce"]
        .as_u64()
        .expect("a next nonce");
    let tx = Transaction::sign(&cluster.chain_id, key, nonce, payload);
    let answer = cluster.submit(0, &tx, true).unwrap_or_else(|e| panic!("{e}\n{}", cluster.log_tails()));
    assert_eq!(answer["status"], "committed", "{answer}");
    answer["verdict"].clone()
}

fn accepted(verdict: &Value) {
    assert_eq!(verdict["status"], "ACCEPTED", "{verdict}");
}

/// Waits until `check` holds for what node `i` answers at `path`.
fn wait_for(cluster: &Cluster, i: usize, path: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + SLOW;
    loop {
        if let Ok(answer) = cluster.get(i, path) {
            if check(&answer) {
                return answer;
            }
        }
        if Instant::now() > deadline {
            panic!("node {i}: {what} never happened ({path})\n{}", cluster.log_tails());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn validators(answer: &Value) -> usize {
    answer["validators"].as_array().map_or(0, Vec::len)
}

/// The proposal id of the last proposal on chain.
fn last_proposal(cluster: &Cluster) -> u64 {
    let answer = cluster.get(0, "/v1/gov/proposals").expect("proposals");
    let proposals = answer.as_array().expect("a list of proposals");
    proposals.iter().filter_map(|p| p["id"].as_u64()).max().expect("a proposal")
}

/// Japan's authority proposes `propose`, the authorities of `approvers` approve it; its id.
fn decide(cluster: &Cluster, propose: Value, approvers: &[&str]) -> u64 {
    accepted(&commit(cluster, &cluster.officer("JPN-DA"), propose));
    let id = last_proposal(cluster);
    for party in approvers {
        let approve = json!({ "action": "approve_proposal", "proposal": id });
        accepted(&commit(cluster, &cluster.officer(&format!("{party}-DA")), approve));
    }
    id
}

#[test]
fn a_fifth_party_joins_validates_and_leaves_while_the_network_runs() {
    let mut cluster = Cluster::prepare_with_newcomer("membership", &PARTIES, "mng");
    for i in 0..PARTIES.len() {
        cluster.start_node(i);
    }
    cluster.wait_height(&[0, 1, 2, 3], 1, SLOW);
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let loader = {
        let (shared, stop, acknowledged) =
            (Arc::new(Cluster::attach(&cluster)), Arc::clone(&stop), Arc::clone(&acknowledged));
        std::thread::spawn(move || load(shared, stop, acknowledged))
    };

    // Japan proposes Mongolia's admission; India and Indonesia approve (3 of 4 powers);
    // Mongolia's own authority key consents.
    let home = cluster.nodes[MNG].home.clone();
    let (mng_node, mng_validator) = (harness::node_id(&home), harness::validator_key(&home));
    let mng_da = SecretKey::dev("MNG-DA");
    let height = cluster.height(0).expect("node 0 answers");
    let admit = json!({
        "action": "propose",
        "deadline": height + 40,
        "change": {
            "kind": "admit_party",
            "party": { "code": "MNG", "name": "Mongolia", "status": "ELIGIBLE",
                       "ndc_periods": [{ "years": { "first": 2021, "last": 2030 }, "kind": "single_year" }] },
            "registry": { "id": "MNG01", "name": "Mongolia JCM registry" },
            "authority": { "name": "MNG-DA", "public_key": mng_da.public().to_hex(),
                           "roles": [{ "designated_authority": "MNG" }] },
            "validator": { "name": "validator-mng", "public_key": mng_validator,
                           "power": 1, "node_id": mng_node },
        },
    });
    let admission = decide(&cluster, admit, &["IND", "IDN"]);
    accepted(&commit(&cluster, &mng_da, json!({ "action": "consent_to_admission", "proposal": admission })));
    wait_for(&cluster, 0, "/v1/gov/validators", "Mongolia's validator joins", |a| validators(a) == 5);

    // Mongolia's node starts from genesis, syncs, and validates: its signature appears in
    // the commit certificates.
    cluster.start_node(MNG);
    let joined = cluster.height(0).expect("node 0 answers");
    wait_for(&cluster, MNG, "/v1/status", "Mongolia's node validating", |s| {
        s["validator"].as_str().is_some_and(|k| k.eq_ignore_ascii_case(&mng_validator))
    });
    let signed = (0..30).any(|_| {
        let top = cluster.height(0).unwrap_or(joined);
        std::thread::sleep(Duration::from_millis(500));
        cluster.get(0, &format!("/v1/blocks/{top}")).is_ok_and(|block| {
            block["commit"]["signatures"].as_array().is_some_and(|sigs| {
                sigs.iter()
                    .any(|s| s["validator"].as_str().is_some_and(|k| k.eq_ignore_ascii_case(&mng_validator)))
            })
        })
    });
    assert!(signed, "Mongolia's validator never signed a commit\n{}", cluster.log_tails());

    // With one of the five down, four keep committing.
    cluster.kill(3);
    let before = cluster.height(0).expect("node 0 answers");
    cluster.wait_height(&[0, 1, 2, MNG], before + 3, SLOW);
    cluster.start_node(3);

    // Indonesia's registry administrator rotates its key; the old key is refused.
    let old = cluster.officer("IDN01-ADMIN");
    let new = SecretKey::dev("IDN01-ADMIN-2");
    accepted(&commit(&cluster, &old, json!({ "action": "rotate_key", "new_key": new.public().to_hex() })));
    let again = payload_from_json(
        json!({ "action": "rotate_key", "new_key": SecretKey::dev("x").public().to_hex() }),
    )
    .expect("a valid payload");
    let retired = Transaction::sign(&cluster.chain_id, &old, 1, again);
    let refused = cluster.submit(0, &retired, false).expect_err("a retired key is refused at admission");
    assert!(refused.starts_with("422") && refused.contains("A6-9015"), "refused with its code: {refused}");

    // Mongolia's validator is removed (4 of 5 powers approve); its node, which no
    // node.toml names, is disconnected.
    let height = cluster.height(0).expect("node 0 answers");
    let remove = json!({
        "action": "propose",
        "deadline": height + 12,
        "change": {
            "kind": "change_validators",
            "effective_height": height + 14,
            "change": { "op": "remove", "key": mng_validator },
        },
    });
    decide(&cluster, remove, &["IND", "IDN", "VNM"]);
    wait_for(&cluster, 0, "/v1/gov/validators", "Mongolia's validator leaves", |a| validators(a) == 4);
    wait_for(&cluster, 0, "/v1/status", "Mongolia's node disconnected", |s| {
        s["peers"].as_array().is_some_and(|peers| {
            !peers.iter().any(|p| p.as_str().is_some_and(|p| p.eq_ignore_ascii_case(&mng_node)))
        })
    });
    let after = cluster.height(0).expect("node 0 answers");
    cluster.wait_height(&[0, 1, 2, 3], after + 2, SLOW);

    stop.store(true, Ordering::Relaxed);
    loader.join().expect("the load thread");
    let top = assert_same_roots(&cluster, &[0, 1, 2, 3]);
    for (hash, height) in acknowledged.lock().expect("lock").iter().filter(|(_, h)| *h <= top) {
        let status = cluster.get(1, &format!("/v1/tx/{hash}")).expect("an acknowledged transaction");
        assert_eq!(status["status"], "committed", "acknowledged at {height}: {status}");
    }

    // The audit from the genesis file alone verifies every height, across both changes.
    let jcm = harness::node_binary().with_file_name(format!("jcm{}", std::env::consts::EXE_SUFFIX));
    // An auditor's own CLI home: its genesis pins are its own, not this machine's.
    let output = std::process::Command::new(jcm)
        .env("JCM_HOME", cluster.dir.join("auditor"))
        .args(["audit", "--node", &cluster.nodes[0].rpc, "--genesis"])
        .arg(cluster.dir.join("genesis.json"))
        .output()
        .expect("run jcm audit");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout.contains("AUDIT PASSED") && stdout.contains("the validator set changed 2 times"),
        "{stdout}"
    );
}

/// A validator key run twice (Viet Nam's, on its own node and on a second one, as a
/// botched failover would): the two sign conflicting votes, a validator that sees them
/// reports the evidence with its consensus key (R52), and it ends up in a block, served
/// by every node and counted in the metrics. Viet Nam keeps its power: no penalty.
#[test]
fn a_validator_key_run_twice_is_recorded_as_evidence() {
    let mut cluster = Cluster::prepare("twin", &PARTIES, 1);
    let twin = PARTIES.len();
    let vnm = 3;
    std::fs::copy(
        cluster.nodes[vnm].home.join("config/validator_key.json"),
        cluster.nodes[twin].home.join("config/validator_key.json"),
    )
    .expect("copy Viet Nam's validator key to the second node");
    for i in 0..=twin {
        cluster.start_node(i);
    }
    cluster.wait_height(&[0, 1, 2, 3], 1, SLOW);
    let key = harness::validator_key(&cluster.nodes[vnm].home);
    // Transactions keep the proposals of the two differing.
    let mut n = 0;
    let answer = loop {
        let tx = cluster.open_account("JPN", n, n);
        let _ = cluster.submit(0, &tx, false);
        n += 1;
        let answer = cluster.get(1, "/v1/evidence").expect("evidence");
        if answer["evidence"].as_array().is_some_and(|e| !e.is_empty()) {
            break answer;
        }
        assert!(n < 600, "no evidence recorded in two minutes\n{}", cluster.log_tails());
        std::thread::sleep(Duration::from_millis(200));
    };
    let records = answer["evidence"].as_array().expect("a list");
    for record in records {
        assert!(record["validator"].as_str().is_some_and(|k| k.eq_ignore_ascii_case(&key)), "{record}");
        assert_eq!(record["name"], "validator-vnm", "{record}");
    }
    let height = records[0]["height"].as_u64().expect("recorded at a height");
    cluster.wait_height(&[0, 2], height, SLOW);
    for i in [0, 2] {
        let other = cluster.get(i, "/v1/evidence").expect("evidence");
        assert_eq!(other["evidence"][0]["hash"], records[0]["hash"], "node {i}: {other}");
    }
    let set = cluster.get(0, "/v1/gov/validators").expect("the set");
    assert_eq!(validators(&set), 4, "no penalty: Viet Nam stays in the set: {set}");
}
