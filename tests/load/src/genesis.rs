//! The load generator's signers, added to a testnet genesis before its first start.
//!
//! A signer's transactions must reach the mempool in nonce order, and a node holds at
//! most `mempool.txs_per_signer_max` (256) of one signer's transactions: the 12 officers
//! of a testnet genesis would cap the pool at 3,072 transactions, below one second of
//! the target rate. So `jcm-load genesis` adds `S` load officers, each with accounts of
//! its own (nobody else touches them, so pre-signed transactions of different signers
//! never conflict), each working in one of the load's cooperative approaches
//! ([`Network`]), dealt round robin within its kind:
//!
//! - *entity signers* (three in four): `LOAD-nnnn`, holder of entity `E-LD-nnnn` of its
//!   approach's host and an administrator of the host's registry (`IND01`, `IDN01`...), so
//!   it may issue and open accounts; accounts `<host registry>-LD-nnnn-{A,Q,B,C}` (range
//!   source, quantity source, destination, issuance target);
//! - *government signers* (one in four): `LOAD-nnnn` holding Japan's government accounts
//!   `JPN01-LD-nnnn-{A,Q,B}`, the ones that use units towards Japan's NDC.
//!
//! The genesis records an entity signer's approach (the registry it administers: one
//! approach per partner), not a government signer's: its accounts are Japan's and may
//! hold units of any approach. So `jcm-load run` reads the entity signers' approaches
//! back from the genesis ([`signers_in`]) and deals the government signers round robin
//! over the approaches it runs in; nothing else is stored.
//!
//! Keys are development keys (`SecretKey::dev("jcm-load-n")`): anyone can derive them, as
//! anyone can the keys of a `--dev` testnet.

use std::collections::BTreeSet;

use jcm_runtime::crypto::SecretKey;
use jcm_runtime::ids::{AccountId, CaId, EntityId, OfficerName, Party, RegistryId};
use jcm_runtime::model::{Account, AccountKind, AccountStatus, Entity, Holder, Officer, Role, Text};
use jcm_runtime::protocol::Genesis;

use super::network::japan_approaches;
pub use super::network::{Approach, Network, Selection, JAPAN, SIGNER_PREFIX};
use super::LoadError;

/// Most load signers one genesis may get (the genesis file stays far below its 16 MiB).
pub const SIGNERS_MAX: usize = 4_096;

/// What a load signer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignerKind {
    /// An entity of its approach's host and an administrator of the host's registry.
    Entity,
    /// An officer of Japan's government accounts.
    Government,
}

/// One load signer.
#[derive(Clone, Debug)]
pub struct Signer {
    /// Its number in the genesis, from 0 (`LOAD-0007` is 7).
    pub index: usize,
    /// What it does.
    pub kind: SignerKind,
    /// The approach it works in: a position in [`Network::approaches`]. Its units are
    /// issued in that approach and every transaction it signs names it.
    pub approach: usize,
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
    /// Signer `index` of `kind`, working in approach `approach` of `network`.
    fn new(network: &Network, index: usize, kind: SignerKind, approach: usize) -> Self {
        let registry = match kind {
            SignerKind::Entity => network.approaches[approach].host_registry.clone(),
            SignerKind::Government => network.japan_registry.clone(),
        };
        Self {
            index,
            kind,
            approach,
            name: format!("{SIGNER_PREFIX}{index:04}"),
            key: key(index),
            accounts: format!("{registry}-LD-{index:04}"),
            registry,
        }
    }

    /// Account `<prefix>-<suffix>`.
    pub fn account(&self, suffix: &str) -> AccountId {
        AccountId::new(&format!("{}-{suffix}", self.accounts)).expect("load account ids are valid")
    }

    /// The entity it holds (entity signers).
    pub fn entity(&self) -> EntityId {
        EntityId::new(&format!("E-LD-{:04}", self.index)).expect("load entity ids are valid")
    }
}

/// The development key of load signer `index`.
fn key(index: usize) -> SecretKey {
    SecretKey::dev(&format!("jcm-load-{index}"))
}

/// The kind of signer `index`: one in four is a government signer.
pub fn signer_kind(index: usize) -> SignerKind {
    if index % 4 == 3 {
        SignerKind::Government
    } else {
        SignerKind::Entity
    }
}

/// The `count` load signers of a network, as `jcm-load genesis` adds them: the signers
/// of each kind take the approaches in turn.
pub fn signers(network: &Network, count: usize) -> Vec<Signer> {
    let approaches = network.approaches.len();
    (0..count)
        .map(|index| {
            let kind = signer_kind(index);
            // Its rank among the signers of its kind: three entities, then a government.
            let rank = match kind {
                SignerKind::Entity => index - index / 4,
                SignerKind::Government => index / 4,
            };
            Signer::new(network, index, kind, rank % approaches)
        })
        .collect()
}

