//! `jcm` against a real 4-node cluster (`jcm-node testnet --dev`, one validator per
//! Party): an officer imports the testnet's keys, registers a project, opens an
//! account, sees a dry-run rejection with its codes and a refusal at admission, issues
//! credits by a notification both Joint Committee sides endorsed offline, queries the
//! result in JSON through two nodes, and writes byte-identical AEF tables from two nodes.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Cluster, Jcm, Run};

const PARTIES: [&str; 4] = ["JPN", "IND", "IDN", "VNM"];

/// `jcm --output json ARGS` expecting `code`.
fn json(jcm: &Jcm, args: &[&str], code: i32) -> Value {
    let mut all = vec!["--output", "json"];
    all.extend_from_slice(args);
    jcm.run(&all).expect_code(code).json()
}

fn committed(run: &Value) -> u64 {
    assert_eq!(run["result"], "committed", "{run:#}");
    assert_eq!(run["accepted"], true, "{run:#}");
    run["height"].as_u64().expect("a height")
}

fn codes(rejections: &Value) -> Vec<String> {
    rejections.as_array().into_iter().flatten().filter_map(|r| r["code"].as_str().map(String::from)).collect()
}

#[test]
fn an_officer_walks_the_issuance_lifecycle_through_the_cli() {
    let cluster = Cluster::start("e2e", &PARTIES);
    cluster.wait_height(1, Duration::from_secs(60));
    let mut jcm = Jcm::new("e2e");
    jcm.node = Some(cluster.rpc[0].clone());
    let dir = cluster.dir.to_str().expect("utf-8");
    let imported = json(&jcm, &["keys", "import-testnet", dir], 0);
    assert_eq!(imported["keys"].as_array().map(Vec::len), Some(12));

    #[rustfmt::skip]
    let project = [
        "tx", "register-project", "--id", "INJ-001", "--name", "Solar rooftops", "--host", "IND",
        "--ca", "CA0001", "--sector", "energy-generation", "--activity-type", "Solar",
    ];
    let registered = json(&jcm, &[&project[..], &["--key", "IND-DA", "--yes"]].concat(), 0);
    committed(&registered);
    assert_eq!(registered["officer"], "IND-DA (designated_authority IND, account_holder IND)");

    let open = [
        "tx",
        "open-account",
        "--id",
        "IND01-H-E1",
        "--holder-party",
        "IND",
        "--key",
        "IND01-ADMIN",
        "--yes",
    ];
    committed(&json(&jcm, &open, 0));

    // A dry run the rules reject: every failing rule with its code; nothing submitted.
    let dry = json(&jcm, &[&project[..], &["--key", "JPN-DA", "--dry-run"]].concat(), 1);
    assert_eq!((dry["result"].as_str(), dry["accepted"].as_bool()), (Some("dry_run"), Some(false)));
    assert_eq!(codes(&dry["verdict"]["rejections"]), ["A6-1002", "A6-2006"], "{dry:#}");
    let text = jcm.run(&[&project[..], &["--key", "JPN-DA", "--dry-run"]].concat()).expect_code(1);
    assert!(text.stdout.contains("A6-2006 UNAUTHORIZED_SIGNER (R10)"), "{}", text.stdout);
    assert!(text.stdout.contains("rule: the signer is not an authorized representative"), "{}", text.stdout);
    let hash = dry["hash"].as_str().expect("a hash");
    let unknown = jcm.run(&["query", "tx", hash]).expect_code(2);
    assert!(unknown.stderr.contains("neither committed nor pending"), "{}", unknown.stderr);

    // Refused at admission (the account exists): exit 1 with the codes.
    let again = json(&jcm, &open, 1);
    assert_eq!(again["result"], "refused", "{again:#}");
    assert!(!codes(&again["error"]["verdict"]["rejections"]).is_empty(), "{again:#}");

    // Issuance by a notification both JC sides endorse offline.
    #[rustfmt::skip]
    let authorization = [
        "tx", "create-authorization", "--id", "AUTH-IND-001", "--ca", "CA0001", "--purpose", "NDC",
        "--party", "JPN", "--quantity", "100000", "--use-period", "2026-2030", "--key", "IND-DA", "--yes",
    ];
    committed(&json(&jcm, &authorization, 0));
    let notification = jcm.home.join("n-001.json");
    let notification = notification.to_str().expect("utf-8");
    #[rustfmt::skip]
    let prepare = [
        "tx", "issue", "--prepare", notification, "--id", "N-001", "--jc", "JC-JPN-IND",
        "--project", "INJ-001", "--vintage", "2025", "--from", "2025-01-01", "--to", "2025-12-31",
        "--line", "JPN01-H-GOV:5000:AUTH-IND-001", "--line", "IND01-H-GOV:3000",
    ];
    jcm.run(&prepare).expect_code(0);
    for side in ["IND-JC", "JPN-JC"] {
        jcm.run(&["tx", "endorse", notification, "--key", side, "--yes"]).expect_code(0);
    }
    let issued =
        json(&jcm, &["tx", "issue", "--notification", notification, "--key", "IND01-ADMIN", "--yes"], 0);
    let height = committed(&issued);

    // Queries, in JSON, through two nodes.
    let holdings = json(&jcm, &["query", "holdings", "--account", "JPN01-H-GOV"], 0);
    assert_eq!(holdings["quantity"], 5000, "{holdings:#}");
    let mut other = Jcm::new("e2e-other");
    other.node = Some(cluster.rpc[1].clone());
    cluster.wait_height(height, Duration::from_secs(30));
    assert_eq!(json(&other, &["query", "holdings", "--account", "JPN01-H-GOV"], 0), holdings);
    let party = json(&jcm, &["query", "holdings", "--party", "IND"], 0);
    assert_eq!(party["quantity"], 3000, "{party:#}");
    // As of the block before the issuance, and as of the issuance's own.
    let before = (height - 1).to_string();
    let then = json(&jcm, &["query", "holdings", "--account", "JPN01-H-GOV", "--height", &before], 0);
    assert_eq!(then["quantity"], 0, "{then:#}");
    let at =
        json(&jcm, &["query", "holdings", "--account", "JPN01-H-GOV", "--height", &height.to_string()], 0);
    assert_eq!(at, holdings);
    let ledger_before =
        json(&jcm, &["query", "ledger", "--party", "IND", "--year", "2025", "--height", &before], 0);
    assert_eq!(ledger_before["totals"]["additions"], 0, "{ledger_before:#}");
    let ahead = jcm.run(&["query", "holdings", "--party", "IND", "--height", "999999"]).expect_code(2);
    assert!(ahead.stderr.contains("height 999999 is not committed"), "{}", ahead.stderr);
    let history = json(&jcm, &["query", "history", "CA0001-JPN01-IND-1-2025"], 0);
    let kinds: Vec<&str> = history["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["kind"]["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"issued") && kinds.contains(&"first_transfer"), "{kinds:?}");
    let auth = json(&jcm, &["query", "authorization", "AUTH-IND-001"], 0);
    assert_eq!(auth["versions"].as_array().map(Vec::len), Some(1));
    let ledger = json(&jcm, &["query", "ledger", "--party", "IND", "--year", "2025"], 0);
    assert_eq!(ledger["totals"]["additions"], 5000, "{ledger:#}");
    let tx = json(&jcm, &["query", "tx", issued["hash"].as_str().expect("a hash")], 0);
    assert_eq!((tx["status"].as_str(), tx["height"].as_u64()), (Some("committed"), Some(height)));
    let block = json(&jcm, &["query", "block", &height.to_string()], 0);
    assert_eq!(block["txs"][0]["hash"], issued["hash"]);
    let status = json(&jcm, &["query", "status"], 0);
    assert_eq!(status["chain_id"], cluster.chain_id.as_str());
    let text = jcm.run(&["query", "holdings", "--account", "JPN01-H-GOV"]).expect_code(0);
    assert!(text.stdout.contains("CA0001-JPN01-IND-1-2025..CA0001-JPN01-IND-5000-2025"), "{}", text.stdout);

    // The AEF tables at one height are the same bytes, whichever node is asked. The
    // actions are dated with the block time, so the reported year is this year.
    let h = height.to_string();
    let year = status["block_time"].as_str().expect("a block time")[..4].to_string();
    let reports: Vec<Run> = [&jcm, &other]
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let out = j.home.join(&format!("aef-{i}"));
            let out = out.to_str().expect("utf-8").to_string();
            j.run(&["report", "aef", "--party", "IND", "--year", &year, "--height", &h, "--out", &out, "-q"])
                .expect_code(0)
        })
        .collect();
    for n in 1..=5 {
        let file = format!("AEF-IND-{year}-table{n}.csv");
        let a = std::fs::read(jcm.home.join(&format!("aef-0/{file}"))).expect("written");
        let b = std::fs::read(other.home.join(&format!("aef-1/{file}"))).expect("written");
        assert_eq!(a, b, "{file} differs between nodes:\n{}\n{}", reports[0].stdout, reports[1].stdout);
    }
    let actions =
        std::fs::read_to_string(jcm.home.join(&format!("aef-0/AEF-IND-{year}-table3.csv"))).expect("table 3");
    assert!(actions.contains("First transfer to another Party"), "{actions}");
}

