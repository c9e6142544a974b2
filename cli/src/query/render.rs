//! The tables and key-value blocks `jcm query` shows people, one renderer per route,
//! each reading the typed fields of its answer.

use jcm_api::chain::{BlockView, Status};
use jcm_api::gov::{Evidence, Validators, ValidatorsAt};
use jcm_api::query::{A64Location, AuthorizationView, EventsPage, Ledger, LedgerYear, PartyHoldings};
use jcm_api::tx::{Nonce, TxStatus};
use jcm_api::VerdictView;
use jcm_runtime::events::{Event, EventKind};
use jcm_runtime::model::{Account, Holder, Text, Validator};
use jcm_runtime::protocol::Period;
use jcm_runtime::read::{Credited, Holding, UnitHistory};
use jcm_runtime::units::{UnitAttrs, UnitBlock};
use serde_json::json;

use crate::output::{cell, pairs, print_fields, short, text, Table};
use crate::tx::{is_accepted, print_verdict};

pub(super) fn nonce(answer: &Nonce) {
    print_fields(&[
        ("signer", answer.signer.to_hex()),
        ("next nonce", answer.next_nonce.to_string()),
        ("committed", format!("nonces below {}", answer.state_nonce)),
        ("pending", answer.pending.to_string()),
    ]);
}

fn period(p: &Period) -> String {
    format!("{} to {}", p.from, p.to)
}

pub(super) fn credited(answer: &Credited) {
    println!("{} from {}", answer.project, period(&answer.period));
    println!();
    let mut jcm =
        Table::new(&["NOTIFICATION", "MONITORING PERIOD", "OVERLAP", "VINTAGE", "ISSUED", "HEIGHT"]);
    for i in &answer.jcm {
        jcm.row(vec![
            i.notification.to_string(),
            period(&i.monitoring_period),
            period(&i.overlap),
            text(&i.vintage),
            i.quantity.to_string(),
            i.height.to_string(),
        ]);
    }
    println!("JCM issuances:");
    jcm.print_or("none");
    println!();
    let mut other = Table::new(&["PROGRAMME", "PERIOD", "OVERLAP", "ITS PROJECT", "IDENTIFIERS", "HEIGHT"]);
    for e in &answer.elsewhere {
        let ids: Vec<String> = e.identifiers.iter().map(Text::to_string).collect();
        other.row(vec![
            e.programme.to_string(),
            period(&e.period),
            period(&e.overlap),
            text(&e.programme_project),
            if ids.is_empty() { "-".into() } else { ids.join(" ") },
            text(&e.height),
        ]);
    }
    println!("Credited by other programmes:");
    other.print_or("none");
}

pub(super) fn a64_unit(answer: &A64Location) {
    let receipt = &answer.receipt;
    print_fields(&[
        ("A6.4ER", answer.a64_id.clone()),
        ("approach", answer.ca.to_string()),
        ("host", answer.first_transferring_party.to_string()),
        ("ITMO serial", answer.serial.to_string()),
        ("received", format!("at height {}, transaction {}", receipt.height, receipt.tx)),
        ("receipt", format!("ITMO serials {}..{}", receipt.first, receipt.last)),
    ]);
}

/// The heading and one line per validator (with its node id, when known).
fn validator_lines<'a>(height: u64, set: impl Iterator<Item = (&'a Validator, Option<&'a Text>)>) {
    let set: Vec<_> = set.collect();
    let total: u64 = set.iter().map(|(v, _)| v.power).sum();
    println!("validator set at height {height}: {} validators, total power {total}", set.len());
    for (v, node_id) in set {
        let node = node_id.map(|id| format!("  node {id}")).unwrap_or_default();
        println!(
            "  {:<18} {}  power {:>3}  key {}{node}",
            v.name.to_string(),
            v.party,
            v.power,
            v.public_key
        );
    }
}

