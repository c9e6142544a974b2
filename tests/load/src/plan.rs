//! What the load generator submits: the setup of each approach, which gives every
//! signer units ([`setup`]: an authorization, projects, issuances under JC notifications
//! endorsed by both sides), and the mix of pre-signed transactions (`signer`).
//!
//! Everything is derived from the genesis, the signers and a seed, so two runs with the
//! same arguments sign the same transactions. Each signer works in one approach (its
//! [`Signer::approach`]: the signers of each kind are spread over the approaches), so the
//! whole mix is spread with them: each transaction names its signer's approach and moves
//! units of that approach's serial space. Serial numbers are known in advance (see
//! [`setup`]). Each signer then moves only its own units:
//!
//! - range transfers and NDC uses take 10-unit chunks of its account `A`, in a shuffled
//!   order (so holdings fragment as they do in a real registry);
//! - quantity transfers take 1 to 10 units of its account `Q`, which nothing else touches,
//!   so the runtime's selection (R13) never meets a chunk a range transfer will name;
//! - issuances credit the entity signer's own project (one monitoring day per issuance)
//!   to its account `C`; new accounts are `<prefix>-Xn`.

use std::collections::BTreeMap;

use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::ids::CaId;
use jcm_runtime::protocol::{Payload, Transaction};

use super::genesis::{Network, Signer, SignerKind};
use super::LoadError;

pub mod setup;
mod signer;

use signer::SignerState;

/// Units per range transfer or NDC use.
pub const CHUNK_UNITS: u64 = 10;
/// Most units one quantity transfer moves.
pub const QUANTITY_UNITS_MAX: u64 = 10;
/// Units one load issuance credits.
pub const ISSUE_UNITS: u64 = 100;
/// The vintage of the setup units.
pub const SETUP_VINTAGE: u16 = 2025;
/// The year the government signers use units for (inside Japan's testnet NDC period).
pub const USE_YEAR: u16 = 2030;

/// A transaction kind of the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// TRANSFER_INTERNAL of a named serial range.
    TransferRange,
    /// TRANSFER_INTERNAL of a quantity (the runtime selects the units, R13).
    TransferQuantity,
    /// USE_NDC of a serial range by Japan's government.
    UseNdc,
    /// OPEN_ACCOUNT by a registry administrator.
    OpenAccount,
    /// ISSUE under a JC notification endorsed by both sides.
    Issue,
}

impl Kind {
    /// Every kind, in mix order.
    pub const ALL: [Kind; 5] =
        [Kind::TransferRange, Kind::TransferQuantity, Kind::UseNdc, Kind::OpenAccount, Kind::Issue];

    /// The name used in `--mix` and reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::TransferRange => "range",
            Kind::TransferQuantity => "quantity",
            Kind::UseNdc => "use",
            Kind::OpenAccount => "open",
            Kind::Issue => "issue",
        }
    }

    /// Whether a signer of `kind` can sign it.
    fn signable_by(self, kind: SignerKind) -> bool {
        match self {
            Kind::TransferRange | Kind::TransferQuantity => true,
            Kind::UseNdc => kind == SignerKind::Government,
            Kind::OpenAccount | Kind::Issue => kind == SignerKind::Entity,
        }
    }
}

/// Weights of the kinds in the mix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mix(pub BTreeMap<Kind, u32>);

impl Default for Mix {
    /// Mostly transfers, as a registry's daily traffic is: 45 % by range, 30 % by
    /// quantity, 10 % NDC uses, 10 % new accounts, 5 % issuances.
    fn default() -> Self {
        Self::parse("range=45,quantity=30,use=10,open=10,issue=5").expect("valid")
    }
}

