//! The one-sentence summaries of governance payloads (docs/governance.md), shown before
//! an officer confirms.

use jcm_runtime::protocol::{GovChange, Payload, ValidatorChange};

fn change(change: &GovChange) -> String {
    match change {
        GovChange::AdmitParty { party, registry, officers, validator, .. } => format!(
            "admit {} ({}) with registry {}, {} further officer(s){}",
            party.code,
            party.name,
            registry.id,
            officers.len(),
            validator
                .as_ref()
                .map(|v| format!(" and validator {} (power {})", v.name, v.power))
                .unwrap_or_default()
        ),
        GovChange::CreateApproach { approach, committee, members } => format!(
            "create approach {} between {} with committee {} ({} representative(s))",
            approach.id,
            approach.participants.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" and "),
            committee.id,
            members.len()
        ),
        GovChange::ChangeValidators { change, effective_height } => {
            let what = match change {
                ValidatorChange::Add { validator, .. } => {
                    format!(
                        "add validator {} of {} (power {})",
                        validator.name, validator.party, validator.power
                    )
                }
                ValidatorChange::Remove { key } => format!("remove validator {key}"),
                ValidatorChange::SetPower { key, power } => format!("set validator {key}'s power to {power}"),
                ValidatorChange::RotateKey { key, new_key } => {
                    format!("rotate validator key {key} to {new_key}")
                }
                ValidatorChange::SetNode { key, node_id } => {
                    format!("set validator {key}'s node id to {node_id}")
                }
            };
            format!("{what} from height {effective_height}")
        }
        GovChange::PlanUpgrade { version, height } => {
            format!("require protocol version {version} from height {height}")
        }
    }
}

/// What a governance payload does, in one sentence.
/// The sentence of a governance payload, in the confirmation prompt.
pub fn describe(payload: &Payload) -> String {
    use Payload as P;
    match payload {
        P::Propose { change: c, deadline } => {
            format!("propose to {} (open until height {deadline})", change(c))
        }
        P::ApproveProposal { proposal } => format!("approve proposal {proposal} for your Party"),
        P::RejectProposal { proposal, .. } => format!("reject proposal {proposal} for your Party"),
        P::ConsentToAdmission { proposal } => {
            format!("consent to admission proposal {proposal} as the admitted authority")
        }
        P::AddOfficer { party, officer } => format!("add officer {} to {party}", officer.name),
        P::RemoveOfficer { party, key } => format!("remove {party}'s officer with key {key}"),
        P::SetOfficerRoles { party, key, roles } => {
            format!("give {party}'s officer with key {key} {} role(s)", roles.len())
        }
        P::RotateKey { new_key } => format!("rotate your key to {new_key} (the old key is retired)"),
        P::RevokeKey { party, key, .. } => format!("revoke {party}'s key {key} for good"),
        P::AllowObserver { party, node_id, .. } => format!("allow observer node {node_id} for {party}"),
        P::RemoveObserver { party, node_id } => format!("remove {party}'s observer node {node_id}"),
        P::ReportEvidence { evidence } => {
            let (height, round, kind) = evidence.slot();
            format!(
                "report validator {}'s two conflicting {kind}s at height {height}, round {round}",
                evidence.validator()
            )
        }
        other => other.action().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_names_its_proposal() {
        assert!(describe(&Payload::ApproveProposal { proposal: 4 }).contains("proposal 4"));
    }
}
