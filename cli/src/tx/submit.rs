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

use anyhow::bail;
use jcm_api::paths;
use jcm_api::tx::{DryRun, TxRequest, TxState, TxStatus};
use jcm_api::{ErrorDetail, RejectionView, VerdictView};
use jcm_runtime::codec::Hash32;
use jcm_runtime::error::Code;
use jcm_runtime::protocol::{Payload, Transaction};
use jcm_runtime::verdict;
use serde_json::{json, Value};

use super::chain::{nonces, Chain};
use super::offline::{self, Plan};
use super::opts::{SubmitOpts, TxOpts};
use super::summary;
use crate::client::{Rpc, RpcError};
use crate::context::{confirm, Context};
use crate::keys;
use crate::output::{print_fields, print_json};

/// Longest wait the node is asked for in one request (its requests are cut at 30 s).
const WAIT_PER_REQUEST_MS: u64 = 20_000;
/// Pause between two looks at a pending transaction.
const POLL_INTERVAL: Duration = Duration::from_millis(300);

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
    let body = TxRequest::hex(&tx.encode());
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
        paths::SUBMIT.to_string()
    } else {
        let timeout_ms = (opts.wait_secs * 1000).min(WAIT_PER_REQUEST_MS);
        format!("{}?wait=commit&timeout_ms={timeout_ms}", paths::SUBMIT)
    };
    let answer: TxStatus = match rpc.post(&path, &body) {
        Ok((_, answer)) => answer,
        Err(RpcError::Api { status, error, .. }) if refusal(status, &error.kind) => {
            return refused(ctx, doc, Some(status), &error);
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
    answer: TxStatus,
    opts: &SubmitOpts,
    deadline: Instant,
) -> anyhow::Result<ExitCode> {
    let answer = if answer.status == TxState::Pending && !opts.no_wait {
        wait_commit(rpc, &answer.hash, deadline)?
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

fn dry_run(ctx: &Context, rpc: &Rpc, body: &TxRequest, mut doc: Value) -> anyhow::Result<ExitCode> {
    let answer: DryRun = match rpc.post(paths::DRY_RUN, body) {
        Ok((_, answer)) => answer,
        Err(RpcError::Api { status, error, .. }) if refusal(status, &error.kind) => {
            return refused(ctx, doc, Some(status), &error);
        }
        Err(e) => return Err(e.into()),
    };
    doc["result"] = json!("dry_run");
    doc["accepted"] = json!(answer.accepted);
    doc["verdict"] = json!(answer.verdict);
    if ctx.json() {
        print_json(&doc);
    } else {
        println!("Dry run (nothing submitted), as block {} would see it:", answer.height);
        print_verdict(&answer.verdict);
    }
    Ok(if answer.accepted { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Follows a pending transaction until it is committed or `deadline` passes.
#[allow(clippy::disallowed_methods)] // the CLI's edge: polling until a deadline
fn wait_commit(rpc: &Rpc, hash: &Hash32, deadline: Instant) -> anyhow::Result<TxStatus> {
    loop {
        match rpc.get::<TxStatus>(&paths::tx(hash)) {
            Ok(answer) if answer.status == TxState::Committed => return Ok(answer),
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

fn finish(ctx: &Context, doc: &mut Value, answer: &TxStatus, opts: &SubmitOpts) -> anyhow::Result<ExitCode> {
    doc["result"] = json!(answer.status);
    if answer.status != TxState::Committed {
        let hash = answer.hash;
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
    let (Some(height), Some(position), Some(verdict)) = (answer.height, answer.position, &answer.verdict)
    else {
        bail!(
            "the node says transaction {} is committed but not where or with which verdict: its answer is malformed",
            answer.hash
        );
    };
    let accepted = is_accepted(verdict);
    doc["accepted"] = json!(accepted);
    doc["height"] = json!(height);
    doc["position"] = json!(position);
    doc["verdict"] = json!(verdict);
    if ctx.json() {
        print_json(doc);
    } else {
        println!("Committed at height {height}, position {position}.");
        print_verdict(verdict);
    }
    Ok(if accepted { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Whether a verdict accepts.
pub fn is_accepted(verdict: &VerdictView) -> bool {
    verdict.is_accepted()
}

/// A verdict's status as the node spells it: `ACCEPTED`, `REJECTED`.
fn status_text(status: verdict::Status) -> &'static str {
    match status {
        verdict::Status::Accepted => "ACCEPTED",
        verdict::Status::Rejected => "REJECTED",
    }
}

/// Prints a verdict: its status, then each rejection and warning with its code,
/// mnemonic, rule, what the rule means, and what failed.
pub fn print_verdict(verdict: &VerdictView) {
    println!("Verdict: {}", status_text(verdict.status));
    let lines = |rejections: &[RejectionView], label: &str| {
        for r in rejections {
            println!("  {label}{} {} ({}): {}", r.code, r.mnemonic, r.rule, r.message);
            if !r.rule_text.is_empty() {
                println!("      rule: {}", r.rule_text);
            }
        }
    };
    lines(&verdict.rejections, "");
    lines(&verdict.warnings, "warning ");
    if let Some(original) = &verdict.original {
        println!("  first recorded at height {}: \"{}\"", original.height, status_text(original.status));
    }
}

/// The verdict of a check made before asking the node: rejected for `code` because of
/// `message` (without the rule's text, which the node's verdicts carry).
pub fn rejected_here(code: Code, message: &str) -> VerdictView {
    let rejection = RejectionView {
        code: code.to_string(),
        mnemonic: code.mnemonic().to_string(),
        rule: code.rule().to_string(),
        rule_text: String::new(),
        message: message.to_string(),
    };
    VerdictView {
        status: verdict::Status::Rejected,
        rejections: vec![rejection],
        warnings: Vec::new(),
        original: None,
    }
}

/// A refusal by the node (422, 409), or by a check made before asking it (`status`
/// none): every code and reason; exit 1.
pub fn refused(
    ctx: &Context,
    mut doc: Value,
    status: Option<u16>,
    error: &ErrorDetail,
) -> anyhow::Result<ExitCode> {
    doc["result"] = json!("refused");
    doc["accepted"] = json!(false);
    doc["error"] = json!(error);
    doc["http_status"] = json!(status);
    if ctx.json() {
        print_json(&doc);
    } else {
        let (kind, message) = (&error.kind, &error.message);
        match status {
            Some(_) => println!("Refused by the node ({kind}): {message}"),
            None => println!("Refused before submission ({kind}): {message}"),
        }
        match &error.verdict {
            Some(verdict) => print_verdict(verdict),
            None => {
                for code in &error.codes {
                    println!("  {code}");
                }
            }
        }
    }
    Ok(ExitCode::from(1))
}
