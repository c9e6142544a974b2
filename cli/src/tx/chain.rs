//! The chain a transaction is signed for, as its node describes it: the chain id and
//! genesis hash from `/v1/status`, the officers from the genesis (to name who signs),
//! and the signer's next nonce.

use anyhow::bail;
use jcm_api::chain::Status;
use jcm_api::paths;
use jcm_api::tx::Nonce;
use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::model::{Holder, Officer, Role};
use jcm_runtime::protocol::{Genesis, Transaction};
use serde_json::{json, Value};

use crate::client::Rpc;

/// The chain as the node describes it, and the officer behind a key.
pub struct Chain {
    /// The chain id.
    pub id: String,
    /// The genesis hash the node presents (checked against the pin by
    /// [`crate::context::Context::connect`]).
    pub genesis_hash: Option<Hash32>,
    officers: Vec<Officer>,
}

impl Chain {
    /// The chain of the node whose `/v1/status` is `status`; with `expected`
    /// (`--chain-id`), refused unless it is that chain.
    pub fn read(rpc: &Rpc, status: &Status, expected: Option<&str>) -> anyhow::Result<Self> {
        let id = status.chain_id.clone();
        if let Some(expected) = expected.filter(|e| *e != id) {
            bail!(
                "the node at {} serves chain `{id}`, not `{expected}` (--chain-id): nothing signed",
                rpc.base()
            );
        }
        let genesis: Genesis = rpc.get(paths::GENESIS)?;
        Ok(Self { id, genesis_hash: Some(status.genesis_hash), officers: genesis.officers })
    }

    /// `NAME (role, role)` of the officer whose key this is, if the genesis names one.
    fn officer(&self, key: &PublicKey) -> Option<String> {
        let officer = self.officers.iter().find(|o| o.public_key == *key)?;
        let roles: Vec<String> = officer.roles.iter().map(role).collect();
        Some(format!("{} ({})", officer.name, roles.join(", ")))
    }

    /// The command's document (`--output json`) for `tx`, signed with the keyring's
    /// `key` (none for a transaction signed elsewhere).
    pub fn describe(&self, rpc: &Rpc, tx: &Transaction, key: Option<&str>) -> Value {
        json!({
            "node": rpc.base(),
            "chain_id": self.id,
            "action": tx.body.payload.action(),
            "signer": tx.body.signer,
            "key": key,
            "officer": self.officer(&tx.body.signer),
            "nonce": tx.body.nonce,
            "hash": tx.hash(),
            "payload": tx.body.payload,
        })
    }
}

/// A role of the genesis as text: `registry_admin JPN01`, `jc_representative JC-JPN-IND/IND`.
fn role(role: &Role) -> String {
    match role {
        Role::RegistryAdmin(registry) => format!("registry_admin {registry}"),
        Role::DesignatedAuthority(party) => format!("designated_authority {party}"),
        Role::JcRepresentative { jc, party } => format!("jc_representative {jc}/{party}"),
        Role::AccountHolder(Holder::Party(party)) => format!("account_holder {party}"),
        Role::AccountHolder(Holder::Entity(entity)) => format!("account_holder {entity}"),
        Role::Secretariat => "secretariat".to_string(),
    }
}

/// The signer's nonces: the next one after its committed transactions (`state_nonce`)
/// and the next one after its pending ones too (`next_nonce`).
pub fn nonces(rpc: &Rpc, signer: &PublicKey) -> anyhow::Result<(u64, u64)> {
    let answer: Nonce = rpc.get(&paths::nonce(signer))?;
    Ok((answer.state_nonce, answer.next_nonce))
}
