//! `jcm query`: the registry's read models as the node serves them (holdings, a unit's
//! history, authorizations, the corresponding-adjustment ledger, events), and the chain
//! itself (blocks, transactions, status). Tables for people; `--output json` prints the
//! node's document unchanged for scripts.
//!
//! A query trusts the node it asks; `jcm prove` and `jcm audit` do not.

use std::process::ExitCode;

use anyhow::bail;
use clap::{ArgGroup, Args, Subcommand};
use jcm_runtime::a64::A64Id;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::ids::{AccountId, AuthId, Party, ProjectId};
use jcm_runtime::time::Timestamp;
use serde_json::Value;

use crate::client::segment;
use crate::context::Context;
use crate::output::{cell, pairs, print_fields, print_json, short, Table};
use crate::tx::{is_accepted, print_verdict};

/// Whose holdings or events.
#[derive(Clone, Debug, Args)]
#[command(group(ArgGroup::new("owner").required(true).args(["account", "party"])))]
pub struct Owner {
    /// An account.
    #[arg(long)]
    pub account: Option<AccountId>,
    /// Every account in a Party's registries.
    #[arg(long)]
    pub party: Option<Party>,
}

/// Query commands.
#[derive(Debug, Subcommand)]
pub enum QueryCommand {
    /// Units held by an account, or by every account of a Party's registries.
    #[command(
        after_help = "Example:\n  jcm query holdings --account JPN01-H-GOV\n  jcm query holdings --party IND --output json"
    )]
    Holdings(Owner),
    /// A unit's current block and every event that touched it.
    #[command(after_help = "Example:\n  jcm query history CA0001-JPN01-IND-1-2025")]
    History {
        /// The unit identifier, CANNNN-PPPNN-PPP-serial-YYYY.
        unit: String,
    },
    /// Every version of an authorization.
    #[command(after_help = "Example:\n  jcm query authorization AUTH-IND-001")]
    Authorization {
        /// The authorization id.
        id: AuthId,
    },
    /// A Party's corresponding-adjustment ledger: totals per year, or one year's entries.
    #[command(
        after_help = "Example:\n  jcm query ledger --party JPN\n  jcm query ledger --party JPN --year 2025"
    )]
    Ledger {
        /// The Party.
        #[arg(long)]
        party: Party,
        /// One year, with its entries.
        #[arg(long)]
        year: Option<u16>,
    },
    /// The action log of an account or a Party, oldest first, a page at a time.
    #[command(
        after_help = "Example:\n  jcm query events --account JPN01-H-GOV\n  jcm query events --party IND --after 40 --limit 20"
    )]
    Events {
        #[command(flatten)]
        owner: Owner,
        /// Only events after this sequence number (the `next_after` of the previous page).
        #[arg(long, value_name = "SEQ")]
        after: Option<u64>,
        /// At most this many events.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
    },
    /// What of a project's period has been credited where (R37): its JCM issuances and
    /// the periods other programmes (India's CCTS, ...) declared, with their identifiers.
    #[command(
        after_help = "Example:\n  jcm query credited --project INJ-002 --from 2026-01-01 --to 2026-12-31"
    )]
    Credited {
        /// The project.
        #[arg(long)]
        project: ProjectId,
        /// First day of the period asked about (YYYY-MM-DD).
        #[arg(long, value_parser = Timestamp::parse)]
        from: Timestamp,
        /// Last day of the period asked about (YYYY-MM-DD).
        #[arg(long, value_parser = Timestamp::parse)]
        to: Timestamp,
    },
    /// Where an Article 6.4 unit (A6.4ER) is on the chain: the receipt that brought it from
    /// the mechanism registry and the ITMO serial it is tracked under.
    #[command(after_help = "Example:\n  jcm query a64 A6.4ER-IND-PACM-IN-0001-2025-17")]
    A64 {
        /// The A6.4ER identifier, A6.4ER-HOST-ACTIVITY-YYYY-SERIAL.
        #[arg(value_parser = a64_id)]
        id: String,
    },
    /// The validator set: in force after the last block, or the one that decided a
    /// committed height (`--height`), with each validator's Party and voting power.
    #[command(
        after_help = "Example:\n  jcm query validators\n  jcm query validators --height 120 --output json"
    )]
    Validators {
        /// A committed height: the set that decided it.
        #[arg(long)]
        height: Option<u64>,
    },
    /// Equivocations recorded on chain (R52): each validator that signed two conflicting
    /// votes, both votes, who reported it and at which height. No penalty follows by
    /// itself: what to do about the offender is a governance decision.
    #[command(after_help = "Example:\n  jcm query evidence\n  jcm query evidence --output json")]
    Evidence,
    /// A committed block, its transactions and their verdicts.
    #[command(after_help = "Example:\n  jcm query block 12\n  jcm query block latest --output json")]
    Block {
        /// A height, or `latest`.
        height: String,
    },
    /// A transaction: committed (height, verdict) or pending.
    #[command(after_help = "Example:\n  jcm query tx 3f2a9c...e9")]
    Tx {
        /// The transaction hash (hex).
        hash: String,
    },
    /// A signer's next nonce (what `jcm tx ... --offline --nonce N` signs with), and how
    /// many of its transactions are pending.
    #[command(
        after_help = "Example:\n  jcm query nonce 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
    )]
    Nonce {
        /// The signer's public key, hex (`jcm keys show NAME`).
        signer: PublicKey,
    },
    /// The node's status: chain, height, peers, mempool.
    #[command(
        after_help = "Example:\n  jcm query status\n  jcm --node http://127.0.0.1:26611 query status --output json"
    )]
    Status,
    /// The chain's genesis document, as the node serves it.
    #[command(after_help = "Example:\n  jcm query genesis > genesis.json")]
    Genesis,
}

