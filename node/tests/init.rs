//! `jcm-node init` and `jcm-node show` on a real binary in a temporary directory.

mod common;

use common::{arg, devnet, run, run_with_passphrase, TempDir};
use jcm_node::home::Home;

const PASSPHRASE: &str = "correct horse battery";

#[test]
fn init_creates_the_layout_and_the_home_loads_back() {
    let dir = TempDir::new("init-layout");
    let genesis = devnet(&dir);
    let home = dir.join("moej-1");
    let r = run_with_passphrase(PASSPHRASE, &["init", "--home", arg(&home), "--genesis", arg(&genesis)]);
    assert!(r.ok, "{}", r.stderr);
    for file in
        ["config/node.toml", "config/genesis.json", "config/node_key.json", "config/validator_key.json"]
    {
        assert!(home.join(file).is_file(), "{file} missing");
    }
    assert!(home.join("data").is_dir());
    assert_eq!(
        std::fs::read(home.join("config/genesis.json")).expect("copied genesis"),
        std::fs::read(&genesis).expect("genesis")
    );
    #[cfg(unix)]
    for key in ["config/node_key.json", "config/validator_key.json"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.join(key)).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{key} must be private");
    }

    let loaded = Home::load(&home).expect("the new home loads");
    assert_eq!(loaded.config.moniker, "moej-1");
    assert!(loaded.node_key.encrypted && loaded.validator_key.encrypted);
    assert!(r.stdout.contains(&loaded.genesis_hash.to_hex()), "{}", r.stdout);
    assert!(r.stdout.contains(&loaded.node_id().to_string()));
    assert!(r.stdout.contains("NOT in the genesis validator set"));
    let (node, validator) = loaded.open_keys(PASSPHRASE.as_bytes()).expect("keys open");
    assert_eq!(node.public(), loaded.node_key.public_key);
    assert_eq!(validator.public(), loaded.validator_key.public_key);

    let show = run_with_passphrase(PASSPHRASE, &["show", "--home", arg(&home), "--check-keys"]);
    assert!(show.ok, "{}", show.stderr);
    assert!(show.stdout.contains(&loaded.node_id().to_string()));
    assert!(show.stdout.contains("jcm-testnet"));
    assert!(show.stdout.contains("both open"));
}

#[test]
fn init_refuses_an_existing_home_unless_forced() {
    let dir = TempDir::new("init-exists");
    let genesis = devnet(&dir);
    let home = dir.join("node");
    let args = ["init", "--dev", "--home", arg(&home), "--genesis", arg(&genesis)];
    assert!(run(&args).ok);
    let before = Home::load(&home).expect("home").node_id();

    let again = run(&args);
    assert_eq!(again.code, Some(1));
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(Home::load(&home).expect("home").node_id(), before);

    let forced = run(&[&args[..], &["--force"]].concat());
    assert!(forced.ok, "{}", forced.stderr);
    assert_ne!(Home::load(&home).expect("home").node_id(), before);
}

#[test]
fn a_wrong_passphrase_is_refused_with_a_clear_message() {
    let dir = TempDir::new("init-wrong");
    let genesis = devnet(&dir);
    let home = dir.join("node");
    let pass_file = dir.join("pass.txt");
    std::fs::write(&pass_file, format!("{PASSPHRASE}\n")).expect("write");
    let r = run(&[
        "init",
        "--home",
        arg(&home),
        "--genesis",
        arg(&genesis),
        "--passphrase-file",
        arg(&pass_file),
    ]);
    assert!(r.ok, "{}", r.stderr);

    let wrong = run_with_passphrase("not the passphrase", &["show", "--home", arg(&home), "--check-keys"]);
    assert_eq!(wrong.code, Some(1));
    assert!(wrong.stderr.contains("wrong passphrase"), "{}", wrong.stderr);
    assert!(wrong.stderr.contains("node_key.json"), "{}", wrong.stderr);

    // The file's trailing newline is not part of the passphrase.
    let right = run(&["show", "--home", arg(&home), "--check-keys", "--passphrase-file", arg(&pass_file)]);
    assert!(right.ok, "{}", right.stderr);
}

#[test]
fn without_a_passphrase_or_a_terminal_init_says_how_to_give_one() {
    let dir = TempDir::new("init-nopass");
    let genesis = devnet(&dir);
    let home = dir.join("node");
    let r = run(&["init", "--home", arg(&home), "--genesis", arg(&genesis)]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("JCM_PASSPHRASE"), "{}", r.stderr);
    assert!(r.stderr.contains("--dev"), "{}", r.stderr);
    assert!(!home.exists(), "nothing is written before the passphrase is known");

    let short = run_with_passphrase("short", &["init", "--home", arg(&home), "--genesis", arg(&genesis)]);
    assert_eq!(short.code, Some(1));
    assert!(short.stderr.contains("at least 8"), "{}", short.stderr);
}

#[test]
fn an_invalid_genesis_is_refused_before_anything_is_written() {
    let dir = TempDir::new("init-badgenesis");
    let genesis = devnet(&dir);
    let text = std::fs::read_to_string(&genesis).expect("genesis");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, text.replace("\"JPN01\"", "\"XXX01\"")).expect("write");
    let home = dir.join("node");
    let r = run(&["init", "--dev", "--home", arg(&home), "--genesis", arg(&broken)]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("broken.json"), "{}", r.stderr);
    assert!(!home.exists());

    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/fixtures/f0.json");
    let r = run(&["init", "--dev", "--home", arg(&home), "--genesis", fixture]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("dev:NAME"), "{}", r.stderr);
}

#[test]
fn a_malformed_command_line_exits_with_2() {
    assert_eq!(run(&["init", "--home"]).code, Some(2));
    assert_eq!(run(&["testnet", "--parties", "jpn", "--out", "x"]).code, Some(2));
    assert_eq!(run(&["start"]).code, Some(2));
}
