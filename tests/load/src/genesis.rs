//! The load generator's signers, added to a testnet genesis before its first start.
//!
//! A signer's transactions must reach the mempool in nonce order, and a node holds at
//! most `mempool.txs_per_signer_max` (256) of one signer's transactions: the 12 officers
//! of a testnet genesis would cap the pool at 3,072 transactions, below one second of
//! the target rate. So `jcm-load genesis` adds `S` load officers, each with accounts of
//! its own (nobody else touches them, so pre-signed transactions of different signers
//! never conflict):
//!
//! - *entity signers* (three in four): `LOAD-nnnn`, holder of entity `E-LD-nnnn` and an
//!   administrator of the host's registry (`IND01`), so it may issue and open accounts;
//!   accounts `IND01-LD-nnnn-{A,Q,B,C}` (range source, quantity source, destination,
//!   issuance target);
//! - *government signers* (one in four): `LOAD-nnnn` holding Japan's government accounts
//!   `JPN01-LD-nnnn-{A,Q,B}`, the ones that use units towards Japan's NDC.
//!
//! Keys are development keys (`SecretKey::dev("jcm-load-n")`): anyone can derive them, as
//! anyone can the keys of a `--dev` testnet.

use std::collections::BTreeSet;

use jcm_runtime::crypto::SecretKey;
use jcm_runtime::genesis::Genesis;
use jcm_runtime::ids::{AccountId, CaId, EntityId, JcId, OfficerName, Party, RegistryId};
use jcm_runtime::model::{Account, AccountKind, AccountStatus, Entity, Holder, Officer, Role, Text};

use super::LoadError;

/// The cooperative approach the load runs under (Japan and its first partner).
pub const CA: &str = "CA0001";
/// Japan.
pub const JAPAN: &str = "JPN";
/// Most load signers one genesis may get (the genesis file stays far below its 16 MiB).
pub const SIGNERS_MAX: usize = 4_096;

/// What a load signer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignerKind {
    /// An entity of the host Party and an administrator of its registry.
    Entity,
    /// An officer of Japan's government accounts.
    Government,
}

/// One load signer.
#[derive(Clone, Debug)]
pub struct Signer {
    /// Index, from 0.
    pub index: usize,
    /// What it does.
    pub kind: SignerKind,
    /// Officer name, `LOAD-0007`.
    pub name: String,
    /// Its key.
    pub key: SecretKey,
    /// The registry its accounts are in.
    pub registry: RegistryId,
    /// Account prefix: `IND01-LD-0007`.
    pub accounts: String,
}

impl Signer {
    /// Account `<prefix>-<suffix>`.
    pub fn account(&self, suffix: &str) -> AccountId {
        AccountId::new(&format!("{}-{suffix}", self.accounts)).expect("load account ids are valid")
    }

    /// The entity it holds (entity signers).
    pub fn entity(&self) -> EntityId {
        EntityId::new(&format!("E-LD-{:04}", self.index)).expect("load entity ids are valid")
    }
}

/// The Parties, registries, committee and officers of the testnet the load uses,
/// discovered from the genesis by role rather than by name.
#[derive(Clone, Debug)]
pub struct Network {
    /// The cooperative approach.
    pub ca: CaId,
    /// The host Party (Japan's partner in `ca`): the first transferring Party of the units.
    pub host: Party,
    /// The host's registry.
    pub host_registry: RegistryId,
    /// Japan's registry.
    pub japan_registry: RegistryId,
    /// Japan's NDC use account.
    pub japan_use_ndc: AccountId,
    /// The Joint Committee of `ca`.
    pub jc: JcId,
    /// Officer names: the host's designated authority, the host registry's administrator,
    /// and the JC representative of each side (host, Japan).
    pub host_da: String,
    /// See [`Network::host_da`].
    pub host_admin: String,
    /// See [`Network::host_da`].
    pub jc_reps: Vec<String>,
}

fn missing(what: &str) -> LoadError {
    LoadError::Genesis(format!("the genesis has no {what}; run `jcm-node testnet` with JPN and a partner"))
}