/// Signing offline against real nodes (needs `jcm-node`, built if missing): an officer
/// whose machine reaches no node signs a registration into a file, another machine
/// dry-runs and broadcasts it through a second node of the chain and it commits; a
/// transaction prepared unsigned there is signed on the first machine and commits; a
/// stale nonce is refused as A6-1008 before submission, a file signed for another chain
/// is refused, and a node whose genesis is not the pinned one is refused until the pin
/// is forgotten.
#[test]
fn transactions_signed_offline_commit_through_broadcast() {
    let cluster = Cluster::start("offline", &PARTIES);
    cluster.wait_height(1, Duration::from_secs(60));
    let dir = cluster.dir.to_str().expect("utf-8");
    let chain = cluster.chain_id.as_str();
    let mut online = Jcm::new("offline-online");
    online.node = Some(cluster.rpc[0].clone());
    json(&online, &["keys", "import-testnet", dir], 0);
    let mut air = Jcm::new("offline-air");
    air.node = Some("http://127.0.0.1:9".into()); // nothing listens: no node is reached
    json(&air, &["keys", "import-testnet", dir], 0);

    // First contact pins the chain's genesis.
    let status = json(&online, &["query", "status"], 0);
    let genesis = status["genesis_hash"].as_str().expect("a genesis hash").to_string();
    let pins = json(&online, &["chain", "list"], 0);
    assert_eq!(pins["chains"][chain]["genesis_hash"], genesis.as_str(), "{pins:#}");

    // Offline: the chain id and nonce come from the online machine, by hand.
    let public = |name: &str| json(&air, &["keys", "show", name], 0)["public_key"].as_str().map(String::from);
    let ind_da = public("IND-DA").expect("a public key");
    let nonce = json(&online, &["query", "nonce", &ind_da], 0)["next_nonce"].as_u64().expect("a nonce");
    let file = air.home.join("project.json");
    let path = file.to_str().expect("utf-8");
    let nonce_text = nonce.to_string();
    #[rustfmt::skip]
    let project = [
        "tx", "register-project", "--id", "INJ-001", "--name", "Solar rooftops", "--host", "IND",
        "--ca", "CA0001", "--sector", "energy-generation", "--activity-type", "Solar", "--key", "IND-DA",
        "--offline", "--chain-id", chain, "--nonce", &nonce_text, "--genesis-hash", &genesis, "--out", path, "--yes",
    ];
    let written = json(&air, &project, 0);
    assert_eq!(
        (written["result"].as_str(), written["transaction"]["signed"].as_bool()),
        (Some("written"), Some(true))
    );

    // Broadcast through another node of the chain: dry run, then commit.
    online.node = Some(cluster.rpc[1].clone());
    let dry = json(&online, &["tx", "broadcast", path, "--dry-run"], 0);
    assert_eq!((dry["result"].as_str(), dry["accepted"].as_bool()), (Some("dry_run"), Some(true)), "{dry:#}");
    let sent = json(&online, &["tx", "broadcast", path, "--yes"], 0);
    let height = committed(&sent);
    assert_eq!(sent["hash"], written["transaction"]["hash"]);
    assert_eq!(sent["officer"], "IND-DA (designated_authority IND, account_holder IND)");
    // Broadcast again: the node has it; it is reported, not submitted twice.
    let again = json(&online, &["tx", "broadcast", path, "--yes"], 0);
    assert_eq!(again["height"].as_u64(), Some(height), "{again:#}");

    // Prepared unsigned online (chain and nonce from the node), signed offline.
    let unsigned = online.home.join("account.json");
    let unsigned = unsigned.to_str().expect("utf-8");
    let admin = public("IND01-ADMIN").expect("a public key");
    #[rustfmt::skip]
    let open = ["tx", "open-account", "--id", "IND01-H-E9", "--holder-party", "IND", "--signer", &admin, "--out", unsigned];
    json(&online, &open, 0);
    air.run(&["tx", "sign", unsigned, "--key", "IND-DA", "--yes"]).expect_code(2); // not its signer
    json(&air, &["tx", "sign", unsigned, "--key", "IND01-ADMIN", "--yes"], 0);
    committed(&json(&online, &["tx", "broadcast", unsigned, "--yes"], 0));

    // A used nonce: refused before submission, as the rules would (A6-1008).
    let stale = air.home.join("stale.json");
    let stale = stale.to_str().expect("utf-8");
    #[rustfmt::skip]
    let close = [
        "tx", "close-year", "--party", "IND", "--year", "2026", "--key", "IND-DA", "--offline",
        "--chain-id", chain, "--nonce", &nonce_text, "--out", stale, "--yes",
    ];
    json(&air, &close, 0);
    let refused = json(&online, &["tx", "broadcast", stale, "--yes"], 1);
    assert_eq!(
        (refused["result"].as_str(), refused["error"]["codes"][0].as_str()),
        (Some("refused"), Some("A6-1008"))
    );

    // Signed for another chain: refused, nothing sent.
    let elsewhere = air.home.join("elsewhere.json");
    let elsewhere = elsewhere.to_str().expect("utf-8");
    let mut other = close;
    other[10] = "jcm-elsewhere";
    other[14] = elsewhere;
    json(&air, &other, 0);
    let run = online.run(&["tx", "broadcast", elsewhere, "--yes"]).expect_code(2);
    assert!(run.stderr.contains("signed for chain `jcm-elsewhere`"), "{}", run.stderr);

    // A pin to another genesis: the real node is refused, showing both hashes, until
    // the pin is forgotten.
    let impostor = "00".repeat(32);
    json(&online, &["chain", "pin", chain, "--genesis-hash", &impostor, "--replace"], 0);
    let refused = online.run(&["query", "status"]).expect_code(2);
    assert!(refused.stderr.contains(&impostor) && refused.stderr.contains(&genesis), "{}", refused.stderr);
    online.run(&["tx", "broadcast", path, "--yes"]).expect_code(2);
    json(&online, &["chain", "forget", chain], 0);
    json(&online, &["query", "status"], 0);
}