/// The approaches in which `genesis`'s load signers work: Japan's approaches whose host
/// registry a load signer administers, in genesis order.
pub fn load_approaches(genesis: &Genesis) -> Vec<CaId> {
    let administered: BTreeSet<&RegistryId> = load_officers(genesis)
        .flat_map(|o| o.roles.iter())
        .filter_map(|r| match r {
            Role::RegistryAdmin(registry) => Some(registry),
            _ => None,
        })
        .collect();
    japan_approaches(genesis)
        .into_iter()
        .filter(|ca| Approach::discover(genesis, ca).is_ok_and(|a| administered.contains(&a.host_registry)))
        .collect()
}

fn load_officers(genesis: &Genesis) -> impl Iterator<Item = &Officer> {
    genesis.officers.iter().filter(|o| o.name.as_str().starts_with(SIGNER_PREFIX))
}

/// The network of `jcm-load run`: `selection` among the approaches the genesis's load
/// signers work in ([`load_approaches`]).
pub fn run_network(genesis: &Genesis, selection: &Selection) -> Result<Network, LoadError> {
    let extended_for = load_approaches(genesis);
    if extended_for.is_empty() {
        return Err(LoadError::Usage(
            "the genesis has no load signers: run `jcm-load genesis --testnet DIR` before the first start"
                .into(),
        ));
    }
    Network::discover(genesis, &selection.resolve(&extended_for)?)
}

/// The load signers of `genesis` that work in `network`'s approaches, in genesis order:
/// each entity signer in the approach of the registry it administers (those of other
/// approaches are left out), the government signers dealt round robin over `network`.
pub fn signers_in(genesis: &Genesis, network: &Network) -> Result<Vec<Signer>, LoadError> {
    let mut out = Vec::new();
    let mut government = 0;
    for officer in load_officers(genesis) {
        let name = officer.name.as_str();
        let not_ours = |why: &str| LoadError::Genesis(format!("officer {name} is not a load signer: {why}"));
        let index: usize = name[SIGNER_PREFIX.len()..].parse().map_err(|_| not_ours("no number"))?;
        if key(index).public() != officer.public_key {
            return Err(not_ours("not the load's development key"));
        }
        let administers = officer.roles.iter().find_map(|r| match r {
            Role::RegistryAdmin(registry) => Some(registry),
            _ => None,
        });
        let kind = if administers.is_some() { SignerKind::Entity } else { SignerKind::Government };
        if kind != signer_kind(index) {
            return Err(not_ours("its roles do not match its number"));
        }
        let approach = match administers {
            Some(registry) => match network.hosted_by(registry) {
                Some(approach) => approach,
                None => continue,
            },
            None => {
                government += 1;
                (government - 1) % network.approaches.len()
            }
        };
        out.push(Signer::new(network, index, kind, approach));
    }
    Ok(out)
}

/// Account suffixes of a signer kind.
pub fn account_suffixes(kind: SignerKind) -> &'static [&'static str] {
    match kind {
        SignerKind::Entity => &["A", "Q", "B", "C"],
        SignerKind::Government => &["A", "Q", "B"],
    }
}

/// `genesis` with `count` load signers, their entities and accounts, working in the
/// approaches `selection` chooses. Refuses a genesis that already has load signers.
pub fn extend(genesis: &Genesis, count: usize, selection: &Selection) -> Result<Genesis, LoadError> {
    if count == 0 || count > SIGNERS_MAX {
        return Err(LoadError::Usage(format!("--signers must be 1 to {SIGNERS_MAX}")));
    }
    if load_officers(genesis).next().is_some() {
        return Err(LoadError::Genesis("the genesis already has load signers".into()));
    }
    let network = Network::select(genesis, selection)?;
    let japan = Party::new(JAPAN).expect("valid");
    let mut out = genesis.clone();
    for signer in signers(&network, count) {
        let (holder, mut roles) = match signer.kind {
            SignerKind::Entity => {
                let approach = &network.approaches[signer.approach];
                out.entities.push(Entity {
                    id: signer.entity(),
                    name: Text::new(&format!("Load entity {}", signer.index)).expect("short"),
                    country: approach.host.clone(),
                    identification: Text::new(&format!("LOAD-{}", signer.index)).expect("short"),
                });
                let holder = Holder::Entity(signer.entity());
                (holder, BTreeSet::from([Role::RegistryAdmin(approach.host_registry.clone())]))
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
