//! JCM issuance by a Joint Committee notification (R35–R37b, ARTICLE6.md §3.4): every
//! allocation line, the first transfer of the non-host share, and the cooperative
//! approach's mandatory OMGE and SOP deductions commit atomically, or nothing does.
//!
//! `notification` checks the JC decision, `lines` each allocation line and the checks
//! across lines, `execute` the effects.

mod execute;
pub(crate) mod lines;
mod notification;

pub(crate) use execute::{emit_first_transfer, mint_line};

use crate::error::Code;
use crate::ids::*;
use crate::limits::ALLOCATION_LINES_MAX;
use crate::model::Role;
use crate::protocol::{AllocationLine, SignedNotification};
use crate::state::{StateExt, Store};
use crate::tx::context::{Checks, Ctx};
use crate::tx::guards;

/// An issuance request.
#[derive(Debug)]
pub struct Request<'a> {
    /// Cooperative approach.
    pub ca: &'a CaId,
    /// Project.
    pub project: &'a ProjectId,
    /// Vintage.
    pub vintage: u16,
    /// The JC notification.
    pub notification: Option<&'a SignedNotification>,
    /// Lines to issue.
    pub lines: &'a [AllocationLine],
    /// A client-chosen first serial (R14).
    pub first_serial: Option<u64>,
}

/// ISSUE.
pub fn apply<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, req: &Request<'_>) {
    let ca = guards::active_ca(st, ck, req.ca);
    let project = st.project(req.project);
    ck.ensure(project.as_ref().is_some_and(|p| &p.ca == req.ca), Code::InvalidMessage, || {
        format!("project {} is not registered under {}", req.project, req.ca)
    });
    ck.ensure(!req.lines.is_empty() && req.lines.len() <= ALLOCATION_LINES_MAX, Code::InvalidMessage, || {
        format!("an issuance has 1 to {ALLOCATION_LINES_MAX} lines")
    });
    // R10: a registry administrator executes the issuance: of a receiving registry, or
    // of a registry of the host Party, whose serial space and first transfer it is.
    let host_admin = project.as_ref().is_some_and(|p| {
        cx.officer.as_ref().is_some_and(|o| {
            o.roles.iter().any(|r| matches!(r, Role::RegistryAdmin(reg) if reg.party() == p.host))
        })
    });
    let admin = host_admin
        || req
            .lines
            .iter()
            .filter_map(|l| st.account(&l.account))
            .any(|a| cx.has_role(&Role::RegistryAdmin(a.registry)));
    ck.ensure(admin, Code::UnauthorizedSigner, || {
        format!("{} administers neither a receiving registry nor the host's registry", cx.who())
    });
    let period = notification::check_notification(st, ck, req, project.as_ref());
    let (Some(ca), Some(project)) = (ca, project) else {
        return;
    };
    if let Some(period) = &period {
        notification::check_double_crediting(st, ck, &project, period);
    }
    // R14: serials are allocated by the runtime; a client range must be the next free.
    let next = st.next_serial(req.ca, &project.host);
    if let Some(first) = req.first_serial {
        ck.ensure(first == next, Code::SerialOverlap, || {
            format!("serial {first} requested; the next free serial is {next}")
        });
    }
    let lines: Vec<lines::Line> = req
        .lines
        .iter()
        .filter_map(|l| lines::check_line(st, ck, &ca, &project, req.vintage, l, cx.time.year()))
        .collect();
    lines::check_together(st, ck, &ca, &project, req.vintage, &lines);
    lines::check_deductions(ck, &ca, &lines);
    let mut parties: Vec<Party> = lines.iter().map(|l| l.account.registry.party()).collect();
    parties.push(project.host.clone());
    parties.sort();
    parties.dedup();
    for party in &parties {
        guards::year_open(st, cx, ck, party);
    }
    ck.ensure(lines.len() == req.lines.len() || !ck.ok(), Code::InvalidMessage, || {
        "a line could not be checked".into()
    });
    if !ck.ok() {
        return;
    }
    let period = period.expect("a valid notification was checked");
    execute::execute(st, cx, req, &project, &lines, next, period);
}