/// Runs a query.
pub fn run(cmd: &QueryCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    // The pin check reads the node's status first: `status` and `block latest` answer
    // from it rather than ask again.
    let (rpc, status_now) = ctx.connect()?;
    let (path, render): (String, fn(&Value)) = match cmd {
        QueryCommand::Holdings(owner) => match (&owner.account, &owner.party) {
            (Some(a), _) => (format!("/v1/accounts/{}/holdings", segment(a.as_str())), account_holdings),
            (None, Some(p)) => (format!("/v1/parties/{}/holdings", segment(p.as_str())), party_holdings),
            (None, None) => bail!("give --account ID or --party CODE"),
        },
        QueryCommand::History { unit } => (format!("/v1/units/{}/history", segment(unit)), history),
        QueryCommand::Authorization { id } => {
            (format!("/v1/authorizations/{}", segment(id.as_str())), authorization)
        }
        QueryCommand::Ledger { party, year: None } => {
            (format!("/v1/ledger/{}", segment(party.as_str())), ledger)
        }
        QueryCommand::Ledger { party, year: Some(y) } => {
            (format!("/v1/ledger/{}/{y}", segment(party.as_str())), ledger_year)
        }
        QueryCommand::Events { owner, after, limit } => {
            let base = match (&owner.account, &owner.party) {
                (Some(a), _) => format!("/v1/accounts/{}/events", segment(a.as_str())),
                (None, Some(p)) => format!("/v1/parties/{}/events", segment(p.as_str())),
                (None, None) => bail!("give --account ID or --party CODE"),
            };
            let mut query = Vec::new();
            if let Some(a) = after {
                query.push(format!("after={a}"));
            }
            if let Some(l) = limit {
                query.push(format!("limit={l}"));
            }
            let path = if query.is_empty() { base } else { format!("{base}?{}", query.join("&")) };
            (path, events)
        }
        QueryCommand::Credited { project, from, to } => {
            if from > to {
                bail!("--from {from} is after --to {to}");
            }
            let (from, to) = (from.date(), to.date());
            (format!("/v1/projects/{}/credited?from={from}&to={to}", segment(project.as_str())), credited)
        }
        QueryCommand::A64 { id } => (format!("/v1/a64/{}", segment(id)), a64_unit),
        QueryCommand::Evidence => ("/v1/evidence".to_owned(), evidence),
        QueryCommand::Validators { height: None } => ("/v1/gov/validators".to_owned(), validators),
        QueryCommand::Validators { height: Some(h) } => {
            (format!("/v1/gov/validators?height={h}"), validators)
        }
        QueryCommand::Block { height } => {
            let height = match height.as_str() {
                "latest" => status_now["height"].as_u64().unwrap_or(0),
                text => {
                    text.parse().map_err(|_| anyhow::anyhow!("`{text}` is not a height (or `latest`)"))?
                }
            };
            (format!("/v1/blocks/{height}"), block)
        }
        QueryCommand::Tx { hash } => (format!("/v1/tx/{}", segment(hash)), transaction),
        QueryCommand::Nonce { signer } => (format!("/v1/nonce/{}", signer.to_hex()), nonce),
        QueryCommand::Status => {
            show(ctx, &status_now, status);
            return Ok(ExitCode::SUCCESS);
        }
        QueryCommand::Genesis => {
            print!("{}", rpc.get_text("/v1/genesis")?);
            return Ok(ExitCode::SUCCESS);
        }
    };
    show(ctx, &rpc.get(&path)?, render);
    Ok(ExitCode::SUCCESS)
}

