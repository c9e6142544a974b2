//! What every `jcm tx` command does once its payload is built: fetch the chain id and
//! the signer's next nonce from the node, sign, show what was signed (a sentence, the
//! payload and the transaction hash), then either dry-run it (the node's verdict, every
//! failing rule with its code and explanation; nothing submitted) or ask to confirm,
//! submit, and by default wait for the commit and print its height and verdict.
//! `--out FILE` writes the transaction to a file instead ([`offline`]); a file signed
//! elsewhere goes through the same [`deliver`] (`jcm tx broadcast`).
//!
//! Exit codes: 0 accepted (or admitted with `--no-wait`), 1 the rules rejected it (at
//! the dry run, at admission or in its block), 2 anything else (no node, no key, ...).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Args;
use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::protocol::{Payload, Transaction};
use serde_json::{json, Value};

use super::offline::{self, FileOpts, Plan};
use super::summary;
use crate::client::{Rpc, RpcError};
use crate::context::{confirm, Context};
use crate::keys;
use crate::output::{print_fields, print_json};

/// Longest wait the node is asked for in one request (its requests are cut at 30 s).
const WAIT_PER_REQUEST_MS: u64 = 20_000;
/// Pause between two looks at a pending transaction.
const POLL_INTERVAL: Duration = Duration::from_millis(300);

/// How to sign and submit: common to every `jcm tx` command.
#[derive(Clone, Debug, Args)]
#[group(skip)]
#[command(next_help_heading = "Signing and submission")]
pub struct TxOpts {
    /// The key that signs: a name in the keyring (`jcm keys list`).
    #[arg(long, short = 'k', value_name = "NAME", conflicts_with = "signer")]
    pub key: Option<String>,
    /// Sign with this nonce instead of the one the node says is next (required with
    /// --offline: the signer's next nonce, `jcm query nonce PUBLIC_KEY`).
    #[arg(long, value_name = "N")]
    pub nonce: Option<u64>,
    #[command(flatten)]
    pub submit: SubmitOpts,
    #[command(flatten)]
    pub file: FileOpts,
}

/// How a signed transaction is submitted: common to `jcm tx <action>` and
/// `jcm tx broadcast`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct SubmitOpts {
    /// Only ask the node for its verdict: print each failing rule's code and
    /// explanation, submit nothing. Exit 1 if the rules would reject it.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation before signing or submitting.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Return once the node admits the transaction, without waiting for its block.
    #[arg(long)]
    pub no_wait: bool,
    /// How long to wait for the commit, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub wait_secs: u64,
}

/// The chain as the node describes it, and the officer behind a key.
pub struct Chain {
    /// The chain id.
    pub id: String,
    /// The genesis hash the node presents (checked against the pin by
    /// [`Context::connect`]).
    pub genesis_hash: Option<Hash32>,
    officers: Vec<Value>,
}

impl Chain {
    /// The chain of the node whose `/v1/status` is `status`; with `expected`
    /// (`--chain-id`), refused unless it is that chain.
    pub fn read(rpc: &Rpc, status: &Value, expected: Option<&str>) -> anyhow::Result<Self> {
        let id = status["chain_id"].as_str().context("the node's /v1/status has no chain_id")?.to_string();
        if let Some(expected) = expected.filter(|e| *e != id) {
            bail!(
                "the node at {} serves chain `{id}`, not `{expected}` (--chain-id): nothing signed",
                rpc.base()
            );
        }
        let genesis_hash = status["genesis_hash"].as_str().and_then(|h| Hash32::from_hex(h).ok());
        let genesis = rpc.get("/v1/genesis")?;
        let officers = genesis["officers"].as_array().cloned().unwrap_or_default();
        Ok(Self { id, genesis_hash, officers })
    }

