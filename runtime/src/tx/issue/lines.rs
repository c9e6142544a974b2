//! The allocation lines of an issuance: each line's account and authorization (R8, R9,
//! R11, R37b with R18–R23 and R27), how each line is classified (first transfer or not,
//! R28), and the checks across lines: authorization caps (R21), first-transfer
//! conditions (R7, R27a) and the cooperative approach's mandatory deductions (R36).

use std::collections::BTreeMap;

use crate::error::Code;
use crate::events::FirstTransferSubtype;
use crate::ids::*;
use crate::model::*;
use crate::protocol::AllocationLine;
use crate::state::{ReadStore, StateExt};
use crate::tx::authorization::{cap_check, scope_checks};
use crate::tx::context::Checks;
use crate::tx::guards;
use crate::tx::movement::{self, Trigger};
use crate::tx::transfer_external::first_transfer_checks;
use crate::units::{AuthBinding, UnitAttrs, UnitBlock};

/// A checked allocation line.
pub struct Line {
    /// The receiving account.
    pub account: Account,
    /// Units.
    pub quantity: u64,
    /// The authorization the units are issued under.
    pub auth: Option<Authorization>,
}

/// ceil(rate × total) for a rate in basis points (R36).
fn deduction(rate_bp: u16, total: u64) -> u64 {
    (u128::from(rate_bp) * u128::from(total)).div_ceil(10_000) as u64
}

/// R8, R9, R11 and R37b/R18–R23/R27 for one line.
pub fn check_line<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    ca: &CooperativeApproach,
    project: &Project,
    vintage: u16,
    line: &AllocationLine,
    year: u16,
) -> Option<Line> {
    ck.ensure(line.quantity > 0, Code::InvalidQuantity, || {
        format!("the line for {} issues no units", line.account)
    });
    let account = guards::account(st, ck, &line.account)?;
    guards::account_active(ck, &account);
    let kinds =
        [AccountKind::Holding, AccountKind::Pending, AccountKind::CancelOmge, AccountKind::SopAdaptation];
    guards::account_kind(ck, &account, &kinds, "issuance");
    let party = account.registry.party();
    guards::party_in_ca(ck, ca, &party, "receiving");
    let host_line = party == project.host;
    let auth = match &line.authorization {
        None => {
            // R37b, R18: the non-host share and OMGE cancellations need an authorization.
            ck.ensure(host_line, Code::NotAuthorized, || {
                format!("the line into {} ({party}) names no authorization", account.id)
            });
            ck.ensure(account.kind != AccountKind::CancelOmge, Code::NotAuthorized, || {
                format!("the OMGE line into {} names no authorization", account.id)
            });
            None
        }
        Some(id) => Some(line_authorization(st, ck, ca, project, vintage, id, &party, year)?),
    };
    Some(Line { account, quantity: line.quantity, auth })
}

/// R37b for a line under authorization `id`: it exists and is the host's (R18, R19), in
/// force (R26), in scope (R20, R23, R27), and authorizes the receiving `party` (R22).
#[allow(clippy::too_many_arguments)]
pub fn line_authorization<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    ca: &CooperativeApproach,
    project: &Project,
    vintage: u16,
    id: &AuthId,
    party: &Party,
    year: u16,
) -> Option<Authorization> {
    let host_line = party == &project.host;
    let Some(auth) = st.authorization_latest(id) else {
        ck.fail(Code::NotAuthorized, format!("authorization {id} does not exist"));
        return None;
    };
    // R19, R26, R20, R23, R27.
    ck.ensure(auth.party == project.host, Code::AuthorizerNotFtp, || {
        format!("{id} is {}'s, the units are {}'s", auth.party, project.host)
    });
    ck.ensure(auth.status == AuthStatus::Active, Code::AuthorizationNotActive, || {
        format!("authorization {id} was revoked on {}", auth.date.date())
    });
    // R26: not expired on the action date (its "Use" timeframe has not ended).
    if let Some(period) = auth.terms.use_period {
        ck.ensure(year <= period.last, Code::AuthorizationNotActive, || {
            format!("authorization {id} allows use in {period}; it expired before {year}")
        });
    }
    scope_checks(st, ck, &auth, project, vintage);
    // R20: the authorization covers the approach the units are issued in (when the
    // project is of another approach, `scope_checks` cannot see the difference).
    if project.ca != ca.id {
        ck.ensure(auth.terms.ca == ca.id, Code::OutsideAuthorizationScope, || {
            format!("{id} covers {}, the units are of {}", auth.terms.ca, ca.id)
        });
    }
    // R22: the receiving Party is authorized, or is the host.
    if let Some(parties) = &auth.terms.parties {
        ck.ensure(host_line || parties.contains(party), Code::PartyNotAuthorized, || {
            format!("{id} does not authorize Party {party}")
        });
    }
    Some(auth)
}

