//! `jcm report aef`: the five AEF tables (ARTICLE6.md §9) of one Party and reported
//! year, as the chain's state at a height gives them, written as CSV (one file per
//! table), an xlsx workbook (one sheet per table) or JSON.
//!
//! The state is not the node's word for it: the CLI replays the chain from the node's
//! genesis to the height, verifying every header link, commit certificate and state root
//! exactly as `jcm audit` does, then computes the tables with the runtime's own
//! [`aef::report`]. The files depend on nothing but that state and the height's block
//! time (the workbook's creation date), so the same height gives byte-identical files,
//! whichever node was asked and whenever.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand, ValueEnum};
use jcm_cli::audit::node::NodeClient;
use jcm_cli::audit::progress::Progress;
use jcm_cli::audit::replay::Replay;
use jcm_runtime::aef::template::{self, ColumnKind};
use jcm_runtime::aef::{self, AefReport};
use jcm_runtime::ids::Party;
use jcm_runtime::protocol::{Genesis, Header};
use jcm_runtime::state::StateExt;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::context::Context;
use crate::output::{print_json, Table};

/// Report commands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The AEF annual tables of a Party for a reported year, from the verified chain.
    #[command(
        after_help = "Example:\n  jcm report aef --party IND --year 2026 --format csv --out reports/\n  \
        jcm report aef --party JPN --year 2026 --format xlsx --height 120"
    )]
    Aef(AefArgs),
}

/// File formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One CSV file per table (RFC 4180, CRLF line ends).
    Csv,
    /// One workbook, a sheet per table.
    Xlsx,
    /// One JSON document with the tables and the height they are for.
    Json,
}

