//! The officer's side of `jcm` without a node: the keyring (sealed keys round trip, a
//! wrong passphrase is exit 2 with a clear message), importing a testnet's officers,
//! settings, completions, help with examples, usage errors, an unreachable node, and a
//! notification prepared and endorsed offline by both Joint Committee sides.

mod support;

use support::{workspace, Jcm};

const PASSPHRASE: &str = "correct horse battery";

#[test]
fn a_sealed_key_round_trips_through_export_delete_and_import() {
    let mut jcm = Jcm::new("keys");
    jcm.passphrase = Some(PASSPHRASE.into());
    let created = jcm.run(&["--output", "json", "keys", "new", "alice"]).expect_code(0).json();
    assert_eq!(created["encrypted"], true);
    let public = created["public_key"].as_str().expect("a public key").to_string();
    let file = std::fs::read_to_string(jcm.home.join("keys/alice.json")).expect("the key file");
    assert!(file.contains("argon2id") && file.contains("xchacha20-poly1305") && !file.contains("\"seed\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            std::fs::metadata(jcm.home.join("keys/alice.json")).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o077, 0, "a key file is readable by its owner only");
    }
    jcm.run(&["keys", "new", "alice"]).expect_code(2);

    let list = jcm.run(&["--output", "json", "keys", "list"]).expect_code(0).json();
    assert_eq!(list["keys"][0]["name"], "alice");
    let shown = jcm.run(&["--output", "json", "keys", "show", "alice", "--check"]).expect_code(0).json();
    assert_eq!(shown["public_key"], public.as_str());

    let backup = jcm.home.join("alice-backup.json");
    jcm.run(&["keys", "export", "alice", "--out", backup.to_str().expect("utf-8")]).expect_code(0);
    jcm.run(&["keys", "delete", "alice"]).expect_code(2); // no terminal to confirm
    jcm.run(&["keys", "delete", "alice", "--yes"]).expect_code(0);
    jcm.run(&["keys", "show", "alice"]).expect_code(2);
    let imported = jcm
        .run(&["--output", "json", "keys", "import", "bob", "--file", backup.to_str().expect("utf-8")])
        .expect_code(0)
        .json();
    assert_eq!(imported["public_key"], public.as_str());
    jcm.run(&["keys", "show", "bob", "--check"]).expect_code(0);
}

#[test]
fn a_wrong_or_missing_passphrase_is_an_error_naming_the_key() {
    let mut jcm = Jcm::new("passphrase");
    jcm.passphrase = Some(PASSPHRASE.into());
    jcm.run(&["keys", "new", "alice"]).expect_code(0);

    jcm.passphrase = Some("not the passphrase".into());
    let wrong = jcm.run(&["keys", "show", "alice", "--check"]).expect_code(2);
    assert!(wrong.stderr.contains("wrong passphrase"), "{}", wrong.stderr);
    assert!(wrong.stderr.contains("`alice`"), "{}", wrong.stderr);

    // From a file: its first line.
    let file = jcm.home.join("pass.txt");
    std::fs::write(&file, format!("{PASSPHRASE}\nignored\n")).expect("write");
    jcm.passphrase = None;
    jcm.run(&["--passphrase-file", file.to_str().expect("utf-8"), "keys", "show", "alice", "--check"])
        .expect_code(0);

    // No passphrase and no terminal: an error that says how to give one.
    let none = jcm.run(&["keys", "show", "alice", "--check"]).expect_code(2);
    assert!(
        none.stderr.contains("JCM_PASSPHRASE") && none.stderr.contains("--passphrase-file"),
        "{}",
        none.stderr
    );

    jcm.passphrase = Some("short".into());
    let short = jcm.run(&["keys", "new", "carol"]).expect_code(2);
    assert!(short.stderr.contains("at least 8 characters"), "{}", short.stderr);
}

#[test]
fn a_testnets_officers_import_at_once_and_only_once() {
    let jcm = Jcm::new("import-testnet");
    let testnet = workspace().join("config/testnet-4");
    let testnet = testnet.to_str().expect("utf-8");
    let first = jcm.run(&["--output", "json", "keys", "import-testnet", testnet]).expect_code(0).json();
    let keys = first["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 12);
    assert!(keys.iter().all(|k| k["result"] == "imported"));
    let again = jcm.run(&["--output", "json", "keys", "import-testnet", testnet]).expect_code(0).json();
    assert!(again["keys"].as_array().expect("keys").iter().all(|k| k["result"] == "already present"));
    // The public key is the one the genesis names for the officer.
    let genesis: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("config/testnet-4/genesis.json")).expect("genesis"),
    )
    .expect("json");
    let officer =
        genesis["officers"].as_array().expect("officers").iter().find(|o| o["name"] == "JPN-DA").cloned();
    let shown = jcm.run(&["--output", "json", "keys", "show", "JPN-DA"]).expect_code(0).json();
    assert_eq!(shown["public_key"], officer.expect("JPN-DA")["public_key"]);
    assert_eq!(shown["encrypted"], false);
    // A single file, sealed on import.
    let mut sealed = Jcm::new("import-one");
    sealed.passphrase = Some(PASSPHRASE.into());
    let file = format!("{testnet}/officers/IND-JC.json");
    let one = sealed
        .run(&["--output", "json", "keys", "import", "--file", &file, "--encrypt"])
        .expect_code(0)
        .json();
    assert_eq!((one["name"].as_str(), one["encrypted"].as_bool()), (Some("IND-JC"), Some(true)));
}