/// The node's document as JSON (`--output json`) or through its table renderer.
fn show(ctx: &Context, answer: &Value, render: fn(&Value)) {
    if ctx.json() {
        print_json(answer);
    } else {
        render(answer);
    }
}

fn nonce(answer: &Value) {
    print_fields(&[
        ("signer", cell(&answer["signer"])),
        ("next nonce", cell(&answer["next_nonce"])),
        ("committed", format!("nonces below {}", cell(&answer["state_nonce"]))),
        ("pending", cell(&answer["pending"])),
    ]);
}

fn a64_id(text: &str) -> Result<String, String> {
    A64Id::parse(text).map(|id| id.to_string())
}

fn period(p: &Value) -> String {
    format!("{} to {}", cell(&p["from"]), cell(&p["to"]))
}

fn credited(answer: &Value) {
    println!("{} from {}", cell(&answer["project"]), period(&answer["period"]));
    println!();
    let mut jcm =
        Table::new(&["NOTIFICATION", "MONITORING PERIOD", "OVERLAP", "VINTAGE", "ISSUED", "HEIGHT"]);
    for i in answer["jcm"].as_array().into_iter().flatten() {
        jcm.row(vec![
            cell(&i["notification"]),
            period(&i["monitoring_period"]),
            period(&i["overlap"]),
            cell(&i["vintage"]),
            cell(&i["quantity"]),
            cell(&i["height"]),
        ]);
    }
    println!("JCM issuances:");
    jcm.print_or("none");
    println!();
    let mut other = Table::new(&["PROGRAMME", "PERIOD", "OVERLAP", "ITS PROJECT", "IDENTIFIERS", "HEIGHT"]);
    for e in answer["elsewhere"].as_array().into_iter().flatten() {
        let ids: Vec<String> = e["identifiers"].as_array().into_iter().flatten().map(cell).collect();
        other.row(vec![
            cell(&e["programme"]),
            period(&e["period"]),
            period(&e["overlap"]),
            cell(&e["programme_project"]),
            if ids.is_empty() { "-".into() } else { ids.join(" ") },
            cell(&e["height"]),
        ]);
    }
    println!("Credited by other programmes:");
    other.print_or("none");
}

fn a64_unit(answer: &Value) {
    let receipt = &answer["receipt"];
    print_fields(&[
        ("A6.4ER", cell(&answer["a64_id"])),
        ("approach", cell(&answer["ca"])),
        ("host", cell(&answer["first_transferring_party"])),
        ("ITMO serial", cell(&answer["serial"])),
        ("received", format!("at height {}, transaction {}", cell(&receipt["height"]), cell(&receipt["tx"]))),
        ("receipt", format!("ITMO serials {}..{}", cell(&receipt["first"]), cell(&receipt["last"]))),
    ]);
}

fn validators(answer: &Value) {
    let list = answer["validators"].as_array().cloned().unwrap_or_default();
    let total: u64 = list.iter().filter_map(|v| v["power"].as_u64()).sum();
    println!(
        "validator set at height {}: {} validators, total power {total}",
        cell(&answer["height"]),
        list.len()
    );
    for v in &list {
        let node = match v.get("node_id") {
            Some(Value::String(id)) => format!("  node {id}"),
            _ => String::new(),
        };
        println!(
            "  {:<18} {}  power {:>3}  key {}{node}",
            cell(&v["name"]),
            cell(&v["party"]),
            cell(&v["power"]),
            cell(&v["public_key"])
        );
    }
    if let Some(scheduled) = answer["scheduled"].as_array().filter(|s| !s.is_empty()) {
        println!("scheduled changes: {}", scheduled.len());
        for s in scheduled {
            println!("  at height {}: {}", cell(&s["height"]), s["change"]);
        }
    }
}

