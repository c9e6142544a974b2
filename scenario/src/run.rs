//! Executes a loaded scenario: one block per step, the real runtime, every expectation
//! and the R41 invariants checked after every step: in full, and over the step's writes
//! alone ([`invariants::check_block`], as a node checks each block).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jcm_runtime::codec::Hash32;
use jcm_runtime::error::Code;
use jcm_runtime::events::Event;
use jcm_runtime::invariants;
use jcm_runtime::protocol;
use jcm_runtime::protocol::{Payload, SignedNotification, Transaction};
use jcm_runtime::state::{keys, Entries, MemStore, ReadStore, StateExt, Store, WriteSet};
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::{self, BlockContext};
use jcm_runtime::verdict::{Status, Verdict};
use serde_json::Value;

use super::expect;
use super::expect_gov;
use super::{load, Expect, FixtureSource, LoadedStep, ScenarioError};
use crate::fixture::Fixture;

/// The result of one step.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// `file#index (id)`.
    pub label: String,
    /// Block time.
    pub at: Timestamp,
    /// The signer and action, if the step had a transaction.
    pub action: Option<String>,
    /// The verdict, if the step had a transaction.
    pub verdict: Option<Verdict>,
    /// Every expectation that did not hold.
    pub failures: Vec<String>,
}

/// The result of a scenario.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The scenario's name.
    pub name: String,
    /// The file.
    pub file: PathBuf,
    /// Each step's report, includes first.
    pub steps: Vec<StepReport>,
    /// The chain's state after the last step, for read models and reports.
    pub state: MemStore,
}

impl Outcome {
    /// Whether every step met its expectations.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.failures.is_empty())
    }
}

/// A store that records the writes made through it, as a block's [`WriteSet`].
struct Recording<'a> {
    store: &'a mut MemStore,
    writes: &'a mut WriteSet,
}

impl ReadStore for Recording<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.store.get(key)
    }

    fn range(&self, start: &[u8], end: Option<&[u8]>) -> Entries<'_> {
        self.store.range(start, end)
    }
}

impl Store for Recording<'_> {
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.insert(key.clone(), Some(value.clone()));
        self.store.put(key, value);
    }

    fn delete(&mut self, key: &[u8]) {
        self.writes.insert(key.to_vec(), None);
        self.store.delete(key);
    }
}

/// The running chain of a scenario.
struct Chain {
    fixture: Fixture,
    clock: Timestamp,
    state: MemStore,
    height: u64,
    time: Timestamp,
    sent: BTreeMap<String, Transaction>,
}

/// Loads and runs the scenario at `path`.
pub fn run_file(path: &Path) -> Result<Outcome, ScenarioError> {
    let loaded = load(path)?;
    let invalid = |message: String| ScenarioError::Invalid { path: path.display().to_string(), message };
    let fixture = match &loaded.genesis {
        Some(FixtureSource::Path(g)) => Fixture::load(g, &loaded.patches),
        Some(FixtureSource::Named(name)) => Fixture::named(name, &loaded.patches),
        None => Fixture::from_json(crate::fixture::F0_JSON, &loaded.patches),
    }
    .map_err(|e| invalid(e.to_string()))?;
    let clock = match &loaded.clock {
        Some(v) => parse_time(v).map_err(invalid)?,
        None => fixture.genesis.genesis_time,
    };
    let mut state = fixture.state();
    for closed in &loaded.closed_years {
        let party =
            jcm_runtime::ids::Party::new(&closed.party).map_err(|e| invalid(format!("closed_years: {e}")))?;
        state.put(keys::closed_year(&party, closed.year), Vec::new());
    }
    let time = fixture.genesis.genesis_time;
    let mut chain = Chain { fixture, clock, state, height: 0, time, sent: BTreeMap::new() };
    let mut steps = Vec::new();
    let mut first = true;
    for step in &loaded.steps {
        let report = chain.step(step, first).map_err(|m| ScenarioError::Invalid {
            path: step.file.display().to_string(),
            message: format!("step {}: {m}", step.index),
        })?;
        first = false;
        steps.push(report);
    }
    Ok(Outcome { name: loaded.name, file: path.to_path_buf(), steps, state: chain.state })
}

