//! `jcm gov`: governance from the CLI (R43–R51, docs/governance.md). `propose`,
//! `approve`, `reject` and `consent` sign and submit like every `jcm tx` command (dry run,
//! confirmation, `--output json`); `show` and `list` read the node's
//! `/v1/gov/proposals[/{id}]` routes into `read::gov::ProposalView`s.
//! `jcm keys rotate` (wired from `keys.rs`) rotates an officer's key.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use jcm_api::paths;
use jcm_runtime::protocol::{GovChange, Payload};
use jcm_runtime::read::gov::{Needs, ProposalView};
use jcm_runtime::tx::gov::Vote;
use serde_json::json;

use crate::context::Context;
use crate::output::{self, print_fields, print_json, Table};
use crate::tx::TxOpts;

/// Governance commands.
#[derive(Debug, Subcommand)]
pub enum GovCommand {
    /// Propose a governance change (a designated authority, R43): the change as JSON
    /// (`kind` = admit_party, create_approach, change_validators or plan_upgrade), open
    /// until the height --deadline. Your Party's approval counts at once.
    #[command(
        after_help = "Example:\n  jcm gov propose --change-file mng.json --deadline 5000 --key IND-DA --dry-run"
    )]
    Propose {
        /// The change, as JSON (the `change` of a `propose` payload).
        #[arg(long, value_name = "FILE")]
        change_file: PathBuf,
        /// The last height at which the proposal may be approved.
        #[arg(long, value_name = "HEIGHT")]
        deadline: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Propose to require a protocol version from a height (R51).
    #[command(
        name = "propose-upgrade",
        after_help = "Example:\n  jcm gov propose-upgrade --protocol-version 2 --height 9000 --deadline 8000 --key IND-DA"
    )]
    ProposeUpgrade {
        /// The protocol version required from --height.
        #[arg(long, value_name = "V")]
        protocol_version: u32,
        /// The first height of that version (at least the deadline + 2).
        #[arg(long, value_name = "HEIGHT")]
        height: u64,
        /// The last height at which the proposal may be approved.
        #[arg(long, value_name = "HEIGHT")]
        deadline: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Approve a proposal for your Party (R44).
    #[command(after_help = "Example:\n  jcm gov approve 3 --key JPN-DA")]
    Approve {
        /// The proposal id.
        id: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Reject a proposal for your Party (R44).
    #[command(after_help = "Example:\n  jcm gov reject 3 --reason \"not agreed\" --key JPN-DA")]
    Reject {
        /// The proposal id.
        id: u64,
        /// Why, for the record.
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Consent to your Party's admission, with the authority key it names (R45).
    #[command(after_help = "Example:\n  jcm gov consent 1 --key MNG-DA")]
    Consent {
        /// The admission's proposal id.
        id: u64,
        #[command(flatten)]
        tx: TxOpts,
    },
    /// Show one proposal: its change, state, deadline, votes and tally.
    #[command(after_help = "Example:\n  jcm gov show 3 --output json")]
    Show {
        /// The proposal id.
        id: u64,
    },
    /// List the proposals.
    #[command(after_help = "Example:\n  jcm gov list")]
    List,
}

/// `jcm keys rotate`: the officer signing with --key moves to the keyring's key --new.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The new key's name in the keyring (create it first with `jcm keys new`).
    #[arg(long, value_name = "NAME")]
    pub new: String,
    #[command(flatten)]
    pub tx: TxOpts,
}

fn text(value: &str) -> anyhow::Result<jcm_runtime::model::Text> {
    jcm_runtime::model::Text::new(value).map_err(anyhow::Error::msg)
}

/// The payload a signing command submits, with its options; `None` for queries.
fn payload(cmd: &GovCommand) -> anyhow::Result<Option<(Payload, &TxOpts)>> {
    let built = match cmd {
        GovCommand::Propose { change_file, deadline, tx } => {
            let change: GovChange = crate::tx::read_json(change_file)?;
            (Payload::Propose { change, deadline: *deadline }, tx)
        }
        GovCommand::ProposeUpgrade { protocol_version, height, deadline, tx } => {
            let change = GovChange::PlanUpgrade { version: *protocol_version, height: *height };
            (Payload::Propose { change, deadline: *deadline }, tx)
        }
        GovCommand::Approve { id, tx } => (Payload::ApproveProposal { proposal: *id }, tx),
        GovCommand::Reject { id, reason, tx } => {
            (Payload::RejectProposal { proposal: *id, reason: text(reason)? }, tx)
        }
        GovCommand::Consent { id, tx } => (Payload::ConsentToAdmission { proposal: *id }, tx),
        GovCommand::Show { .. } | GovCommand::List => return Ok(None),
    };
    Ok(Some(built))
}

/// Runs a governance command.
pub fn run(cmd: &GovCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    if let Some((payload, tx)) = payload(cmd)? {
        return crate::tx::execute(ctx, tx, payload);
    }
    let rpc = ctx.rpc()?;
    match cmd {
        GovCommand::Show { id } => {
            let view: ProposalView = rpc.get(&paths::proposal(*id))?;
            if ctx.json() {
                print_json(&json!(view));
            } else {
                show(&view);
            }
        }
        _ => {
            let list: Vec<ProposalView> = rpc.get(paths::PROPOSALS)?;
            if ctx.json() {
                print_json(&json!(list));
            } else {
                table(&list);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `jcm keys rotate` once the keyring gave the new key: signed with the old key.
pub fn run_rotate(
    args: &RotateArgs,
    new_key: jcm_runtime::crypto::PublicKey,
    ctx: &Context,
) -> anyhow::Result<ExitCode> {
    crate::tx::execute(ctx, &args.tx, Payload::RotateKey { new_key })
}

fn votes(votes: &[Vote]) -> String {
    let shown: Vec<String> =
        votes.iter().map(|v| format!("{} ({} at {})", v.party, v.officer, v.height)).collect();
    if shown.is_empty() {
        "-".into()
    } else {
        shown.join(", ")
    }
}

fn show(view: &ProposalView) {
    let needs = match view.needs {
        Needs::Parties => format!("every one of {}", json!(view.parties)),
        Needs::Power => "more than 2/3 of the voting power".into(),
    };
    let p = &view.proposal;
    print_fields(&[
        ("proposal", p.id.to_string()),
        ("change", p.change.kind().to_string()),
        ("state", output::text(&p.state)),
        ("deadline", p.deadline.to_string()),
        ("needs", needs),
        ("power", format!("{} of {}", view.approving_power, view.total_power)),
        ("approvals", votes(&p.approvals)),
        ("rejections", votes(&p.rejections)),
        ("consent", p.consent.as_ref().map_or_else(|| "-".into(), |v| votes(std::slice::from_ref(v)))),
    ]);
}

fn table(list: &[ProposalView]) {
    let mut t = Table::new(&["ID", "CHANGE", "STATE", "DEADLINE", "APPROVALS"]);
    for view in list {
        let p = &view.proposal;
        let parties: Vec<String> = p.approvals.iter().map(|v| v.party.to_string()).collect();
        t.row(vec![
            p.id.to_string(),
            p.change.kind().to_string(),
            output::text(&p.state),
            p.deadline.to_string(),
            parties.join(" "),
        ]);
    }
    println!("{}", t.render());
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Harness {
        #[command(subcommand)]
        cmd: GovCommand,
    }

    fn built(args: &[&str]) -> Payload {
        let cmd =
            Harness::try_parse_from(std::iter::once("gov").chain(args.iter().copied())).expect("parses").cmd;
        payload(&cmd).expect("builds").expect("a signing command").0
    }

    #[test]
    fn commands_build_the_payloads_the_runtime_reads() {
        assert_eq!(built(&["approve", "3"]), Payload::ApproveProposal { proposal: 3 });
        assert_eq!(built(&["consent", "1"]), Payload::ConsentToAdmission { proposal: 1 });
        let reject = built(&["reject", "2", "--reason", "not agreed"]);
        assert_eq!(
            reject,
            Payload::RejectProposal { proposal: 2, reason: text("not agreed").expect("short") }
        );
        let upgrade =
            built(&["propose-upgrade", "--protocol-version", "2", "--height", "90", "--deadline", "80"]);
        let change = GovChange::PlanUpgrade { version: 2, height: 90 };
        assert_eq!(upgrade, Payload::Propose { change, deadline: 80 });
    }

    #[test]
    fn a_change_file_is_read_as_the_change_of_a_proposal() {
        let dir = std::env::temp_dir().join(format!("jcm-gov-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("change.json");
        let key = jcm_runtime::crypto::SecretKey::dev("v").public().to_hex();
        let json = format!(
            r#"{{"kind":"change_validators","effective_height":9,"change":{{"op":"remove","key":"{key}"}}}}"#
        );
        std::fs::write(&file, json).expect("written");
        let path = file.to_string_lossy().into_owned();
        let got = built(&["propose", "--change-file", &path, "--deadline", "7"]);
        let Payload::Propose { change: GovChange::ChangeValidators { effective_height, .. }, deadline } = got
        else {
            panic!("not a validator change: {got:?}");
        };
        assert_eq!((effective_height, deadline), (9, 7));
        std::fs::remove_dir_all(&dir).expect("cleaned");
    }

    #[test]
    fn queries_sign_nothing() {
        let cmd = Harness::try_parse_from(["gov", "list"]).expect("parses").cmd;
        assert!(payload(&cmd).expect("no file to read").is_none());
    }
}