impl Network {
    /// Finds the load's actors in `genesis`.
    pub fn discover(genesis: &Genesis) -> Result<Self, LoadError> {
        let ca_id = CaId::new(CA).expect("valid");
        let ca = genesis.cooperative_approaches.iter().find(|c| c.id == ca_id).ok_or_else(|| missing(CA))?;
        let japan = Party::new(JAPAN).expect("valid");
        let host =
            ca.participants.iter().find(|p| **p != japan).cloned().ok_or_else(|| missing("partner"))?;
        let registry_of =
            |party: &Party| genesis.registries.iter().find(|r| r.id.party() == *party).map(|r| r.id.clone());
        let host_registry = registry_of(&host).ok_or_else(|| missing("host registry"))?;
        let japan_registry = registry_of(&japan).ok_or_else(|| missing("Japanese registry"))?;
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
        let jc = genesis.joint_committees.iter().find(|j| j.ca == ca_id).ok_or_else(|| missing("JC"))?;
        let officer_with = |role: &Role| {
            genesis
                .officers
                .iter()
                .find(|o| o.roles.contains(role) && !o.name.as_str().starts_with("LOAD-"))
                .map(|o| o.name.to_string())
        };
        let host_da = officer_with(&Role::DesignatedAuthority(host.clone()))
            .ok_or_else(|| missing("host designated authority"))?;
        let host_admin = officer_with(&Role::RegistryAdmin(host_registry.clone()))
            .ok_or_else(|| missing("host registry administrator"))?;
        let jc_reps = [&host, &japan]
            .into_iter()
            .map(|party| {
                officer_with(&Role::JcRepresentative { jc: jc.id.clone(), party: party.clone() })
                    .ok_or_else(|| missing(&format!("{party} representative in {}", jc.id)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            ca: ca_id,
            host,
            host_registry,
            japan_registry,
            japan_use_ndc,
            jc: jc.id.clone(),
            host_da,
            host_admin,
            jc_reps,
        })
    }
}

/// The kind of signer `index`: one in four is a government signer.
pub fn signer_kind(index: usize) -> SignerKind {
    if index % 4 == 3 {
        SignerKind::Government
    } else {
        SignerKind::Entity
    }
}

/// The `count` load signers of a network.
pub fn signers(network: &Network, count: usize) -> Vec<Signer> {
    (0..count)
        .map(|index| {
            let kind = signer_kind(index);
            let registry = match kind {
                SignerKind::Entity => network.host_registry.clone(),
                SignerKind::Government => network.japan_registry.clone(),
            };
            Signer {
                index,
                kind,
                name: format!("LOAD-{index:04}"),
                key: SecretKey::dev(&format!("jcm-load-{index}")),
                accounts: format!("{registry}-LD-{index:04}"),
                registry,
            }
        })
        .collect()
}

/// Account suffixes of a signer kind.
pub fn account_suffixes(kind: SignerKind) -> &'static [&'static str] {
    match kind {
        SignerKind::Entity => &["A", "Q", "B", "C"],
        SignerKind::Government => &["A", "Q", "B"],
    }
}

/// `genesis` with `count` load signers, their entities and accounts. Refuses a genesis
/// that already has load signers.
pub fn extend(genesis: &Genesis, count: usize) -> Result<Genesis, LoadError> {
    if count == 0 || count > SIGNERS_MAX {
        return Err(LoadError::Usage(format!("--signers must be 1 to {SIGNERS_MAX}")));
    }
    if genesis.officers.iter().any(|o| o.name.as_str().starts_with("LOAD-")) {
        return Err(LoadError::Genesis("the genesis already has load signers".into()));
    }
    let network = Network::discover(genesis)?;
    let japan = Party::new(JAPAN).expect("valid");
    let mut out = genesis.clone();
    for signer in signers(&network, count) {
        let (holder, mut roles) = match signer.kind {
            SignerKind::Entity => {
                out.entities.push(Entity {
                    id: signer.entity(),
                    name: Text::new(&format!("Load entity {}", signer.index)).expect("short"),
                    country: network.host.clone(),
                    identification: Text::new(&format!("LOAD-{}", signer.index)).expect("short"),
                });
                let holder = Holder::Entity(signer.entity());
                (holder, BTreeSet::from([Role::RegistryAdmin(network.host_registry.clone())]))
            }
            SignerKind::Government => (Holder::Party(japan.clone()), BTreeSet::new()),
        };
        roles.insert(Role::AccountHolder(holder.clone()));
        for suffix in account_suffixes(signer.kind) {
            out.accounts.push(Account {
                id: signer.account(suffix),
                registry: signer.registry.clone(),
                kind: AccountKind::Holding,
                holder: Some(holder.clone()),
                status: AccountStatus::Active,
            });
        }
        out.officers.push(Officer {
            name: OfficerName::new(&signer.name).expect("valid"),
            public_key: signer.key.public(),
            roles,
        });
    }
    // Validate exactly as a node will read it.
    Genesis::from_json(&out.to_json()).map_err(|e| LoadError::Genesis(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_kinds_alternate_three_to_one() {
        let kinds: Vec<SignerKind> = (0..8).map(signer_kind).collect();
        assert_eq!(kinds.iter().filter(|k| **k == SignerKind::Government).count(), 2);
    }
}
