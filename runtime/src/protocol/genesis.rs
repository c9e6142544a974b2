//! The genesis document: the JSON file every node and auditor starts from. It declares
//! the Parties and their NDC periods, registries, accounts, officers and the roles their
//! keys hold, cooperative approaches, Joint Committees, projects, entities, the
//! authorizations in force, and the validator set.
//!
//! [`Genesis::validate`] refuses a document whose references do not resolve, and
//! [`Genesis::hash`] is the genesis hash nodes compare with their peers.

use std::collections::BTreeSet;

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::codec::{self, Hash32};
use crate::ids::*;
use crate::model::*;
use crate::time::Timestamp;

/// An authorization in force at genesis (version 1).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisAuthorization {
    /// The authorizing Party.
    pub party: Party,
    /// Date of authorization.
    pub date: Timestamp,
    /// The terms.
    pub terms: AuthorizationTerms,
}

/// The genesis document.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// Chain id.
    pub chain_id: Text,
    /// Genesis time.
    pub genesis_time: Timestamp,
    /// Parties.
    pub parties: Vec<PartyRecord>,
    /// Registries.
    pub registries: Vec<Registry>,
    /// Cooperative approaches.
    pub cooperative_approaches: Vec<CooperativeApproach>,
    /// Joint Committees.
    #[serde(default)]
    pub joint_committees: Vec<JointCommittee>,
    /// Projects.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// Entities.
    #[serde(default)]
    pub entities: Vec<Entity>,
    /// Accounts.
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// Officers and their roles.
    pub officers: Vec<Officer>,
    /// Authorizations in force.
    #[serde(default)]
    pub authorizations: Vec<GenesisAuthorization>,
    /// The validator set.
    pub validators: Vec<Validator>,
}

/// Why a genesis document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    /// The JSON does not parse.
    #[error("genesis JSON: {0}")]
    Json(String),
    /// A reference or value is invalid.
    #[error("genesis: {0}")]
    Invalid(String),
}

fn unique<'a, T: Ord + std::fmt::Display + 'a>(
    what: &str,
    items: impl Iterator<Item = &'a T>,
) -> Result<BTreeSet<&'a T>, GenesisError> {
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(item) {
            return Err(GenesisError::Invalid(format!("{what} {item} is declared twice")));
        }
    }
    Ok(seen)
}

fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), GenesisError> {
    if cond {
        Ok(())
    } else {
        Err(GenesisError::Invalid(msg()))
    }
}

impl Genesis {
    /// Parses and validates a genesis JSON document.
    pub fn from_json(text: &str) -> Result<Self, GenesisError> {
        let genesis: Genesis = serde_json::from_str(text).map_err(|e| GenesisError::Json(e.to_string()))?;
        genesis.validate()?;
        Ok(genesis)
    }

    /// The document as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("genesis serializes")
    }

    /// The genesis hash: SHA-256 of the canonical encoding.
    pub fn hash(&self) -> Hash32 {
        codec::hash_of(self)
    }

    /// Checks that every reference resolves and every value is in range.
    pub fn validate(&self) -> Result<(), GenesisError> {
        let parties = unique("Party", self.parties.iter().map(|p| &p.code))?;
        let registries = unique("registry", self.registries.iter().map(|r| &r.id))?;
        let cas = unique("cooperative approach", self.cooperative_approaches.iter().map(|c| &c.id))?;
        let jcs = unique("Joint Committee", self.joint_committees.iter().map(|j| &j.id))?;
        unique("project", self.projects.iter().map(|p| &p.id))?;
        let entities = unique("entity", self.entities.iter().map(|e| &e.id))?;
        unique("account", self.accounts.iter().map(|a| &a.id))?;
        unique("officer", self.officers.iter().map(|o| &o.name))?;
        unique("authorization", self.authorizations.iter().map(|a| &a.terms.id))?;
        let mut keys_seen = BTreeSet::new();
        for o in &self.officers {
            ensure(keys_seen.insert(o.public_key), || format!("officer {} reuses a key", o.name))?;
        }
        for p in &self.parties {
            for period in &p.ndc_periods {
                ensure(period.years.first <= period.years.last, || format!("{}: empty NDC period", p.code))?;
            }
        }
        for r in &self.registries {
            ensure(parties.contains(&r.id.party()), || format!("registry {} has no Party", r.id))?;
        }
        for c in &self.cooperative_approaches {
            for p in &c.participants {
                ensure(parties.contains(p), || format!("{}: unknown participant {p}", c.id))?;
            }
            ensure(c.omge_rate_bp <= 10_000 && c.sop_rate_bp <= 10_000, || {
                format!("{}: deduction rates are basis points (at most 10000)", c.id)
            })?;
        }
        for j in &self.joint_committees {
            ensure(cas.contains(&j.ca), || format!("{}: unknown cooperative approach {}", j.id, j.ca))?;
            ensure(j.parties.len() == 2, || format!("{}: a Joint Committee has two sides", j.id))?;
        }
        for p in &self.projects {
            ensure(parties.contains(&p.host), || format!("project {}: unknown host {}", p.id, p.host))?;
            ensure(cas.contains(&p.ca), || format!("project {}: unknown CA {}", p.id, p.ca))?;
        }
        let holder_known = |h: &Holder| match h {
            Holder::Party(p) => parties.contains(p),
            Holder::Entity(e) => entities.contains(e),
        };
        for a in &self.accounts {
            ensure(registries.contains(&a.registry), || format!("account {}: unknown registry", a.id))?;
            ensure(a.holder.as_ref().is_none_or(holder_known), || {
                format!("account {}: unknown holder", a.id)
            })?;
        }
        for o in &self.officers {
            for role in &o.roles {
                let known = match role {
                    Role::RegistryAdmin(r) => registries.contains(r),
                    Role::DesignatedAuthority(p) => parties.contains(p),
                    Role::JcRepresentative { jc, party } => jcs.contains(jc) && parties.contains(party),
                    Role::AccountHolder(h) => holder_known(h),
                    Role::Secretariat => true,
                };
                ensure(known, || format!("officer {}: role {role:?} names something unknown", o.name))?;
            }
        }
        for a in &self.authorizations {
            ensure(parties.contains(&a.party), || format!("{}: unknown Party", a.terms.id))?;
            ensure(cas.contains(&a.terms.ca), || format!("{}: unknown CA", a.terms.id))?;
        }
        ensure(!self.validators.is_empty(), || "the validator set is empty".into())?;
        for v in &self.validators {
            ensure(v.power > 0, || format!("validator {} has no voting power", v.name))?;
            ensure(parties.contains(&v.party), || format!("validator {}: unknown Party", v.name))?;
        }
        Ok(())
    }
}