/// `jcm report aef`.
#[derive(Clone, Debug, Args)]
pub struct AefArgs {
    /// The reporting Party.
    #[arg(long)]
    pub party: Party,
    /// The reported year.
    #[arg(long)]
    pub year: u16,
    /// File format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ReportFormat,
    /// The height whose state is reported [default: the node's last committed height].
    #[arg(long, value_name = "H")]
    pub height: Option<u64>,
    /// The directory to write to (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The verified state's report, and the header it is for.
struct Verified {
    report: AefReport,
    head: Header,
    genesis_hash: String,
}

fn replay_to(
    client: &NodeClient,
    height: Option<u64>,
    args: &AefArgs,
) -> anyhow::Result<Result<Verified, String>> {
    let genesis_text = client.genesis_text()?;
    let genesis = Genesis::from_json(&genesis_text).context("the node's genesis document is not valid")?;
    let last = client.last_height()?;
    let to = match height {
        Some(h) if h > last => bail!("--height {h} is past the node's last committed height {last}"),
        Some(h) => h,
        None => last,
    };
    let mut replay = match Replay::new(&genesis, 0) {
        Ok(replay) => replay,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let progress = Progress::heights(to, "replaying", args.quiet);
    if to > 0 {
        for fetched in client.stream_heights(1, to) {
            let bytes = fetched?;
            if let Err(e) = replay.apply(&bytes) {
                progress.finish();
                return Ok(Err(e.to_string()));
            }
            progress.set(bytes.height);
        }
    }
    progress.finish();
    if replay.state().party(&args.party).is_none() {
        bail!("Party {} is not on this chain", args.party);
    }
    let report = aef::report(replay.state(), &args.party, args.year);
    Ok(Ok(Verified { report, head: replay.head().clone(), genesis_hash: genesis.hash().to_hex() }))
}

/// Runs a report command.
pub fn run(cmd: &ReportCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let ReportCommand::Aef(args) = cmd;
    let client = NodeClient::new(&ctx.pinned_node()?);
    let verified = match replay_to(&client, args.height, args)? {
        Ok(verified) => verified,
        Err(failure) => {
            eprintln!("the chain does not verify, so no report is written: {failure}");
            eprintln!("(run `jcm audit` for the full verdict)");
            return Ok(ExitCode::from(1));
        }
    };
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let files = write(&verified, args)?;
    let height = verified.head.height;
    if ctx.json() {
        let files: Vec<_> = files.iter().map(|(p, d)| json!({ "file": p, "sha256": d })).collect();
        print_json(&json!({
            "party": args.party,
            "year": args.year,
            "height": height,
            "block_hash": verified.head.hash(),
            "state_root": verified.head.state_root,
            "files": files,
        }));
    } else {
        println!(
            "AEF {} {} at height {height} (state root {}, verified from genesis):",
            args.party, args.year, verified.head.state_root
        );
        let mut table = Table::new(&["FILE", "SHA-256"]);
        for (path, digest) in &files {
            table.row(vec![path.display().to_string(), digest.clone()]);
        }
        print!("{}", table.render());
    }
    Ok(ExitCode::SUCCESS)
}

fn stem(args: &AefArgs) -> String {
    format!("AEF-{}-{}", args.party, args.year)
}

/// Writes the files; returns each with its SHA-256.
fn write(v: &Verified, args: &AefArgs) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    let mut save = |name: String, bytes: Vec<u8>| -> anyhow::Result<()> {
        let path = args.out.join(name);
        std::fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
        out.push((path, hex::encode(Sha256::digest(&bytes))));
        Ok(())
    };
    match args.format {
        ReportFormat::Csv => {
            for (i, table) in v.report.tables.iter().enumerate() {
                save(
                    format!("{}-table{}.csv", stem(args), i + 1),
                    csv(&table.columns, &table.rows).into_bytes(),
                )?;
            }
        }
        ReportFormat::Json => {
            let doc = json!({
                "party": v.report.party,
                "year": v.report.year,
                "height": v.head.height,
                "block_hash": v.head.hash(),
                "state_root": v.head.state_root,
                "genesis_hash": v.genesis_hash,
                "tables": v.report.tables,
            });
            let text = serde_json::to_string_pretty(&doc).expect("a report serializes") + "\n";
            save(format!("{}.json", stem(args)), text.into_bytes())?;
        }
        ReportFormat::Xlsx => save(format!("{}.xlsx", stem(args)), xlsx(v)?)?,
    }
    Ok(out)
}

/// RFC 4180 CSV: a header row, then the rows; cells with a comma, quote or line break
/// quoted; CRLF line ends ([`jcm_runtime::csv`], as the AEF's own CSV).
pub fn csv(columns: &[String], rows: &[Vec<String>]) -> String {
    jcm_runtime::csv::table(columns, rows)
}

/// The workbook, dated with the height's block time so that it is reproducible. Sheets
/// carry the template's names, the header row its labels; dates are date cells
/// (`dd/mm/yyyy`), quantities number cells, empty cells blank.
fn xlsx(v: &Verified) -> anyhow::Result<Vec<u8>> {
    let date = v.head.time.date();
    let secs = v.head.time.0 % 86_400;
    let created = ExcelDateTime::from_ymd(date.year as u16, date.month as u8, date.day as u8)
        .and_then(|d| {
            d.and_hms(u16::try_from(secs / 3600).unwrap_or(0), (secs / 60 % 60) as u8, (secs % 60) as u32)
        })
        .map_err(|e| anyhow::anyhow!("the block time cannot date a workbook: {e}"))?;
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("AEF {} {}", v.report.party, v.report.year))
            .set_comment(format!("JCM chain height {}, state root {}", v.head.height, v.head.state_root))
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let day = Format::new().set_num_format("dd/mm/yyyy");
    for table in &v.report.tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&table.title).map_err(|e| anyhow::anyhow!("sheet name {}: {e}", table.title))?;
        for (c, column) in table.columns.iter().enumerate() {
            let c = u16::try_from(c).context("too many columns")?;
            sheet.write_string_with_format(0, c, column, &bold).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let kinds: Vec<ColumnKind> = table.columns.iter().map(|c| template::column_kind(c)).collect();
        for (r, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).context("too many rows")?;
            for (c, value) in row.iter().enumerate() {
                let kind = kinds.get(c).copied().unwrap_or(ColumnKind::Text);
                cell(sheet, r, u16::try_from(c).context("too many columns")?, kind, value, &day)?;
            }
        }
    }
    workbook.save_to_buffer().map_err(|e| anyhow::anyhow!("cannot build the workbook: {e}"))
}

