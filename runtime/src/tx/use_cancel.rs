//! USE_NDC, USE_OIMP, CANCEL_VOLUNTARY, CANCEL_OMGE and TRANSFER_SOP: units leave a
//! holding account for a terminal (or adaptation) account of the same registry. Uses
//! and cancellations can be the first transfer of OIMP-authorized units (R28b, R28d).

use crate::error::Code;
use crate::events::{CancellationSubtype, EventKind, FirstTransferSubtype};
use crate::model::{AccountKind, Authorization, Holder, Purpose, Text};
use crate::protocol::OimpPurpose;
use crate::state::{ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::guards;
use crate::tx::movement::{self, Trigger};
use crate::tx::transfer::{self, Destination, Move, Resolved};
use crate::tx::transfer_external::first_transfer_checks;
use crate::units::UnitBlock;

/// Moves the selected units to the destination, first transferring them if `first` is
/// given, and records the first transfer (if any) then `kind` for each moved block.
fn execute<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    r: &Resolved,
    first: Option<(FirstTransferSubtype, Option<Holder>, Option<Text>)>,
    use_year: Option<u16>,
    kind: EventKind,
) {
    let mut moved = Vec::new();
    for piece in &r.selection.pieces {
        let mut attrs = piece.attrs.clone();
        attrs.account = r.to.id.clone();
        if use_year.is_some() {
            attrs.use_year = use_year;
        }
        if first.is_some() {
            movement::mark_first_transferred(st, &mut attrs);
        }
        moved.push(movement::rewrite(st, piece, attrs));
    }
    let registry = Some(r.from.registry.clone());
    for block in movement::coalesce(moved) {
        if let Some((subtype, user, purpose)) = &first {
            let ft = EventKind::FirstTransfer {
                subtype: *subtype,
                acquiring: None,
                user: user.clone(),
                purpose: purpose.clone(),
            };
            movement::emit(st, cx, registry.clone(), ft, Some(block.clone()));
        }
        movement::emit(st, cx, registry.clone(), kind.clone(), Some(block));
    }
}

/// R22: an entity that uses or cancels must be among the authorized entities.
fn entity_authorized(ck: &mut Checks, auth: &Authorization, holder: &Option<Holder>) {
    if let (Some(Holder::Entity(entity)), Some(entities)) = (holder, &auth.terms.entities) {
        ck.ensure(entities.contains(entity), Code::EntityNotAuthorized, || {
            format!("authorization {} does not authorize entity {entity}", auth.terms.id)
        });
    }
}

/// R33: the using Party is the holder of both the source and the USE_NDC account, and a
/// Party's government (entities may only use for OIMP).
fn ndc_user(ck: &mut Checks, r: &Resolved) -> Option<crate::ids::Party> {
    // R33: a Party's government uses, from its own holding, into its own use account.
    let user = match &r.to.holder {
        Some(Holder::Party(p)) => Some(p.clone()),
        _ => {
            ck.fail(Code::AccountKindNotPermitted, format!("use account {} is not held by a Party", r.to.id));
            None
        }
    };
    match &r.from.holder {
        Some(Holder::Party(holder)) => {
            if let Some(user) = &user {
                ck.ensure(holder == user, Code::UserNotHolder, || {
                    format!("Party {user} uses units held by {holder}; the user must hold them")
                });
            }
        }
        _ => {
            ck.fail(
                Code::NdcUseRequiresParty,
                format!("{} is not a Party's government account; entities may only use for OIMP", r.from.id),
            );
        }
    }
    user
}

