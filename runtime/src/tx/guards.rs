//! Guards shared by many actions, each citing its rule. A guard records a failure in
//! [`Checks`] and returns what later guards need (or `None` when they cannot run).

use crate::error::Code;
use crate::ids::*;
use crate::model::*;
use crate::state::{ReadStore, StateExt};
use crate::tx::context::{Checks, Ctx};

/// A controlled value as the messages and nomenclature spell it (`USE_NDC`, `FROZEN`,
/// `Energy generation`), so a rejection reads in the officer's vocabulary.
pub fn named<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "an unnamed value".into(),
    }
}

/// A role in words, for rejection messages (R10).
pub fn role_text(role: &Role) -> String {
    match role {
        Role::RegistryAdmin(r) => format!("administrator of registry {r}"),
        Role::DesignatedAuthority(p) => format!("designated authority of {p}"),
        Role::JcRepresentative { jc, party } => format!("{party}'s representative in {jc}"),
        Role::AccountHolder(h) => format!("account holder for {h}"),
        Role::Secretariat => "secretariat".into(),
    }
}

/// R6: the cooperative approach exists and is active.
pub fn active_ca<S: ReadStore + ?Sized>(st: &S, ck: &mut Checks, ca: &CaId) -> Option<CooperativeApproach> {
    match st.ca(ca) {
        Some(record) if record.status == CaStatus::Active => Some(record),
        Some(_) => {
            ck.fail(Code::UnknownOrInactiveCa, format!("cooperative approach {ca} is not active"));
            None
        }
        None => {
            ck.fail(Code::UnknownOrInactiveCa, format!("cooperative approach {ca} is unknown"));
            None
        }
    }
}

/// R6: `party` participates in the cooperative approach.
pub fn party_in_ca(ck: &mut Checks, ca: &CooperativeApproach, party: &Party, role: &str) -> bool {
    ck.ensure(ca.participants.contains(party), Code::PartyNotInCa, || {
        format!("the {role} Party {party} does not participate in {}", ca.id)
    })
}

/// R7: `party` is eligible; rejects or warns as the cooperative approach is configured.
pub fn party_eligible<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    ca: &CooperativeApproach,
    party: &Party,
) {
    let status = st.party(party).map(|p| p.status);
    if status == Some(Participation::Eligible) {
        return;
    }
    let message = match status {
        Some(status) => format!("Party {party}'s participation status is {}, not ELIGIBLE", named(&status)),
        None => format!("Party {party} is not a Party of this chain"),
    };
    match ca.eligibility {
        Enforcement::Enforce => ck.fail(Code::PartyNotEligible, message),
        Enforcement::Warn => ck.warn(Code::PartyNotEligible, message),
    }
}

/// R8: the account exists.
pub fn account<S: ReadStore + ?Sized>(st: &S, ck: &mut Checks, id: &AccountId) -> Option<Account> {
    let found = st.account(id);
    ck.ensure(found.is_some(), Code::AccountNotFound, || format!("account {id} does not exist"));
    found
}

/// R9: the account is active (not closed, suspended or frozen).
pub fn account_active(ck: &mut Checks, account: &Account) -> bool {
    ck.ensure(account.status == AccountStatus::Active, Code::AccountNotActive, || {
        format!("account {} is {}", account.id, named(&account.status))
    })
}

/// R10: the signer may move units out of `account`: its holder's officer, or for
/// accounts without a holder, the registry administrator.
pub fn may_operate(cx: &Ctx, ck: &mut Checks, account: &Account) -> bool {
    let allowed = match &account.holder {
        Some(holder) => cx.has_role(&Role::AccountHolder(holder.clone())),
        None => cx.has_role(&Role::RegistryAdmin(account.registry.clone())),
    };
    ck.ensure(allowed, Code::UnauthorizedSigner, || {
        let owner = match &account.holder {
            Some(h) => h.to_string(),
            None => format!("registry {} administration", account.registry),
        };
        format!("{} may not operate account {}, which belongs to {owner}", cx.who(), account.id)
    })
}

/// R10: the signer holds `role`.
pub fn has_role(cx: &Ctx, ck: &mut Checks, role: Role, action: &str) -> bool {
    let ok = cx.has_role(&role);
    ck.ensure(ok, Code::UnauthorizedSigner, || {
        format!("{action} needs the {}; {} is not", role_text(&role), cx.who())
    })
}

/// R11: the account is of kind `kind`.
pub fn account_kind(ck: &mut Checks, account: &Account, kinds: &[AccountKind], action: &str) -> bool {
    ck.ensure(kinds.contains(&account.kind), Code::AccountKindNotPermitted, || {
        format!("{action} cannot use account {}, a {} account", account.id, named(&account.kind))
    })
}

/// R11: a source account is one that can send.
pub fn can_send(ck: &mut Checks, account: &Account) -> bool {
    ck.ensure(account.kind.can_send(), Code::AccountKindNotPermitted, || {
        format!("account {} is a {} account and cannot send units", account.id, named(&account.kind))
    })
}

/// R38: the acting Party's reporting year of the action date is open.
pub fn year_open<S: ReadStore + ?Sized>(st: &S, cx: &Ctx, ck: &mut Checks, party: &Party) -> bool {
    let year = cx.time.year();
    ck.ensure(!st.year_closed(party, year), Code::ReportingPeriodClosed, || {
        format!("{party}'s AEF submission for {year} is final; no action may be dated in {year}")
    })
}

/// R2: a text field is present.
pub fn required_text(ck: &mut Checks, text: &Text, field: &str) -> bool {
    ck.ensure(!text.as_str().trim().is_empty(), Code::InvalidMessage, || format!("`{field}` is required"))
}

/// R20: units of `project` and `vintage` lie inside the authorization's scope (approach,
/// sector, activity type, mitigation type) and its Occurred timeframe.
pub fn in_scope(ck: &mut Checks, auth: &Authorization, project: &Project, vintage: u16) {
    let t = &auth.terms;
    let id = &t.id;
    let mut out_of_scope = Vec::new();
    if t.ca != project.ca {
        out_of_scope.push(format!("cooperative approach {} is not {}", project.ca, t.ca));
    }
    if !t.sectors.is_empty() && !t.sectors.contains(&project.sector) {
        out_of_scope.push(format!("sector {} is not authorized", named(&project.sector)));
    }
    if !t.activity_types.is_empty() && !t.activity_types.contains(&project.activity_type) {
        out_of_scope.push(format!("activity type {} is not authorized", project.activity_type));
    }
    if !t.mitigation_types.is_empty() && !t.mitigation_types.contains(&project.mitigation_type) {
        out_of_scope.push(format!("mitigation type {} is not authorized", named(&project.mitigation_type)));
    }
    if let Some(occurred) = t.occurred {
        if !occurred.contains(vintage) {
            out_of_scope.push(format!("vintage {vintage} is outside the Occurred timeframe {occurred}"));
        }
    }
    for why in out_of_scope {
        ck.fail(
            Code::OutsideAuthorizationScope,
            format!("authorization {id} version {}: {why} (project {})", auth.version, project.id),
        );
    }
}
