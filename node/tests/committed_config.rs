//! The networks committed under config/ are valid and ready to run: their genesis files
//! validate, every home loads, and its development keys open and match the genesis.

mod common;

use std::path::PathBuf;

use common::run;
use jcm_node::home::{read_genesis, Home};

fn config_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("config").join(name)
}

fn check(name: &str, homes: &[&str], validators: usize) {
    let dir = config_dir(name);
    let (_, genesis) = read_genesis(&dir.join("genesis.json")).expect("the genesis validates");
    assert_eq!(genesis.validators.len(), validators);
    for h in homes {
        let home = Home::load(&dir.join(h)).expect("home loads");
        assert_eq!(home.genesis, genesis, "{h} holds the network's genesis");
        let (node, validator) = home.open_keys(b"").expect("development keys open");
        assert_eq!(node.public(), home.node_key.public_key);
        assert!(home.validator().is_some(), "{h}'s validator key is in the genesis");
        assert_eq!(validator.public(), home.validator_key.public_key);
        assert_eq!(home.config.p2p.peers.len(), homes.len() - 1);
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("README.md");
    assert!(readme.contains("never"), "the README warns about the public keys");
}

#[test]
fn the_committed_four_party_testnet_is_valid() {
    check("testnet-4", &["jpn", "ind", "idn", "vnm"], 4);
}

#[test]
fn the_committed_single_validator_devnet_is_valid() {
    check("devnet-1", &["jpn"], 1);
}

#[test]
fn show_reads_a_committed_home() {
    let home = config_dir("testnet-4").join("jpn");
    let r = run(&["show", "--home", home.to_str().expect("utf-8"), "--check-keys"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("jcm-testnet-4"), "{}", r.stdout);
    assert!(r.stdout.contains("f = 1"), "{}", r.stdout);
}