fn evidence(answer: &Value) {
    let records = answer["evidence"].as_array().cloned().unwrap_or_default();
    if records.is_empty() {
        println!("no equivocation recorded up to height {}", cell(&answer["height"]));
        return;
    }
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            println!();
        }
        let values = r["values"].as_array().cloned().unwrap_or_default();
        let value = |v: Option<&Value>| match v.and_then(Value::as_str) {
            Some(hex) => hex.chars().take(16).collect::<String>(),
            None => "nil".to_owned(),
        };
        print_fields(&[
            ("validator", format!("{} ({})", cell(&r["name"]), cell(&r["validator"]))),
            (
                "votes",
                format!(
                    "two {}s at height {}, round {}: for {} and for {}",
                    cell(&r["kind"]),
                    cell(&r["vote_height"]),
                    cell(&r["round"]),
                    value(values.first()),
                    value(values.get(1))
                ),
            ),
            ("recorded", format!("at height {}, transaction {}", cell(&r["height"]), cell(&r["tx"]))),
            ("reported by", cell(&r["reporter"])),
            ("evidence", cell(&r["hash"])),
        ]);
    }
}

/// `CA0001-JPN01-IND-1-2025..CA0001-JPN01-IND-500-2025` of a unit block's JSON.
fn range(block: &Value) -> String {
    let id = |serial: &Value| {
        format!(
            "{}-{}-{}-{}-{}",
            cell(&block["ca"]),
            cell(&block["attrs"]["origin"]),
            cell(&block["ftp"]),
            cell(serial),
            cell(&block["attrs"]["vintage"])
        )
    };
    format!("{}..{}", id(&block["first"]), id(&block["last"]))
}

fn block_flags(attrs: &Value) -> String {
    let mut flags = Vec::new();
    if attrs["first_transferred"] == Value::Bool(true) {
        flags.push("first-transferred".to_string());
    }
    if let Some(y) = attrs["use_year"].as_u64() {
        flags.push(format!("used-for-{y}"));
    }
    if attrs["hold"] == Value::Bool(true) {
        flags.push("ON HOLD".to_string());
    }
    if !attrs["reserved_by"].is_null() {
        flags.push(format!("reserved-by-{}", short(attrs["reserved_by"].as_str().unwrap_or("?"))));
    }
    if flags.is_empty() {
        "-".into()
    } else {
        flags.join(",")
    }
}

fn quantity(block: &Value) -> u64 {
    let (first, last) = (block["first"].as_u64().unwrap_or(0), block["last"].as_u64().unwrap_or(0));
    last.saturating_sub(first) + 1
}

fn blocks_table(blocks: &Value) -> Table {
    let mut table = Table::new(&["UNITS", "QTY", "PROJECT", "AUTHORIZATION", "STATE"]);
    for b in blocks.as_array().into_iter().flatten() {
        let auth = &b["attrs"]["authorization"];
        let auth = match auth["id"].as_str() {
            Some(id) => match auth["bound_version"].as_u64() {
                Some(v) => format!("{id} v{v}"),
                None => id.to_string(),
            },
            None => "-".into(),
        };
        table.row(vec![
            range(b),
            quantity(b).to_string(),
            cell(&b["attrs"]["project"]),
            auth,
            block_flags(&b["attrs"]),
        ]);
    }
    table
}

fn holder(account: &Value) -> String {
    match &account["holder"] {
        Value::Null => "-".into(),
        Value::Object(map) => {
            map.iter().map(|(k, v)| format!("{k} {}", cell(v))).collect::<Vec<_>>().join(",")
        }
        other => cell(other),
    }
}

