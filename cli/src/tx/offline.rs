//! Signing without a node, for every action: `--out FILE` writes the transaction to a
//! transaction file ([`super::file`]) instead of submitting it; with `--offline` no node
//! is contacted at all (an air-gapped officer's machine), so `--chain-id` and `--nonce`
//! say what the node would have. `--signer PUBLIC_KEY` instead of `--key` prepares the
//! transaction unsigned for a key on another machine, where `jcm tx sign FILE --key NAME`
//! signs it. `jcm tx broadcast FILE` ([`super::broadcast`]) submits a signed file.
//!
//! The flags are checked into a [`Plan`] before anything is read, signed or asked.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::{PublicKey, SecretKey};
use jcm_runtime::model::Text;
use jcm_runtime::protocol::{Payload, Transaction, TxBody};
use serde_json::json;

use super::chain::{nonces, Chain};
use super::file::{refuse_existing, TxData, TxFile};
use super::opts::TxOpts;
use super::summary;
use crate::client::Rpc;
use crate::context::{confirm, Context};
use crate::output::{print_fields, print_json};
use crate::{keys, pin};

/// Who signs a transaction file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signer {
    /// A key of this machine's keyring, by name.
    Key(String),
    /// A public key whose secret key is elsewhere: the file is written unsigned.
    Elsewhere(PublicKey),
}

/// A transaction file to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePlan {
    /// `--out`.
    pub out: PathBuf,
    /// `--force`.
    pub force: bool,
    /// `--key` or `--signer`.
    pub signer: Signer,
    /// `--offline`: no node.
    pub offline: bool,
    /// `--chain-id` (present when offline).
    pub chain_id: Option<String>,
    /// `--nonce` (present when offline).
    pub nonce: Option<u64>,
    /// `--genesis-hash`.
    pub genesis_hash: Option<Hash32>,
    /// `--yes`.
    pub yes: bool,
}

/// What a `jcm tx <action>` does with the transaction it builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Sign with this keyring key and dry-run or submit it.
    Submit {
        /// The key's name.
        key: String,
    },
    /// Write it to a file.
    File(FilePlan),
}

/// A combination of flags that does not make a command.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// Neither `--key` nor `--signer`.
    #[error(
        "which key signs? give --key NAME (see `jcm keys list`), or --signer PUBLIC_KEY with --out FILE to \
         prepare the transaction unsigned for a key on another machine"
    )]
    NoSigner,
    /// `--offline` without one of the flags it needs.
    #[error("--offline needs {flag}: {why}")]
    Offline {
        /// The missing flag.
        flag: &'static str,
        /// Why it is needed.
        why: &'static str,
    },
    /// A file-only flag without `--out`.
    #[error("{0} applies to a transaction file: give --out FILE")]
    NeedsOut(&'static str),
    /// `--dry-run` with a file.
    #[error(
        "--dry-run asks a node for its verdict and writes nothing: dry-run the file when it is broadcast \
         (`jcm tx broadcast FILE --dry-run`)"
    )]
    DryRunFile,
}

/// Checks the flags into what the command does.
pub fn plan(opts: &TxOpts) -> Result<Plan, UsageError> {
    let f = &opts.file;
    if f.offline {
        let missing = |flag, why| Err(UsageError::Offline { flag, why });
        if f.chain_id.is_none() {
            return missing(
                "--chain-id ID",
                "without a node jcm cannot learn the chain to sign for (`jcm query status` on a machine that \
                 reaches the chain shows its id)",
            );
        }
        if opts.nonce.is_none() {
            return missing(
                "--nonce N",
                "without a node jcm cannot learn the signer's next nonce (`jcm query nonce PUBLIC_KEY` on a \
                 machine that reaches the chain shows it)",
            );
        }
        if f.out.is_none() {
            return missing("--out FILE", "the transaction is written there, for `jcm tx broadcast FILE`");
        }
    }
    let Some(out) = &f.out else {
        for (set, flag) in [
            (f.signer.is_some(), "--signer"),
            (f.force, "--force"),
            (f.genesis_hash.is_some(), "--genesis-hash"),
        ] {
            if set {
                return Err(UsageError::NeedsOut(flag));
            }
        }
        return opts.key.clone().map(|key| Plan::Submit { key }).ok_or(UsageError::NoSigner);
    };
    if opts.submit.dry_run {
        return Err(UsageError::DryRunFile);
    }
    let signer = match (&opts.key, &f.signer) {
        (Some(name), _) => Signer::Key(name.clone()),
        (None, Some(public)) => Signer::Elsewhere(*public),
        (None, None) => return Err(UsageError::NoSigner),
    };
    Ok(Plan::File(FilePlan {
        out: out.clone(),
        force: f.force,
        signer,
        offline: f.offline,
        chain_id: f.chain_id.clone(),
        nonce: opts.nonce,
        genesis_hash: f.genesis_hash,
        yes: opts.submit.yes,
    }))
}