pub(super) fn validators(answer: &Validators) {
    validator_lines(answer.height, answer.validators.iter().map(|v| (&v.validator, v.node_id.as_ref())));
    if !answer.scheduled.is_empty() {
        println!("scheduled changes: {}", answer.scheduled.len());
        for s in &answer.scheduled {
            println!("  at height {}: {}", s.height, json!(s.change));
        }
    }
}

pub(super) fn validators_at(answer: &ValidatorsAt) {
    validator_lines(answer.height, answer.validators.iter().map(|v| (v, None)));
}

pub(super) fn evidence(answer: &Evidence) {
    if answer.evidence.is_empty() {
        println!("no equivocation recorded up to height {}", answer.height);
        return;
    }
    for (i, r) in answer.evidence.iter().enumerate() {
        if i > 0 {
            println!();
        }
        let value = |v: &Option<String>| match v {
            Some(hex) => hex.chars().take(16).collect::<String>(),
            None => "nil".to_owned(),
        };
        let record = &r.record;
        print_fields(&[
            ("validator", format!("{} ({})", record.name, record.validator)),
            (
                "votes",
                format!(
                    "two {}s at height {}, round {}: for {} and for {}",
                    r.kind,
                    r.vote_height,
                    r.round,
                    value(&r.values[0]),
                    value(&r.values[1])
                ),
            ),
            ("recorded", format!("at height {}, transaction {}", record.height, record.tx)),
            ("reported by", record.reporter.to_string()),
            ("evidence", record.hash.to_string()),
        ]);
    }
}

fn block_flags(attrs: &UnitAttrs) -> String {
    let mut flags = Vec::new();
    if attrs.first_transferred {
        flags.push("first-transferred".to_string());
    }
    if let Some(y) = attrs.use_year {
        flags.push(format!("used-for-{y}"));
    }
    if attrs.hold {
        flags.push("ON HOLD".to_string());
    }
    if let Some(transfer) = &attrs.reserved_by {
        flags.push(format!("reserved-by-{}", short(&transfer.to_hex())));
    }
    if flags.is_empty() {
        "-".into()
    } else {
        flags.join(",")
    }
}

fn blocks_table(blocks: &[UnitBlock]) -> Table {
    let mut table = Table::new(&["UNITS", "QTY", "PROJECT", "AUTHORIZATION", "STATE"]);
    for b in blocks {
        let auth = match &b.attrs.authorization {
            Some(binding) => match binding.bound_version {
                Some(v) => format!("{} v{v}", binding.id),
                None => binding.id.to_string(),
            },
            None => "-".into(),
        };
        let quantity = b.last.saturating_sub(b.first) + 1;
        table.row(vec![
            b.range_text(),
            quantity.to_string(),
            b.attrs.project.to_string(),
            auth,
            block_flags(&b.attrs),
        ]);
    }
    table
}

fn holder(account: &Account) -> String {
    match &account.holder {
        None => "-".into(),
        Some(Holder::Party(party)) => format!("party {party}"),
        Some(Holder::Entity(entity)) => format!("entity {entity}"),
    }
}

pub(super) fn account_holdings(answer: &Holding) {
    let account = &answer.account;
    print_fields(&[
        ("account", account.id.to_string()),
        ("registry", account.registry.to_string()),
        ("kind", text(&account.kind)),
        ("holder", holder(account)),
        ("status", text(&account.status)),
        ("units", answer.quantity.to_string()),
    ]);
    println!();
    blocks_table(&answer.blocks).print_or("no units");
}

pub(super) fn party_holdings(answer: &PartyHoldings) {
    let mut table = Table::new(&["ACCOUNT", "KIND", "HOLDER", "STATUS", "UNITS"]);
    for h in &answer.accounts {
        let a = &h.account;
        table.row(vec![a.id.to_string(), text(&a.kind), holder(a), text(&a.status), h.quantity.to_string()]);
    }
    table.print_or("no accounts");
    println!("{} units in {}'s registries", answer.quantity, answer.party);
    if answer.truncated {
        println!(
            "(truncated: the node sends one page of accounts; use --output json and per-account queries)"
        );
    }
}