fn parse_time(value: &toml::Value) -> Result<Timestamp, String> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Timestamp::parse(&text)
}

/// TOML to JSON, with TOML dates as strings.
fn to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::from(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        toml::Value::Table(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

/// State digest without the per-transaction bookkeeping (nonces and receipts): what a
/// rejected transaction must leave unchanged.
pub fn ledger_digest(st: &MemStore) -> Hash32 {
    let mut copy = st.clone();
    for prefix in [keys::prefix::NONCE, keys::prefix::RECEIPT] {
        let doomed: Vec<Vec<u8>> = copy.scan_prefix(prefix).map(|(k, _)| k).collect();
        for k in doomed {
            copy.delete(&k);
        }
    }
    jcm_runtime::state::state_digest(&copy)
}

impl Chain {
    fn step(&mut self, ls: &LoadedStep, first: bool) -> Result<StepReport, String> {
        let step = &ls.step;
        let stem = ls.file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let label = match &step.id {
            Some(id) => format!("{stem}#{} ({id})", ls.index),
            None => format!("{stem}#{}", ls.index),
        };
        let at = match &step.at {
            Some(v) => parse_time(v)?,
            // The scenario's clock (the spec's "runtime clock"), or one second after the
            // previous step if that is later: block time never goes back.
            None if first => self.clock.max(self.time),
            None => self.clock.max(Timestamp(self.time.0 + 1)),
        };
        if at < self.time {
            return Err(format!("block time {at} goes back before {}", self.time));
        }
        self.time = at;
        self.height += 1;
        let block = BlockContext { height: self.height, time: at };
        let head = self.state.event_head().count;
        let before = self.state.clone();
        let mut writes = WriteSet::new();
        tx::begin_block(&mut Recording { store: &mut self.state, writes: &mut writes }, &block);
        let mut failures = Vec::new();
        let (action, verdict) = match self.transaction(step)? {
            None => (None, None),
            Some(Err(verdict)) => {
                (Some(format!("{} (not decodable)", step.signer.clone().unwrap_or_default())), Some(verdict))
            }
            Some(Ok(transaction)) => {
                let before = ledger_digest(&self.state);
                let decoded = Transaction::decode(&transaction.encode());
                if decoded.as_ref() != Ok(&transaction) {
                    failures.push(format!(
                        "the transaction does not survive its canonical encoding: {decoded:?}"
                    ));
                }
                let verdict = tx::apply(
                    &mut Recording { store: &mut self.state, writes: &mut writes },
                    &block,
                    &transaction,
                );
                if !verdict.is_accepted() && ledger_digest(&self.state) != before {
                    failures.push("a rejected transaction changed the ledger state".into());
                }
                if let Some(id) = &step.id {
                    self.sent.insert(id.clone(), transaction.clone());
                }
                let who =
                    step.signer.clone().or(step.resubmit.as_ref().map(|r| format!("resubmission of {r}")));
                (
                    Some(format!("{} {}", who.unwrap_or_default(), transaction.body.payload.action())),
                    Some(verdict),
                )
            }
        };
        if let Some(verdict) = &verdict {
            failures.extend(check_verdict(step, verdict));
            failures.extend(repeated_codes(verdict));
        }
        let recorded: Vec<Event> = (head..self.state.event_head().count)
            .filter_map(|seq| self.state.read(&keys::event(seq)))
            .collect();
        failures.extend(self.check_state(step, &recorded));
        for violation in invariants::check(&self.state) {
            failures.push(format!("invariant broken: {violation}"));
        }
        for violation in invariants::check_block(&before, &writes) {
            failures.push(format!("invariant broken in the block's writes: {violation}"));
        }
        Ok(StepReport { label, at, action, verdict, failures })
    }

    /// The step's transaction: none, a malformed message (rejected as R2 without being
    /// submitted), or a signed transaction.
    fn transaction(&self, step: &super::Step) -> Result<Option<Result<Transaction, Verdict>>, String> {
        if let Some(earlier) = &step.resubmit {
            let tx =
                self.sent.get(earlier).ok_or_else(|| format!("no earlier step `{earlier}` to resubmit"))?;
            return Ok(Some(Ok(tx.clone())));
        }
        let Some(tx) = &step.tx else { return Ok(None) };
        let signer = step.signer.as_deref().ok_or("a transaction step needs `signer`")?;
        let key = self
            .fixture
            .signing_key(signer)
            .ok_or_else(|| format!("`{signer}` is not an officer with a dev: key in the fixture"))?;
        let key = &key;
        let mut json = to_json(tx);
        self.substitute(&mut json)?;
        let chain_id = self.fixture.genesis.chain_id.to_string();
        self.endorse(&mut json, &chain_id)?;
        crate::fixture::replace_dev_keys_in(&mut json);
        // An unknown field is a format error of the file (exit 2); any other payload that
        // does not decode is a malformed message, rejected as R2 with the decoder's reason.
        let payload: Payload = match protocol::payload_from_json(json) {
            Ok(p) => p,
            Err(e) if e.unknown_field().is_some() => return Err(e.to_string()),
            Err(e) => return Ok(Some(Err(Verdict::rejected(vec![e.rejection()])))),
        };
        let nonce = step.nonce.unwrap_or_else(|| self.state.nonce(&key.public()));
        Ok(Some(Ok(Transaction::sign(&chain_id, key, nonce, payload))))
    }

    /// Replaces `"$tx:ID"` by the id of the transaction of step `ID`.
    fn substitute(&self, json: &mut Value) -> Result<(), String> {
        match json {
            Value::String(s) => {
                if let Some(id) = s.strip_prefix("$tx:") {
                    let tx = self.sent.get(id).ok_or_else(|| format!("`$tx:{id}` names no earlier step"))?;
                    *s = tx.hash().to_hex();
                }
            }
            Value::Array(items) => items.iter_mut().try_for_each(|v| self.substitute(v))?,
            Value::Object(map) => map.values_mut().try_for_each(|v| self.substitute(v))?,
            _ => {}
        }
        Ok(())
    }

    /// Turns `notification = { body = {...}, signed_by = [names] }` into a notification
    /// endorsed by those officers' keys.
    fn endorse(&self, json: &mut Value, chain_id: &str) -> Result<(), String> {
        let Some(n) = json.get_mut("notification").and_then(Value::as_object_mut) else {
            return Ok(());
        };
        let Some(signers) = n.remove("signed_by") else {
            return Ok(());
        };
        let body = n.get("body").cloned().ok_or("a notification has a `body`")?;
        let body = match serde_json::from_value(body) {
            Ok(b) => b,
            Err(_) => return Ok(()), // left malformed: decoding the payload reports it (R2)
        };
        let mut signed = SignedNotification { body, endorsements: Vec::new() };
        for name in signers.as_array().ok_or("`signed_by` is a list of officer names")? {
            let name = name.as_str().ok_or("`signed_by` is a list of officer names")?;
            let key = self
                .fixture
                .signing_key(name)
                .ok_or_else(|| format!("`{name}` has no dev: key in the fixture"))?;
            signed.endorse(chain_id, &key);
        }
        json["notification"] = serde_json::to_value(&signed).map_err(|e| e.to_string())?;
        Ok(())
    }

    fn check_state(&self, step: &super::Step, recorded: &[Event]) -> Vec<String> {
        let st = &self.state;
        let mut out = Vec::new();
        step.holdings.iter().for_each(|e| out.extend(expect::holdings(st, e)));
        step.units.iter().for_each(|e| out.extend(expect::units(st, e)));
        step.ledger.iter().for_each(|(p, e)| out.extend(expect::ledger(st, p, e)));
        step.events.iter().for_each(|e| out.extend(expect::events(recorded, e)));
        for e in &step.transfer {
            match self.sent.get(&e.step) {
                Some(tx) => out.extend(expect::transfer(st, &tx.hash(), e)),
                None => out.push(format!("no earlier step `{}`", e.step)),
            }
        }
        step.authorization.iter().for_each(|e| out.extend(expect::authorization(st, e)));
        step.aef.iter().for_each(|e| out.extend(expect::aef_rows(st, e)));
        step.credited.iter().for_each(|e| out.extend(expect::credited(st, e)));
        step.proposal.iter().for_each(|e| out.extend(expect_gov::proposal(st, e)));
        step.validators.iter().for_each(|e| out.extend(expect_gov::validators(st, e)));
        step.officer.iter().for_each(|e| out.extend(expect_gov::officer(st, e)));
        step.observer.iter().for_each(|e| out.extend(expect_gov::observer(st, e)));
        step.upgrade.iter().for_each(|e| out.extend(expect_gov::upgrade(st, e)));
        out
    }
}

/// A verdict lists each code once, with every reason in its sentence: a code listed
/// twice is a failure of the step whatever the expectations.
fn repeated_codes(verdict: &Verdict) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, list) in [("rejection", &verdict.rejections), ("warning", &verdict.warnings)] {
        let mut seen = std::collections::BTreeSet::new();
        for entry in list.iter() {
            if !seen.insert(entry.code) {
                out.push(format!("the verdict lists {kind} code {} more than once", entry.code));
            }
        }
    }
    out
}

