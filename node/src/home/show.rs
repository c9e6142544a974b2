//! `jcm-node show`: what a home holds, to check it before starting the node. Reads
//! everything and decrypts nothing, unless `--check-keys` asks to open both key files
//! with the passphrase (which proves the passphrase before a start needs it).

use std::fmt::Write as _;

use super::config::LogFormat;
use super::keys::{PassphraseSource, Purpose};
use super::{fault_tolerance, Home, HomeError};

/// Decrypts both keys of `home` to prove the passphrase (development keys need none).
pub fn check_keys(home: &Home, source: &PassphraseSource) -> Result<(), HomeError> {
    let encrypted = home.node_key.encrypted || home.validator_key.encrypted;
    let passphrase = if encrypted { source.read(Purpose::Open)? } else { Default::default() };
    home.open_keys(passphrase.as_bytes()).map(|_| ())
}

fn key_protection(home: &Home) -> String {
    match (home.node_key.encrypted, home.validator_key.encrypted) {
        (true, true) => {
            let params = home.validator_key.kdf_params();
            params.map_or_else(
                || "encrypted".into(),
                |p| {
                    format!(
                        "encrypted (argon2id {} KiB, {} passes, {} lane(s); XChaCha20-Poly1305)",
                        p.memory_kib, p.iterations, p.parallelism
                    )
                },
            )
        }
        (false, false) => "UNENCRYPTED development keys: never use them on a real chain".into(),
        _ => "MIXED: one key file is unencrypted".into(),
    }
}

fn line(out: &mut String, label: &str, value: &str) {
    let _ = writeln!(out, "{label:<14}{value}");
}

/// The summary `show` prints: identity, then settings.
pub fn summary(home: &Home) -> String {
    let mut out = String::new();
    identity(&mut out, home);
    settings(&mut out, home);
    out
}

fn identity(out: &mut String, home: &Home) {
    let (total, f) = fault_tolerance(&home.genesis);
    line(out, "home", &home.paths.root.display().to_string());
    line(out, "moniker", &home.config.moniker);
    line(out, "chain id", home.genesis.chain_id.as_str());
    line(out, "genesis hash", &home.genesis_hash.to_hex());
    line(out, "genesis time", &home.genesis.genesis_time.to_string());
    line(out, "node id", &home.node_id().to_string());
    line(out, "validator key", &home.validator_key.public_key.to_hex());
    let role = match home.validator() {
        Some(v) => format!(
            "validator {} of {} (power {} of {total}; the set tolerates f = {f})",
            v.name, v.party, v.power
        ),
        None => {
            format!("observer: the key is not among the {} genesis validators", home.genesis.validators.len())
        }
    };
    line(out, "role", &role);
    line(out, "keys", &key_protection(home));
}

fn settings(out: &mut String, home: &Home) {
    let c = &home.config;
    line(out, "p2p listen", &c.p2p.listen_address.to_string());
    line(out, "peers", &c.p2p.peers.len().to_string());
    for peer in &c.p2p.peers {
        line(out, "", &peer.to_string());
    }
    line(out, "observers", &c.p2p.observers.len().to_string());
    let rpc = c.rpc.listen_address;
    let exposure = if rpc.ip().is_loopback() { "loopback only" } else { "REACHABLE FROM THE NETWORK" };
    line(out, "rpc listen", &format!("{rpc} ({exposure})"));
    let limits = format!(
        "mempool {} txs / {} bytes, rpc body {} bytes, p2p message {} bytes",
        c.mempool.txs_max, c.mempool.bytes_max, c.rpc.body_bytes_max, c.p2p.message_bytes_max
    );
    line(out, "limits", &limits);
    let t = &c.consensus;
    let timeouts = format!(
        "propose {}+{}r ms, prevote {}+{}r ms, precommit {}+{}r ms, commit {} ms",
        t.timeout_propose_ms,
        t.timeout_propose_delta_ms,
        t.timeout_prevote_ms,
        t.timeout_prevote_delta_ms,
        t.timeout_precommit_ms,
        t.timeout_precommit_delta_ms,
        t.timeout_commit_ms
    );
    line(out, "timeouts", &timeouts);
    let format = match c.log.format {
        LogFormat::Text => "text",
        LogFormat::Json => "json",
    };
    line(out, "log", &format!("{format}, level {}", c.log.level));
    let data = home.paths.data_dir();
    let data_state = if data.is_dir() { "present" } else { "missing (created when the node starts)" };
    line(out, "data", &format!("{} ({data_state})", data.display()));
}
