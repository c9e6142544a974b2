//! JCM issuance by a Joint Committee notification, which both sides' representatives
//! sign (R35): prepared once, endorsed offline by each representative, then submitted by
//! a registry administrator.
//!
//! ```text
//! jcm tx issue --prepare n-002.json --id N-002 --jc JC-JPN-IND --project INJ-001 ...
//! jcm tx endorse n-002.json --key IND-JC        # on India's side
//! jcm tx endorse n-002.json --key JPN-JC        # on Japan's side
//! jcm tx issue --notification n-002.json --key IND01-ADMIN
//! ```
//!
//! Each representative may also endorse a copy; `--notification` given several times
//! combines the copies' endorsements (their decisions must be identical).
//!
//! The notification file (JSON, format [`FORMAT`]) carries the chain id, because an
//! endorsement signs `JCM/jc-notification/v1 ‖ chain id ‖ notification` and must be
//! made offline, and the cooperative approach the Joint Committee governs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::Args;
use jcm_api::paths;
use jcm_runtime::codec;
use jcm_runtime::crypto::TAG_JC_NOTIFICATION;
use jcm_runtime::ids::*;
use jcm_runtime::protocol::{
    AllocationLine, Genesis, Notification, NotificationStatus, Payload, Period, SignedNotification,
};
use jcm_runtime::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::opts::TxOpts;
use super::parse::*;
use super::submit::execute;
use crate::context::{confirm, read_bounded, Context};
use crate::keys;
use crate::output::{print_fields, print_json, Table};

/// The notification file's format and version.
pub const FORMAT: &str = "jcm-notification/1";
/// Largest notification file read.
const FILE_BYTES_MAX: u64 = 1024 * 1024;

/// A notification on its way to the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationFile {
    /// [`FORMAT`].
    pub format: String,
    /// The chain the endorsements are made for.
    pub chain_id: String,
    /// The cooperative approach the Joint Committee governs.
    pub ca: CaId,
    /// The decision and the endorsements so far.
    pub notification: SignedNotification,
}

impl NotificationFile {
    /// Reads a notification file.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = read_bounded(path, FILE_BYTES_MAX)?;
        let file: Self = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a notification file ({FORMAT})", path.display()))?;
        if file.format != FORMAT {
            bail!("{} has format `{}`; this jcm reads {FORMAT}", path.display(), file.format);
        }
        Ok(file)
    }

    /// Writes it, pretty, replacing `path` only once complete.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self).expect("a notification file serializes") + "\n";
        let tmp = path.with_extension("json.partial");
        std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Whether each endorsement verifies for this chain and decision.
    pub fn checks(&self) -> Vec<bool> {
        let body = codec::encode(&self.notification.body);
        self.notification
            .endorsements
            .iter()
            .map(|e| e.public_key.verify(TAG_JC_NOTIFICATION, &self.chain_id, &body, &e.signature))
            .collect()
    }
}

/// `issue`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct Issue {
    /// Write a notification for the JC representatives to endorse, and submit nothing
    /// (`--chain-id` names the chain the endorsements are for [default: the node's];
    /// `--force` replaces an existing file).
    #[arg(long, value_name = "FILE", conflicts_with = "notification")]
    pub prepare: Option<PathBuf>,
    /// Submit the issuance of this endorsed notification; repeat to combine copies
    /// endorsed separately.
    #[arg(long, value_name = "FILE", required_unless_present = "prepare")]
    pub notification: Vec<PathBuf>,
    /// Notification id, e.g. N-002.
    #[arg(long, requires = "prepare")]
    pub id: Option<NotificationId>,
    /// The Joint Committee, e.g. JC-JPN-IND.
    #[arg(long, requires = "prepare")]
    pub jc: Option<JcId>,
    /// The project.
    #[arg(long, requires = "prepare")]
    pub project: Option<ProjectId>,
    /// The vintage of the credits.
    #[arg(long, requires = "prepare")]
    pub vintage: Option<u16>,
    /// First day of the monitoring period, YYYY-MM-DD.
    #[arg(long, value_parser = Timestamp::parse, requires = "prepare")]
    pub from: Option<Timestamp>,
    /// Last day of the monitoring period, YYYY-MM-DD.
    #[arg(long, value_parser = Timestamp::parse, requires = "prepare")]
    pub to: Option<Timestamp>,
    /// An allocation line, ACCOUNT:QUANTITY[:AUTHORIZATION] (repeatable).
    #[arg(long = "line", value_name = "ACCOUNT:QTY[:AUTH]", value_parser = allocation_line, requires = "prepare")]
    pub lines: Vec<AllocationLine>,
    /// The total issued across both registries [default: the lines' sum].
    #[arg(long, requires = "prepare")]
    pub total: Option<u64>,
    /// The JC's decision.
    #[arg(long, value_parser = choice::<NotificationStatus>(NOTIFICATION_STATUSES), default_value = "approved")]
    pub status: NotificationStatus,
    /// Cooperative approach [default: the Joint Committee's, from the node's genesis].
    #[arg(long)]
    pub ca: Option<CaId>,
    /// Ask for this first serial; accepted only if it is the next free one (R14).
    #[arg(long, value_name = "N")]
    pub first_serial: Option<u64>,
    #[command(flatten)]
    pub tx: TxOpts,
}

