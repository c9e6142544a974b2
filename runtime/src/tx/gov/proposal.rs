//! Proposals (R43) and their votes (R44): opening a proposal, approving, rejecting, the
//! admitted Party's consent (R45), deciding once enough Parties approved, and expiry at
//! the first block past the deadline.

use std::collections::BTreeSet;

use super::records::{GovState, Proposal, Vote};
use super::{approach, party, upgrade, validators};
use crate::crypto::PublicKey;
use crate::error::Code;
use crate::events::EventKind;
use crate::ids::Party;
use crate::limits::PROPOSAL_WINDOW_BLOCKS_MAX;
use crate::model::Text;
use crate::protocol::{GovChange, Payload, ProposalState};
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::tx::context::{BlockContext, Checks, Ctx};
use crate::tx::movement;

/// Whose approval a change needs (R44).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Approvers {
    /// Parties holding more than 2/3 of the voting power in force: any Party of the
    /// chain may vote, with the power of its validators (zero without one).
    Power,
    /// Every one of these Parties.
    Parties(BTreeSet<Party>),
}

/// Where the votes stand.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tally {
    /// Enough approvals.
    Passes,
    /// The rejections make passing impossible.
    Fails,
    /// Neither yet.
    Pending,
}

/// Whose approval `change` needs (R44).
pub fn approvers(change: &GovChange) -> Approvers {
    match change {
        GovChange::CreateApproach { approach, .. } => Approvers::Parties(approach.participants.clone()),
        _ => Approvers::Power,
    }
}

/// The voting power of `party`: the sum of its validators' power in force (R44).
pub fn party_power<S: ReadStore + ?Sized>(st: &S, party: &Party) -> u128 {
    st.validators().iter().filter(|v| &v.party == party).map(|v| u128::from(v.power)).sum()
}

/// The votes on `p` against its approvers and the power in force (R44).
pub fn tally<S: ReadStore + ?Sized>(st: &S, p: &Proposal) -> Tally {
    match approvers(&p.change) {
        Approvers::Power => {
            let total: u128 = st.validators().iter().map(|v| u128::from(v.power)).sum();
            let approve: u128 = p.approvals.iter().map(|v| party_power(st, &v.party)).sum();
            let reject: u128 = p.rejections.iter().map(|v| party_power(st, &v.party)).sum();
            if approve * 3 > total * 2 {
                Tally::Passes
            } else if (total - reject.min(total)) * 3 <= total * 2 {
                Tally::Fails
            } else {
                Tally::Pending
            }
        }
        Approvers::Parties(parties) => {
            let approved: BTreeSet<&Party> = p.approvals.iter().map(|v| &v.party).collect();
            if !p.rejections.is_empty() {
                Tally::Fails
            } else if parties.iter().all(|q| approved.contains(q)) {
                Tally::Passes
            } else {
                Tally::Pending
            }
        }
    }
}

fn entitled<S: ReadStore + ?Sized>(st: &S, change: &GovChange, party: &Party) -> bool {
    match approvers(change) {
        Approvers::Power => st.party(party).is_some(),
        Approvers::Parties(parties) => parties.contains(party),
    }
}

fn vote(cx: &Ctx, party: Party) -> Vote {
    let officer = cx.officer.as_ref().map(|o| o.name.clone());
    Vote {
        party,
        officer: officer.unwrap_or_else(|| crate::ids::OfficerName::new("UNKNOWN").expect("valid")),
        key: cx.signer,
        height: cx.height,
        tx: cx.tx,
    }
}

/// The change's own rules (R45–R51) against the state, for proposal `id` open until
/// `deadline`, as if decided in this block.
fn check_change<S: ReadStore + ?Sized>(
    st: &S,
    cx: &Ctx,
    ck: &mut Checks,
    id: u64,
    change: &GovChange,
    deadline: u64,
) {
    match change {
        GovChange::AdmitParty { .. } => party::check(st, cx, ck, id, change),
        GovChange::CreateApproach { approach, committee, members } => {
            approach::check(st, ck, approach, committee, members)
        }
        GovChange::ChangeValidators { change, effective_height } => {
            let at = validators::Slot { height: *effective_height, proposal: id };
            validators::check(st, ck, change, at, deadline)
        }
        GovChange::PlanUpgrade { version, height } => upgrade::check(st, cx, ck, *version, *height, deadline),
    }
}