/// R33, R6, R7, R32, R18, R20, R26 and R22 for an NDC use; returns the using Party.
fn ndc_use_checks<S: ReadStore + ?Sized>(
    st: &S,
    cx: &Ctx,
    ck: &mut Checks,
    r: &Resolved,
    use_year: u16,
) -> Option<crate::ids::Party> {
    let head = r.selection.head();
    let user = ndc_user(ck, r);
    if let Some(user) = &user {
        // R33: the use is recorded in the using Party's own registry.
        let registry = &r.to.registry;
        ck.ensure(&registry.party() == user, Code::NdcUseRequiresParty, || {
            format!("Party {user} uses towards its NDC only in its own registry, not in {registry}")
        });
        guards::party_in_ca(ck, &r.ca, user, "using");
        guards::party_eligible(st, ck, &r.ca, user);
        // R32: the use year lies in the user's NDC period and is not before the vintage.
        let in_period = st.party(user).is_some_and(|p| p.in_ndc_period(use_year));
        ck.ensure(in_period, Code::UseYearInvalid, || format!("{use_year} is outside {user}'s NDC periods"));
        ck.ensure(use_year >= head.attrs.vintage, Code::UseYearInvalid, || {
            format!("use year {use_year} is before the vintage {}", head.attrs.vintage)
        });
        // R18, R22: NDC use relies on an authorization for NDC that covers the user.
        if let Some(auth) = transfer::required_authorization(st, cx, ck, head, "use towards an NDC") {
            ck.ensure(auth.terms.purposes.contains(&Purpose::NDC), Code::PurposeMismatch, || {
                format!("authorization {} does not include NDC use", auth.terms.id)
            });
            if let Some(parties) = &auth.terms.parties {
                ck.ensure(parties.contains(user) || user == &head.ftp, Code::PartyNotAuthorized, || {
                    format!("authorization {} does not authorize Party {user}", auth.terms.id)
                });
            }
        }
    }
    user
}

/// USE_NDC: a Party's government uses units towards its NDC for a calendar year.
pub fn use_ndc<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, m: &Move<'_>, use_year: u16) {
    let Some(r) = transfer::resolve(
        st,
        cx,
        ck,
        m,
        &[AccountKind::UseNdc],
        Destination::SameRegistry,
        "use towards an NDC",
    ) else {
        return;
    };
    let user = ndc_use_checks(st, cx, ck, &r, use_year);
    let (Some(user), true) = (user, ck.ok()) else {
        return;
    };
    let kind =
        EventKind::UsedNdc { from: r.from.id.clone(), to: r.to.id.clone(), party: user, year: use_year };
    execute(st, cx, &r, None, Some(use_year), kind);
}

/// R22 for an OIMP use: the purpose is authorized, for IMP the scheme is the one
/// authorized, and the using entity or Party is authorized.
fn oimp_purpose_checks(
    ck: &mut Checks,
    auth: &Authorization,
    head: &UnitBlock,
    user: &Option<Holder>,
    purpose: OimpPurpose,
    scheme: &Text,
) {
    // R22: the purpose is authorized, and for IMP the scheme is the one authorized.
    let purposes = &auth.terms.purposes;
    let allowed = match purpose {
        OimpPurpose::IMP => purposes.contains(&Purpose::IMP) || purposes.contains(&Purpose::OIMP),
        OimpPurpose::OP => purposes.contains(&Purpose::OP) || purposes.contains(&Purpose::OIMP),
        OimpPurpose::OIMP => crate::model::includes_oimp(purposes),
    };
    ck.ensure(allowed, Code::PurposeMismatch, || {
        format!(
            "authorization {} is for {}, not {}",
            auth.terms.id,
            crate::model::purposes_aef(purposes),
            guards::named(&purpose)
        )
    });
    if let (OimpPurpose::IMP, Some(authorized)) = (purpose, &auth.terms.oimp) {
        ck.ensure(authorized.as_str().eq_ignore_ascii_case(scheme.as_str()), Code::PurposeMismatch, || {
            format!("authorization {} authorizes {authorized}, not {scheme}", auth.terms.id)
        });
    }
    entity_authorized(ck, auth, user);
    if let (Some(Holder::Party(p)), Some(parties)) = (user, &auth.terms.parties) {
        ck.ensure(parties.contains(p) || p == &head.ftp, Code::PartyNotAuthorized, || {
            format!("authorization {} does not authorize Party {p}", auth.terms.id)
        });
    }
}

