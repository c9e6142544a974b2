//! Expectations on governance state after a step (R43–R51): a proposal's state and
//! votes, the validator set (now or at a later height), an officer key, an observer and
//! the upgrade plan. Keys are written `dev:NAME` or as hex.

use std::collections::BTreeMap;

use jcm_runtime::crypto::{PublicKey, SecretKey};
use jcm_runtime::state::{ReadStore, StateExt};
use jcm_runtime::tx::gov::{self, GovState};
use serde::Deserialize;

/// `[[step.proposal]]`: a proposal's state and the Parties that voted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalExpect {
    /// The proposal id (1, 2, ...).
    pub id: u64,
    /// `open`, `approved`, `rejected`, `expired`, `executed`.
    #[serde(default)]
    pub state: Option<String>,
    /// Exactly these Parties approved, in order.
    #[serde(default)]
    pub approvals: Option<Vec<String>>,
    /// Exactly these Parties rejected, in order.
    #[serde(default)]
    pub rejections: Option<Vec<String>>,
    /// Whether the admitted Party consented.
    #[serde(default)]
    pub consent: Option<bool>,
}

/// `[[step.validators]]`: the validator set by name and power.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorsExpect {
    /// The set at this later height (`validators_at`); the set in force if absent.
    #[serde(default)]
    pub height: Option<u64>,
    /// Exactly these validators, name = power.
    #[serde(default)]
    pub set: Option<BTreeMap<String, u64>>,
    /// Whether a change takes effect at exactly `height` (`changes_at`).
    #[serde(default)]
    pub changes: Option<bool>,
    /// The node id recorded for a validator, name = node id.
    #[serde(default)]
    pub nodes: Option<BTreeMap<String, String>>,
}

/// `[[step.officer]]`: what a key is now.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerExpect {
    /// The key.
    pub key: String,
    /// The officer it belongs to; `""` for none.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether it was rotated away or revoked.
    #[serde(default)]
    pub retired: Option<bool>,
    /// Exactly this many roles.
    #[serde(default)]
    pub roles: Option<usize>,
}

/// `[[step.observer]]`: whether a node id is an allowed observer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObserverExpect {
    /// Node id.
    pub node_id: String,
    /// Allowed or not.
    pub allowed: bool,
}

/// `[step.upgrade]`: the upgrade plan and the version required at a height.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradeExpect {
    /// The planned `(version, height)`; both absent for "no plan".
    #[serde(default)]
    pub version: Option<u32>,
    /// See `version`.
    #[serde(default)]
    pub height: Option<u64>,
    /// `{ height = version }`: the protocol version required at these heights.
    #[serde(default)]
    pub required: BTreeMap<String, u32>,
}

/// A key written `dev:NAME` or as hex.
pub fn parse_key(text: &str) -> Result<PublicKey, String> {
    if let Some(name) = text.strip_prefix("dev:") {
        return Ok(SecretKey::dev(name).public());
    }
    serde_json::from_value(serde_json::Value::from(text)).map_err(|e| format!("key `{text}`: {e}"))
}

/// Checks [`ProposalExpect`].
pub fn proposal<S: ReadStore + ?Sized>(st: &S, e: &ProposalExpect) -> Vec<String> {
    let Some(p) = st.proposal(e.id) else { return vec![format!("there is no proposal {}", e.id)] };
    let mut out = Vec::new();
    let state = serde_json::to_value(p.state).map(|v| v.as_str().unwrap_or_default().to_string());
    if let (Some(want), Ok(got)) = (&e.state, &state) {
        if want != got {
            out.push(format!("proposal {} is {got}, expected {want}", e.id));
        }
    }
    let parties = |votes: &[gov::Vote]| votes.iter().map(|v| v.party.to_string()).collect::<Vec<_>>();
    for (what, want, got) in [
        ("approvals", &e.approvals, parties(&p.approvals)),
        ("rejections", &e.rejections, parties(&p.rejections)),
    ] {
        if let Some(want) = want {
            if want != &got {
                out.push(format!("proposal {} {what} are {got:?}, expected {want:?}", e.id));
            }
        }
    }
    if let Some(want) = e.consent {
        if want != p.consent.is_some() {
            out.push(format!("proposal {} consent is {}, expected {want}", e.id, p.consent.is_some()));
        }
    }
    out
}

/// Checks [`ValidatorsExpect`].
pub fn validators<S: ReadStore + ?Sized>(st: &S, e: &ValidatorsExpect) -> Vec<String> {
    let set = match e.height {
        Some(h) => gov::validators_at(st, h),
        None => st.validators(),
    };
    let mut out = Vec::new();
    let got: BTreeMap<String, u64> = set.iter().map(|v| (v.name.to_string(), v.power)).collect();
    if let Some(want) = &e.set {
        if want != &got {
            out.push(format!("the validator set at {:?} is {got:?}, expected {want:?}", e.height));
        }
    }
    if let (Some(want), Some(h)) = (e.changes, e.height) {
        if gov::changes_at(st, h) != want {
            out.push(format!("changes at height {h}: expected {want}"));
        }
    }
    for (name, node) in e.nodes.iter().flatten() {
        let recorded = set
            .iter()
            .find(|v| v.name.as_str() == name)
            .and_then(|v| st.validator_node(&v.public_key))
            .map(|n| n.to_string());
        if recorded.as_deref() != Some(node.as_str()) {
            out.push(format!("validator {name}'s node id is {recorded:?}, expected {node}"));
        }
    }
    out
}

/// Checks [`OfficerExpect`].
pub fn officer<S: ReadStore + ?Sized>(st: &S, e: &OfficerExpect) -> Vec<String> {
    let key = match parse_key(&e.key) {
        Ok(k) => k,
        Err(m) => return vec![m],
    };
    let record = st.officer(&key);
    let mut out = Vec::new();
    let name = record.as_ref().map(|o| o.name.to_string()).unwrap_or_default();
    if e.name.as_ref().is_some_and(|want| want != &name) {
        out.push(format!("key {} belongs to officer `{name}`, expected {:?}", e.key, e.name));
    }
    if let Some(want) = e.retired {
        if st.retired(&key).is_some() != want {
            out.push(format!("key {} retired: expected {want}", e.key));
        }
    }
    if let Some(want) = e.roles {
        let got = record.map_or(0, |o| o.roles.len());
        if got != want {
            out.push(format!("key {} has {got} roles, expected {want}", e.key));
        }
    }
    out
}

/// Checks [`ObserverExpect`].
pub fn observer<S: ReadStore + ?Sized>(st: &S, e: &ObserverExpect) -> Vec<String> {
    if st.observer(&e.node_id).is_some() == e.allowed {
        return Vec::new();
    }
    vec![format!("observer {} allowed: expected {}", e.node_id, e.allowed)]
}

/// Checks [`UpgradeExpect`].
pub fn upgrade<S: ReadStore + ?Sized>(st: &S, e: &UpgradeExpect) -> Vec<String> {
    let mut out = Vec::new();
    let want = e.version.zip(e.height);
    if gov::upgrade_at(st) != want {
        out.push(format!("the upgrade plan is {:?}, expected {want:?}", gov::upgrade_at(st)));
    }
    for (height, version) in &e.required {
        let Ok(h) = height.parse::<u64>() else {
            out.push(format!("`{height}` is not a height"));
            continue;
        };
        let got = gov::required_protocol_version(st, h);
        if got != *version {
            out.push(format!("protocol version required at {h} is {got}, expected {version}"));
        }
    }
    out
}
