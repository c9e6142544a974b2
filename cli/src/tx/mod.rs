//! `jcm tx <action>`: one command per runtime action (`Payload` variant), each signed
//! with a keyring key, shown before it is signed, and dry-run or submitted ([`submit`]).
//! `jcm tx submit --payload-file` reaches every action from a JSON payload, and
//! `jcm tx endorse` adds a Joint Committee representative's signature to a notification
//! offline ([`issue`]). Every action can also be signed without a node into a
//! transaction file ([`offline`], [`file`]), which `jcm tx broadcast` submits
//! ([`broadcast`]).

mod a64;
mod admin;
mod auth;
mod broadcast;
mod chain;
mod file;
mod gov_summary;
mod issue;
mod movement;
mod offline;
mod opts;
mod parse;
mod submit;
mod summary;
mod units;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use jcm_api::VerdictView;
use jcm_runtime::protocol::Payload;
use serde::de::DeserializeOwned;

use crate::context::{read_bounded, Context};
use movement::MoveKind;
pub use opts::TxOpts;
pub use submit::{execute, is_accepted, print_verdict};

/// Largest JSON payload file read.
const PAYLOAD_FILE_BYTES_MAX: u64 = 1024 * 1024;

/// Reads a JSON document (a payload or one of its parts) from a file.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = read_bounded(path, PAYLOAD_FILE_BYTES_MAX)?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid here", path.display()))
}

/// Reads a payload file. An unknown field is a format error naming it (exit 2); a
/// payload that does not decode otherwise is a malformed message (R2): a dry run reports
/// the verdict `A6-1002` with the decoder's reason (exit 1), a submission refuses the
/// file as a usage error (exit 2); nothing is signed or sent either way.
fn read_payload(path: &Path) -> anyhow::Result<Result<Payload, VerdictView>> {
    let text = read_bounded(path, PAYLOAD_FILE_BYTES_MAX)?;
    match jcm_runtime::protocol::payload_from_json_str(&text) {
        Ok(payload) => Ok(Ok(payload)),
        Err(e) if e.unknown_field().is_some() => anyhow::bail!("{}: {e}", path.display()),
        Err(e) => {
            let r = e.rejection();
            Ok(Err(submit::rejected_here(r.code, &r.message)))
        }
    }
}

/// `submit`: any payload, as JSON.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct SubmitPayload {
    /// The payload as JSON, with its `action` tag (the serde form of the runtime's
    /// `Payload`, as in scenario files and `jcm tx ... --dry-run --output json`).
    #[arg(long, value_name = "FILE")]
    pub payload_file: PathBuf,
}