/// USE_OIMP: the holder uses units for an OIMP such as CORSIA.
pub fn use_oimp<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    m: &Move<'_>,
    purpose: OimpPurpose,
    scheme: &Text,
) {
    guards::required_text(ck, scheme, "scheme");
    let Some(r) =
        transfer::resolve(st, cx, ck, m, &[AccountKind::UseOimp], Destination::SameRegistry, "use for OIMP")
    else {
        return;
    };
    let head = r.selection.head().clone();
    let user = r.from.holder.clone();
    // R11: a USE_OIMP account receives only from its own holder's holding.
    if let Some(owner) = &r.to.holder {
        ck.ensure(user.as_ref() == Some(owner), Code::AccountKindNotPermitted, || {
            format!("use account {} belongs to {owner}; it receives only its holder's units", r.to.id)
        });
    }
    let Some(auth) = transfer::required_authorization(st, cx, ck, &head, "use for OIMP") else {
        return;
    };
    oimp_purpose_checks(ck, &auth, &head, &user, purpose, scheme);
    // R28b: an OIMP use of units not yet first transferred is their first transfer.
    let first = !head.attrs.first_transferred;
    if first {
        first_transfer_checks(st, ck, &r.ca, &head, &head.ftp);
    }
    let Some(user) = user else {
        ck.fail(Code::UserNotHolder, format!("{} has no holder to use the units", r.from.id));
        return;
    };
    if !ck.ok() {
        return;
    }
    let ft =
        first.then(|| (FirstTransferSubtype::UseOrCancellation, Some(user.clone()), Some(scheme.clone())));
    let kind = EventKind::UsedOimp {
        from: r.from.id.clone(),
        to: r.to.id.clone(),
        user,
        purpose,
        scheme: scheme.clone(),
    };
    execute(st, cx, &r, ft, None, kind);
}

/// CANCEL_VOLUNTARY: units are cancelled and never move again.
pub fn cancel_voluntary<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, m: &Move<'_>) {
    let Some(r) = transfer::resolve(
        st,
        cx,
        ck,
        m,
        &[AccountKind::CancelVoluntary],
        Destination::SameRegistry,
        "a voluntary cancellation",
    ) else {
        return;
    };
    let head = r.selection.head().clone();
    let canceller = r.from.holder.clone();
    let mut first = false;
    if let Some(binding) = &head.attrs.authorization {
        let auth = movement::effective_authorization(st, binding).expect("bound authorizations exist");
        entity_authorized(ck, &auth, &canceller);
        // R28b: cancellation is the first transfer under "Use or Cancellation".
        first = !head.attrs.first_transferred && movement::triggers(&auth, Trigger::UseOrCancellation);
        if first {
            transfer::check_in_force(st, cx, ck, &head, &auth);
            first_transfer_checks(st, ck, &r.ca, &head, &head.ftp);
        }
    }
    if !ck.ok() {
        return;
    }
    let ft = first.then(|| (FirstTransferSubtype::UseOrCancellation, canceller.clone(), None));
    let kind = EventKind::Cancelled {
        subtype: CancellationSubtype::Other,
        from: r.from.id.clone(),
        to: r.to.id.clone(),
        canceller,
    };
    execute(st, cx, &r, ft, None, kind);
}

/// CANCEL_OMGE: a voluntary cancellation to deliver overall mitigation. Without an
/// authorization no corresponding adjustment can make it real (R18).
pub fn cancel_omge<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, m: &Move<'_>) {
    let Some(r) = transfer::resolve(
        st,
        cx,
        ck,
        m,
        &[AccountKind::CancelOmge],
        Destination::SameRegistry,
        "an OMGE cancellation",
    ) else {
        return;
    };
    let head: UnitBlock = r.selection.head().clone();
    let canceller = r.from.holder.clone();
    if let Some(auth) = transfer::required_authorization(st, cx, ck, &head, "an OMGE cancellation") {
        entity_authorized(ck, &auth, &canceller);
    }
    // R28d: cancelling authorized units not yet first transferred first transfers them.
    let first = !head.attrs.first_transferred;
    if first {
        first_transfer_checks(st, ck, &r.ca, &head, &head.ftp);
    }
    if !ck.ok() {
        return;
    }
    let ft = first.then(|| (FirstTransferSubtype::VoluntaryOmge, canceller.clone(), None));
    let kind = EventKind::Cancelled {
        subtype: CancellationSubtype::VoluntaryOmge,
        from: r.from.id.clone(),
        to: r.to.id.clone(),
        canceller,
    };
    execute(st, cx, &r, ft, None, kind);
}

/// TRANSFER_SOP: units go to an adaptation account (share of proceeds).
pub fn transfer_sop<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, m: &Move<'_>) {
    let Some(r) = transfer::resolve(
        st,
        cx,
        ck,
        m,
        &[AccountKind::SopAdaptation],
        Destination::SameRegistry,
        "a share-of-proceeds transfer",
    ) else {
        return;
    };
    if !ck.ok() {
        return;
    }
    let kind = EventKind::SopTransferred { from: r.from.id.clone(), to: r.to.id.clone(), mandatory: false };
    execute(st, cx, &r, None, None, kind);
}
