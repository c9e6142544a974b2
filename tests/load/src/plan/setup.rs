//! The setup of each approach the load runs in, which gives every signer its units:
//!
//! 1. the host's designated authority creates the NDC authorization of the Japanese share
//!    (`AUTH-LD-<ca>`) and registers the approach's setup project (`LD-SETUP-<ca>`) and
//!    one project per entity signer of the approach (`LD-P-nnnn`);
//! 2. the host registry's administrator issues every signer of the approach its units,
//!    64 allocation lines per issuance, under notifications of the setup project
//!    (`N-LD-SETUP-<ca>-jjjj`, one day of the setup vintage each) endorsed by both of the
//!    approach's JC representatives.
//!
//! Serials are known in advance: the setup issuances are the first of their approach's
//! serial space (approach, host), and one officer signs all of them in nonce order, so
//! they allocate serials from 1 in line order. An officer who serves several approaches
//! signs for each in turn, its nonces running on.

use std::collections::BTreeMap;

use jcm_runtime::crypto::SecretKey;
use jcm_runtime::ids::{AuthId, NotificationId, ProjectId};
use jcm_runtime::model::{AuthorizationTerms, Project};
use jcm_runtime::protocol::{
    AllocationLine, Notification, NotificationStatus, Payload, Period, SignedNotification, Transaction,
};
use jcm_runtime::time::Timestamp;
use serde_json::json;

use super::{id, Assignment, PlanInput, CHUNK_UNITS, QUANTITY_UNITS_MAX, SETUP_VINTAGE};
use crate::genesis::{Approach, Signer, SignerKind};
use crate::LoadError;

/// Lines per setup issuance (the runtime's limit is 64).
const SETUP_LINES: usize = 64;
/// Setup issuances per approach: one a day of the setup vintage.
const SETUP_DAYS_MAX: usize = 365;
const SECONDS_PER_DAY: u64 = 86_400;

/// The authorization the Japanese share of `approach` is issued under.
pub fn authorization(approach: &Approach) -> String {
    format!("AUTH-LD-{}", approach.ca)
}

/// The project of `approach`'s setup issuances.
pub fn setup_project(approach: &Approach) -> String {
    format!("LD-SETUP-{}", approach.ca)
}

/// The project an entity signer issues for.
pub fn signer_project(signer: &Signer) -> String {
    format!("LD-P-{:04}", signer.index)
}

/// Where a signer's setup units start: the first serial of its `A` line in its
/// approach's serial space (its `Q` line follows; quantity transfers do not name serials).
#[derive(Clone, Copy, Debug, Default)]
pub struct Serials {
    /// First serial of the `A` line.
    pub a: u64,
}

/// The setup transactions of every approach, in phases, and where each signer's units
/// start (by position in `input.signers`).
pub(super) type Setup = (Vec<Vec<(usize, Transaction)>>, Vec<Serials>);

fn officer<'a>(input: &'a PlanInput<'_>, name: &str) -> Result<&'a SecretKey, LoadError> {
    input.officer_keys.get(name).ok_or_else(|| LoadError::Genesis(format!("no key file for officer {name}")))
}

/// The setup officers' next nonces, shared by every approach an officer serves.
struct Officers<'a, 'b> {
    input: &'a PlanInput<'b>,
    next: BTreeMap<String, u64>,
}

impl Officers<'_, '_> {
    fn sign(&mut self, name: &str, payload: Payload) -> Result<Transaction, LoadError> {
        let key = officer(self.input, name)?;
        let next = self
            .next
            .entry(name.to_owned())
            .or_insert_with(|| self.input.officer_nonces.get(name).copied().unwrap_or(0));
        *next += 1;
        Ok(Transaction::sign(self.input.chain_id, key, *next - 1, payload))
    }
}

/// Day `index` from the start of `from_year`.
pub fn day(index: u64, from_year: u16) -> Timestamp {
    Timestamp(Timestamp::start_of_year(from_year).0 + index * SECONDS_PER_DAY)
}

/// The issuance of `lines` for `project` in `approach`, under a notification endorsed
/// by both of the approach's JC representatives.
pub fn issuance(
    input: &PlanInput<'_>,
    approach: &Approach,
    project: &str,
    notification: &str,
    when: Timestamp,
    lines: Vec<AllocationLine>,
) -> Result<Payload, LoadError> {
    let vintage = when.year();
    let body = Notification {
        id: id::<NotificationId>(notification),
        jc: approach.jc.clone(),
        project: id::<ProjectId>(project),
        monitoring_period: Period { from: when, to: when },
        vintage,
        total: lines.iter().map(|l| l.quantity).sum(),
        status: NotificationStatus::Approved,
        lines: lines.clone(),
    };
    let mut signed = SignedNotification { body, endorsements: Vec::new() };
    for rep in &approach.jc_reps {
        signed.endorse(input.chain_id, officer(input, rep)?);
    }
    Ok(Payload::Issue {
        ca: approach.ca.clone(),
        project: id(project),
        vintage,
        notification: Some(signed),
        lines,
        first_serial: None,
    })
}