/// R43: a Party's designated authority opens a proposal; its own Party's approval is
/// counted at once (R44).
pub fn propose<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, change: &GovChange, deadline: u64) {
    let party = super::authority(cx, ck, "proposing a governance change");
    // R43: the deadline is a later height, within the governance window.
    let window = cx.height.saturating_add(PROPOSAL_WINDOW_BLOCKS_MAX);
    ck.ensure(deadline > cx.height && deadline <= window, Code::InvalidDeadline, || {
        format!("deadline {deadline} must be after height {} and at most {window}", cx.height)
    });
    if let Some(party) = &party {
        // R44: the proposer's Party is one whose approval counts.
        ck.ensure(entitled(st, change, party), Code::ApproverNotEntitled, || {
            format!("{party} has no say on {}", change.kind())
        });
    }
    let id = st.next_proposal_id();
    check_change(st, cx, ck, id, change, deadline);
    let Some(party) = party else { return };
    if !ck.ok() {
        return;
    }
    st.write(keys::NEXT_PROPOSAL.to_vec(), &(id + 1));
    let proposal = Proposal {
        id,
        change: change.clone(),
        tx: cx.tx,
        height: cx.height,
        deadline,
        state: ProposalState::Open,
        approvals: vec![vote(cx, party.clone())],
        rejections: Vec::new(),
        consent: None,
        closed_at: None,
    };
    st.put(keys::proposal_deadline(deadline, id), Vec::new());
    let kind = Text::new(change.kind()).expect("short");
    movement::emit(st, cx, None, EventKind::ProposalSubmitted { proposal: id, change: kind, deadline }, None);
    movement::emit(st, cx, None, EventKind::ProposalVoted { proposal: id, party, approve: true }, None);
    settle(st, cx, ck, proposal);
}

/// R43: the proposal exists and is open.
fn open_proposal<S: ReadStore + ?Sized>(st: &S, cx: &Ctx, ck: &mut Checks, id: u64) -> Option<Proposal> {
    let Some(p) = st.proposal(id) else {
        ck.fail(Code::UnknownProposal, format!("there is no proposal {id}"));
        return None;
    };
    let closed = p.closed_at.map(|h| format!(" at height {h}")).unwrap_or_default();
    match p.state {
        ProposalState::Open if cx.height <= p.deadline => Some(p),
        ProposalState::Open | ProposalState::Expired => {
            ck.fail(
                Code::ProposalExpired,
                format!("proposal {id} expired after its deadline {}", p.deadline),
            );
            None
        }
        state => {
            let state = crate::tx::guards::named(&state);
            ck.fail(Code::ProposalNotOpen, format!("proposal {id} is {state}{closed}"));
            None
        }
    }
}

/// R44: a Party's designated authority approves (`approve`) or rejects an open proposal,
/// once per Party.
pub fn vote_on<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, id: u64, approve: bool) {
    let verb = if approve { "approving" } else { "rejecting" };
    let party = super::authority(cx, ck, &format!("{verb} a proposal"));
    let Some(mut p) = open_proposal(st, cx, ck, id) else { return };
    let Some(party) = party else { return };
    // R44: only a Party whose approval the change needs votes, once.
    ck.ensure(entitled(st, &p.change, &party), Code::ApproverNotEntitled, || {
        format!("{party} has no say on proposal {id} ({})", p.change.kind())
    });
    ck.ensure(!p.voted(&party), Code::AlreadyVoted, || format!("{party} already voted on proposal {id}"));
    if !ck.ok() {
        return;
    }
    let ballot = vote(cx, party.clone());
    if approve {
        p.approvals.push(ballot);
    } else {
        p.rejections.push(ballot);
    }
    movement::emit(st, cx, None, EventKind::ProposalVoted { proposal: id, party, approve }, None);
    settle(st, cx, ck, p);
}