/// The chain a file is signed for and the genesis hash its node presents: from the
/// flags offline, else from the node (checked against `--chain-id`), with its client.
fn chain_of(ctx: &Context, plan: &FilePlan) -> anyhow::Result<(String, Option<Hash32>, Option<Rpc>)> {
    if plan.offline {
        let chain = plan.chain_id.clone().expect("the plan requires --chain-id offline");
        return Ok((chain, None, None));
    }
    let (rpc, status) = ctx.connect()?;
    let chain = Chain::read(&rpc, &status, plan.chain_id.as_deref())?;
    Ok((chain.id, chain.genesis_hash, Some(rpc)))
}

/// Builds the transaction of `plan` and writes it to its file.
pub fn write(ctx: &Context, plan: &FilePlan, payload: Payload) -> anyhow::Result<ExitCode> {
    refuse_existing(&plan.out, plan.force)?;
    // The node first (unless offline): an unreachable node fails before a passphrase
    // is asked for.
    let (chain_id, node_genesis, rpc) = chain_of(ctx, plan)?;
    let genesis_hash =
        pin::for_file(&ctx.home, &chain_id, plan.genesis_hash.or(node_genesis), "--genesis-hash")?;
    let (key, public) = match &plan.signer {
        Signer::Key(name) => {
            let key = keys::load(ctx, name)?;
            let public = key.public();
            (Some(key), public)
        }
        Signer::Elsewhere(public) => (None, *public),
    };
    let nonce = match plan.nonce {
        Some(n) => n,
        None => nonces(rpc.as_ref().expect("without --nonce the plan is online"), &public)?.1,
    };
    let data = match &key {
        Some(key) => TxData::Signed(Transaction::sign(&chain_id, key, nonce, payload)),
        None => {
            let chain_id = Text::new(&chain_id).map_err(|e| anyhow::anyhow!("--chain-id: {e}"))?;
            TxData::Unsigned(TxBody { chain_id, signer: public, nonce, payload })
        }
    };
    let file = TxFile { data, genesis_hash };
    let name = match &plan.signer {
        Signer::Key(name) => Some(name.as_str()),
        Signer::Elsewhere(_) => None,
    };
    if !ctx.json() {
        show(&file, name);
    }
    if key.is_some() && !plan.yes && !confirm(&format!("Sign this transaction into {}?", plan.out.display()))?
    {
        bail!("nothing signed");
    }
    file.write(&plan.out, plan.force)?;
    report(ctx, &file, &plan.out);
    Ok(ExitCode::SUCCESS)
}

/// Prints a transaction file as an officer checks it before signing or submitting.
pub fn show(file: &TxFile, key: Option<&str>) {
    let body = file.data.body();
    let status = match &file.data {
        TxData::Signed(_) => "signed",
        TxData::Unsigned(_) => "unsigned",
    };
    println!("Transaction ({status}): {}", summary::describe(&body.payload));
    let genesis = file.genesis_hash.map_or_else(|| "not named".into(), |h| h.to_hex());
    let signer = match key {
        Some(name) => format!("{name} ({})", body.signer),
        None => body.signer.to_hex(),
    };
    let mut fields = vec![
        ("  chain", body.chain_id.as_str().to_string()),
        ("  genesis", genesis),
        ("  signer", signer),
        ("  nonce", body.nonce.to_string()),
    ];
    if let TxData::Signed(tx) = &file.data {
        fields.push(("  tx hash", tx.hash().to_hex()));
    }
    print_fields(&fields);
    let payload = serde_json::to_string_pretty(&body.payload).expect("a payload serializes");
    println!("  payload:");
    for line in payload.lines() {
        println!("    {line}");
    }
}