/// One cell as its column's kind asks: a date cell for a `dd/mm/yyyy` date, a number
/// cell for a whole number, text otherwise (`NA`); nothing for an empty value.
fn cell(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    kind: ColumnKind,
    value: &str,
    day: &Format,
) -> anyhow::Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    let written = match (kind, template::parse_date(value), value.parse::<u64>()) {
        (ColumnKind::Date, Some(d), _) => {
            let d = ExcelDateTime::from_ymd(d.year as u16, d.month as u8, d.day as u8)
                .map_err(|e| anyhow::anyhow!("date {value}: {e}"))?;
            sheet.write_datetime_with_format(r, c, &d, day).map(|_| ())
        }
        // Quantities stay below 2^53, so the number cell holds them exactly.
        (ColumnKind::Whole, _, Ok(n)) if n < (1 << 53) => sheet.write_number(r, c, n as f64).map(|_| ()),
        _ => sheet.write_string(r, c, value).map(|_| ()),
    };
    written.map_err(|e| anyhow::anyhow!("{e}"))
}

#[cfg(test)]
mod conformance;

#[cfg(test)]
mod tests {
    use super::*;
    use jcm_runtime::aef::Table as AefTable;
    use jcm_runtime::time::Timestamp;

    pub(super) fn verified() -> Verified {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../config/testnet-4/genesis.json"))
                .expect("the testnet genesis");
        let genesis = Genesis::from_json(&text).expect("valid");
        let replay = Replay::new(&genesis, 0).expect("a genesis state");
        let mut head = replay.head().clone();
        head.time = Timestamp(1_767_225_600 + 3_723);
        let mut report = aef::report(replay.state(), &"IND".parse().expect("a Party"), 2026);
        report.tables.push(AefTable {
            title: "Extra quoting".into(),
            columns: vec!["a".into()],
            rows: vec![vec!["x, \"y\"".into()]],
        });
        Verified { report, head, genesis_hash: genesis.hash().to_hex() }
    }

    #[test]
    fn the_same_state_writes_the_same_bytes_in_every_format() {
        let base = std::env::temp_dir().join(format!("jcm-cli-aef-{}", std::process::id()));
        let v = verified();
        for format in [ReportFormat::Csv, ReportFormat::Xlsx, ReportFormat::Json] {
            let mut written = Vec::new();
            for run in ["a", "b"] {
                let args = AefArgs {
                    party: "IND".parse().expect("a Party"),
                    year: 2026,
                    format,
                    height: None,
                    out: base.join(run),
                    quiet: true,
                };
                std::fs::create_dir_all(&args.out).expect("a temp dir");
                written.push(write(&v, &args).expect("written"));
                if format == ReportFormat::Xlsx {
                    // The workbook's zip and properties must not take the wall clock.
                    std::thread::sleep(std::time::Duration::from_millis(1100));
                }
            }
            assert_eq!(written[0].len(), written[1].len());
            for ((a, da), (b, db)) in written[0].iter().zip(&written[1]) {
                assert_eq!(da, db, "{format:?}: {} and {} differ", a.display(), b.display());
                assert_eq!(std::fs::read(a).ok(), std::fs::read(b).ok());
            }
        }
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let text = csv(&["a".into(), "b".into()], &[vec!["x, \"y\"".into(), "z".into()]]);
        assert_eq!(text, "a,b\r\n\"x, \"\"y\"\"\",z\r\n");
    }
}
