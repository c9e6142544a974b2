//! The part of a testnet the load runs in: the cooperative approaches in which Japan
//! takes part (`jcm-node testnet --parties JPN,IND,IDN,VNM` writes CA0001 Japan-India,
//! CA0002 Japan-Indonesia and CA0003 Japan-Viet Nam), each with its host, the host's
//! registry, its Joint Committee and the officers the setup needs, plus Japan's registry
//! and NDC use account. Everything is found in the genesis by role rather than by name.
//!
//! `--approaches` ([`Selection`]) chooses among them: `all` (the default), `N` (the
//! first `N` in genesis order; `1` is the single-approach load of the first partner), or
//! a list of ids (`CA0001,CA0003`). The chosen approaches are always taken in genesis
//! order, so the same genesis and the same option give the same network.

use jcm_runtime::ids::{AccountId, CaId, JcId, Party, RegistryId};
use jcm_runtime::model::{AccountKind, CaStatus, Holder, Role};
use jcm_runtime::protocol::Genesis;

use super::LoadError;

/// Japan.
pub const JAPAN: &str = "JPN";
/// The prefix of a load signer's officer name (`LOAD-0007`).
pub const SIGNER_PREFIX: &str = "LOAD-";

/// Which of Japan's cooperative approaches the load uses (`--approaches`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    /// Every one.
    #[default]
    All,
    /// The first `n`, in genesis order.
    First(usize),
    /// These, taken in genesis order.
    Named(Vec<CaId>),
}

