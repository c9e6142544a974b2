//! `jcm-node testnet` on a real binary: homes, one genesis, ports, peers, officers.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{arg, run, run_with_passphrase, TempDir};
use jcm_node::home::{read_key_file, Home};
use jcm_runtime::protocol::Genesis;

/// Checks a testnet directory: one valid genesis shared by every home, distinct ports,
/// every node dialling every other, validator keys matching the genesis, and an officer
/// key file for every officer. Returns the loaded homes.
pub fn check_testnet(out: &Path, homes: &[&str]) -> Vec<Home> {
    let genesis_text = std::fs::read_to_string(out.join("genesis.json")).expect("genesis");
    let genesis = Genesis::from_json(&genesis_text).expect("the genesis validates");
    let loaded: Vec<Home> = homes.iter().map(|h| Home::load(&out.join(h)).expect("home loads")).collect();
    let mut ports = BTreeSet::new();
    for home in &loaded {
        let copy = std::fs::read_to_string(home.paths.genesis()).expect("home genesis");
        assert_eq!(copy, genesis_text, "every home holds the same genesis");
        assert_eq!(home.genesis_hash, genesis.hash());
        assert!(ports.insert(home.config.p2p.listen_address.port()));
        assert!(ports.insert(home.config.rpc.listen_address.port()));
        assert!(home.config.p2p.listen_address.ip().is_loopback());
        assert!(home.config.rpc.listen_address.ip().is_loopback());
        assert!(home.validator().is_some(), "each home runs a genesis validator");
        let peers: BTreeSet<String> = home.config.p2p.peers.iter().map(|p| p.to_string()).collect();
        let others: BTreeSet<String> = loaded
            .iter()
            .filter(|o| o.node_id() != home.node_id())
            .map(|o| format!("{}@{}", o.node_id(), o.config.p2p.listen_address))
            .collect();
        assert_eq!(peers, others, "{} dials every other node", home.config.moniker);
    }
    assert_eq!(genesis.validators.len(), homes.len());
    for officer in &genesis.officers {
        let file =
            read_key_file(&out.join(format!("officers/{}.json", officer.name))).expect("officer key file");
        assert_eq!(file.public_key, officer.public_key);
    }
    loaded
}

#[test]
fn a_four_party_testnet_has_one_genesis_distinct_ports_and_full_peer_lists() {
    let dir = TempDir::new("testnet-4");
    let out = dir.join("tn");
    let r = run(&[
        "testnet",
        "--parties",
        "JPN,IND,IDN,VNM",
        "--out",
        arg(&out),
        "--dev",
        "--base-port",
        "31000",
        "--chain-id",
        "jcm-t4",
    ]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("f = 1"), "{}", r.stdout);
    let homes = check_testnet(&out, &["jpn", "ind", "idn", "vnm"]);
    assert_eq!(homes[0].config.p2p.listen_address.port(), 31000);
    assert_eq!(homes[3].config.rpc.listen_address.port(), 31031);
    assert!(homes.iter().all(Home::has_dev_keys));
    for home in &homes {
        home.open_keys(b"").expect("development keys open without a passphrase");
    }
    let genesis = &homes[0].genesis;
    assert_eq!(genesis.chain_id.as_str(), "jcm-t4");
    assert_eq!(genesis.cooperative_approaches[0].id.as_str(), "CA0001");
    assert_eq!(genesis.officers.len(), 12);
    let readme = std::fs::read_to_string(out.join("README.md")).expect("readme");
    assert!(readme.contains("never for a real chain") || readme.contains("never use"));
}

#[test]
fn an_encrypted_testnet_seals_every_key_with_the_passphrase() {
    let dir = TempDir::new("testnet-enc");
    let out = dir.join("tn");
    let r =
        run_with_passphrase("testnet passphrase", &["testnet", "--parties", "JPN,IND", "--out", arg(&out)]);
    assert!(r.ok, "{}", r.stderr);
    let homes = check_testnet(&out, &["jpn", "ind"]);
    for home in &homes {
        assert!(!home.has_dev_keys());
        assert!(home.open_keys(b"wrong").is_err());
        home.open_keys(b"testnet passphrase").expect("keys open");
    }
    let officer = read_key_file(&out.join("officers/JPN-DA.json")).expect("officer");
    assert!(officer.encrypted);
}

#[test]
fn testnet_refuses_a_non_empty_directory_and_bad_party_lists() {
    let dir = TempDir::new("testnet-refuse");
    let out = dir.join("tn");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("keep.txt"), "x").expect("write");
    let r = run(&["testnet", "--parties", "JPN,IND", "--dev", "--out", arg(&out)]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);

    let fresh = dir.join("fresh");
    for (parties, validators, needle) in [
        ("IND,IDN", "IND", "must include JPN"),
        ("JPN,IND,JPN", "JPN", "twice"),
        ("JPN,IND", "VNM", "not in --parties"),
    ] {
        let r = run(&[
            "testnet",
            "--parties",
            parties,
            "--validators",
            validators,
            "--dev",
            "--out",
            arg(&fresh),
        ]);
        assert_eq!(r.code, Some(1), "{parties}");
        assert!(r.stderr.contains(needle), "{}", r.stderr);
        assert!(!fresh.exists());
    }
    let r = run(&["testnet", "--parties", "JPN,IND", "--dev", "--base-port", "65530", "--out", arg(&fresh)]);
    assert!(r.stderr.contains("no room"), "{}", r.stderr);
}

#[test]
fn a_single_validator_devnet_has_one_home_and_observer_parties() {
    let dir = TempDir::new("testnet-devnet");
    let out = dir.join("dn");
    let r = run(&["testnet", "--parties", "JPN,IND", "--validators", "JPN", "--dev", "--out", arg(&out)]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("f = 0"), "{}", r.stdout);
    let homes = check_testnet(&out, &["jpn"]);
    assert!(homes[0].config.p2p.peers.is_empty());
    assert!(!out.join("ind").exists());
    assert_eq!(homes[0].genesis.parties.len(), 2);
}
