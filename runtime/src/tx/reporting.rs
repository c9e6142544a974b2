//! Reporting years (R38, ARTICLE6.md §9.4): the designated authority makes a year's AEF
//! submission final (version `1.0`) once the tables pass the pre-export validation, and
//! submits corrected versions (`1.1`, `1.2`, ...) of a final submission. A final year
//! takes no more actions; corrections come from actions dated in the open year and the
//! explanation a resubmission carries.

use crate::aef;
use crate::error::Code;
use crate::events::EventKind;
use crate::ids::*;
use crate::model::{Role, Text};
use crate::state::{keys, ReadStore, StateExt, Store, Submission};
use crate::tx::context::{Checks, Ctx};
use crate::tx::{guards, movement};

/// §9.4: every failure of the year's tables, computed from the state as it stands.
fn validated<S: ReadStore + ?Sized>(st: &S, ck: &mut Checks, party: &Party, year: u16) {
    let report = aef::report(st, party, year);
    for (code, reason) in aef::validate::check(st, &report) {
        ck.fail(code, format!("{party}'s {year} AEF cannot be submitted: {reason}"));
    }
}

fn record<S: Store + ?Sized>(st: &mut S, cx: &Ctx, party: &Party, year: u16, minor: u16, explanation: &Text) {
    let submission = Submission { minor, time: cx.time, tx: cx.tx, explanation: explanation.clone() };
    st.write(keys::submission(party, year), &submission);
}

/// The designated authority makes the year's AEF submission final (R38): version 1.0.
pub fn close<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, party: &Party, year: u16) {
    guards::has_role(cx, ck, Role::DesignatedAuthority(party.clone()), "closing a reporting year");
    ck.ensure(year < cx.time.year(), Code::InvalidMessage, || {
        format!("{year} has not ended on {}", cx.time.date())
    });
    ck.ensure(!st.year_closed(party, year), Code::ReportingPeriodClosed, || {
        format!("{party}'s {year} submission is already final")
    });
    // §9.4: the tables are complete and reconcile before they become final (A6-7005, A6-7006).
    validated(st, ck, party, year);
    if ck.ok() {
        st.put(keys::closed_year(party, year), Vec::new());
        record(st, cx, party, year, 0, &Text::default());
        movement::emit(st, cx, None, EventKind::ReportingYearClosed { party: party.clone(), year }, None);
    }
}

/// A corrected version of a final submission: the next minor version, with what it
/// corrects; the tables are validated again.
pub fn resubmit<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    ck: &mut Checks,
    party: &Party,
    year: u16,
    explanation: &Text,
) {
    guards::has_role(cx, ck, Role::DesignatedAuthority(party.clone()), "resubmitting a reporting year");
    // R2: only a final submission has versions to correct; close the year first.
    ck.ensure(st.year_closed(party, year), Code::InvalidMessage, || {
        format!("{party}'s {year} submission is not final; close the year before correcting it")
    });
    guards::required_text(ck, explanation, "explanation");
    // A year made final before submissions were recorded is at version 1.0.
    let minor = st.submission(party, year).map_or(Some(1), |s| s.minor.checked_add(1));
    ck.ensure(minor.is_some(), Code::InvalidMessage, || format!("{party}'s {year} has no more versions"));
    validated(st, ck, party, year);
    let Some(minor) = minor.filter(|_| ck.ok()) else {
        return;
    };
    record(st, cx, party, year, minor, explanation);
    let version = Text::new(&format!("1.{minor}")).expect("a version is short text");
    let kind = EventKind::ReportingYearResubmitted { party: party.clone(), year, version };
    movement::emit(st, cx, None, kind, None);
}