fn project(approach: &Approach, project_id: &str) -> Payload {
    let project: Project = serde_json::from_value(json!({
        "id": project_id,
        "name": format!("Load project {project_id}"),
        "host": approach.host,
        "ca": approach.ca,
        "sector": "Energy generation",
        "activity_type": "Solar",
        "mitigation_type": "Emission reductions",
    }))
    .expect("a project document");
    Payload::RegisterProject { project }
}

fn authorization_terms(approach: &Approach) -> AuthorizationTerms {
    serde_json::from_value(json!({
        "id": authorization(approach),
        "ca": approach.ca,
        "gwp": "AR5",
        "purposes": ["NDC"],
        "parties": ["JPN"],
        "occurred": { "first": 2021, "last": 2030 },
        "terms": "load generator: the Japanese share of the setup issuances",
    }))
    .expect("authorization terms")
}

/// The signers of approach `k`, with their positions in `input.signers`.
fn signers_of<'a>(input: &'a PlanInput<'_>, k: usize) -> impl Iterator<Item = (usize, &'a Signer)> {
    input.signers.iter().enumerate().filter(move |(_, s)| s.approach == k)
}

/// The setup transactions in phases, each tagged with its approach, and where each
/// signer's units start.
pub(super) fn setup(input: &PlanInput<'_>, assignments: &[Assignment]) -> Result<Setup, LoadError> {
    let mut officers = Officers { input, next: BTreeMap::new() };
    // Phase 1: the authorizations and the projects.
    let mut phase1 = Vec::new();
    for (k, approach) in input.network.approaches.iter().enumerate() {
        let da = &approach.host_da;
        let terms = authorization_terms(approach);
        phase1.push((k, officers.sign(da, Payload::CreateAuthorization { terms })?));
        phase1.push((k, officers.sign(da, project(approach, &setup_project(approach)))?));
        for (_, signer) in signers_of(input, k).filter(|(_, s)| s.kind == SignerKind::Entity) {
            phase1.push((k, officers.sign(da, project(approach, &signer_project(signer)))?));
        }
    }
    // Phase 2: the issuances, each approach's from 1 in its own serial space.
    let mut phase2 = Vec::new();
    let mut serials = vec![Serials::default(); input.signers.len()];
    for (k, approach) in input.network.approaches.iter().enumerate() {
        let lines = setup_lines(input, assignments, k, &mut serials);
        if lines.len().div_ceil(SETUP_LINES) > SETUP_DAYS_MAX {
            return Err(LoadError::Usage(format!("too many signers in {} for one setup year", approach.ca)));
        }
        for (j, chunk) in lines.chunks(SETUP_LINES).enumerate() {
            let when = day(j as u64, SETUP_VINTAGE);
            let notification = format!("N-LD-SETUP-{}-{j:04}", approach.ca);
            let project = setup_project(approach);
            let payload = issuance(input, approach, &project, &notification, when, chunk.to_vec())?;
            phase2.push((k, officers.sign(&approach.host_admin, payload)?));
        }
    }
    Ok((vec![phase1, phase2], serials))
}

/// The allocation lines of approach `k`'s signers (`A` then `Q` for each, sized by what
/// the mix takes from them), noting where each `A` line's serials start.
fn setup_lines(
    input: &PlanInput<'_>,
    assignments: &[Assignment],
    k: usize,
    serials: &mut [Serials],
) -> Vec<AllocationLine> {
    let approach = &input.network.approaches[k];
    let mut lines = Vec::new();
    let mut next = 1u64;
    for (position, signer) in signers_of(input, k) {
        let assignment = &assignments[position];
        let authorization =
            (signer.kind == SignerKind::Government).then(|| id::<AuthId>(&authorization(approach)));
        let a = (assignment.chunks * CHUNK_UNITS).max(CHUNK_UNITS);
        let q = assignment.quantity.max(QUANTITY_UNITS_MAX);
        serials[position] = Serials { a: next };
        next += a + q;
        lines.push(AllocationLine {
            account: signer.account("A"),
            quantity: a,
            authorization: authorization.clone(),
        });
        lines.push(AllocationLine { account: signer.account("Q"), quantity: q, authorization });
    }
    lines
}