fn account_holdings(answer: &Value) {
    let account = &answer["account"];
    print_fields(&[
        ("account", cell(&account["id"])),
        ("registry", cell(&account["registry"])),
        ("kind", cell(&account["kind"])),
        ("holder", holder(account)),
        ("status", cell(&account["status"])),
        ("units", cell(&answer["quantity"])),
    ]);
    println!();
    blocks_table(&answer["blocks"]).print_or("no units");
}

fn party_holdings(answer: &Value) {
    let mut table = Table::new(&["ACCOUNT", "KIND", "HOLDER", "STATUS", "UNITS"]);
    for h in answer["accounts"].as_array().into_iter().flatten() {
        let a = &h["account"];
        table.row(vec![
            cell(&a["id"]),
            cell(&a["kind"]),
            holder(a),
            cell(&a["status"]),
            cell(&h["quantity"]),
        ]);
    }
    table.print_or("no accounts");
    println!("{} units in {}'s registries", cell(&answer["quantity"]), cell(&answer["party"]));
    if answer["truncated"] == Value::Bool(true) {
        println!(
            "(truncated: the node sends one page of accounts; use --output json and per-account queries)"
        );
    }
}

fn events_table(events: &Value) -> Table {
    let mut table = Table::new(&["SEQ", "HEIGHT", "TIME", "EVENT", "DETAILS", "UNITS", "TX"]);
    for e in events.as_array().into_iter().flatten() {
        let units = if e["units"].is_null() { "-".to_string() } else { range(&e["units"]) };
        table.row(vec![
            cell(&e["seq"]),
            cell(&e["height"]),
            cell(&e["time"]),
            cell(&e["kind"]["kind"]),
            pairs(&e["kind"], &["kind"]),
            units,
            short(e["tx"].as_str().unwrap_or("-")),
        ]);
    }
    table
}

fn history(answer: &Value) {
    println!("unit {}", cell(&answer["unit"]));
    println!(
        "now in {} ({}), block {}",
        cell(&answer["current"]["attrs"]["account"]),
        block_flags(&answer["current"]["attrs"]),
        range(&answer["current"])
    );
    println!();
    events_table(&answer["events"]).print_or("no events");
}

fn events(answer: &Value) {
    events_table(&answer["events"]).print_or("no events");
    if let Some(next) = answer["next_after"].as_u64() {
        println!("more: --after {next}");
    }
}

fn authorization(answer: &Value) {
    let meta = &answer["meta"];
    print_fields(&[
        ("authorization", cell(&answer["id"])),
        ("latest version", cell(&meta["latest"])),
        ("units attached", cell(&meta["attached"])),
        ("first transferred", cell(&meta["first_transferred"])),
    ]);
    println!();
    let mut table =
        Table::new(&["VERSION", "DATE", "STATUS", "PARTY", "PURPOSES", "QUANTITY", "PARTIES", "USE PERIOD"]);
    for v in answer["versions"].as_array().into_iter().flatten() {
        let t = &v["terms"];
        let list = |value: &Value| match value.as_array() {
            Some(items) => items.iter().map(cell).collect::<Vec<_>>().join(" "),
            None => "any".into(),
        };
        let period = match (&t["use_period"]["first"], &t["use_period"]["last"]) {
            (Value::Number(a), Value::Number(b)) => format!("{a}-{b}"),
            _ => "any".into(),
        };
        table.row(vec![
            cell(&v["version"]),
            cell(&v["date"]),
            cell(&v["status"]),
            cell(&v["party"]),
            list(&t["purposes"]),
            if t["quantity"].is_null() { "no cap".into() } else { cell(&t["quantity"]) },
            list(&t["parties"]),
            period,
        ]);
    }
    print!("{}", table.render());
}

fn ledger(answer: &Value) {
    println!("corresponding adjustments of {}", cell(&answer["party"]));
    let mut table = Table::new(&["YEAR", "ADDITIONS", "SUBTRACTIONS", "NET"]);
    for y in answer["years"].as_array().into_iter().flatten() {
        let (add, sub) = (y["additions"].as_u64().unwrap_or(0), y["subtractions"].as_u64().unwrap_or(0));
        let net = i128::from(add) - i128::from(sub);
        table.row(vec![cell(&y["year"]), add.to_string(), sub.to_string(), format!("{net:+}")]);
    }
    table.print_or("no entries");
}

