//! Registry administration: NDC periods, participation status, projects, declarations
//! of crediting elsewhere, entities, accounts, and the refusal of reversals (R40).

use crate::codec::Hash32;
use crate::error::Code;
use crate::events::EventKind;
use crate::ids::*;
use crate::limits::CREDITING_IDENTIFIERS_MAX;
use crate::model::*;
use crate::protocol::Period;
use crate::state::{keys, CreditingRecord, ReadStore, StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::{guards, movement};

/// A Party's designated authority registers an NDC implementation period (R27).
pub fn register_ndc_period<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    party: &Party,
    period: &NdcPeriod,
) {
    guards::has_role(cx, ck, Role::DesignatedAuthority(party.clone()), "registering an NDC period");
    let Some(mut record) = st.party(party) else {
        ck.fail(Code::InvalidMessage, format!("Party {party} is not a Party of this chain"));
        return;
    };
    let years = period.years;
    ck.ensure(years.first <= years.last && years.first >= 2021, Code::InvalidMessage, || {
        format!("NDC period {years} is empty or starts before 2021")
    });
    let overlap =
        record.ndc_periods.iter().find(|p| p.years.first <= years.last && years.first <= p.years.last);
    ck.ensure(overlap.is_none(), Code::InvalidMessage, || {
        format!("NDC period {years} overlaps a registered period of {party}")
    });
    if !ck.ok() {
        return;
    }
    record.ndc_periods.push(period.clone());
    record.ndc_periods.sort_by_key(|p| p.years);
    st.write(keys::party(party), &record);
}

/// The secretariat records a Party's participation status (R7).
pub fn set_participation<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    party: &Party,
    status: Participation,
) {
    guards::has_role(cx, ck, Role::Secretariat, "setting a participation status");
    let Some(mut record) = st.party(party) else {
        ck.fail(Code::InvalidMessage, format!("Party {party} is not a Party of this chain"));
        return;
    };
    if !ck.ok() {
        return;
    }
    record.status = status;
    st.write(keys::party(party), &record);
    movement::emit(st, cx, None, EventKind::ParticipationChanged { party: party.clone(), status }, None);
}

/// The host Party's designated authority registers a project.
pub fn register_project<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, project: &Project) {
    guards::has_role(cx, ck, Role::DesignatedAuthority(project.host.clone()), "registering a project");
    ck.ensure(st.project(&project.id).is_none(), Code::InvalidMessage, || {
        format!("project {} already exists", project.id)
    });
    if let Some(ca) = guards::active_ca(st, ck, &project.ca) {
        guards::party_in_ca(ck, &ca, &project.host, "host");
    }
    for other in &project.other_crediting {
        ck.ensure(other.from <= other.to, Code::InvalidMessage, || {
            format!("the period credited by {} is empty", other.programme)
        });
    }
    if ck.ok() {
        st.write(keys::project(&project.id), project);
    }
}

/// The host declares a period of a project credited by another programme (R37).
pub fn declare_other_crediting<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    id: &ProjectId,
    crediting: &OtherCrediting,
) {
    declare(st, cx, ck, id, crediting, None);
}

/// The host declares a period credited by another programme with that programme's
/// identifiers (for CCTS: the project's registration and its certificates), which the
/// chain records beside the period (R37).
pub fn declare_credited_elsewhere<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    id: &ProjectId,
    declaration: &CreditingDeclaration,
) {
    // R2: the other programme's identifiers are what the declaration adds.
    guards::required_text(ck, &declaration.programme_project, "programme_project");
    ck.ensure(declaration.identifiers.len() <= CREDITING_IDENTIFIERS_MAX, Code::InvalidMessage, || {
        format!("at most {CREDITING_IDENTIFIERS_MAX} identifiers, {} given", declaration.identifiers.len())
    });
    ck.ensure(
        declaration.identifiers.iter().all(|i| !i.as_str().trim().is_empty()),
        Code::InvalidMessage,
        || "an identifier of the other programme is empty".into(),
    );
    declare(st, cx, ck, id, &declaration.crediting(), Some(declaration));
}

fn declare<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    id: &ProjectId,
    crediting: &OtherCrediting,
    declaration: Option<&CreditingDeclaration>,
) {
    let Some(mut project) = st.project(id) else {
        ck.fail(Code::InvalidMessage, format!("project {id} does not exist"));
        return;
    };
    let admin = st
        .read_all::<Registry>(keys::prefix::REGISTRY)
        .into_iter()
        .any(|r| r.id.party() == project.host && cx.has_role(&Role::RegistryAdmin(r.id.clone())));
    let authority = cx.has_role(&Role::DesignatedAuthority(project.host.clone()));
    ck.ensure(admin || authority, Code::UnauthorizedSigner, || {
        format!("{} acts neither for {}'s designated authority nor its registry", cx.who(), project.host)
    });
    guards::required_text(ck, &crediting.programme, "programme");
    let nonempty = ck.ensure(crediting.from <= crediting.to, Code::InvalidMessage, || {
        "the credited period is empty".into()
    });
    if nonempty {
        // R37: not a period already issued as JCM credits.
        issued_under_jcm(st, ck, id, crediting);
    }
    if ck.ok() {
        project.other_crediting.push(crediting.clone());
        st.write(keys::project(id), &project);
        if let Some(declaration) = declaration {
            let record = CreditingRecord { declaration: declaration.clone(), tx: cx.tx, height: cx.height };
            st.write(keys::crediting(id, crediting.from.0, &cx.tx), &record);
        }
    }
}

