//! The explorer's JavaScript verifier (`explorer/src/verify`) agrees with the Rust one.
//!
//! Chains are built in-process (devchain): the small chain, and one whose validator set
//! changes twice by governance. Their proof files, valid and tampered in every way
//! `tests/proof.rs` tampers them (and every byte of a header and a certificate, and a
//! spread of single-byte changes of whole files), are labelled with the verdict of
//! `jcm_cli::proof::verify` and, when invalid, its check (and a transition's height and
//! part), then written with the genesis documents (canonical bytes, hash, JSON) to a
//! temporary directory. `node --test` then runs the explorer's verifier tests with
//! `JCM_VERIFY_FIXTURES` set to it: `explorer/test/fixtures.test.mjs` asserts that the
//! JavaScript verdict is the Rust one for every fixture, and for a valid proof that the
//! decoded unit block, events, validators and changes equal the Rust verifier's JSON.
//!
//! CI installs Node.js 20; without `node` on PATH this test fails and says so. With
//! `JCM_KEEP_FIXTURES` set the fixture directory is kept, to rerun
//! `JCM_VERIFY_FIXTURES=<dir> node --test explorer/test/` by hand.

mod devchain;

use std::path::{Path, PathBuf};
use std::process::Command;

use devchain::{temp_dir, DevChain, UNIT};
use jcm_cli::proof::{prove_from_state, verify, CheckError, Lookup, Transition, UnitProof, FORMAT_V1};
use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::merkle;
use jcm_runtime::protocol::{self, CommitCertificate, Genesis, ValidatorChange};
use jcm_runtime::state::{keys, ReadStore};
use jcm_runtime::tx::gov::ScheduledChange;
use jcm_tests::builders;
use jcm_tests::fixture::{dev_certificate, Fixture, Patch, F0_JSON};
use serde_json::{json, Value};

/// The height at which the changed chain's first validator-set change takes effect.
const FIRST_CHANGE: u64 = 8;
/// The height of its second.
const SECOND_CHANGE: u64 = 12;
/// Its last height.
const LAST: u64 = 13;
/// The order of `ℓ`, the ed25519 group order, little-endian (for a non-canonical `s`).
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn proof_of(chain: &DevChain, unit: &str) -> UnitProof {
    let commit = chain.commits.last().expect("a committed height");
    let earlier = |height| chain.certified(height);
    prove_from_state(&chain.state, &chain.tree, chain.head(), commit, &earlier, unit)
        .expect("the unit exists")
}

/// Mongolia's admission, with a validator of power 3 (as `tests/proof.rs`).
fn admission() -> Value {
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

/// The small chain, then validator-ind's power to 2 from height 8 and Mongolia's
/// validator (power 3) from height 12, then the unit moves (as `tests/proof.rs`).
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
    assert_eq!(chain.head().height, LAST);
    let total = |height: u64| chain.deciding[height as usize - 1].total_power();
    assert_eq!([FIRST_CHANGE - 1, SECOND_CHANGE].map(total), [2, 6], "the sets the chain went through");
    chain
}

/// One fixture: a proof file (as JSON, as text, or a base text with one byte changed),
/// the genesis it is checked against, and the Rust verdict.
struct Case {
    name: String,
    genesis: &'static str,
    body: Body,
}

