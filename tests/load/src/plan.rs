//! What the load generator submits: the setup that gives every signer units (an
//! authorization, projects, issuances under JC notifications endorsed by both sides), and
//! the mix of pre-signed transactions.
//!
//! Everything is derived from the genesis, the signers and a seed, so two runs with the
//! same arguments sign the same transactions. Serial numbers are known in advance: the
//! setup issuances are the first issuances of the chain in the host's serial space, and
//! one officer signs all of them, so they execute in nonce order and allocate serials
//! from 1 in line order. Each signer then moves only its own units:
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
use jcm_runtime::ids::{AuthId, NotificationId, ProjectId};
use jcm_runtime::model::{Account, AuthorizationTerms, Project, Text};
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::{
    AllocationLine, Notification, NotificationStatus, Payload, Period, SignedNotification, Transaction,
    UnitsSpec,
};
use serde_json::json;

use super::genesis::{Network, Signer, SignerKind};
use super::LoadError;

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
/// Lines per setup issuance (the runtime's limit is 64).
const SETUP_LINES: usize = 64;
/// The authorization the Japanese share is issued under.
pub const AUTHORIZATION: &str = "AUTH-LD-001";
/// The project of the setup issuances.
pub const SETUP_PROJECT: &str = "LD-SETUP";
const SECONDS_PER_DAY: u64 = 86_400;

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
    /// Load signer index, or `None` for a setup officer.
    pub signer: Option<usize>,
    /// Kind (setup transactions are reported as their payload's action).
    pub kind: &'static str,
    /// Its id.
    pub hash: Hash32,
    /// The request body `{"tx": "<hex>"}`.
    pub body: String,
}

impl Planned {
    fn new(seq: usize, signer: Option<usize>, kind: &'static str, tx: &Transaction) -> Self {
        let bytes = tx.encode();
        Self { seq, signer, kind, hash: tx.hash(), body: format!("{{\"tx\":\"{}\"}}", hex::encode(&bytes)) }
    }
}

/// What the planner needs.
#[derive(Debug)]
pub struct PlanInput<'a> {
    /// Chain id.
    pub chain_id: &'a str,
    /// The network's actors.
    pub network: &'a Network,
    /// The load signers.
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
}

/// What one signer does in the mix, before signing.
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
        input.signers.iter().filter(|s| pred(s.kind)).map(|s| s.index).collect()
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
    let (setup_txs, serials) = setup(input, &assignments)?;
    let mut unsigned: Vec<(usize, usize, Kind, u64, Payload)> = Vec::with_capacity(input.txs);
    let mut counts = BTreeMap::new();
    for (signer, assignment) in input.signers.iter().zip(&assignments) {
        let mut state = SignerState::new(signer, serials[signer.index], assignment.chunks, &mut rng);
        for (nonce, (seq, kind)) in assignment.kinds.iter().enumerate() {
            let payload = state.payload(input, *kind, &mut rng);
            *counts.entry(*kind).or_insert(0) += 1;
            unsigned.push((*seq, signer.index, *kind, nonce as u64, payload));
        }
    }
    unsigned.sort_by_key(|u| u.0);
    let load = sign_all(input, unsigned);
    let mut setup = Vec::new();
    let mut seq = 0;
    for phase in setup_txs {
        setup.push(
            phase
                .iter()
                .map(|tx| {
                    seq += 1;
                    Planned::new(seq - 1, None, tx.body.payload.action(), tx)
                })
                .collect(),
        );
    }
    Ok(Plan { setup, load, counts })
}