    /// `NAME (role, role)` of the officer whose key this is, if the genesis names one.
    fn officer(&self, key: &PublicKey) -> Option<String> {
        let hex = key.to_hex();
        let officer = self.officers.iter().find(|o| o["public_key"].as_str() == Some(hex.as_str()))?;
        let roles: Vec<String> =
            officer["roles"].as_array().map(|r| r.iter().map(role).collect()).unwrap_or_default();
        Some(format!("{} ({})", officer["name"].as_str().unwrap_or("?"), roles.join(", ")))
    }

    /// The command's document (`--output json`) for `tx`, signed with the keyring's
    /// `key` (none for a transaction signed elsewhere).
    pub fn describe(&self, rpc: &Rpc, tx: &Transaction, key: Option<&str>) -> Value {
        json!({
            "node": rpc.base(),
            "chain_id": self.id,
            "action": tx.body.payload.action(),
            "signer": tx.body.signer,
            "key": key,
            "officer": self.officer(&tx.body.signer),
            "nonce": tx.body.nonce,
            "hash": tx.hash(),
            "payload": tx.body.payload,
        })
    }
}

/// A role of the genesis as text: `registry_admin JPN01`.
fn role(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k} {s}"),
                Value::Object(inner) => {
                    let parts: Vec<String> = inner.values().map(crate::output::cell).collect();
                    format!("{k} {}", parts.join("/"))
                }
                other => format!("{k} {}", role(other)),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// The signer's nonces: the next one after its committed transactions (`state_nonce`)
/// and the next one after its pending ones too (`next_nonce`).
pub fn nonces(rpc: &Rpc, signer: &PublicKey) -> anyhow::Result<(u64, u64)> {
    let answer = rpc.get(&format!("/v1/nonce/{}", signer.to_hex()))?;
    let next = answer["next_nonce"].as_u64().context("the node's nonce answer has no next_nonce")?;
    let state = answer["state_nonce"].as_u64().context("the node's nonce answer has no state_nonce")?;
    Ok((state, next))
}

/// Signs `payload` and dry-runs or submits it, or writes it to a file (`--out`).
pub fn execute(ctx: &Context, opts: &TxOpts, payload: Payload) -> anyhow::Result<ExitCode> {
    let name = match offline::plan(opts)? {
        Plan::Submit { key } => key,
        Plan::File(plan) => return offline::write(ctx, &plan, payload),
    };
    // The node first: an unreachable node fails before a passphrase is asked for.
    let (rpc, status) = ctx.connect()?;
    let chain = Chain::read(&rpc, &status, opts.file.chain_id.as_deref())?;
    let key = keys::load(ctx, &name)?;
    let nonce = match opts.nonce {
        Some(n) => n,
        None => nonces(&rpc, &key.public())?.1,
    };
    let tx = Transaction::sign(&chain.id, &key, nonce, payload);
    let doc = chain.describe(&rpc, &tx, Some(&name));
    deliver(ctx, &rpc, &opts.submit, &tx, doc, "Sign and submit this transaction?")
}

/// What every signed transaction goes through, whoever signed it: shown, then
/// dry-run, or confirmed (`question`), submitted and by default followed to its block.
pub fn deliver(
    ctx: &Context,
    rpc: &Rpc,
    opts: &SubmitOpts,
    tx: &Transaction,
    doc: Value,
    question: &str,
) -> anyhow::Result<ExitCode> {
    if !ctx.json() {
        show(&doc, tx);
    }
    let body = json!({ "tx": hex::encode(tx.encode()) });
    if opts.dry_run {
        return dry_run(ctx, rpc, &body, doc);
    }
    if !opts.yes && !confirm(question)? {
        bail!("nothing submitted");
    }
    #[allow(clippy::disallowed_methods)] // the CLI's edge: how long the officer waits
    let started = Instant::now();
    let deadline = started + Duration::from_secs(opts.wait_secs);
    let path = if opts.no_wait {
        "/v1/tx".to_string()
    } else {
        format!("/v1/tx?wait=commit&timeout_ms={}", (opts.wait_secs * 1000).min(WAIT_PER_REQUEST_MS))
    };
    let answer = match rpc.post(&path, &body) {
        Ok((_, answer)) => answer,
        Err(RpcError::Api { status, kind, message, error, .. }) if refusal(status, &kind) => {
            return refused(ctx, doc, Some(status), &kind, &message, &error);
        }
        Err(e) => return Err(e.into()),
    };
    follow(ctx, rpc, doc, answer, opts, deadline)
}