/// What was written, and what comes next.
fn report(ctx: &Context, file: &TxFile, out: &std::path::Path) {
    if ctx.json() {
        print_json(&json!({ "result": "written", "file": out, "transaction": file.document() }));
        return;
    }
    let path = out.display();
    match &file.data {
        TxData::Signed(_) => {
            println!("Wrote {path} (signed). Submit it from a machine that reaches the chain: `jcm tx broadcast {path}`.")
        }
        TxData::Unsigned(body) => println!(
            "Wrote {path} (unsigned). Sign it where the key of {} is: `jcm tx sign {path} --key NAME`, then \
             `jcm tx broadcast {path}`.",
            body.signer
        ),
    }
}

/// `sign`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct Sign {
    /// The unsigned transaction file (`jcm tx <action> ... --signer PUBLIC_KEY --out FILE`).
    pub file: PathBuf,
    /// The key that signs: a name in the keyring, whose public key must be the file's
    /// signer.
    #[arg(long, short = 'k', value_name = "NAME")]
    pub key: String,
    /// Write the signed transaction here instead of in place.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Why a key may not sign a file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The file names another signer.
    #[error(
        "the transaction is to be signed by {expected}, not by this key ({given}): sign it with that key"
    )]
    WrongKey {
        /// The file's signer.
        expected: PublicKey,
        /// The key given.
        given: PublicKey,
    },
    /// The file is signed already, by another key.
    #[error(
        "the transaction is already signed by {signer}; a transaction has one signer, so {given} cannot sign it \
         (prepare another with --signer {given})"
    )]
    SignedByOther {
        /// The file's signer.
        signer: PublicKey,
        /// The key given.
        given: PublicKey,
    },
}

/// Signs `data` with `key`: a signed file stays as it is when `key` makes the same
/// signature (an ed25519 signature is deterministic), any other key is refused.
pub fn sign_data(data: &TxData, key: &SecretKey) -> Result<(Transaction, bool), SignError> {
    let body = data.body();
    let given = key.public();
    if body.signer != given {
        return Err(match data {
            TxData::Unsigned(_) => SignError::WrongKey { expected: body.signer, given },
            TxData::Signed(_) => SignError::SignedByOther { signer: body.signer, given },
        });
    }
    let tx = Transaction::sign(body.chain_id.as_str(), key, body.nonce, body.payload.clone());
    assert_eq!(&tx.body, body, "signing a body with its own signer's key keeps the body");
    match data {
        TxData::Unsigned(_) => Ok((tx, true)),
        TxData::Signed(signed) if *signed == tx => Ok((tx, false)),
        TxData::Signed(_) => Err(SignError::SignedByOther { signer: body.signer, given }),
    }
}