/// Signs the mix on `input.threads` threads.
fn sign_all(input: &PlanInput<'_>, unsigned: Vec<(usize, usize, Kind, u64, Payload)>) -> Vec<Planned> {
    let threads = input.threads.clamp(1, 64);
    let chunk = unsigned.len().div_ceil(threads).max(1);
    let mut out = Vec::with_capacity(unsigned.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = unsigned
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(seq, signer, kind, nonce, payload)| {
                            let key = &input.signers[*signer].key;
                            let tx = Transaction::sign(input.chain_id, key, *nonce, payload.clone());
                            Planned::new(*seq, Some(*signer), kind.name(), &tx)
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

/// Where a signer's setup units start: the first serial of its `A` line (its `Q` line
/// follows; quantity transfers do not name serials).
#[derive(Clone, Copy, Debug, Default)]
struct Serials {
    a: u64,
}

fn officer<'a>(input: &'a PlanInput<'_>, name: &str) -> Result<(&'a SecretKey, u64), LoadError> {
    let key = input
        .officer_keys
        .get(name)
        .ok_or_else(|| LoadError::Genesis(format!("no key file for officer {name}")))?;
    Ok((key, input.officer_nonces.get(name).copied().unwrap_or(0)))
}

fn day(index: u64, from_year: u16) -> Timestamp {
    Timestamp(Timestamp::start_of_year(from_year).0 + index * SECONDS_PER_DAY)
}

/// A notification for `lines`, endorsed by both JC sides, and the issuance under it.
fn issuance(
    input: &PlanInput<'_>,
    project: &str,
    notification: &str,
    when: Timestamp,
    lines: Vec<AllocationLine>,
) -> Result<Payload, LoadError> {
    let vintage = when.year();
    let body = Notification {
        id: id::<NotificationId>(notification),
        jc: input.network.jc.clone(),
        project: id::<ProjectId>(project),
        monitoring_period: Period { from: when, to: when },
        vintage,
        total: lines.iter().map(|l| l.quantity).sum(),
        status: NotificationStatus::Approved,
        lines: lines.clone(),
    };
    let mut signed = SignedNotification { body, endorsements: Vec::new() };
    for rep in &input.network.jc_reps {
        signed.endorse(input.chain_id, officer(input, rep)?.0);
    }
    Ok(Payload::Issue {
        ca: input.network.ca.clone(),
        project: id(project),
        vintage,
        notification: Some(signed),
        lines,
        first_serial: None,
    })
}

fn project(input: &PlanInput<'_>, project_id: &str) -> Payload {
    let project: Project = serde_json::from_value(json!({
        "id": project_id,
        "name": format!("Load project {project_id}"),
        "host": input.network.host,
        "ca": input.network.ca,
        "sector": "Energy generation",
        "activity_type": "Solar",
        "mitigation_type": "Emission reductions",
    }))
    .expect("a project document");
    Payload::RegisterProject { project }
}

/// The project an entity signer issues for.
pub fn signer_project(signer: &Signer) -> String {
    format!("LD-P-{:04}", signer.index)
}

/// The setup transactions in phases, and where each signer's units start.
fn setup(
    input: &PlanInput<'_>,
    assignments: &[Assignment],
) -> Result<(Vec<Vec<Transaction>>, Vec<Serials>), LoadError> {
    let network = input.network;
    // Phase 1: the host's designated authority authorizes the Japanese share and registers
    // the projects.
    let (da_key, mut da_nonce) = officer(input, &network.host_da)?;
    let mut sign_da = |payload| {
        da_nonce += 1;
        Transaction::sign(input.chain_id, da_key, da_nonce - 1, payload)
    };
    let terms: AuthorizationTerms = serde_json::from_value(json!({
        "id": AUTHORIZATION,
        "ca": network.ca,
        "gwp": "AR5",
        "purposes": ["NDC"],
        "parties": ["JPN"],
        "occurred": { "first": 2021, "last": 2030 },
        "terms": "load generator: the Japanese share of the setup issuances",
    }))
    .expect("authorization terms");
    let mut phase1 =
        vec![sign_da(Payload::CreateAuthorization { terms }), sign_da(project(input, SETUP_PROJECT))];
    for signer in input.signers.iter().filter(|s| s.kind == SignerKind::Entity) {
        phase1.push(sign_da(project(input, &signer_project(signer))));
    }
    // Phase 2: the host registry's administrator issues every signer its units, under
    // notifications of the setup project for consecutive days of the setup vintage.
    let (admin_key, admin_nonce) = officer(input, &network.host_admin)?;
    let mut lines = Vec::new();
    let mut serials = vec![Serials::default(); input.signers.len()];
    let mut next = 1u64;
    for (signer, assignment) in input.signers.iter().zip(assignments) {
        let authorization = (signer.kind == SignerKind::Government).then(|| id::<AuthId>(AUTHORIZATION));
        let a = (assignment.chunks * CHUNK_UNITS).max(CHUNK_UNITS);
        let q = assignment.quantity.max(QUANTITY_UNITS_MAX);
        serials[signer.index] = Serials { a: next };
        next += a + q;
        lines.push(AllocationLine {
            account: signer.account("A"),
            quantity: a,
            authorization: authorization.clone(),
        });
        lines.push(AllocationLine { account: signer.account("Q"), quantity: q, authorization });
    }
    let days_max = 365;
    if lines.len().div_ceil(SETUP_LINES) > days_max {
        return Err(LoadError::Usage("too many signers for one setup year".into()));
    }
    let mut phase2 = Vec::new();
    for (j, chunk) in lines.chunks(SETUP_LINES).enumerate() {
        let when = day(j as u64, SETUP_VINTAGE);
        let payload = issuance(input, SETUP_PROJECT, &format!("N-LD-SETUP-{j:04}"), when, chunk.to_vec())?;
        phase2.push(Transaction::sign(input.chain_id, admin_key, admin_nonce + j as u64, payload));
    }
    Ok((vec![phase1, phase2], serials))
}

/// What a signer's next transaction of each kind touches.
struct SignerState<'a> {
    signer: &'a Signer,
    /// Chunk indices of `A`, shuffled; the next is taken from the end.
    chunks: Vec<u64>,
    a_first: u64,
    accounts_opened: u64,
    issued: u64,
}

impl<'a> SignerState<'a> {
    fn new(signer: &'a Signer, serials: Serials, chunks: u64, rng: &mut Rng) -> Self {
        let mut order: Vec<u64> = (0..chunks).collect();
        for i in (1..order.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        Self { signer, chunks: order, a_first: serials.a, accounts_opened: 0, issued: 0 }
    }

    fn next_chunk(&mut self, network: &Network) -> UnitsSpec {
        let chunk = self.chunks.pop().expect("a chunk was set aside for every range transaction");
        let first = self.a_first + chunk * CHUNK_UNITS;
        let unit = |serial: u64| {
            Text::new(&format!(
                "{}-{}-{}-{serial}-{SETUP_VINTAGE}",
                network.ca, self.signer.registry, network.host
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

    fn payload(&mut self, input: &PlanInput<'_>, kind: Kind, rng: &mut Rng) -> Payload {
        let network = input.network;
        let ca = network.ca.clone();
        let s = self.signer;
        match kind {
            Kind::TransferRange => {
                let units = self.next_chunk(network);
                Payload::TransferInternal { ca, from: s.account("A"), to: s.account("B"), units }
            }
            Kind::UseNdc => {
                let units = self.next_chunk(network);
                Payload::UseNdc {
                    ca,
                    from: s.account("A"),
                    to: network.japan_use_ndc.clone(),
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
                let when = day(self.issued - 1, 2021);
                let lines = vec![AllocationLine {
                    account: s.account("C"),
                    quantity: ISSUE_UNITS,
                    authorization: None,
                }];
                let notification = format!("N-LD-{:04}-{}", s.index, self.issued);
                issuance(input, &signer_project(s), &notification, when, lines)
                    .expect("the JC representatives' keys were checked by the setup")
            }
        }
    }
}

#[cfg(test)]
mod tests;