/// An event's kind and its other fields as `key=value` pairs, from its JSON form (the
/// fields differ from kind to kind).
fn event_kind(kind: &EventKind) -> (String, String) {
    let fields = json!(kind);
    (cell(&fields["kind"]), pairs(&fields, &["kind"]))
}

fn events_table(events: &[Event]) -> Table {
    let mut table = Table::new(&["SEQ", "HEIGHT", "TIME", "EVENT", "DETAILS", "UNITS", "TX"]);
    for e in events {
        let (kind, details) = event_kind(&e.kind);
        table.row(vec![
            e.seq.to_string(),
            e.height.to_string(),
            e.time.to_string(),
            kind,
            details,
            e.units.as_ref().map_or_else(|| "-".to_string(), UnitBlock::range_text),
            short(&e.tx.to_hex()),
        ]);
    }
    table
}

pub(super) fn history(answer: &UnitHistory) {
    println!("unit {}", answer.unit);
    let current = &answer.current;
    println!(
        "now in {} ({}), block {}",
        current.attrs.account,
        block_flags(&current.attrs),
        current.range_text()
    );
    println!();
    events_table(&answer.events).print_or("no events");
}

pub(super) fn events(answer: &EventsPage) {
    events_table(&answer.events).print_or("no events");
    if let Some(next) = answer.next_after {
        println!("more: --after {next}");
    }
}

pub(super) fn authorization(answer: &AuthorizationView) {
    let meta = &answer.meta;
    print_fields(&[
        ("authorization", answer.id.to_string()),
        ("latest version", meta.latest.to_string()),
        ("units attached", meta.attached.to_string()),
        ("first transferred", meta.first_transferred.to_string()),
    ]);
    println!();
    let mut table =
        Table::new(&["VERSION", "DATE", "STATUS", "PARTY", "PURPOSES", "QUANTITY", "PARTIES", "USE PERIOD"]);
    for v in &answer.versions {
        let t = &v.terms;
        let purposes: Vec<String> = t.purposes.iter().map(text).collect();
        let parties = match &t.parties {
            Some(parties) => parties.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
            None => "any".into(),
        };
        let period = match &t.use_period {
            Some(years) => format!("{}-{}", years.first, years.last),
            None => "any".into(),
        };
        table.row(vec![
            v.version.to_string(),
            v.date.to_string(),
            text(&v.status),
            v.party.to_string(),
            purposes.join(" "),
            t.quantity.map_or_else(|| "no cap".into(), |q| q.to_string()),
            parties,
            period,
        ]);
    }
    print!("{}", table.render());
}

pub(super) fn ledger(answer: &Ledger) {
    println!("corresponding adjustments of {}", answer.party);
    let mut table = Table::new(&["YEAR", "ADDITIONS", "SUBTRACTIONS", "NET"]);
    for y in &answer.years {
        let net = i128::from(y.additions) - i128::from(y.subtractions);
        table.row(vec![
            y.year.to_string(),
            y.additions.to_string(),
            y.subtractions.to_string(),
            format!("{net:+}"),
        ]);
    }
    table.print_or("no entries");
}

pub(super) fn ledger_year(answer: &LedgerYear) {
    print_fields(&[
        ("party", answer.party.to_string()),
        ("year", answer.year.to_string()),
        ("closed", text(&answer.closed)),
        ("additions", answer.totals.additions.to_string()),
        ("subtractions", answer.totals.subtractions.to_string()),
    ]);
    println!();
    let mut table = Table::new(&["EVENT", "DATE", "DELTA", "UNITS"]);
    for e in &answer.entries {
        table.row(vec![e.event.to_string(), e.date.clone(), format!("{:+}", e.delta), e.units.clone()]);
    }
    table.print_or("no entries");
}