#[test]
fn settings_choose_the_node_and_flags_override_them() {
    let jcm = Jcm::new("config");
    let shown = jcm.run(&["--output", "json", "config", "show"]).expect_code(0).json();
    assert_eq!(
        (shown["node"].as_str(), shown["node_source"].as_str()),
        (Some("http://127.0.0.1:26601"), Some("default"))
    );
    jcm.run(&["config", "set", "node", "http://127.0.0.1:26611/"]).expect_code(0);
    let shown = jcm.run(&["--output", "json", "config", "show"]).expect_code(0).json();
    assert_eq!(shown["node"], "http://127.0.0.1:26611");
    let flagged =
        jcm.run(&["--node", "http://127.0.0.1:26621", "--output", "json", "config", "show"]).expect_code(0);
    assert_eq!(flagged.json()["node"], "http://127.0.0.1:26621");
    jcm.run(&["config", "set", "node", "26611"]).expect_code(2);
    jcm.run(&["config", "set", "colour", "blue"]).expect_code(2);
}

#[test]
fn an_unreachable_node_is_exit_2_naming_its_url() {
    let mut jcm = Jcm::new("unreachable");
    jcm.node = Some("http://127.0.0.1:9".into());
    let status = jcm.run(&["query", "status"]).expect_code(2);
    assert!(status.stderr.contains("cannot reach the node at http://127.0.0.1:9"), "{}", status.stderr);
    jcm.run(&["keys", "import-testnet", workspace().join("config/testnet-4").to_str().expect("utf-8")])
        .expect_code(0);
    let tx = jcm
        .run(&[
            "tx",
            "open-account",
            "--id",
            "IND01-H-X",
            "--holder-party",
            "IND",
            "--key",
            "IND01-ADMIN",
            "--dry-run",
        ])
        .expect_code(2);
    assert!(tx.stderr.contains("http://127.0.0.1:9"), "{}", tx.stderr);
}