impl Selection {
    /// Parses `all`, `N` (1 or more) or `CA0001,CA0003`.
    pub fn parse(text: &str) -> Result<Self, LoadError> {
        let text = text.trim();
        if text == "all" {
            return Ok(Self::All);
        }
        if let Ok(n) = text.parse::<usize>() {
            return match n {
                0 => Err(LoadError::Usage("--approaches 0: give at least one approach".into())),
                n => Ok(Self::First(n)),
            };
        }
        let ids = text
            .split(',')
            .map(|part| CaId::new(part.trim()).map_err(|e| LoadError::Usage(format!("--approaches: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::Named(ids))
    }

    /// The chosen approaches among `candidates` (in their order).
    pub fn resolve(&self, candidates: &[CaId]) -> Result<Vec<CaId>, LoadError> {
        let listed = || candidates.iter().map(CaId::to_string).collect::<Vec<_>>().join(", ");
        match self {
            Self::All => Ok(candidates.to_vec()),
            Self::First(n) if *n <= candidates.len() => Ok(candidates[..*n].to_vec()),
            Self::First(n) => Err(LoadError::Usage(format!(
                "--approaches {n}: there are only {} ({})",
                candidates.len(),
                listed()
            ))),
            Self::Named(ids) => {
                if let Some(unknown) = ids.iter().find(|id| !candidates.contains(id)) {
                    return Err(LoadError::Usage(format!(
                        "--approaches: {unknown} is not one of {}",
                        listed()
                    )));
                }
                Ok(candidates.iter().filter(|c| ids.contains(c)).cloned().collect())
            }
        }
    }
}

/// One cooperative approach of Japan and a partner, and the actors its setup needs.
#[derive(Clone, Debug)]
pub struct Approach {
    /// The approach.
    pub ca: CaId,
    /// The host Party (Japan's partner in `ca`): the first transferring Party of its
    /// units, whose serial space in `ca` the load's issuances fill.
    pub host: Party,
    /// The host's registry.
    pub host_registry: RegistryId,
    /// The Joint Committee of `ca`.
    pub jc: JcId,
    /// Officer names: the host's designated authority (authorization, projects), the
    /// host registry's administrator (setup issuances), and the JC representative of
    /// each side (host, Japan) who endorse every notification.
    pub host_da: String,
    /// See [`Approach::host_da`].
    pub host_admin: String,
    /// See [`Approach::host_da`].
    pub jc_reps: Vec<String>,
}

/// The approaches the load runs in, and Japan's side of them.
#[derive(Clone, Debug)]
pub struct Network {
    /// The approaches, in genesis order, each with a different host.
    pub approaches: Vec<Approach>,
    /// Japan's registry (the government signers' accounts).
    pub japan_registry: RegistryId,
    /// Japan's NDC use account.
    pub japan_use_ndc: AccountId,
}

fn missing(what: &str) -> LoadError {
    LoadError::Genesis(format!("the genesis has no {what}; run `jcm-node testnet` with JPN and a partner"))
}

fn japan() -> Party {
    Party::new(JAPAN).expect("valid")
}

fn registry_of(genesis: &Genesis, party: &Party) -> Option<RegistryId> {
    genesis.registries.iter().find(|r| r.id.party() == *party).map(|r| r.id.clone())
}

/// The active approaches of Japan and one partner, in genesis order.
pub fn japan_approaches(genesis: &Genesis) -> Vec<CaId> {
    let japan = japan();
    genesis
        .cooperative_approaches
        .iter()
        .filter(|c| {
            c.status == CaStatus::Active && c.participants.len() == 2 && c.participants.contains(&japan)
        })
        .map(|c| c.id.clone())
        .collect()
}

impl Approach {
    /// The actors of approach `ca` in `genesis`.
    pub fn discover(genesis: &Genesis, ca: &CaId) -> Result<Self, LoadError> {
        let in_ca = |what: &str| missing(&format!("{what} in {ca}"));
        let approach = genesis
            .cooperative_approaches
            .iter()
            .find(|c| c.id == *ca)
            .ok_or_else(|| missing(ca.as_str()))?;
        let japan = japan();
        let host =
            approach.participants.iter().find(|p| **p != japan).cloned().ok_or_else(|| in_ca("partner"))?;
        let host_registry = registry_of(genesis, &host).ok_or_else(|| in_ca("host registry"))?;
        let jc = genesis.joint_committees.iter().find(|j| j.ca == *ca).ok_or_else(|| in_ca("JC"))?;
        let officer_with = |role: &Role| {
            genesis
                .officers
                .iter()
                .find(|o| o.roles.contains(role) && !o.name.as_str().starts_with(SIGNER_PREFIX))
                .map(|o| o.name.to_string())
        };
        let host_da = officer_with(&Role::DesignatedAuthority(host.clone()))
            .ok_or_else(|| in_ca("host designated authority"))?;
        let host_admin = officer_with(&Role::RegistryAdmin(host_registry.clone()))
            .ok_or_else(|| in_ca("host registry administrator"))?;
        let jc_reps = [&host, &japan]
            .into_iter()
            .map(|party| {
                officer_with(&Role::JcRepresentative { jc: jc.id.clone(), party: party.clone() })
                    .ok_or_else(|| missing(&format!("{party} representative in {}", jc.id)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { ca: ca.clone(), host, host_registry, jc: jc.id.clone(), host_da, host_admin, jc_reps })
    }
}

impl Network {
    /// The network of approaches `cas` of `genesis` (taken in the given order).
    pub fn discover(genesis: &Genesis, cas: &[CaId]) -> Result<Self, LoadError> {
        if cas.is_empty() {
            return Err(missing("cooperative approach of Japan and a partner"));
        }
        let approaches =
            cas.iter().map(|ca| Approach::discover(genesis, ca)).collect::<Result<Vec<_>, _>>()?;
        for (i, a) in approaches.iter().enumerate() {
            if let Some(b) = approaches[..i].iter().find(|b| b.host == a.host) {
                return Err(LoadError::Genesis(format!(
                    "{} and {} share the host {}: the load runs one approach per partner",
                    b.ca, a.ca, a.host
                )));
            }
        }
        let japan = japan();
        let japan_registry = registry_of(genesis, &japan).ok_or_else(|| missing("Japanese registry"))?;
        let japan_use_ndc = genesis
            .accounts
            .iter()
            .find(|a| {
                a.registry == japan_registry
                    && a.kind == AccountKind::UseNdc
                    && a.holder == Some(Holder::Party(japan.clone()))
            })
            .map(|a| a.id.clone())
            .ok_or_else(|| missing("Japanese NDC use account"))?;
        Ok(Self { approaches, japan_registry, japan_use_ndc })
    }

    /// The network `selection` chooses among Japan's approaches in `genesis` (for
    /// `jcm-load genesis`).
    pub fn select(genesis: &Genesis, selection: &Selection) -> Result<Self, LoadError> {
        Self::discover(genesis, &selection.resolve(&japan_approaches(genesis))?)
    }

    /// The position of the approach whose host registry is `registry`.
    pub fn hosted_by(&self, registry: &RegistryId) -> Option<usize> {
        self.approaches.iter().position(|a| a.host_registry == *registry)
    }

    /// Every officer the setup signs or endorses with, once each, in approach order.
    pub fn setup_officers(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for a in &self.approaches {
            for name in [&a.host_da, &a.host_admin].into_iter().chain(&a.jc_reps) {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cas(ids: &[&str]) -> Vec<CaId> {
        ids.iter().map(|id| CaId::new(id).expect("valid")).collect()
    }

    #[test]
    fn selections_parse_and_resolve_in_genesis_order() {
        let all = cas(&["CA0001", "CA0002", "CA0003"]);
        assert_eq!(Selection::parse("all").expect("all").resolve(&all).expect("all"), all);
        assert_eq!(Selection::parse("1").expect("one").resolve(&all).expect("one"), cas(&["CA0001"]));
        let named = Selection::parse("CA0003,CA0001").expect("named");
        assert_eq!(named.resolve(&all).expect("named"), cas(&["CA0001", "CA0003"]));
        assert!(Selection::parse("0").is_err());
        assert!(Selection::parse("4").expect("four").resolve(&all).is_err());
        assert!(Selection::parse("CA0009").expect("id").resolve(&all).is_err());
        assert!(Selection::parse("CA 1").is_err());
    }
}