/// Follows a submitted (or already known) transaction from the node's `answer` to its
/// block, unless `--no-wait`, and reports it.
pub fn follow(
    ctx: &Context,
    rpc: &Rpc,
    mut doc: Value,
    answer: Value,
    opts: &SubmitOpts,
    deadline: Instant,
) -> anyhow::Result<ExitCode> {
    let answer = if answer["status"] == "pending" && !opts.no_wait {
        let hash = doc["hash"].as_str().unwrap_or_default().to_string();
        wait_commit(rpc, &hash, deadline)?
    } else {
        answer
    };
    finish(ctx, &mut doc, &answer, opts)
}

/// Whether an error answer is the rules' (or the nonce's) refusal of this transaction
/// rather than a failure to ask: 422 (rejected, nonce gap) and 409 (duplicate, nonce
/// taken, dropped from the mempool).
fn refusal(status: u16, _kind: &str) -> bool {
    status == 422 || status == 409
}

fn show(doc: &Value, tx: &Transaction) {
    let heading = if doc["key"].is_null() { "Signed transaction to submit" } else { "Transaction to sign" };
    println!("{heading}: {}", summary::describe(&tx.body.payload));
    let signer = match (doc["key"].as_str(), doc["officer"].as_str()) {
        (Some(key), Some(officer)) if officer.starts_with(&format!("{key} (")) => officer.to_string(),
        (Some(key), Some(officer)) => format!("key {key}: officer {officer}"),
        (Some(key), None) => format!("{key} (not an officer in this chain's genesis)"),
        (None, Some(officer)) => format!("{officer}, signed elsewhere"),
        (None, None) => "signed elsewhere, not an officer in this chain's genesis".into(),
    };
    print_fields(&[
        ("  chain", format!("{} (node {})", tx.body.chain_id, doc["node"].as_str().unwrap_or("?"))),
        ("  signer", signer),
        ("  public key", tx.body.signer.to_hex()),
        ("  nonce", tx.body.nonce.to_string()),
        ("  tx hash", tx.hash().to_hex()),
    ]);
    let payload = serde_json::to_string_pretty(&tx.body.payload).expect("a payload serializes");
    println!("  payload:");
    for line in payload.lines() {
        println!("    {line}");
    }
}