fn ledger_year(answer: &Value) {
    print_fields(&[
        ("party", cell(&answer["party"])),
        ("year", cell(&answer["year"])),
        ("closed", cell(&answer["closed"])),
        ("additions", cell(&answer["totals"]["additions"])),
        ("subtractions", cell(&answer["totals"]["subtractions"])),
    ]);
    println!();
    let mut table = Table::new(&["EVENT", "DATE", "DELTA", "UNITS"]);
    for e in answer["entries"].as_array().into_iter().flatten() {
        let delta = e["delta"].as_i64().map(|d| format!("{d:+}")).unwrap_or_else(|| cell(&e["delta"]));
        table.row(vec![cell(&e["event"]), cell(&e["date"]), delta, cell(&e["units"])]);
    }
    table.print_or("no entries");
}

fn block(answer: &Value) {
    let h = &answer["header"];
    print_fields(&[
        ("height", cell(&answer["height"])),
        ("hash", cell(&answer["hash"])),
        ("time", cell(&h["time"])),
        ("proposer", cell(&h["proposer"])),
        ("state root", cell(&h["state_root"])),
        ("previous", cell(&h["previous_block_hash"])),
        ("commit", format!("{} signature(s)", answer["commit"]["signatures"].as_array().map_or(0, Vec::len))),
    ]);
    println!();
    let results = answer["results"].as_array().cloned().unwrap_or_default();
    let mut table = Table::new(&["TX", "SIGNER", "NONCE", "ACTION", "VERDICT"]);
    for (i, t) in answer["txs"].as_array().into_iter().flatten().enumerate() {
        let body = &t["tx"]["body"];
        let verdict = results.get(i).map(|r| verdict_cell(&r["verdict"])).unwrap_or_else(|| "-".into());
        table.row(vec![
            short(t["hash"].as_str().unwrap_or("?")),
            short(body["signer"].as_str().unwrap_or("?")),
            cell(&body["nonce"]),
            cell(&body["payload"]["action"]),
            verdict,
        ]);
    }
    table.print_or("no transactions");
}

fn verdict_cell(verdict: &Value) -> String {
    if is_accepted(verdict) {
        return "ACCEPTED".into();
    }
    let codes: Vec<String> =
        verdict["rejections"].as_array().into_iter().flatten().map(|r| cell(&r["code"])).collect();
    format!("REJECTED {}", codes.join(" "))
}

fn transaction(answer: &Value) {
    let body = &answer["tx"]["body"];
    let mut fields = vec![("hash", cell(&answer["hash"])), ("status", cell(&answer["status"]))];
    if !answer["height"].is_null() {
        fields.push(("height", cell(&answer["height"])));
        fields.push(("position", cell(&answer["position"])));
    }
    fields.push(("action", cell(&body["payload"]["action"])));
    fields.push(("signer", cell(&body["signer"])));
    fields.push(("nonce", cell(&body["nonce"])));
    print_fields(&fields);
    if !body["payload"].is_null() {
        println!("payload:");
        let text = serde_json::to_string_pretty(&body["payload"]).unwrap_or_default();
        for line in text.lines() {
            println!("  {line}");
        }
    }
    if !answer["verdict"].is_null() {
        print_verdict(&answer["verdict"]);
    }
}

fn status(answer: &Value) {
    let peers = answer["peers"].as_array().map_or(0, Vec::len);
    print_fields(&[
        ("chain", cell(&answer["chain_id"])),
        ("genesis hash", cell(&answer["genesis_hash"])),
        ("node", format!("{} ({})", cell(&answer["moniker"]), cell(&answer["node_id"]))),
        ("validator", cell(&answer["validator"])),
        ("height", cell(&answer["height"])),
        ("block time", cell(&answer["block_time"])),
        ("block hash", cell(&answer["block_hash"])),
        ("state root", cell(&answer["state_root"])),
        ("peers", peers.to_string()),
        ("catching up", cell(&answer["catching_up"])),
        ("ready", cell(&answer["ready"])),
        (
            "mempool",
            format!("{} tx, {} bytes", cell(&answer["mempool"]["txs"]), cell(&answer["mempool"]["bytes"])),
        ),
    ]);
}