/// R37 in the other order: a period already issued as JCM credits cannot be declared
/// credited by another programme as well. Issuance refuses a period declared credited
/// elsewhere (`A6-6006`); this refuses the declaration of a period already issued
/// (`A6-6007`), so that the chain never records one project-day credited twice.
fn issued_under_jcm<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    id: &ProjectId,
    crediting: &OtherCrediting,
) {
    let declared = Period { from: crediting.from, to: crediting.to };
    let issued: Vec<Period> = st.read_all(&keys::monitoring_of(id));
    for period in issued.iter().filter(|p| p.overlaps(&declared)) {
        ck.fail(
            Code::IssuedUnderJcm,
            format!(
                "{}..{} credited by {} overlaps the monitoring period {}..{} of {id}, already issued as JCM credits",
                declared.from.date(),
                declared.to.date(),
                crediting.programme,
                period.from.date(),
                period.to.date()
            ),
        );
    }
}

/// A registry administrator registers an entity.
pub fn register_entity<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, entity: &Entity) {
    let admin =
        cx.officer.as_ref().is_some_and(|o| o.roles.iter().any(|r| matches!(r, Role::RegistryAdmin(_))));
    ck.ensure(admin, Code::UnauthorizedSigner, || format!("{} is no registry administrator", cx.who()));
    ck.ensure(st.entity(&entity.id).is_none(), Code::InvalidMessage, || {
        format!("entity {} already exists", entity.id)
    });
    ck.ensure(st.party(&entity.country).is_some(), Code::InvalidMessage, || {
        format!("country {} is not a Party of this chain", entity.country)
    });
    if ck.ok() {
        st.write(keys::entity(&entity.id), entity);
    }
}

/// A registry administrator opens an account.
pub fn open_account<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, account: &Account) {
    guards::has_role(cx, ck, Role::RegistryAdmin(account.registry.clone()), "opening an account");
    ck.ensure(st.account(&account.id).is_none(), Code::InvalidMessage, || {
        format!("account {} already exists", account.id)
    });
    ck.ensure(st.registry(&account.registry).is_some(), Code::InvalidMessage, || {
        format!("registry {} does not exist", account.registry)
    });
    ck.ensure(account.status == AccountStatus::Active, Code::InvalidMessage, || {
        "a new account is ACTIVE".into()
    });
    let holder_known = match &account.holder {
        None => true,
        Some(Holder::Party(p)) => st.party(p).is_some(),
        Some(Holder::Entity(e)) => st.entity(e).is_some(),
    };
    ck.ensure(holder_known, Code::InvalidMessage, || {
        format!("the holder of {} is not registered", account.id)
    });
    // R38: an action of the account's registry.
    guards::year_open(st, cx, ck, &account.registry.party());
    let holder_needed = matches!(account.kind, AccountKind::Holding | AccountKind::UseNdc);
    ck.ensure(!holder_needed || account.holder.is_some(), Code::InvalidMessage, || {
        format!("a {} account has a holder", guards::named(&account.kind))
    });
    if ck.ok() {
        st.write(keys::account(&account.id), account);
    }
}

/// A registry administrator changes an account's status; releasing a frozen account is
/// the logged administrator action of R42. Closed accounts stay closed.
pub fn set_account_status<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    id: &AccountId,
    status: AccountStatus,
    reason: &Text,
) {
    let Some(mut account) = guards::account(st, ck, id) else {
        return;
    };
    guards::has_role(cx, ck, Role::RegistryAdmin(account.registry.clone()), "changing an account's status");
    ck.ensure(account.status != AccountStatus::Closed, Code::AccountNotActive, || {
        format!("account {id} is closed for good")
    });
    // R42: releasing a frozen account is an administrator action logged with its reason.
    if account.status == AccountStatus::Frozen && status != AccountStatus::Frozen {
        guards::required_text(ck, reason, "reason");
    }
    // R38: an action of the account's registry.
    guards::year_open(st, cx, ck, &account.registry.party());
    if status == AccountStatus::Closed {
        let held = st.blocks_of_account(id).len();
        ck.ensure(held == 0 || account.kind.is_terminal(), Code::InvalidMessage, || {
            format!("account {id} still holds units in {held} blocks; move them before closing it")
        });
    }
    if !ck.ok() {
        return;
    }
    account.status = status;
    st.write(keys::account(id), &account);
    let kind =
        EventKind::AccountStatusChanged { account: id.clone(), status, code: None, reason: reason.clone() };
    movement::emit(st, cx, Some(account.registry.clone()), kind, None);
}

/// R40: a completed action is never deleted or edited; only an internal transfer can be
/// compensated, by a new transfer. A reversal request is always refused.
pub fn reverse(ck: &mut Checks, transaction: &Hash32) {
    ck.fail(Code::ReversalNotPermitted, format!(
        "transaction {transaction} cannot be reversed: completed first transfers, uses and cancellations are final; an internal transfer is compensated by a new transfer"
    ));
}
