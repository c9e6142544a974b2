//! The genesis state: what a genesis document writes into an empty store.

use crate::model::{AuthStatus, Authorization};
use crate::protocol::Genesis;
use crate::state::{keys, AuthMeta, ChainMeta, StateExt, Store};

impl Genesis {
    /// Writes the genesis state into an empty store.
    pub fn init_state<S: Store + ?Sized>(&self, store: &mut S) {
        let meta = ChainMeta {
            chain_id: self.chain_id.clone(),
            genesis_hash: self.hash(),
            genesis_time: self.genesis_time,
        };
        store.write(keys::META.to_vec(), &meta);
        store.write(keys::VALIDATORS.to_vec(), &self.validators);
        for p in &self.parties {
            store.write(keys::party(&p.code), p);
        }
        for r in &self.registries {
            store.write(keys::registry(&r.id), r);
        }
        for c in &self.cooperative_approaches {
            store.write(keys::ca(&c.id), c);
        }
        for j in &self.joint_committees {
            store.write(keys::jc(&j.id), j);
        }
        for p in &self.projects {
            store.write(keys::project(&p.id), p);
        }
        for e in &self.entities {
            store.write(keys::entity(&e.id), e);
        }
        for a in &self.accounts {
            store.write(keys::account(&a.id), a);
        }
        for o in &self.officers {
            store.write(keys::officer(&o.public_key), o);
        }
        for a in &self.authorizations {
            let auth = Authorization {
                party: a.party.clone(),
                version: 1,
                date: a.date,
                status: AuthStatus::Active,
                terms: a.terms.clone(),
            };
            store.write(keys::auth(&a.terms.id, 1), &auth);
            store.write(keys::auth_meta(&a.terms.id), &AuthMeta { latest: 1, ..AuthMeta::default() });
        }
    }
}