/// Transaction commands. Each signs with `--key NAME`, shows what it signs, asks to
/// confirm (`--yes` skips), and waits for the commit (`--no-wait` skips); `--dry-run`
/// asks the node for its verdict and submits nothing. `--offline --chain-id ID --nonce N
/// --out FILE` signs without a node, for `jcm tx broadcast FILE` to submit.
#[derive(Debug, Subcommand)]
pub enum TxCommand {
    /// Register a Party's NDC implementation period (designated authority, R27).
    #[command(
        after_help = "Example:\n  jcm tx register-ndc-period --party IND --years 2031-2035 --key IND-DA"
    )]
    RegisterNdcPeriod {
        #[command(flatten)]
        args: admin::RegisterNdcPeriod,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Record a Party's participation status (secretariat, R7).
    #[command(
        after_help = "Example:\n  jcm tx set-participation --party VNM --status suspended --key SECRETARIAT"
    )]
    SetParticipation {
        #[command(flatten)]
        args: admin::SetParticipation,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Register a JCM project (host Party's designated authority).
    #[command(
        after_help = "Example:\n  jcm tx register-project --id INJ-001 --name 'Solar rooftops, Gujarat' --host IND \\\n    \
        --ca CA0001 --sector energy-generation --activity-type Solar --key IND-DA"
    )]
    RegisterProject {
        #[command(flatten)]
        args: admin::RegisterProject,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Declare a period in which another programme credited a project (R37).
    #[command(
        after_help = "Example:\n  jcm tx declare-other-crediting --project INJ-001 --programme CCTS \\\n    \
        --from 2024-01-01 --to 2024-12-31 --key IND-DA"
    )]
    DeclareOtherCrediting {
        #[command(flatten)]
        args: admin::DeclareOtherCrediting,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Declare a period in which another programme credited a project, with that
    /// programme's identifiers (R37; refused with A6-6007 once the period is issued as
    /// JCM credits).
    #[command(
        after_help = "Example:\n  jcm tx declare-credited-elsewhere --project INJ-002 --programme 'CCTS offset mechanism' \\\n    \
        --from 2026-01-01 --to 2026-12-31 --programme-project ICM-OM-IN-0077 \\\n    \
        --identifier CCC-IN-2026-004001..CCC-IN-2026-004500 --key IND-DA"
    )]
    DeclareCreditedElsewhere {
        #[command(flatten)]
        args: admin::DeclareCreditedElsewhere,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Register an entity (registry administrator).
    #[command(
        after_help = "Example:\n  jcm tx register-entity --id E-JP-2 --name 'Example KK' --country JPN --key JPN01-ADMIN"
    )]
    RegisterEntity {
        #[command(flatten)]
        args: admin::RegisterEntity,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Open an account (registry administrator).
    #[command(
        after_help = "Example:\n  jcm tx open-account --id JPN01-H-EJP2 --kind holding --holder-entity E-JP-2 --key JPN01-ADMIN"
    )]
    OpenAccount {
        #[command(flatten)]
        args: admin::OpenAccount,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Suspend, close, freeze or reactivate an account (registry administrator, R9).
    #[command(
        after_help = "Example:\n  jcm tx set-account-status --account JPN01-H-EJP2 --status suspended \\\n    \
        --reason 'KYC review' --key JPN01-ADMIN"
    )]
    SetAccountStatus {
        #[command(flatten)]
        args: admin::SetAccountStatus,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Issue JCM credits by a Joint Committee notification: --prepare a notification,
    /// have both sides `endorse` it, then submit it with --notification (R35-R37b).
    #[command(after_help = "Example:\n  \
        jcm tx issue --prepare n-001.json --id N-001 --jc JC-JPN-IND --project INJ-001 --vintage 2025 \\\n    \
        --from 2025-01-01 --to 2025-12-31 --line JPN01-H-GOV:5000 --line IND01-H-GOV:3000\n  \
        jcm tx endorse n-001.json --key IND-JC --yes\n  \
        jcm tx endorse n-001.json --key JPN-JC --yes\n  \
        jcm tx issue --notification n-001.json --key IND01-ADMIN --yes")]
    Issue(issue::Issue),
    /// Add a JC representative's endorsement to a notification file (offline).
    #[command(after_help = "Example:\n  jcm tx endorse n-001.json --key JPN-JC")]
    Endorse(issue::Endorse),
    /// Sign a transaction file prepared unsigned (`--signer PUBLIC_KEY --out FILE`) with
    /// the signer's key, offline.
    #[command(after_help = "Example:\n  \
        jcm tx close-year --party IND --year 2026 --signer 3b6a...29 --offline --chain-id jcm-testnet-4 \\\n    \
        --nonce 7 --out close.json\n  \
        jcm tx sign close.json --key IND-DA          # on the machine that holds IND-DA\n  \
        jcm tx broadcast close.json")]
    Sign(offline::Sign),
    /// Submit a signed transaction file (from `--offline --out FILE` or `jcm tx sign`):
    /// checked, shown, then dry-run or confirmed, submitted and followed to its block.
    #[command(after_help = "Example:\n  \
        jcm tx close-year --party IND --year 2026 --key IND-DA --offline --chain-id jcm-testnet-4 \\\n    \
        --nonce 7 --out close.json --yes      # on the air-gapped machine\n  \
        jcm tx broadcast close.json --dry-run\n  \
        jcm --node http://127.0.0.1:26611 tx broadcast close.json --yes")]
    Broadcast(broadcast::Broadcast),
    /// Create an authorization, version 1 (first transferring Party's designated authority).
    #[command(
        after_help = "Example:\n  jcm tx create-authorization --id AUTH-IND-001 --ca CA0001 --purpose NDC \\\n    \
        --party JPN --quantity 100000 --use-period 2026-2030 --permit revoke,quantity --key IND-DA"
    )]
    CreateAuthorization {
        #[command(flatten)]
        args: auth::CreateAuthorization,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Attach an authorization to units held in an account (AUTHORIZE).
    #[command(
        after_help = "Example:\n  jcm tx authorize --authorization AUTH-IND-001 --account IND01-H-GOV \\\n    \
        --first CA0001-IND01-IND-1-2025 --last CA0001-IND01-IND-1000-2025 --key IND-DA"
    )]
    Authorize {
        #[command(flatten)]
        args: auth::Authorize,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Issue a new version of an authorization (AUTH_CHANGE, R24, R25).
    #[command(
        after_help = "Example:\n  jcm tx change-authorization --id AUTH-IND-001 --quantity 150000 --key IND-DA"
    )]
    ChangeAuthorization {
        #[command(flatten)]
        args: auth::ChangeAuthorization,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Revoke an authorization (AUTH_REVOKE, R24-R26).
    #[command(
        after_help = "Example:\n  jcm tx revoke-authorization --id AUTH-IND-001 --reason 'policy change' --key IND-DA"
    )]
    RevokeAuthorization {
        #[command(flatten)]
        args: auth::RevokeAuthorization,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Transfer units between accounts of one registry (TRANSFER_INTERNAL).
    #[command(
        after_help = "Example:\n  jcm tx transfer --from IND01-PEND --to IND01-H-GOV --ca CA0001 --quantity 100 --key IND01-ADMIN"
    )]
    Transfer {
        #[command(flatten)]
        args: movement::Move,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Transfer units to another Party's registry; completes when it accepts (R39).
    #[command(
        after_help = "Example:\n  jcm tx transfer-external --from IND01-H-GOV --to JPN01-H-GOV \\\n    \
        --first CA0001-IND01-IND-1-2025 --last CA0001-IND01-IND-500-2025 --key IND-DA"
    )]
    TransferExternal {
        #[command(flatten)]
        args: movement::Move,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Accept a pending incoming external transfer (acquiring registry, R39).
    #[command(after_help = "Example:\n  jcm tx accept-transfer --transfer 3f2a...e9 --key JPN01-ADMIN")]
    AcceptTransfer {
        #[command(flatten)]
        args: movement::Answer,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reject a pending incoming external transfer (acquiring registry, R39).
    #[command(
        after_help = "Example:\n  jcm tx reject-transfer --transfer 3f2a...e9 --reason 'not agreed' --key JPN01-ADMIN"
    )]
    RejectTransfer {
        #[command(flatten)]
        args: movement::Answer,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Use units towards the holder Party's NDC, for a calendar year (USE_NDC, R32).
    #[command(
        after_help = "Example:\n  jcm tx use-ndc --from JPN01-H-GOV --to JPN01-USE-NDC --ca CA0001 --quantity 1000 \\\n    \
        --use-year 2030 --key JPN-DA"
    )]
    UseNdc {
        #[command(flatten)]
        args: movement::UseNdc,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Use units for other international mitigation purposes (USE_OIMP, R22).
    #[command(
        after_help = "Example:\n  jcm tx use-oimp --from JPN01-H-GOV --to JPN01-USE-OIMP --ca CA0001 --quantity 50 \\\n    \
        --purpose IMP --scheme CORSIA --key JPN-DA"
    )]
    UseOimp {
        #[command(flatten)]
        args: movement::UseOimp,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Cancel units voluntarily (CANCEL_VOLUNTARY).
    #[command(
        after_help = "Example:\n  jcm tx cancel-voluntary --from JPN01-H-GOV --to JPN01-CXL-VOL --ca CA0001 --quantity 10 --key JPN-DA"
    )]
    CancelVoluntary {
        #[command(flatten)]
        args: movement::Move,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Cancel units to deliver overall mitigation in global emissions (CANCEL_OMGE, R28d).
    #[command(
        after_help = "Example:\n  jcm tx cancel-omge --from JPN01-H-GOV --to JPN01-CXL-OMGE --ca CA0001 --quantity 10 --key JPN-DA"
    )]
    CancelOmge {
        #[command(flatten)]
        args: movement::Move,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Transfer units to an adaptation (share of proceeds) account (TRANSFER_SOP).
    #[command(
        after_help = "Example:\n  jcm tx transfer-sop --from JPN01-H-GOV --to JPN01-SOP --ca CA0001 --quantity 20 --key JPN-DA"
    )]
    TransferSop {
        #[command(flatten)]
        args: movement::Move,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Put units on hold after a consistency-check finding (registry administrator, R34).
    #[command(
        after_help = "Example:\n  jcm tx hold --first CA0001-JPN01-IND-1-2025 --last CA0001-JPN01-IND-100-2025 \\\n    \
        --reason 'CARP finding 12' --key JPN01-ADMIN"
    )]
    Hold {
        #[command(flatten)]
        args: movement::HoldArgs,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Release a hold (registry administrator).
    #[command(
        after_help = "Example:\n  jcm tx release --first CA0001-JPN01-IND-1-2025 --last CA0001-JPN01-IND-100-2025 \\\n    \
        --reason 'finding resolved' --key JPN01-ADMIN"
    )]
    Release {
        #[command(flatten)]
        args: movement::HoldArgs,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Make a reporting year's AEF submission final (designated authority, R38).
    #[command(after_help = "Example:\n  jcm tx close-year --party IND --year 2026 --key IND-DA")]
    CloseYear {
        #[command(flatten)]
        args: admin::CloseYear,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Report a registry's own balances for reconciliation (registry administrator, R42).
    #[command(
        after_help = "Example:\n  jcm tx reconcile --registry IND01 --total IND01-H-GOV:3000 --total IND01-PEND:0 --key IND01-ADMIN"
    )]
    Reconcile {
        #[command(flatten)]
        args: admin::Reconcile,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Ask to undo a completed action: never permitted (R40), recorded with its refusal.
    #[command(
        after_help = "Example:\n  jcm tx reverse --transaction 3f2a...e9 --reason 'typo' --key JPN01-ADMIN --dry-run"
    )]
    Reverse {
        #[command(flatten)]
        args: admin::Reverse,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Claim units are first transferred: always refused, the runtime alone classifies
    /// first transfers (R28).
    #[command(
        after_help = "Example:\n  jcm tx declare-first-transfer --account JPN01-H-GOV --ca CA0001 --quantity 1 --key JPN-DA --dry-run"
    )]
    DeclareFirstTransfer {
        #[command(flatten)]
        args: auth::DeclareFirstTransfer,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Record A6.4ERs authorized by their host as received from the Article 6.4
    /// mechanism registry into a Party registry account (secretariat; A6-2008 outside an
    /// approach that tracks A6.4ERs, A6-3008 for A6.4ERs already received).
    #[command(
        after_help = "Example:\n  jcm tx receive-a64-units --ca CA0101 --activity PACM-IN-0001 --vintage 2025 \\\n    \
        --first A6.4ER-IND-PACM-IN-0001-2025-1 --last A6.4ER-IND-PACM-IN-0001-2025-1000 --quantity 1000 \\\n    \
        --to JPN01-H-GOV --authorization AUTH-IND-641 --key SECRETARIAT"
    )]
    ReceiveA64Units {
        #[command(flatten)]
        args: a64::ReceiveA64Units,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Sign and submit any action given as a JSON payload.
    #[command(
        after_help = "Example:\n  echo '{\"action\":\"close_reporting_year\",\"party\":\"IND\",\"year\":2026}' > close.json\n  \
        jcm tx submit --payload-file close.json --key IND-DA --dry-run"
    )]
    Submit {
        #[command(flatten)]
        args: SubmitPayload,
        #[command(flatten)]
        tx: TxOpts,
    },
}