impl Mix {
    /// Parses `range=45,quantity=30,...` (kinds left out weigh 0).
    pub fn parse(text: &str) -> Result<Self, LoadError> {
        let mut weights = BTreeMap::new();
        for part in text.split(',').filter(|p| !p.is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| LoadError::Usage(format!("--mix `{part}`: expected KIND=WEIGHT")))?;
            let kind = Kind::ALL.into_iter().find(|k| k.name() == name.trim()).ok_or_else(|| {
                LoadError::Usage(format!("--mix: unknown kind `{name}` (range, quantity, use, open, issue)"))
            })?;
            let weight: u32 =
                weight.trim().parse().map_err(|_| LoadError::Usage(format!("--mix `{part}`: bad weight")))?;
            weights.insert(kind, weight);
        }
        if weights.values().all(|w| *w == 0) {
            return Err(LoadError::Usage("--mix gives every kind weight 0".into()));
        }
        Ok(Self(weights))
    }

    /// `range=45,...`.
    pub fn render(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|(k, w)| format!("{}={w}", k.name())).collect();
        parts.join(",")
    }

    fn pick(&self, roll: u64) -> Kind {
        let total: u64 = self.0.values().map(|w| u64::from(*w)).sum();
        let mut at = roll % total;
        for (kind, weight) in &self.0 {
            if at < u64::from(*weight) {
                return *kind;
            }
            at -= u64::from(*weight);
        }
        unreachable!("roll < total")
    }
}

/// SplitMix64: a small deterministic generator, so a seed reproduces a plan.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A transaction to submit, pre-signed.
#[derive(Clone, Debug)]
pub struct Planned {
    /// Position in the offered sequence (the schedule sends it at `seq / rate`).
    pub seq: usize,
    /// Load signer number ([`Signer::index`]), or `None` for a setup officer.
    pub signer: Option<usize>,
    /// Its approach: a position in [`Network::approaches`] (and [`Plan::approaches`]).
    pub approach: usize,
    /// Kind (setup transactions are reported as their payload's action).
    pub kind: &'static str,
    /// Its id.
    pub hash: Hash32,
    /// The request body `{"tx": "<hex>"}`.
    pub body: String,
}

impl Planned {
    fn new(seq: usize, signer: Option<usize>, approach: usize, kind: &'static str, tx: &Transaction) -> Self {
        let bytes = tx.encode();
        let body = format!("{{\"tx\":\"{}\"}}", hex::encode(&bytes));
        Self { seq, signer, approach, kind, hash: tx.hash(), body }
    }
}

/// What the planner needs.
#[derive(Debug)]
pub struct PlanInput<'a> {
    /// Chain id.
    pub chain_id: &'a str,
    /// The approaches and their actors.
    pub network: &'a Network,
    /// The load signers, each in one of `network`'s approaches.
    pub signers: &'a [Signer],
    /// Keys of the genesis officers the setup needs, by name.
    pub officer_keys: &'a BTreeMap<String, SecretKey>,
    /// Next nonce of each of those officers.
    pub officer_nonces: &'a BTreeMap<String, u64>,
    /// Transactions of the mix.
    pub txs: usize,
    /// The mix.
    pub mix: &'a Mix,
    /// Seed.
    pub seed: u64,
    /// Threads to sign with.
    pub threads: usize,
}

/// The setup, in phases each committed before the next, and the load.
#[derive(Debug)]
pub struct Plan {
    /// Setup phases.
    pub setup: Vec<Vec<Planned>>,
    /// The mix, in offered order.
    pub load: Vec<Planned>,
    /// Transactions of each kind in the mix.
    pub counts: BTreeMap<Kind, usize>,
    /// The approaches ([`Planned::approach`] is a position in it).
    pub approaches: Vec<CaId>,
    /// Transactions of the mix in each approach, by position.
    pub approach_counts: Vec<usize>,
}

/// What one signer does in the mix, before signing: its kinds by offered position, and
/// the units they take from its `A` (chunks) and `Q` lines.
#[derive(Default)]
struct Assignment {
    kinds: Vec<(usize, Kind)>,
    chunks: u64,
    quantity: u64,
}

fn id<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().expect("load ids are valid")
}