enum Body {
    File(Value),
    Text(String),
    Flip { base: &'static str, offset: usize },
}

/// The Rust verifier's verdict, as the fixture file records it.
fn verdict(bytes: &[u8], genesis: &Genesis) -> Value {
    match verify(bytes, genesis) {
        Ok(verified) => json!({ "verdict": "valid", "proof": verified }),
        Err(e) => {
            let mut out = json!({ "verdict": "invalid", "check": e.check(), "message": e.to_string() });
            if let CheckError::Transition { height, part, .. } = &e {
                out["height"] = json!(height);
                out["part"] = json!(part);
            }
            out
        }
    }
}

/// A hex digit changed to another (so the text stays hex).
fn flip_hex(text: &str, at: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdef";
    let mut bytes = text.as_bytes().to_vec();
    let index = DIGITS.iter().position(|d| *d == bytes[at].to_ascii_lowercase()).expect("a hex digit");
    bytes[at] = DIGITS[index ^ 1];
    String::from_utf8(bytes).expect("ASCII")
}

fn to_value(proof: &UnitProof) -> Value {
    serde_json::to_value(proof).expect("a proof serializes")
}

fn commit_hex(commit: &CommitCertificate) -> String {
    hex::encode(codec::encode(commit))
}

/// Adds `ℓ` to a little-endian scalar: the same point equation, a non-canonical `s`.
fn add_ell(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(s[i]) + u16::from(ELL[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    out
}

/// The small chain's fixtures: valid, tampered in meaning, tampered byte by byte.
fn small_cases(chain: &DevChain, cases: &mut Vec<Case>) {
    let good = proof_of(chain, UNIT);
    let mut add = |name: &str, genesis: &'static str, edit: &dyn Fn(&mut UnitProof)| {
        let mut proof = good.clone();
        edit(&mut proof);
        cases.push(Case { name: format!("small: {name}"), genesis, body: Body::File(to_value(&proof)) });
    };
    add("valid", "f0", &|_| {});
    add("checked against a genesis with another OMGE rate", "f0-omge", &|_| {});
    add("checked against a genesis with a stranger validator", "f0-stranger", &|_| {});
    add("a current-block value changed", "f0", &|p| p.current.value.replace_range(0..2, "ff"));
    add("an event entry passed off as the current block", "f0", &|p| p.current = p.events[0].clone());
    add("an event repeated", "f0", &|p| p.events.push(p.events[0].clone()));
    add("events swapped", "f0", &|p| p.events.swap(0, 1));
    add("no events (not proven complete)", "f0", &|p| p.events.clear());
    add("a sibling removed from an event proof", "f0", &|p| {
        p.events[0].proof.siblings.pop();
    });
    add("a merkle sibling of the current block changed", "f0", &|p| {
        p.current.proof.siblings[1].0[3] ^= 0x10;
    });
    add("an empty sibling appended", "f0", &|p| {
        p.current.proof.siblings.push(Hash32([0; 32]));
    });
    add("the current block's leaf dropped", "f0", &|p| p.current.proof.leaf = None);
    add("an event value changed", "f0", &|p| {
        let at = p.events[1].value.len() - 3;
        p.events[1].value = flip_hex(&p.events[1].value, at);
    });
    add("an event value not hex", "f0", &|p| p.events[0].value.push('x'));
    add("another height claimed", "f0", &|p| p.height = 3);
    add("the header of height 3", "f0", &|p| {
        p.header = hex::encode(codec::encode(&chain.headers[3]));
        p.height = 3;
    });
    add("the certificate of height 3", "f0", &|p| p.commit = commit_hex(&chain.commits[2]));
    add("another unit of the same block", "f0", &|p| p.unit = "CA0001-JPN01-IND-4999-2025".into());
    add("a unit identifier with thousands separators", "f0", &|p| {
        p.unit = "CA0001-JPN01-IND-1,000-2025".into()
    });
    add("a malformed unit identifier", "f0", &|p| p.unit = "CA0001-JPN01-IND-01-2025".into());
    add("an unknown format", "f0", &|p| p.format = "jcm-unit-proof/3".into());
    add("read as the first format", "f0", &|p| p.format = FORMAT_V1.into());
    add("the metadata entry under another key", "f0", &|p| p.meta.key = hex::encode(keys::EVENT_HEAD));
    add("the metadata key in capitals", "f0", &|p| p.meta.key = p.meta.key.to_uppercase());
    add("the current-block key in capitals", "f0", &|p| p.current.key = p.current.key.to_uppercase());
    add("the header hex in capitals", "f0", &|p| p.header = p.header.to_uppercase());
    add("the header not hex", "f0", &|p| p.header.push('0'));
    add("the certificate not hex", "f0", &|p| p.commit.insert(0, 'g'));
    add("a signature's s plus l", "f0", &|p| {
        let mut commit: CommitCertificate =
            codec::decode(&hex::decode(&p.commit).expect("hex"), usize::MAX).expect("a certificate");
        let s = add_ell(&commit.signatures[0].signature.0[32..]);
        commit.signatures[0].signature.0[32..].copy_from_slice(&s);
        p.commit = commit_hex(&commit);
    });
    add("a signature dropped", "f0", &|p| {
        let mut commit: CommitCertificate =
            codec::decode(&hex::decode(&p.commit).expect("hex"), usize::MAX).expect("a certificate");
        commit.signatures.pop();
        p.commit = commit_hex(&commit);
    });
    add("a signature repeated", "f0", &|p| {
        let mut commit: CommitCertificate =
            codec::decode(&hex::decode(&p.commit).expect("hex"), usize::MAX).expect("a certificate");
        commit.signatures.push(commit.signatures[0].clone());
        p.commit = commit_hex(&commit);
    });
    add("signed by strangers", "f0", &|p| {
        p.commit = commit_hex(&dev_certificate(chain.head(), &["stranger-1", "stranger-2"]));
    });
    // Every byte of the header and of the certificate, changed.
    let header_bytes = hex::decode(&good.header).expect("hex");
    for i in 0..header_bytes.len() {
        add(&format!("header byte {i} changed"), "f0", &|p| p.header = flip_hex(&good.header, 2 * i + 1));
    }
    let commit_bytes = hex::decode(&good.commit).expect("hex");
    for i in 0..commit_bytes.len() {
        add(&format!("certificate byte {i} changed"), "f0", &|p| p.commit = flip_hex(&good.commit, 2 * i));
    }
    // The first format as it was written: no `transitions` field at all.
    let mut v1 = to_value(&good);
    v1["format"] = json!(FORMAT_V1);
    v1.as_object_mut().expect("an object").remove("transitions");
    cases.push(Case { name: "small: a first-format file".into(), genesis: "f0", body: Body::File(v1) });
    let mut extra = to_value(&good);
    extra["comment"] = json!("an unknown field");
    cases.push(Case { name: "small: an unknown field".into(), genesis: "f0", body: Body::File(extra) });
    let mut extra = to_value(&good);
    extra["current"]["proof"]["depth"] = json!(3);
    cases.push(Case {
        name: "small: an unknown field in a proof".into(),
        genesis: "f0",
        body: Body::File(extra),
    });
    let mut text_height = to_value(&good);
    text_height["height"] = json!("4");
    cases.push(Case {
        name: "small: the height as text".into(),
        genesis: "f0",
        body: Body::File(text_height),
    });
    let mut missing = to_value(&good);
    missing.as_object_mut().expect("an object").remove("meta");
    cases.push(Case {
        name: "small: the metadata entry missing".into(),
        genesis: "f0",
        body: Body::File(missing),
    });
    cases.push(Case {
        name: "small: not JSON".into(),
        genesis: "f0",
        body: Body::Text("{\"format\": ".into()),
    });
}

/// The changed chain's fixtures: valid, its transitions tampered with.
fn changed_cases(chain: &DevChain, cases: &mut Vec<Case>) {
    let good = proof_of(chain, UNIT);
    assert_eq!(good.transitions.len(), 2);
    let mut add = |name: &str, edit: &dyn Fn(&mut UnitProof)| {
        let mut proof = good.clone();
        edit(&mut proof);
        cases.push(Case {
            name: format!("changed: {name}"),
            genesis: "f0",
            body: Body::File(to_value(&proof)),
        });
    };
    add("valid", &|_| {});
    add("the first transition left out", &|p| drop(p.transitions.remove(0)));
    add("the second transition left out", &|p| p.transitions.truncate(1));
    add("both transitions left out", &|p| p.transitions.clear());
    add("read as the first format, without transitions", &|p| {
        p.format = FORMAT_V1.into();
        p.transitions.clear();
    });
    add("the first format with transitions", &|p| p.format = FORMAT_V1.into());
    let second = 1;
    add("a schedule entry left out (last)", &|p| drop(p.transitions[second].changes.pop()));
    add("a schedule entry left out (first)", &|p| drop(p.transitions[second].changes.remove(0)));
    add("Mongolia's change claimed absent", &|p| p.transitions[second].changes[1].value = None);
    add("Mongolia's change forged with another power", &|p| {
        let t = &mut p.transitions[second];
        let bytes = hex::decode(t.changes[1].value.as_ref().expect("present")).expect("hex");
        let mut change: ScheduledChange = codec::decode(&bytes, usize::MAX).expect("a scheduled change");
        let ValidatorChange::Add { validator, .. } = &mut change.change else { panic!("the admission") };
        validator.power = 1;
        t.changes[1].value = Some(hex::encode(codec::encode(&change)));
    });
    add("a change proposal 1 never scheduled", &|p| {
        let key = SecretKey::dev("validator-jpn").public();
        let change = ValidatorChange::SetPower { key, power: 5 };
        let scheduled = ScheduledChange { proposal: 1, height: SECOND_CHANGE, change };
        p.transitions[second].changes[0].value = Some(hex::encode(codec::encode(&scheduled)));
    });
    add("the schedule entries swapped", &|p| p.transitions[second].changes.swap(0, 1));
    add("the counter lowered", &|p| {
        let t = &mut p.transitions[second];
        t.next_proposal.value = Some(hex::encode(codec::encode(&2u64)));
        t.changes.pop();
    });
    add("the counter claimed absent", &|p| p.transitions[second].next_proposal.value = None);
    add("the metadata proof of another state", &|p| {
        p.transitions[second].meta = good.transitions[0].meta.clone()
    });
    add("a schedule entry's sibling changed", &|p| {
        p.transitions[second].changes[1].proof.siblings[0].0[0] ^= 1;
    });
    add("the first transition's header changed", &|p| {
        let at = p.transitions[0].header.len() - 1;
        p.transitions[0].header = flip_hex(&p.transitions[0].header, at);
    });
    let header = &chain.headers[FIRST_CHANGE as usize - 1];
    add("the header of 7 signed by strangers", &|p| {
        p.transitions[0].commit = commit_hex(&dev_certificate(header, &["stranger-1", "stranger-2"]));
    });
    let header = &chain.headers[SECOND_CHANGE as usize - 1];
    add("the header of 11 signed with Mongolia's validator", &|p| {
        p.transitions[1].commit = commit_hex(&dev_certificate(header, &["validator-ind", "validator-mng"]));
    });
    add("the header of 11 signed by two thirds of the power exactly", &|p| {
        p.transitions[1].commit = commit_hex(&dev_certificate(header, &["validator-ind"]));
    });
    add("the certificate of another height", &|p| {
        p.transitions[1].commit = good.transitions[0].commit.clone()
    });
    let old = ["validator-ind", "validator-jpn"];
    add("the final header certified by the old set", &|p| {
        p.commit = commit_hex(&dev_certificate(chain.head(), &old));
    });
    let mut renamed = chain.head().clone();
    renamed.validators_hash = protocol::validators_hash(&chain.deciding[SECOND_CHANGE as usize - 2]);
    add("a header naming the old set, certified by it", &|p| {
        p.header = hex::encode(codec::encode(&renamed));
        p.commit = commit_hex(&dev_certificate(&renamed, &old));
    });
    // The documented limit: valid, in Rust and in the browser alike.
    add("a former set signing past its tenure", &|p| {
        p.header = hex::encode(codec::encode(&renamed));
        p.commit = commit_hex(&dev_certificate(&renamed, &old));
        p.transitions.truncate(1);
    });
    add("a transition repeated", &|p| p.transitions.insert(1, good.transitions[0].clone()));
    add("a transition beyond the proven height", &|p| p.transitions[1].height = LAST + 1);
    add("a transition at height 1", &|p| p.transitions[0].height = 1);
    add("a transition moved a height later", &|p| p.transitions[0].height = FIRST_CHANGE + 1);
    let idle = idle_transition(chain, FIRST_CHANGE + 2);
    add("a transition at a height where nothing changes", &|p| p.transitions.insert(1, idle.clone()));
    let mut extra = to_value(&good);
    extra["transitions"][0]["extra"] = json!(true);
    cases.push(Case {
        name: "changed: an unknown field in a transition".into(),
        genesis: "f0",
        body: Body::File(extra),
    });
}

/// A transition at `height`, where no change takes effect, with every proof it needs
/// from the chain's own state: the header and certificate of `height - 1`, the metadata,
/// the counter, and each proposal's schedule entry proven absent.
fn idle_transition(chain: &DevChain, height: u64) -> Transition {
    let before = height as usize - 1;
    let root = chain.headers[before].state_root;
    let prove = |key: &[u8]| merkle::prove(&chain.tree, &root, key).expect("the tree keeps every root");
    let lookup = |key: &[u8]| {
        let value = chain_value(chain, &root, key);
        Lookup { key: hex::encode(key), value: value.map(hex::encode), proof: prove(key) }
    };
    let next_proposal = lookup(keys::NEXT_PROPOSAL);
    let counter: u64 = next_proposal
        .value
        .as_ref()
        .map_or(1, |v| codec::decode(&hex::decode(v).expect("hex"), 8).expect("a counter"));
    let changes: Vec<Lookup> = (1..counter).map(|p| lookup(&keys::scheduled_validators(height, p))).collect();
    assert!(changes.iter().all(|c| c.value.is_none()), "no change at {height}");
    Transition {
        height,
        header: hex::encode(codec::encode(&chain.headers[before])),
        commit: commit_hex(&chain.commits[before - 1]),
        meta: prove(keys::META),
        next_proposal,
        changes,
    }
}

/// The value of `key` in the state under `root`, found through the proof's leaf: the
/// devchain keeps only its last state, so an earlier value is read by hash from the
/// last state's value when they agree, and must be absent otherwise.
fn chain_value(chain: &DevChain, root: &Hash32, key: &[u8]) -> Option<Vec<u8>> {
    let proof = merkle::prove(&chain.tree, root, key).expect("the tree keeps every root");
    let leaf = proof.leaf.filter(|l| l.key_hash == merkle::key_hash(key))?;
    let now = chain.state.get(key).expect("a key present then is present now in this chain");
    assert_eq!(merkle::value_hash(&now), leaf.value_hash, "the value did not change since");
    Some(now)
}

/// Single-byte changes of a whole file's text: every byte of `head` bytes after `from`,
/// and every `step`-th byte of the rest. The change (xor 1) never turns a hex digit into
/// its other case, which would decode the same.
fn flip_cases(base: &'static str, text: &str, from: usize, head: usize, step: usize, cases: &mut Vec<Case>) {
    for offset in (0..text.len()).filter(|i| (from..from + head).contains(i) || i % step == 0) {
        cases.push(Case {
            name: format!("{base}: file byte {offset} changed"),
            genesis: "f0",
            body: Body::Flip { base, offset },
        });
    }
}

/// A genesis as the fixtures give it to the browser: canonical bytes, hash, JSON.
fn genesis_entry(genesis: &Genesis) -> Value {
    json!({
        "hex": hex::encode(codec::encode(genesis)),
        "hash": genesis.hash().to_hex(),
        "json": serde_json::to_value(genesis).expect("a genesis serializes"),
    })
}

fn patched(pointer: &str, value: Value) -> Genesis {
    let patch = Patch { pointer: pointer.into(), value };
    Fixture::from_json(F0_JSON, &[patch]).expect("patched").genesis
}

/// Writes the fixtures to `dir/fixtures.json`; the number of cases.
fn write_fixtures(dir: &Path) -> usize {
    let small = DevChain::small();
    let changed = changed_chain();
    let geneses = [
        ("f0", small.fixture.genesis.clone()),
        ("f0-omge", patched("/cooperative_approaches/0/omge_rate_bp", 200.into())),
        ("f0-stranger", patched("/validators/1/public_key", "dev:stranger".into())),
    ];
    let bases = [
        ("small", serde_json::to_string_pretty(&proof_of(&small, UNIT)).expect("serializes")),
        ("changed", serde_json::to_string_pretty(&proof_of(&changed, UNIT)).expect("serializes")),
    ];
    let mut cases = Vec::new();
    small_cases(&small, &mut cases);
    changed_cases(&changed, &mut cases);
    flip_cases("small", &bases[0].1, 0, 700, 211, &mut cases);
    let transitions = bases[1].1.find("\"transitions\"").expect("the field");
    flip_cases("changed", &bases[1].1, transitions, 500, 499, &mut cases);

    let genesis_of = |name: &str| &geneses.iter().find(|(n, _)| *n == name).expect("a genesis").1;
    let base_of = |name: &str| &bases.iter().find(|(n, _)| *n == name).expect("a base").1;
    let mut out = Vec::new();
    for case in &cases {
        let genesis = genesis_of(case.genesis);
        let (body, bytes) = match &case.body {
            Body::File(value) => (json!({ "file": value }), serde_json::to_vec(value).expect("serializes")),
            Body::Text(text) => (json!({ "text": text }), text.as_bytes().to_vec()),
            Body::Flip { base, offset } => {
                let mut bytes = base_of(base).as_bytes().to_vec();
                bytes[*offset] ^= 0x01;
                (json!({ "base": base, "flip": offset }), bytes)
            }
        };
        let mut entry = body;
        entry["name"] = json!(case.name);
        entry["genesis"] = json!(case.genesis);
        entry["expect"] = verdict(&bytes, genesis);
        out.push(entry);
    }
    let valid = out.iter().filter(|c| c["expect"]["verdict"] == "valid").count();
    assert!(valid >= 6, "the valid fixtures (both chains, the first format, capitals, the limit): {valid}");
    let fixtures = json!({
        "geneses": geneses.iter().map(|(n, g)| (n.to_string(), genesis_entry(g))).collect::<serde_json::Map<_, _>>(),
        "bases": bases.iter().map(|(n, t)| (n.to_string(), json!(t))).collect::<serde_json::Map<_, _>>(),
        "cases": out,
    });
    let path = dir.join("fixtures.json");
    std::fs::write(&path, serde_json::to_vec(&fixtures).expect("serializes")).expect("written");
    cases.len()
}

/// The explorer's verifier test files (not the UI's browser tests, which need Chromium).
fn test_files(root: &Path) -> Vec<PathBuf> {
    let dir = root.join("explorer/test");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".test.mjs") && !name.starts_with("browser")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_explorer_verifier_agrees_with_the_rust_verifier() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf();
    let dir = temp_dir("explorer-verifier");
    let count = write_fixtures(&dir);
    let files = test_files(&root);
    assert!(files.iter().any(|f| f.ends_with("fixtures.test.mjs")), "the fixture test: {files:?}");
    let output = match Command::new("node")
        .arg("--test")
        .arg("--test-reporter=tap")
        .args(&files)
        .env("JCM_VERIFY_FIXTURES", &dir)
        .current_dir(&root)
        .output()
    {
        Ok(output) => output,
        Err(e) => panic!(
            "cannot run `node` ({e}): the explorer's verifier tests need Node.js 20 on PATH \
             (CI installs it; locally, install Node.js 20 and rerun)"
        ),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = format!("{count} fixtures in {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}", dir.display());
    assert!(output.status.success(), "node --test failed ({}):\n{shown}", output.status);
    assert!(stdout.contains("\n# fail 0"), "failures:\n{shown}");
    assert!(stdout.contains("\n# skipped 0"), "a test skipped although the fixtures were given:\n{shown}");
    assert!(stdout.contains(&format!("all {count} fixtures agree")), "the fixture count:\n{shown}");
    // The diagnostics (timings, counts), for `cargo test -- --nocapture`.
    for line in stdout.lines().filter(|l| l.trim_start().starts_with("# ")) {
        println!("{line}");
    }
    if std::env::var_os("JCM_KEEP_FIXTURES").is_some() {
        println!("fixtures kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(dir);
    }
}