/// Runs a transaction command.
pub fn run(cmd: &TxCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    use TxCommand as T;
    let (payload, tx) = match cmd {
        T::Issue(args) => return issue::run_issue(args, ctx),
        T::Endorse(args) => return issue::run_endorse(args, ctx),
        T::Sign(args) => return offline::run_sign(args, ctx),
        T::Broadcast(args) => return broadcast::run(args, ctx),
        T::RegisterNdcPeriod { args, tx } => (args.payload()?, tx),
        T::SetParticipation { args, tx } => (args.payload()?, tx),
        T::RegisterProject { args, tx } => (args.payload()?, tx),
        T::DeclareOtherCrediting { args, tx } => (args.payload()?, tx),
        T::DeclareCreditedElsewhere { args, tx } => (args.payload()?, tx),
        T::RegisterEntity { args, tx } => (args.payload()?, tx),
        T::OpenAccount { args, tx } => (args.payload()?, tx),
        T::SetAccountStatus { args, tx } => (args.payload()?, tx),
        T::CreateAuthorization { args, tx } => (args.payload()?, tx),
        T::Authorize { args, tx } => (args.payload()?, tx),
        T::ChangeAuthorization { args, tx } => (args.payload()?, tx),
        T::RevokeAuthorization { args, tx } => (args.payload()?, tx),
        T::Transfer { args, tx } => (args.payload(MoveKind::TransferInternal)?, tx),
        T::TransferExternal { args, tx } => (args.payload(MoveKind::TransferExternal)?, tx),
        T::AcceptTransfer { args, tx } => (args.payload(true)?, tx),
        T::RejectTransfer { args, tx } => (args.payload(false)?, tx),
        T::UseNdc { args, tx } => (args.payload()?, tx),
        T::UseOimp { args, tx } => (args.payload()?, tx),
        T::CancelVoluntary { args, tx } => (args.payload(MoveKind::CancelVoluntary)?, tx),
        T::CancelOmge { args, tx } => (args.payload(MoveKind::CancelOmge)?, tx),
        T::TransferSop { args, tx } => (args.payload(MoveKind::TransferSop)?, tx),
        T::Hold { args, tx } => (args.payload(true)?, tx),
        T::Release { args, tx } => (args.payload(false)?, tx),
        T::CloseYear { args, tx } => (args.payload()?, tx),
        T::Reconcile { args, tx } => (args.payload()?, tx),
        T::Reverse { args, tx } => (args.payload()?, tx),
        T::DeclareFirstTransfer { args, tx } => (args.payload()?, tx),
        T::ReceiveA64Units { args, tx } => (args.payload()?, tx),
        T::Submit { args, tx } => match read_payload(&args.payload_file)? {
            Ok(payload) => (payload, tx),
            // Outside a dry run an undecodable file is a usage error, before anything else.
            Err(verdict) if !tx.submit.dry_run => {
                let reason = verdict.rejections.first().map_or("it does not decode", |r| r.message.as_str());
                anyhow::bail!("{} is not valid here: {reason}", args.payload_file.display())
            }
            Err(verdict) => {
                if ctx.json() {
                    crate::output::print_json(&serde_json::json!({ "accepted": false, "verdict": verdict }));
                } else {
                    print_verdict(&verdict);
                }
                return Ok(ExitCode::from(1));
            }
        },
    };
    submit::execute(ctx, tx, payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Parses `jcm tx ...` arguments into the payload the command would sign.
    #[derive(Debug, Parser)]
    struct Harness {
        #[command(subcommand)]
        tx: TxCommand,
    }

    fn payload(args: &[&str]) -> serde_json::Value {
        let parsed = Harness::try_parse_from(std::iter::once("tx").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        use TxCommand as T;
        let payload = match &parsed.tx {
            T::OpenAccount { args, .. } => args.payload(),
            T::RegisterProject { args, .. } => args.payload(),
            T::CreateAuthorization { args, .. } => args.payload(),
            T::Transfer { args, .. } => args.payload(MoveKind::TransferInternal),
            T::UseNdc { args, .. } => args.payload(),
            T::UseOimp { args, .. } => args.payload(),
            T::ChangeAuthorization { args, .. } => args.payload(),
            T::Reconcile { args, .. } => args.payload(),
            T::Hold { args, .. } => args.payload(true),
            other => panic!("not covered here: {other:?}"),
        }
        .expect("a payload");
        serde_json::to_value(payload).expect("serializes")
    }

    #[test]
    fn flags_build_the_payloads_the_runtime_reads() {
        let p = payload(&["open-account", "--id", "JPN01-H-EJP2", "--holder-entity", "E-JP-2", "--key", "x"]);
        assert_eq!(p["action"], "open_account");
        assert_eq!(p["account"]["registry"], "JPN01");
        assert_eq!(p["account"]["kind"], "HOLDING");
        assert_eq!(p["account"]["holder"]["entity"], "E-JP-2");

        let p = payload(&[
            "register-project",
            "--id",
            "INJ-002",
            "--host",
            "IND",
            "--ca",
            "CA0001",
            "--sector",
            "energy-generation",
            "--activity-type",
            "Solar",
        ]);
        assert_eq!(p["project"]["sector"], "Energy generation");
        assert_eq!(p["project"]["mitigation_type"], "Emission reductions");

        let p = payload(&[
            "create-authorization",
            "--id",
            "AUTH-IND-009",
            "--ca",
            "CA0001",
            "--purpose",
            "NDC,OIMP",
            "--party",
            "JPN",
            "--use-period",
            "2026-2030",
            "--permit",
            "revoke,quantity",
            "--first-transfer",
            "first-international-transfer",
        ]);
        assert_eq!(p["terms"]["purposes"], serde_json::json!(["NDC", "OIMP"]));
        assert_eq!(p["terms"]["parties"], serde_json::json!(["JPN"]));
        assert_eq!(p["terms"]["use_period"]["last"], 2030);
        assert_eq!(p["terms"]["change_conditions"]["permitted"], serde_json::json!(["revoke", "quantity"]));
        assert_eq!(p["terms"]["first_transfer"], "First international transfer");

        let p = payload(&[
            "transfer",
            "--from",
            "IND01-PEND",
            "--to",
            "IND01-H-GOV",
            "--first",
            "CA0001-IND01-IND-11-2025",
            "--last",
            "CA0001-IND01-IND-20-2025",
        ]);
        assert_eq!((p["ca"].as_str(), p["units"]["quantity"].as_u64()), (Some("CA0001"), Some(10)));

        let p = payload(&[
            "use-ndc",
            "--from",
            "JPN01-H-GOV",
            "--to",
            "JPN01-USE-NDC",
            "--ca",
            "CA0001",
            "-q",
            "7",
            "--use-year",
            "2030",
        ]);
        assert_eq!((p["use_year"].as_u64(), p["units"]["quantity"].as_u64()), (Some(2030), Some(7)));

        let p = payload(&[
            "use-oimp",
            "--from",
            "JPN01-H-GOV",
            "--to",
            "JPN01-USE-OIMP",
            "--ca",
            "CA0001",
            "-q",
            "1",
            "--purpose",
            "IMP",
            "--scheme",
            "CORSIA",
        ]);
        assert_eq!(p["purpose"], "IMP");

        let p = payload(&[
            "change-authorization",
            "--id",
            "AUTH-IND-001",
            "--quantity",
            "5",
            "--add-party",
            "IDN",
        ]);
        assert_eq!(
            (p["amendment"]["quantity"].as_u64(), &p["amendment"]["add_parties"]),
            (Some(5), &serde_json::json!(["IDN"]))
        );

        let p = payload(&["reconcile", "--registry", "IND01", "--total", "IND01-H-GOV:3000"]);
        assert_eq!(p["totals"][0]["quantity"], 3000);
        assert!(p["blocks"].is_null());

        let p = payload(&["hold", "--ca", "CA0001", "-q", "3", "--reason", "CARP"]);
        assert_eq!(p["action"], "hold");
    }

    #[test]
    fn malformed_identifiers_and_values_are_usage_errors() {
        for bad in [
            &["open-account", "--id", "JPN01-X", "--kind", "savings"][..],
            &["set-participation", "--party", "india", "--status", "eligible"],
            &["transfer", "--from", "A", "--to", "B", "--first", "CA0001-IND01-IND-1-2025"],
            &["register-ndc-period", "--party", "IND", "--years", "2035-2031"],
        ] {
            assert!(
                Harness::try_parse_from(std::iter::once("tx").chain(bad.iter().copied())).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_empty_amendment_is_refused_before_signing() {
        let parsed =
            Harness::try_parse_from(["tx", "change-authorization", "--id", "AUTH-IND-001"]).expect("parses");
        let TxCommand::ChangeAuthorization { args, .. } = parsed.tx else { panic!("the command") };
        assert!(args.payload().is_err());
    }

    #[test]
    fn a_payload_file_with_an_unknown_field_is_a_format_error_and_a_malformed_one_is_a6_1002() {
        let dir = std::env::temp_dir().join(format!("jcm-cli-payload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let typo = dir.join("typo.json");
        std::fs::write(
            &typo,
            r#"{"action": "close_reporting_year", "party": "IND", "year": 2026, "yaer": 1}"#,
        )
        .expect("written");
        let err = read_payload(&typo).expect_err("an unknown field is a format error");
        assert!(err.to_string().contains("`yaer`"), "names the field: {err}");
        let missing = dir.join("missing.json");
        std::fs::write(&missing, r#"{"action": "close_reporting_year", "party": "IND"}"#).expect("written");
        let verdict = read_payload(&missing).expect("read").expect_err("does not decode");
        assert_eq!(verdict.codes(), ["A6-1002"]);
        assert!(!is_accepted(&verdict));
        let ok = dir.join("ok.json");
        std::fs::write(&ok, r#"{"action": "close_reporting_year", "party": "IND", "year": 2026}"#)
            .expect("written");
        assert!(read_payload(&ok).expect("read").is_ok());
        std::fs::remove_dir_all(&dir).ok();
    }
}