pub(super) fn block(answer: &BlockView) {
    let h = &answer.header;
    let signatures = answer.commit.as_ref().map_or(0, |c| c.signatures.len());
    print_fields(&[
        ("height", answer.height.to_string()),
        ("hash", answer.hash.to_string()),
        ("time", h.time.to_string()),
        ("proposer", h.proposer.clone()),
        ("state root", h.state_root.to_string()),
        ("previous", h.previous_block_hash.to_string()),
        ("commit", format!("{signatures} signature(s)")),
    ]);
    println!();
    let results = answer.results.as_deref().unwrap_or_default();
    let mut table = Table::new(&["TX", "SIGNER", "NONCE", "ACTION", "VERDICT"]);
    for (i, t) in answer.txs.iter().enumerate() {
        let body = &t.tx.body;
        let verdict = results.get(i).map_or_else(|| "-".into(), |r| verdict_cell(&r.verdict));
        table.row(vec![
            short(&t.hash.to_hex()),
            short(&body.signer.to_hex()),
            body.nonce.to_string(),
            body.payload.action().to_string(),
            verdict,
        ]);
    }
    table.print_or("no transactions");
}

fn verdict_cell(verdict: &VerdictView) -> String {
    if is_accepted(verdict) {
        return "ACCEPTED".into();
    }
    format!("REJECTED {}", verdict.codes().join(" "))
}

pub(super) fn transaction(answer: &TxStatus) {
    let body = answer.tx.as_ref().map(|tx| &tx.body);
    let mut fields = vec![("hash", answer.hash.to_string()), ("status", text(&answer.status))];
    if let Some(height) = answer.height {
        fields.push(("height", height.to_string()));
        fields.push(("position", text(&answer.position)));
    }
    fields.push(("action", body.map_or_else(|| "-".into(), |b| b.payload.action().to_string())));
    fields.push(("signer", body.map_or_else(|| "-".into(), |b| b.signer.to_hex())));
    fields.push(("nonce", body.map_or_else(|| "-".into(), |b| b.nonce.to_string())));
    print_fields(&fields);
    if let Some(body) = body {
        println!("payload:");
        // As the JSON form of the payload, keys in order.
        let text = serde_json::to_string_pretty(&json!(body.payload)).unwrap_or_default();
        for line in text.lines() {
            println!("  {line}");
        }
    }
    if let Some(verdict) = &answer.verdict {
        print_verdict(verdict);
    }
}

pub(super) fn status(answer: &Status) {
    print_fields(&[
        ("chain", answer.chain_id.clone()),
        ("genesis hash", answer.genesis_hash.to_string()),
        ("node", format!("{} ({})", answer.moniker, answer.node_id)),
        ("validator", text(&answer.validator)),
        ("height", answer.height.to_string()),
        ("block time", answer.block_time.to_string()),
        ("block hash", answer.block_hash.to_string()),
        ("state root", answer.state_root.to_string()),
        ("peers", answer.peers.len().to_string()),
        ("catching up", text(&answer.catching_up)),
        ("ready", text(&answer.ready)),
        ("mempool", format!("{} tx, {} bytes", answer.mempool.txs, answer.mempool.bytes)),
    ]);
}

#[cfg(test)]
mod tests {
    use jcm_api::gov::Validators;
    use jcm_runtime::crypto::SecretKey;
    use jcm_runtime::model::{Text, Validator};
    use jcm_runtime::read::gov::ValidatorView;

    #[test]
    fn a_validator_set_reads_back_from_the_json_the_node_writes() {
        let validator = Validator {
            name: Text::new("validator-ind").expect("short"),
            public_key: SecretKey::dev("validator-ind").public(),
            power: 1,
            party: "IND".parse().expect("a Party"),
        };
        let node_id = Some(Text::new("12D3KooW").expect("short"));
        let answer = Validators {
            height: 4,
            validators: vec![ValidatorView { validator, node_id }],
            scheduled: vec![],
            observers: vec![],
            upgrade: None,
            retired_keys: vec![],
        };
        let json = serde_json::to_string(&answer).expect("serializes");
        assert_eq!(serde_json::from_str::<Validators>(&json).expect("reads back"), answer);
    }
}
