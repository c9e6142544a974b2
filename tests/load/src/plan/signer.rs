//! One signer's share of the mix, as payloads: each kind touches only the signer's own
//! accounts, in the signer's approach, so pre-signed transactions of different signers
//! never conflict and every serial range is known before anything is sent.

use jcm_runtime::model::{Account, Text};
use jcm_runtime::protocol::{AllocationLine, Payload, UnitsSpec};
use serde_json::json;

use super::setup::{self, Serials};
use super::{Kind, PlanInput, Rng, CHUNK_UNITS, ISSUE_UNITS, QUANTITY_UNITS_MAX, SETUP_VINTAGE, USE_YEAR};
use crate::genesis::{Approach, Signer};

/// What a signer's next transaction of each kind touches.
pub struct SignerState<'a> {
    signer: &'a Signer,
    approach: &'a Approach,
    /// Chunk indices of `A`, shuffled; the next is taken from the end.
    chunks: Vec<u64>,
    a_first: u64,
    accounts_opened: u64,
    issued: u64,
}

impl<'a> SignerState<'a> {
    /// `signer`'s state in `approach`, its `A` line at `serials`, `chunks` chunks of it
    /// to hand out in a shuffled order.
    pub fn new(
        signer: &'a Signer,
        approach: &'a Approach,
        serials: Serials,
        chunks: u64,
        rng: &mut Rng,
    ) -> Self {
        let mut order: Vec<u64> = (0..chunks).collect();
        for i in (1..order.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        Self { signer, approach, chunks: order, a_first: serials.a, accounts_opened: 0, issued: 0 }
    }

    fn next_chunk(&mut self) -> UnitsSpec {
        let chunk = self.chunks.pop().expect("a chunk was set aside for every range transaction");
        let first = self.a_first + chunk * CHUNK_UNITS;
        let unit = |serial: u64| {
            Text::new(&format!(
                "{}-{}-{}-{serial}-{SETUP_VINTAGE}",
                self.approach.ca, self.signer.registry, self.approach.host
            ))
            .expect("short")
        };
        UnitsSpec {
            first: Some(unit(first)),
            last: Some(unit(first + CHUNK_UNITS - 1)),
            quantity: CHUNK_UNITS,
            ..UnitsSpec::default()
        }
    }

    /// The payload of the signer's next transaction of `kind`.
    pub fn payload(&mut self, input: &PlanInput<'_>, kind: Kind, rng: &mut Rng) -> Payload {
        let ca = self.approach.ca.clone();
        let s = self.signer;
        match kind {
            Kind::TransferRange => {
                let units = self.next_chunk();
                Payload::TransferInternal { ca, from: s.account("A"), to: s.account("B"), units }
            }
            Kind::UseNdc => {
                let units = self.next_chunk();
                Payload::UseNdc {
                    ca,
                    from: s.account("A"),
                    to: input.network.japan_use_ndc.clone(),
                    units,
                    use_year: USE_YEAR,
                }
            }
            Kind::TransferQuantity => {
                let quantity = 1 + rng.next_u64() % QUANTITY_UNITS_MAX;
                let units = UnitsSpec { quantity, ..UnitsSpec::default() };
                Payload::TransferInternal { ca, from: s.account("Q"), to: s.account("B"), units }
            }
            Kind::OpenAccount => {
                self.accounts_opened += 1;
                let account: Account = serde_json::from_value(json!({
                    "id": s.account(&format!("X{}", self.accounts_opened)),
                    "registry": s.registry,
                    "kind": "HOLDING",
                    "holder": { "entity": s.entity() },
                }))
                .expect("an account document");
                Payload::OpenAccount { account }
            }
            Kind::Issue => {
                self.issued += 1;
                // One monitoring day per issuance from 2021-01-01: about 1,800 per signer.
                let when = setup::day(self.issued - 1, 2021);
                let lines = vec![AllocationLine {
                    account: s.account("C"),
                    quantity: ISSUE_UNITS,
                    authorization: None,
                }];
                let notification = format!("N-LD-{:04}-{}", s.index, self.issued);
                setup::issuance(input, self.approach, &setup::signer_project(s), &notification, when, lines)
                    .expect("the JC representatives' keys were checked by the setup")
            }
        }
    }
}