fn parse_codes(codes: &[String]) -> Result<Vec<Code>, String> {
    let mut out: Vec<Code> = codes.iter().map(|c| c.parse()).collect::<Result<_, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

fn check_verdict(step: &super::Step, verdict: &Verdict) -> Vec<String> {
    let mut out = Vec::new();
    let status = match verdict.status {
        Status::Accepted => Expect::Accepted,
        Status::Rejected => Expect::Rejected,
    };
    if Some(status) != step.expect {
        out.push(format!("expected {:?}, got {verdict}", step.expect.unwrap_or(Expect::Accepted)));
    }
    let got = verdict.codes();
    let show = |c: &[Code]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" ");
    match step.codes.as_deref().map(parse_codes) {
        Some(Ok(want)) if want != got => {
            out.push(format!("codes are [{}], expected exactly [{}]", show(&got), show(&want)))
        }
        Some(Err(e)) => out.push(e),
        _ => {}
    }
    match step.codes_include.as_deref().map(parse_codes) {
        Some(Ok(want)) if !want.iter().all(|c| got.contains(c)) => {
            out.push(format!("codes are [{}], expected to include [{}]", show(&got), show(&want)));
        }
        Some(Err(e)) => out.push(e),
        _ => {}
    }
    let warnings: Vec<Code> = {
        let mut w: Vec<Code> = verdict.warnings.iter().map(|r| r.code).collect();
        w.dedup();
        w
    };
    match step.warnings.as_deref().map(parse_codes) {
        Some(Ok(want)) if want != warnings => {
            out.push(format!("warnings are [{}], expected [{}]", show(&warnings), show(&want)))
        }
        Some(Err(e)) => out.push(e),
        _ => {}
    }
    if let Some(original) = step.original {
        let got = verdict.original.as_ref().map(|o| match o.status {
            Status::Accepted => Expect::Accepted,
            Status::Rejected => Expect::Rejected,
        });
        if got != Some(original) {
            out.push(format!("the original verdict is {got:?}, expected {original:?}"));
        }
    }
    out
}
