//! One sentence per action, shown above the payload before an officer signs it.

use jcm_runtime::protocol::{Payload, UnitsSpec};

fn units(u: &UnitsSpec) -> String {
    match (&u.first, &u.last) {
        (Some(first), Some(last)) => format!("{} units {first}..{last}", u.quantity),
        _ => {
            let mut text = format!("{} units", u.quantity);
            if let Some(v) = u.vintage {
                text.push_str(&format!(" of vintage {v}"));
            }
            if let Some(a) = &u.authorization {
                text.push_str(&format!(" under {a}"));
            }
            text
        }
    }
}

/// What `payload` does, in one sentence.
pub fn describe(payload: &Payload) -> String {
    use Payload as P;
    match payload {
        P::RegisterNdcPeriod { party, period } => {
            format!("register {party}'s NDC period {} ({:?})", period.years, period.kind)
        }
        P::SetParticipation { party, status } => format!("set {party}'s participation to {status:?}"),
        P::RegisterProject { project } => {
            format!("register project {} hosted by {} under {}", project.id, project.host, project.ca)
        }
        P::DeclareOtherCrediting { project, crediting } => format!(
            "declare {project} credited by {} from {} to {}",
            crediting.programme,
            crediting.from.date(),
            crediting.to.date()
        ),
        P::DeclareCreditedElsewhere { project, crediting } => format!(
            "declare {project} credited by {} (its project {}, {} identifier(s)) from {} to {}",
            crediting.programme,
            crediting.programme_project,
            crediting.identifiers.len(),
            crediting.from.date(),
            crediting.to.date()
        ),
        P::RegisterEntity { entity } => format!("register entity {} of {}", entity.id, entity.country),
        P::OpenAccount { account } => {
            format!("open {:?} account {} in registry {}", account.kind, account.id, account.registry)
        }
        P::SetAccountStatus { account, status, .. } => format!("set account {account} to {status:?}"),
        P::Issue { ca, project, vintage, lines, notification, .. } => {
            let total: u64 = lines.iter().map(|l| l.quantity).sum();
            let by =
                notification.as_ref().map(|n| format!(" by notification {}", n.body.id)).unwrap_or_default();
            format!(
                "issue {total} units of {project} vintage {vintage} under {ca}{by}, {} line(s)",
                lines.len()
            )
        }
        P::CreateAuthorization { terms } => format!("create authorization {} under {}", terms.id, terms.ca),
        P::Authorize { account, units: u, authorization, .. } => {
            format!("attach authorization {authorization} to {} in {account}", units(u))
        }
        P::ChangeAuthorization { id, retroactive, .. } => {
            format!("change authorization {id}{}", if *retroactive { " retroactively" } else { "" })
        }
        P::RevokeAuthorization { id, retroactive, .. } => {
            format!("revoke authorization {id}{}", if *retroactive { " retroactively" } else { "" })
        }
        P::TransferInternal { from, to, units: u, .. } => {
            format!("transfer {} from {from} to {to}", units(u))
        }
        P::TransferExternal { from, to, units: u, .. } => {
            format!("transfer {} from {from} to {to} in another registry (completes when accepted)", units(u))
        }
        P::AcceptTransfer { transfer } => format!("accept incoming transfer {transfer}"),
        P::RejectTransfer { transfer, .. } => format!("reject incoming transfer {transfer}"),
        P::UseNdc { from, to, units: u, use_year, .. } => {
            format!("use {} from {from} towards the NDC for {use_year} (into {to})", units(u))
        }
        P::UseOimp { from, to, units: u, purpose, scheme, .. } => {
            format!("use {} from {from} for {purpose:?} {scheme} (into {to})", units(u))
        }
        P::CancelVoluntary { from, to, units: u, .. } => {
            format!("cancel {} from {from} voluntarily (into {to})", units(u))
        }
        P::CancelOmge { from, to, units: u, .. } => {
            format!("cancel {} from {from} for OMGE (into {to})", units(u))
        }
        P::TransferSop { from, to, units: u, .. } => {
            format!("transfer {} from {from} to adaptation account {to}", units(u))
        }
        P::Hold { units: u, .. } => format!("put {} on hold", units(u)),
        P::Release { units: u, .. } => format!("release the hold on {}", units(u)),
        P::CloseReportingYear { party, year } => format!("close {party}'s reporting year {year}"),
        P::ResubmitReportingYear { party, year, explanation } => {
            format!("resubmit {party}'s reporting year {year} as a corrected version: {explanation}")
        }
        P::Reconcile { registry, totals, blocks } => format!(
            "reconcile registry {registry}: {} total(s), {} block(s)",
            totals.len(),
            blocks.as_ref().map_or(0, Vec::len)
        ),
        P::Reverse { transaction, .. } => format!("reverse transaction {transaction} (never permitted, R40)"),
        P::DeclareFirstTransfer { account, units: u, .. } => {
            format!("declare {} in {account} first transferred (always refused, R28)", units(u))
        }
        P::ReceiveA64Units { ca, activity, units: u, to, authorization, .. } => format!(
            "receive {} A6.4ERs {}..{} of activity {activity} into {to} under {ca} and {authorization}",
            u.quantity, u.first, u.last
        ),
        P::Propose { .. }
        | P::ApproveProposal { .. }
        | P::RejectProposal { .. }
        | P::ConsentToAdmission { .. }
        | P::AddOfficer { .. }
        | P::RemoveOfficer { .. }
        | P::SetOfficerRoles { .. }
        | P::RotateKey { .. }
        | P::RevokeKey { .. }
        | P::AllowObserver { .. }
        | P::RemoveObserver { .. }
        | P::ReportEvidence { .. } => super::gov_summary::describe(payload),
    }
}