#[test]
fn usage_errors_are_exit_2_before_anything_is_signed() {
    let jcm = Jcm::new("usage");
    for args in [
        &["tx", "transfer", "--from", "IND01-PEND", "--to", "IND01-H-GOV"][..], // no units
        &["tx", "transfer", "--from", "IND 01", "--to", "IND01-H-GOV", "-q", "1", "--ca", "CA0001"],
        &["tx", "set-participation", "--party", "IND", "--status", "maybe"],
        &["tx", "open-account", "--id", "IND01-H-X"], // no key
        &["query", "holdings"],
        &["report", "aef", "--party", "IND", "--year", "2026", "--format", "pdf"],
        &["no-such-command"],
    ] {
        let run = jcm.run(args);
        assert_eq!(run.code, 2, "{args:?}\n{}{}", run.stdout, run.stderr);
    }
    let payload = jcm.home.join("bad.json");
    std::fs::write(&payload, r#"{"action": "teleport"}"#).expect("write");
    let bad = jcm.run(&["tx", "submit", "--payload-file", payload.to_str().expect("utf-8"), "--key", "x"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("not valid"), "{}", bad.stderr);
    // A dry run explains it as the malformed message it is (R2), and signs nothing.
    let path = payload.to_str().expect("utf-8");
    let dry = jcm.run(&["tx", "submit", "--payload-file", path, "--key", "x", "--dry-run"]);
    assert_eq!(dry.code, 1, "{}{}", dry.stdout, dry.stderr);
    assert!(dry.stdout.contains("A6-1002"), "{}", dry.stdout);
}

#[test]
fn help_shows_examples_and_exit_codes_and_completions_are_generated() {
    let jcm = Jcm::new("help");
    let top = jcm.run(&["--help"]).expect_code(0);
    assert!(top.stdout.contains("Exit codes") && top.stdout.contains("Example"), "{}", top.stdout);
    for args in [
        &["tx", "issue", "--help"][..],
        &["tx", "use-ndc", "--help"],
        &["keys", "import-testnet", "--help"],
        &["query", "history", "--help"],
        &["report", "aef", "--help"],
        &["audit", "--help"],
    ] {
        let help = jcm.run(args).expect_code(0);
        assert!(help.stdout.contains("Example"), "{args:?}:\n{}", help.stdout);
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = jcm.run(&["completions", shell]).expect_code(0);
        assert!(script.stdout.contains("jcm") && script.stdout.contains("import-testnet"), "{shell}");
        assert!(script.stdout.contains("use-ndc"), "{shell}");
    }
    jcm.run(&["completions", "tcsh"]).expect_code(2);
}

#[test]
fn a_notification_is_prepared_and_endorsed_offline_by_both_sides() {
    let jcm = Jcm::new("notification");
    jcm.run(&["keys", "import-testnet", workspace().join("config/testnet-4").to_str().expect("utf-8")])
        .expect_code(0);
    let file = jcm.home.join("n-001.json");
    let file = file.to_str().expect("utf-8");
    #[rustfmt::skip]
    let prepare = [
        "tx", "issue", "--prepare", file, "--id", "N-001", "--jc", "JC-JPN-IND", "--project", "INJ-001",
        "--vintage", "2025", "--from", "2025-01-01", "--to", "2025-12-31",
        "--line", "JPN01-H-GOV:5000", "--line", "IND01-H-GOV:3000",
        "--chain-id", "jcm-testnet-4", "--ca", "CA0001",
    ];
    jcm.run(&prepare).expect_code(0);
    jcm.run(&prepare).expect_code(2); // never overwrites endorsements silently
    let copy = jcm.home.join("n-001-jpn.json");
    let copy = copy.to_str().expect("utf-8");
    jcm.run(&["tx", "endorse", file, "--key", "IND-JC", "--yes"]).expect_code(0);
    jcm.run(&["tx", "endorse", file, "--key", "IND-JC", "--yes"]).expect_code(2); // twice
    jcm.run(&["tx", "endorse", file, "--key", "JPN-JC", "--yes", "--out", copy]).expect_code(0);
    let endorsed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(copy).expect("the endorsed copy")).expect("json");
    assert_eq!(endorsed["format"], "jcm-notification/1");
    assert_eq!(endorsed["notification"]["body"]["total"], 8000);
    assert_eq!(endorsed["notification"]["endorsements"].as_array().map(Vec::len), Some(2));
    // Without a terminal, endorsing needs --yes.
    jcm.run(&["tx", "endorse", file, "--key", "JPN-JC"]).expect_code(2);
}