/// R45: the admitted Party's authority key consents to its admission.
pub fn consent<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, id: u64) {
    let Some(mut p) = open_proposal(st, cx, ck, id) else { return };
    let GovChange::AdmitParty { party, authority, .. } = &p.change else {
        ck.fail(Code::ConsentNotByAdmittedAuthority, format!("proposal {id} admits no Party"));
        return;
    };
    ck.ensure(authority.public_key == cx.signer, Code::ConsentNotByAdmittedAuthority, || {
        format!("only {}'s authority key {} consents to proposal {id}", party.code, authority.public_key)
    });
    ck.ensure(p.consent.is_none(), Code::AlreadyVoted, || format!("{} already consented", party.code));
    if !ck.ok() {
        return;
    }
    let code = party.code.clone();
    let name = authority.name.clone();
    p.consent =
        Some(Vote { party: code.clone(), officer: name, key: cx.signer, height: cx.height, tx: cx.tx });
    movement::emit(st, cx, None, EventKind::ProposalVoted { proposal: id, party: code, approve: true }, None);
    settle(st, cx, ck, p);
}

/// R10, R45: whether `payload` is a consent to an open admission whose authority key is
/// `signer`: the one transaction a key that is not yet an officer's may sign.
pub fn consents_as_admitted<S: ReadStore + ?Sized>(st: &S, payload: &Payload, signer: &PublicKey) -> bool {
    let Payload::ConsentToAdmission { proposal } = payload else { return false };
    st.proposal(*proposal).is_some_and(|p| {
        p.state == ProposalState::Open
            && matches!(&p.change, GovChange::AdmitParty { authority, .. } if &authority.public_key == signer)
    })
}

/// Decides a proposal after a vote (R44): executes it when enough Parties approved (and,
/// for an admission, the admitted Party consented), rejects it when it can no longer
/// pass, or keeps it open.
fn settle<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, mut p: Proposal) {
    let consent_missing = matches!(p.change, GovChange::AdmitParty { .. }) && p.consent.is_none();
    match tally(st, &p) {
        Tally::Pending => {}
        Tally::Passes if consent_missing => {}
        Tally::Fails => close(st, cx, &mut p, ProposalState::Rejected),
        Tally::Passes => {
            // The change's rules again, against the state at the decision.
            check_change(st, cx, ck, p.id, &p.change, p.deadline);
            if !ck.ok() {
                return;
            }
            let state = execute(st, cx, &p);
            close(st, cx, &mut p, state);
        }
    }
    st.write(keys::proposal(p.id), &p);
}

/// Applies a decided change; the state the proposal enters.
fn execute<S: Store + ?Sized>(st: &mut S, cx: &Ctx, p: &Proposal) -> ProposalState {
    match &p.change {
        GovChange::AdmitParty { .. } => {
            party::admit(st, cx, p.id, &p.change);
            ProposalState::Executed
        }
        GovChange::CreateApproach { approach, committee, members } => {
            approach::create(st, cx, approach, committee, members);
            ProposalState::Executed
        }
        GovChange::ChangeValidators { change, effective_height } => {
            validators::schedule(st, cx, p.id, *effective_height, change);
            ProposalState::Approved
        }
        GovChange::PlanUpgrade { version, height } => {
            upgrade::plan(st, cx, p.id, *version, *height);
            ProposalState::Approved
        }
    }
}

fn close<S: Store + ?Sized>(st: &mut S, cx: &Ctx, p: &mut Proposal, state: ProposalState) {
    st.delete(&keys::proposal_deadline(p.deadline, p.id));
    p.state = state;
    p.closed_at = Some(cx.height);
    movement::emit(st, cx, None, EventKind::ProposalClosed { proposal: p.id, state }, None);
}

/// R43: at the first block past its deadline, an open proposal expires.
pub fn expire<S: Store + ?Sized>(st: &mut S, block: &BlockContext) {
    let end = keys::proposal_deadline(block.height, 0);
    let due: Vec<u64> = st
        .range(keys::prefix::PROPOSAL_DEADLINE, Some(&end))
        .map(|(k, _)| u64::from_be_bytes(k[k.len() - 8..].try_into().expect("deadline keys end in an id")))
        .collect();
    for id in due {
        let mut p = st.proposal(id).expect("the deadline index points at a proposal");
        st.delete(&keys::proposal_deadline(p.deadline, id));
        p.state = ProposalState::Expired;
        p.closed_at = Some(block.height);
        st.write(keys::proposal(id), &p);
        let kind = EventKind::ProposalClosed { proposal: id, state: ProposalState::Expired };
        movement::emit_at(st, block.height, block.time, Default::default(), None, kind, None);
    }
}