/// Assigns each transaction of the mix a kind and a signer able to sign it, the signers
/// of each class taking turns.
fn assign(input: &PlanInput<'_>, rng: &mut Rng) -> Result<Vec<Assignment>, LoadError> {
    let class = |pred: &dyn Fn(SignerKind) -> bool| -> Vec<usize> {
        (0..input.signers.len()).filter(|p| pred(input.signers[*p].kind)).collect()
    };
    let all = class(&|_| true);
    let government = class(&|k| k == SignerKind::Government);
    let entity = class(&|k| k == SignerKind::Entity);
    let mut turns = [0usize; 3];
    let mut out: Vec<Assignment> = input.signers.iter().map(|_| Assignment::default()).collect();
    for seq in 0..input.txs {
        let kind = input.mix.pick(rng.next_u64());
        let (pool, turn) = match kind {
            Kind::TransferRange | Kind::TransferQuantity => (&all, &mut turns[0]),
            Kind::UseNdc => (&government, &mut turns[1]),
            Kind::OpenAccount | Kind::Issue => (&entity, &mut turns[2]),
        };
        if pool.is_empty() {
            return Err(LoadError::Usage(format!(
                "the mix has `{}` but no signer can sign it: use more --signers",
                kind.name()
            )));
        }
        let signer = pool[*turn % pool.len()];
        *turn += 1;
        debug_assert!(kind.signable_by(input.signers[signer].kind));
        let a = &mut out[signer];
        a.kinds.push((seq, kind));
        match kind {
            Kind::TransferRange | Kind::UseNdc => a.chunks += 1,
            Kind::TransferQuantity => a.quantity += QUANTITY_UNITS_MAX,
            Kind::OpenAccount | Kind::Issue => {}
        }
    }
    Ok(out)
}

/// Builds and signs the plan.
pub fn build(input: &PlanInput<'_>) -> Result<Plan, LoadError> {
    let mut rng = Rng::new(input.seed);
    let assignments = assign(input, &mut rng)?;
    let (setup_txs, serials) = setup::setup(input, &assignments)?;
    let mut unsigned: Vec<Unsigned> = Vec::with_capacity(input.txs);
    let mut counts = BTreeMap::new();
    let mut approach_counts = vec![0; input.network.approaches.len()];
    for (position, (signer, assignment)) in input.signers.iter().zip(&assignments).enumerate() {
        let approach = &input.network.approaches[signer.approach];
        let mut state = SignerState::new(signer, approach, serials[position], assignment.chunks, &mut rng);
        for (nonce, (seq, kind)) in assignment.kinds.iter().enumerate() {
            let payload = state.payload(input, *kind, &mut rng);
            *counts.entry(*kind).or_insert(0) += 1;
            approach_counts[signer.approach] += 1;
            unsigned.push(Unsigned { seq: *seq, position, kind: *kind, nonce: nonce as u64, payload });
        }
    }
    unsigned.sort_by_key(|u| u.seq);
    let load = sign_all(input, unsigned);
    let mut setup = Vec::new();
    let mut seq = 0;
    for phase in setup_txs {
        setup.push(
            phase
                .iter()
                .map(|(approach, tx)| {
                    seq += 1;
                    Planned::new(seq - 1, None, *approach, tx.body.payload.action(), tx)
                })
                .collect(),
        );
    }
    let approaches = input.network.approaches.iter().map(|a| a.ca.clone()).collect();
    Ok(Plan { setup, load, counts, approaches, approach_counts })
}

/// A transaction of the mix before signing: offered position, signer (by position in
/// `PlanInput::signers`), kind, nonce, payload.
struct Unsigned {
    seq: usize,
    position: usize,
    kind: Kind,
    nonce: u64,
    payload: Payload,
}

/// Signs the mix on `input.threads` threads.
fn sign_all(input: &PlanInput<'_>, unsigned: Vec<Unsigned>) -> Vec<Planned> {
    let threads = input.threads.clamp(1, 64);
    let chunk = unsigned.len().div_ceil(threads).max(1);
    let mut out = Vec::with_capacity(unsigned.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = unsigned
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|u| {
                            let signer = &input.signers[u.position];
                            let tx =
                                Transaction::sign(input.chain_id, &signer.key, u.nonce, u.payload.clone());
                            Planned::new(u.seq, Some(signer.index), signer.approach, u.kind.name(), &tx)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            out.extend(handle.join().expect("a signing thread panicked"));
        }
    });
    out
}

#[cfg(test)]
mod tests;