fn dry_run(ctx: &Context, rpc: &Rpc, body: &Value, mut doc: Value) -> anyhow::Result<ExitCode> {
    let (_, answer) = match rpc.post("/v1/tx/dry-run", body) {
        Ok(answer) => answer,
        Err(RpcError::Api { status, kind, message, error, .. }) if refusal(status, &kind) => {
            return refused(ctx, doc, Some(status), &kind, &message, &error);
        }
        Err(e) => return Err(e.into()),
    };
    let accepted = answer["accepted"].as_bool().unwrap_or(false);
    doc["result"] = json!("dry_run");
    doc["accepted"] = json!(accepted);
    doc["verdict"] = answer["verdict"].clone();
    if ctx.json() {
        print_json(&doc);
    } else {
        println!("Dry run (nothing submitted), as block {} would see it:", cell_u64(&answer["height"]));
        print_verdict(&answer["verdict"]);
    }
    Ok(if accepted { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn cell_u64(value: &Value) -> String {
    value.as_u64().map(|v| v.to_string()).unwrap_or_else(|| "?".into())
}

/// Follows a pending transaction until it is committed or `deadline` passes.
#[allow(clippy::disallowed_methods)] // the CLI's edge: polling until a deadline
fn wait_commit(rpc: &Rpc, hash: &str, deadline: Instant) -> anyhow::Result<Value> {
    loop {
        match rpc.get(&format!("/v1/tx/{hash}")) {
            Ok(answer) if answer["status"] == "committed" => return Ok(answer),
            Ok(answer) if Instant::now() >= deadline => return Ok(answer),
            Ok(_) => {}
            Err(RpcError::Api { status: 404, .. }) => bail!(
                "transaction {hash} left the node's mempool without being committed: a block made it \
                 invalid (check its nonce and dry-run it again)"
            ),
            Err(e) => return Err(e.into()),
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

fn finish(ctx: &Context, doc: &mut Value, answer: &Value, opts: &SubmitOpts) -> anyhow::Result<ExitCode> {
    let status = answer["status"].as_str().unwrap_or("?").to_string();
    doc["result"] = json!(status);
    if status != "committed" {
        let hash = doc["hash"].as_str().unwrap_or("?").to_string();
        if !opts.no_wait {
            // A wait that ran out: the transaction may still commit, but this command
            // cannot say that it did.
            bail!("transaction {hash} was admitted but not committed within {} s; follow it with `jcm query tx {hash}`", opts.wait_secs);
        }
        if ctx.json() {
            print_json(doc);
        } else {
            println!("Admitted: pending in the node's mempool (follow it with `jcm query tx {hash}`).");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let accepted = is_accepted(&answer["verdict"]);
    doc["accepted"] = json!(accepted);
    doc["height"] = answer["height"].clone();
    doc["position"] = answer["position"].clone();
    doc["verdict"] = answer["verdict"].clone();
    if ctx.json() {
        print_json(doc);
    } else {
        println!(
            "Committed at height {}, position {}.",
            cell_u64(&answer["height"]),
            cell_u64(&answer["position"])
        );
        print_verdict(&answer["verdict"]);
    }
    Ok(if accepted { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Whether a verdict (as the node's JSON) accepts.
pub fn is_accepted(verdict: &Value) -> bool {
    verdict["status"].as_str().is_some_and(|s| s.eq_ignore_ascii_case("accepted"))
}

/// Prints a verdict: its status, then each rejection and warning with its code,
/// mnemonic, rule, what the rule means, and what failed.
pub fn print_verdict(verdict: &Value) {
    let status = verdict["status"].as_str().unwrap_or("?").to_uppercase();
    println!("Verdict: {status}");
    let lines = |key: &str, label: &str| {
        for r in verdict[key].as_array().into_iter().flatten() {
            println!(
                "  {label}{} {} ({}): {}",
                r["code"].as_str().unwrap_or("?"),
                r["mnemonic"].as_str().unwrap_or(""),
                r["rule"].as_str().unwrap_or("?"),
                r["message"].as_str().unwrap_or(""),
            );
            if let Some(meaning) = r["rule_text"].as_str() {
                println!("      rule: {meaning}");
            }
        }
    };
    lines("rejections", "");
    lines("warnings", "warning ");
    if let Some(original) = verdict.get("original").filter(|o| !o.is_null()) {
        println!("  first recorded at height {}: {}", cell_u64(&original["height"]), original["status"]);
    }
}

/// A refusal by the node (422, 409), or by a check made before asking it (`status`
/// none): every code and reason; exit 1.
pub fn refused(
    ctx: &Context,
    mut doc: Value,
    status: Option<u16>,
    kind: &str,
    message: &str,
    error: &Value,
) -> anyhow::Result<ExitCode> {
    doc["result"] = json!("refused");
    doc["accepted"] = json!(false);
    doc["error"] = error.clone();
    doc["http_status"] = json!(status);
    if ctx.json() {
        print_json(&doc);
    } else {
        match status {
            Some(_) => println!("Refused by the node ({kind}): {message}"),
            None => println!("Refused before submission ({kind}): {message}"),
        }
        match error.get("verdict").filter(|v| !v.is_null()) {
            Some(verdict) => print_verdict(verdict),
            None => {
                for code in error["codes"].as_array().into_iter().flatten() {
                    println!("  {}", code.as_str().unwrap_or("?"));
                }
            }
        }
    }
    Ok(ExitCode::from(1))
}