/// `endorse`.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct Endorse {
    /// The notification file (written by `jcm tx issue --prepare`).
    pub file: PathBuf,
    /// The JC representative's key.
    #[arg(long, short = 'k', value_name = "NAME")]
    pub key: String,
    /// Write the endorsed notification here instead of in place.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Runs `jcm tx issue`.
pub fn run_issue(args: &Issue, ctx: &Context) -> anyhow::Result<ExitCode> {
    match &args.prepare {
        Some(path) => prepare(args, path, ctx),
        None => submit(args, ctx),
    }
}

fn prepare(args: &Issue, path: &Path, ctx: &Context) -> anyhow::Result<ExitCode> {
    let missing = |what: &str| anyhow::anyhow!("--prepare needs {what}");
    let id = args.id.clone().ok_or_else(|| missing("--id"))?;
    let jc = args.jc.clone().ok_or_else(|| missing("--jc"))?;
    let project = args.project.clone().ok_or_else(|| missing("--project"))?;
    let vintage = args.vintage.ok_or_else(|| missing("--vintage"))?;
    let from = args.from.ok_or_else(|| missing("--from (the monitoring period's first day)"))?;
    let to = args.to.ok_or_else(|| missing("--to (the monitoring period's last day)"))?;
    if args.lines.is_empty() {
        bail!("--prepare needs at least one --line ACCOUNT:QUANTITY[:AUTHORIZATION]");
    }
    if path.exists() && !args.tx.file.force {
        bail!("{} exists: pass --force to replace it (its endorsements would be lost)", path.display());
    }
    let (chain_id, ca) = match (&args.tx.file.chain_id, &args.ca) {
        (Some(chain), Some(ca)) => (chain.clone(), ca.clone()),
        _ => from_node(ctx, &jc, args.tx.file.chain_id.as_deref(), args.ca.as_ref())?,
    };
    let total = args.total.unwrap_or_else(|| args.lines.iter().map(|l| l.quantity).sum());
    let body = Notification {
        id,
        jc,
        project,
        monitoring_period: Period { from, to },
        vintage,
        total,
        status: args.status,
        lines: args.lines.clone(),
    };
    let file = NotificationFile {
        format: FORMAT.into(),
        chain_id,
        ca,
        notification: SignedNotification { body, endorsements: Vec::new() },
    };
    file.write(path)?;
    if ctx.json() {
        print_json(&json!({ "file": path, "notification": file }));
    } else {
        show(&file);
        println!(
            "Wrote {}: each JC representative endorses it with `jcm tx endorse {} --key NAME`.",
            path.display(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The chain id and the Joint Committee's cooperative approach, from the node.
fn from_node(
    ctx: &Context,
    jc: &JcId,
    chain: Option<&str>,
    ca: Option<&CaId>,
) -> anyhow::Result<(String, CaId)> {
    let (rpc, status) = ctx.connect()?;
    let chain_id = match chain {
        Some(chain) => chain.to_string(),
        None => status.chain_id,
    };
    if let Some(ca) = ca {
        return Ok((chain_id, ca.clone()));
    }
    let genesis: Genesis = rpc.get(paths::GENESIS)?;
    let Some(committee) = genesis.joint_committees.into_iter().find(|c| c.id == *jc) else {
        bail!("the chain's genesis has no Joint Committee {jc}: check --jc, or give --ca");
    };
    Ok((chain_id, committee.ca))
}

/// Prints a notification and its endorsements.
pub fn show(file: &NotificationFile) {
    let n = &file.notification.body;
    print_fields(&[
        ("notification", format!("{} of {} ({:?})", n.id, n.jc, n.status)),
        ("chain", file.chain_id.clone()),
        ("project", format!("{} under {}", n.project, file.ca)),
        ("vintage", n.vintage.to_string()),
        ("monitoring", format!("{} to {}", n.monitoring_period.from.date(), n.monitoring_period.to.date())),
        ("total", n.total.to_string()),
    ]);
    let mut lines = Table::new(&["  ACCOUNT", "QUANTITY", "AUTHORIZATION"]);
    for l in &n.lines {
        let auth = l.authorization.as_ref().map(|a| a.to_string()).unwrap_or_else(|| "-".into());
        lines.row(vec![format!("  {}", l.account), l.quantity.to_string(), auth]);
    }
    print!("{}", lines.render());
    let checks = file.checks();
    if file.notification.endorsements.is_empty() {
        println!("endorsements: none yet");
    }
    for (e, ok) in file.notification.endorsements.iter().zip(checks) {
        println!(
            "endorsed by {} ({})",
            e.public_key,
            if ok { "signature valid" } else { "SIGNATURE INVALID" }
        );
    }
}

/// Runs `jcm tx endorse`.
pub fn run_endorse(args: &Endorse, ctx: &Context) -> anyhow::Result<ExitCode> {
    let mut file = NotificationFile::read(&args.file)?;
    let key = keys::load(ctx, &args.key)?;
    if file.notification.endorsements.iter().any(|e| e.public_key == key.public()) {
        bail!("key `{}` ({}) already endorsed this notification", args.key, key.public());
    }
    if !ctx.json() {
        show(&file);
        println!("to be endorsed by `{}` ({})", args.key, key.public());
    }
    if !args.yes && !confirm("Endorse this notification?")? {
        bail!("nothing endorsed");
    }
    let chain_id = file.chain_id.clone();
    file.notification.endorse(&chain_id, &key);
    let out = args.out.as_ref().unwrap_or(&args.file);
    file.write(out)?;
    if ctx.json() {
        print_json(
            &json!({ "file": out, "endorsements": file.notification.endorsements.len(), "notification": file }),
        );
    } else {
        println!("Endorsed; {} endorsement(s) in {}.", file.notification.endorsements.len(), out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the notification files and combines their endorsements.
pub fn combine(paths: &[PathBuf]) -> anyhow::Result<NotificationFile> {
    let (first, rest) = paths.split_first().context("give --notification FILE")?;
    let mut combined = NotificationFile::read(first)?;
    for path in rest {
        let other = NotificationFile::read(path)?;
        if other.chain_id != combined.chain_id
            || other.ca != combined.ca
            || other.notification.body != combined.notification.body
        {
            bail!(
                "{} holds another decision than {}: only copies of one notification combine",
                path.display(),
                first.display()
            );
        }
        for e in other.notification.endorsements {
            if !combined.notification.endorsements.iter().any(|c| c.public_key == e.public_key) {
                combined.notification.endorsements.push(e);
            }
        }
    }
    Ok(combined)
}

fn submit(args: &Issue, ctx: &Context) -> anyhow::Result<ExitCode> {
    let file = combine(&args.notification)?;
    if !ctx.json() {
        show(&file);
    }
    let body = &file.notification.body;
    let payload = Payload::Issue {
        ca: args.ca.clone().unwrap_or_else(|| file.ca.clone()),
        project: body.project.clone(),
        vintage: body.vintage,
        notification: Some(file.notification.clone()),
        lines: body.lines.clone(),
        first_serial: args.first_serial,
    };
    execute(ctx, &args.tx, payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcm_runtime::crypto::SecretKey;

    fn file() -> NotificationFile {
        let body = Notification {
            id: "N-9".parse().expect("id"),
            jc: "JC-JPN-IND".parse().expect("jc"),
            project: "INJ-001".parse().expect("project"),
            monitoring_period: Period { from: Timestamp(0), to: Timestamp(86_400) },
            vintage: 2025,
            total: 10,
            status: NotificationStatus::Approved,
            lines: vec![allocation_line("IND01-H-GOV:10").expect("a line")],
        };
        NotificationFile {
            format: FORMAT.into(),
            chain_id: "jcm-test".into(),
            ca: "CA0001".parse().expect("ca"),
            notification: SignedNotification { body, endorsements: Vec::new() },
        }
    }

    #[test]
    fn endorsements_made_apart_combine_and_verify() {
        let dir = std::env::temp_dir().join(format!("jcm-cli-notification-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let (a, b) = (dir.join("a.json"), dir.join("b.json"));
        for (path, signer) in [(&a, "IND-JC"), (&b, "JPN-JC")] {
            let mut f = file();
            f.notification.endorse("jcm-test", &SecretKey::dev(signer));
            f.write(path).expect("write");
        }
        let combined = combine(&[a.clone(), b.clone(), a.clone()]).expect("copies of one decision");
        assert_eq!(combined.notification.endorsements.len(), 2);
        assert_eq!(combined.checks(), vec![true, true]);
        let mut other = file();
        other.notification.body.total = 11;
        other.write(&b).expect("write");
        assert!(combine(&[a, b]).is_err(), "another decision does not combine");
        let mut wrong_chain = file();
        wrong_chain.notification.endorse("another-chain", &SecretKey::dev("IND-JC"));
        assert_eq!(wrong_chain.checks(), vec![false]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
