//! The dispatcher: each payload variant handed to the module of its action. It stays
//! small: every arm only unpacks the payload.

use super::context::{Checks, Ctx};
use super::{admin, authorization, gov, hold, issue, receive_a64, reconcile, reporting, transfer};
use super::{transfer_external, use_cancel};
use crate::protocol::Payload;
use crate::state::Store;

pub(super) fn dispatch<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, payload: &Payload) {
    use Payload as P;
    match payload {
        P::RegisterNdcPeriod { party, period } => admin::register_ndc_period(st, cx, ck, party, period),
        P::SetParticipation { party, status } => admin::set_participation(st, cx, ck, party, *status),
        P::RegisterProject { project } => admin::register_project(st, cx, ck, project),
        P::DeclareOtherCrediting { project, crediting } => {
            admin::declare_other_crediting(st, cx, ck, project, crediting)
        }
        P::RegisterEntity { entity } => admin::register_entity(st, cx, ck, entity),
        P::OpenAccount { account } => admin::open_account(st, cx, ck, account),
        P::SetAccountStatus { account, status, reason } => {
            admin::set_account_status(st, cx, ck, account, *status, reason)
        }
        P::CloseReportingYear { party, year } => reporting::close(st, cx, ck, party, *year),
        P::ResubmitReportingYear { party, year, explanation } => {
            reporting::resubmit(st, cx, ck, party, *year, explanation)
        }
        P::Reverse { transaction, .. } => admin::reverse(ck, transaction),
        P::Issue { ca, project, vintage, notification, lines, first_serial } => {
            let req = issue::Request {
                ca,
                project,
                vintage: *vintage,
                notification: notification.as_ref(),
                lines,
                first_serial: *first_serial,
            };
            issue::apply(st, cx, ck, &req)
        }
        P::CreateAuthorization { terms } => authorization::create(st, cx, ck, terms),
        P::Authorize { ca, account, units, authorization } => {
            authorization::attach(st, cx, ck, ca, account, units, authorization)
        }
        P::ChangeAuthorization { id, amendment, retroactive } => {
            authorization::change(st, cx, ck, id, amendment, *retroactive)
        }
        P::RevokeAuthorization { id, retroactive, .. } => authorization::revoke(st, cx, ck, id, *retroactive),
        P::TransferInternal { ca, from, to, units } => {
            transfer::internal(st, cx, ck, &transfer::Move { ca, from, to, units })
        }
        P::TransferExternal { ca, from, to, units } => {
            transfer_external::propose(st, cx, ck, &transfer::Move { ca, from, to, units })
        }
        P::AcceptTransfer { transfer } => transfer_external::accept(st, cx, ck, transfer),
        P::RejectTransfer { transfer, .. } => transfer_external::reject(st, cx, ck, transfer),
        P::UseNdc { ca, from, to, units, use_year } => {
            use_cancel::use_ndc(st, cx, ck, &transfer::Move { ca, from, to, units }, *use_year)
        }
        P::UseOimp { ca, from, to, units, purpose, scheme } => {
            use_cancel::use_oimp(st, cx, ck, &transfer::Move { ca, from, to, units }, *purpose, scheme)
        }
        P::CancelVoluntary { ca, from, to, units } => {
            use_cancel::cancel_voluntary(st, cx, ck, &transfer::Move { ca, from, to, units })
        }
        P::CancelOmge { ca, from, to, units } => {
            use_cancel::cancel_omge(st, cx, ck, &transfer::Move { ca, from, to, units })
        }
        P::TransferSop { ca, from, to, units } => {
            use_cancel::transfer_sop(st, cx, ck, &transfer::Move { ca, from, to, units })
        }
        P::Hold { ca, units, reason } => hold::set(st, cx, ck, ca, units, reason, true),
        P::Release { ca, units, reason } => hold::set(st, cx, ck, ca, units, reason, false),
        P::DeclareCreditedElsewhere { project, crediting } => {
            admin::declare_credited_elsewhere(st, cx, ck, project, crediting)
        }
        P::DeclareFirstTransfer { ca, account, units } => {
            authorization::declare_first_transfer(st, ck, ca, account, units)
        }
        P::ReceiveA64Units { ca, activity, vintage, units, to, authorization } => {
            let req = receive_a64::Request { ca, activity, vintage: *vintage, units, to, authorization };
            receive_a64::apply(st, cx, ck, &req)
        }
        P::Propose { change, deadline } => gov::proposal::propose(st, cx, ck, change, *deadline),
        P::ApproveProposal { proposal } => gov::proposal::vote_on(st, cx, ck, *proposal, true),
        P::RejectProposal { proposal, .. } => gov::proposal::vote_on(st, cx, ck, *proposal, false),
        P::ConsentToAdmission { proposal } => gov::proposal::consent(st, cx, ck, *proposal),
        P::AddOfficer { party, officer } => gov::officer::add(st, cx, ck, party, officer),
        P::RemoveOfficer { party, key } => gov::officer::remove(st, cx, ck, party, key),
        P::SetOfficerRoles { party, key, roles } => gov::officer::set_roles(st, cx, ck, party, key, roles),
        P::RotateKey { new_key } => gov::rotation::rotate(st, cx, ck, new_key),
        P::RevokeKey { party, key, reason } => gov::rotation::revoke(st, cx, ck, party, key, reason),
        P::AllowObserver { party, node_id, name } => gov::observer::allow(st, cx, ck, party, node_id, name),
        P::RemoveObserver { party, node_id } => gov::observer::remove(st, cx, ck, party, node_id),
        P::ReportEvidence { evidence } => gov::evidence::report(st, cx, ck, evidence),
        P::Reconcile { registry, totals, blocks } => {
            reconcile::apply(st, cx, ck, registry, totals, blocks.as_deref())
        }
    }
}