/// How a line's units are first transferred at issuance, if they are (R28): an OMGE
/// deduction always is (R28d), the non-host share when its authorization makes leaving
/// the host a first transfer (R28a, c), an OIMP authorization defined at issuance or
/// authorization (R28b).
pub fn first_transfer_subtype(line: &Line, host: &Party) -> Option<FirstTransferSubtype> {
    let auth = line.auth.as_ref()?;
    let non_host = &line.account.registry.party() != host;
    if line.account.kind == AccountKind::CancelOmge {
        Some(FirstTransferSubtype::MandatoryOmge)
    } else if non_host && movement::triggers(auth, Trigger::International) {
        Some(FirstTransferSubtype::ToAnotherParty)
    } else if movement::triggers(auth, Trigger::Issuance) {
        let authorisation = auth.terms.first_transfer == Some(FirstTransferDefinition::Authorisation);
        Some(if authorisation { FirstTransferSubtype::Authorization } else { FirstTransferSubtype::Issuance })
    } else {
        None
    }
}

/// The attributes of a line's units before any first transfer.
pub fn attrs_for(project: &Project, vintage: u16, line: &Line) -> UnitAttrs {
    UnitAttrs {
        origin: line.account.registry.clone(),
        vintage,
        project: project.id.clone(),
        account: line.account.id.clone(),
        authorization: line
            .auth
            .as_ref()
            .map(|a| AuthBinding { id: a.terms.id.clone(), bound_version: None }),
        first_transferred: false,
        use_year: None,
        hold: false,
        reserved_by: None,
    }
}

/// The checks across lines: R7 and R27a for lines first transferred at issuance, R21 per
/// authorization over all its lines ([`check_deductions`] adds R36 for an issuance).
pub fn check_together<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    ca: &CooperativeApproach,
    project: &Project,
    vintage: u16,
    lines: &[Line],
) {
    let mut per_auth: BTreeMap<AuthId, u64> = BTreeMap::new();
    for line in lines {
        if let Some(auth) = &line.auth {
            *per_auth.entry(auth.terms.id.clone()).or_default() += line.quantity;
        }
        if first_transfer_subtype(line, &project.host).is_some() {
            let attrs = attrs_for(project, vintage, line);
            let head = UnitBlock { ca: ca.id.clone(), ftp: project.host.clone(), first: 1, last: 1, attrs };
            first_transfer_checks(st, ck, ca, &head, &line.account.registry.party());
        }
    }
    for (id, quantity) in &per_auth {
        let auth = st.authorization_latest(id).expect("lines name existing authorizations");
        let meta = st.auth_meta(id).expect("authorizations have metadata");
        cap_check(ck, &auth, &meta, *quantity);
    }
}

/// R36: the cooperative approach's mandatory deductions are lines of the issuance.
pub fn check_deductions(ck: &mut Checks, ca: &CooperativeApproach, lines: &[Line]) {
    // R36: the cooperative approach's mandatory deductions are part of the issuance.
    let total: u64 = lines.iter().map(|l| l.quantity).sum();
    for (rate, kind, name) in [
        (ca.omge_rate_bp, AccountKind::CancelOmge, "OMGE"),
        (ca.sop_rate_bp, AccountKind::SopAdaptation, "SOP"),
    ] {
        let due = deduction(rate, total);
        let given: u64 = lines.iter().filter(|l| l.account.kind == kind).map(|l| l.quantity).sum();
        ck.ensure(given >= due, Code::MandatoryDeductionMissing, || {
            format!(
                "{} requires a {name} deduction of {due} units ({rate} bp of {total}); {given} given",
                ca.id
            )
        });
    }
}