/// Runs `jcm tx sign`.
pub fn run_sign(args: &Sign, ctx: &Context) -> anyhow::Result<ExitCode> {
    let file = TxFile::read(&args.file)?;
    let out = args.out.as_ref().unwrap_or(&args.file);
    if args.out.is_some() {
        refuse_existing(out, args.force)?;
    }
    let source = args.file.display().to_string();
    let chain_id = file.data.body().chain_id.as_str();
    pin::for_file(&ctx.home, chain_id, file.genesis_hash, &source)?;
    let key = keys::load(ctx, &args.key)?;
    let (tx, changed) =
        sign_data(&file.data, &key).map_err(|e| anyhow::anyhow!("{source}: key `{}`: {e}", args.key))?;
    let signed = TxFile { data: TxData::Signed(tx), genesis_hash: file.genesis_hash };
    if !changed && args.out.is_none() {
        if ctx.json() {
            print_json(
                &json!({ "result": "already_signed", "file": args.file, "transaction": signed.document() }),
            );
        } else {
            println!("{source} is already signed by `{}` (the same signature): nothing to do.", args.key);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !ctx.json() {
        show(&file, Some(&args.key));
    }
    if changed && !args.yes && !confirm("Sign this transaction?")? {
        bail!("nothing signed");
    }
    // In place the file is replaced by its signed self; --out replaces only with --force.
    signed.write(out, args.out.is_none() || args.force)?;
    report(ctx, &signed, out);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Harness {
        #[command(flatten)]
        tx: TxOpts,
    }

    fn plan_of(args: &[&str]) -> Result<Plan, UsageError> {
        let parsed = Harness::try_parse_from(std::iter::once("tx").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        plan(&parsed.tx)
    }

    const PUBLIC: &str = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";

    #[test]
    fn offline_without_its_flags_is_a_usage_error_naming_the_flag() {
        let flag = |args: &[&str]| match plan_of(args) {
            Err(UsageError::Offline { flag, .. }) => flag,
            other => panic!("{args:?}: {other:?}"),
        };
        assert_eq!(flag(&["--key", "K", "--offline", "--nonce", "1", "--out", "t.json"]), "--chain-id ID");
        assert_eq!(flag(&["--key", "K", "--offline", "--chain-id", "jcm-x", "--out", "t.json"]), "--nonce N");
        assert_eq!(flag(&["--key", "K", "--offline", "--chain-id", "jcm-x", "--nonce", "1"]), "--out FILE");
        let err =
            plan_of(&["--key", "K", "--offline", "--nonce", "1", "--out", "t.json"]).expect_err("refused");
        assert!(err.to_string().starts_with("--offline needs --chain-id ID"), "{err}");
    }

    #[test]
    fn file_flags_need_a_file_and_a_file_is_not_dry_run() {
        assert_eq!(plan_of(&["--signer", PUBLIC]), Err(UsageError::NeedsOut("--signer")));
        assert_eq!(plan_of(&["--key", "K", "--force"]), Err(UsageError::NeedsOut("--force")));
        assert_eq!(
            plan_of(&["--key", "K", "--genesis-hash", &"ab".repeat(32)]),
            Err(UsageError::NeedsOut("--genesis-hash"))
        );
        assert_eq!(plan_of(&["--key", "K", "--out", "t.json", "--dry-run"]), Err(UsageError::DryRunFile));
        assert_eq!(plan_of(&[]), Err(UsageError::NoSigner));
        assert_eq!(plan_of(&["--out", "t.json"]), Err(UsageError::NoSigner));
        assert!(
            Harness::try_parse_from(["tx", "--key", "K", "--signer", PUBLIC]).is_err(),
            "one or the other"
        );
        assert!(
            Harness::try_parse_from(["tx", "--key", "K", "--chain-id", ""]).is_err(),
            "an empty chain id"
        );
        assert!(Harness::try_parse_from(["tx", "--key", "K", "--signer", "abc"]).is_err(), "not a key");
    }

    #[test]
    fn the_plans_say_what_is_signed_and_where() {
        assert_eq!(plan_of(&["--key", "K", "--dry-run"]), Ok(Plan::Submit { key: "K".into() }));
        #[rustfmt::skip]
        let offline = plan_of(&["--key", "K", "--offline", "--chain-id", "jcm-x", "--nonce", "4", "--out", "t.json", "--yes"]);
        let Ok(Plan::File(plan)) = offline else { panic!("{offline:?}") };
        assert_eq!(
            (plan.signer, plan.offline, plan.nonce, plan.yes),
            (Signer::Key("K".into()), true, Some(4), true)
        );
        assert_eq!(plan.chain_id.as_deref(), Some("jcm-x"));
        let Ok(Plan::File(plan)) = plan_of(&["--signer", PUBLIC, "--out", "t.json"]) else {
            panic!("a file")
        };
        assert_eq!(plan.signer, Signer::Elsewhere(PUBLIC.parse().expect("a key")));
        assert!(!plan.offline, "chain and nonce from the node");
    }

    #[test]
    fn an_unsigned_file_is_signed_by_its_signer_only() {
        let key = SecretKey::dev("IND-DA");
        let payload = jcm_runtime::protocol::payload_from_json_str(
            r#"{"action": "close_reporting_year", "party": "IND", "year": 2026}"#,
        )
        .expect("a payload");
        let chain_id = Text::new("jcm-test").expect("short");
        let body = TxBody { chain_id, signer: key.public(), nonce: 3, payload };
        let unsigned = TxData::Unsigned(body.clone());
        let (tx, changed) = sign_data(&unsigned, &key).expect("its signer");
        assert!(changed && tx.signature_valid());
        assert_eq!(tx.body, body);
        let other = SecretKey::dev("JPN-DA");
        assert_eq!(
            sign_data(&unsigned, &other),
            Err(SignError::WrongKey { expected: key.public(), given: other.public() })
        );
        let signed = TxData::Signed(tx.clone());
        assert_eq!(sign_data(&signed, &key), Ok((tx, false)), "the same signature: nothing to do");
        assert_eq!(
            sign_data(&signed, &other),
            Err(SignError::SignedByOther { signer: key.public(), given: other.public() })
        );
    }
}
