//! R35 and R37 for an issuance: the Joint Committee notification is approved, endorsed by
//! both sides, executed once and matched by the request; the monitoring period is not
//! credited twice.

use crate::codec;
use crate::crypto::TAG_JC_NOTIFICATION;
use crate::error::Code;
use crate::model::{Project, Role};
use crate::protocol::{NotificationStatus, Period};
use crate::state::{keys, ReadStore, StateExt};
use crate::tx::context::Checks;
use crate::tx::guards;

use super::Request;

/// R10, R35: the notification is approved, signed by both sides' representatives,
/// not executed before, and matches the request.
pub fn check_notification<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    req: &Request<'_>,
    project: Option<&Project>,
) -> Option<Period> {
    let Some(signed) = req.notification else {
        ck.fail(Code::NoValidJcNotification, "the issuance references no JC notification");
        return None;
    };
    let n = &signed.body;
    let chain_id = st.meta().chain_id;
    let body = codec::encode(n);
    let jc = st.jc(&n.jc);
    let mut valid = ck.ensure(n.status == NotificationStatus::Approved, Code::NoValidJcNotification, || {
        format!("notification {} is {}, not APPROVED", n.id, guards::named(&n.status))
    });
    match &jc {
        None => {
            valid &= ck
                .ensure(false, Code::NoValidJcNotification, || format!("Joint Committee {} is unknown", n.jc))
        }
        Some(jc) => {
            valid &= ck.ensure(&jc.ca == req.ca, Code::NoValidJcNotification, || {
                format!("{} does not govern {}", jc.id, req.ca)
            });
            for side in &jc.parties {
                let role = Role::JcRepresentative { jc: jc.id.clone(), party: side.clone() };
                let signed_by_side = signed.endorsements.iter().any(|e| {
                    st.officer(&e.public_key).is_some_and(|o| o.roles.contains(&role))
                        && e.public_key.verify(TAG_JC_NOTIFICATION, chain_id.as_str(), &body, &e.signature)
                });
                if !signed_by_side {
                    ck.fail(
                        Code::UnauthorizedSigner,
                        format!(
                            "notification {} lacks a valid signature of {side}'s JC representative",
                            n.id
                        ),
                    );
                    valid = ck.ensure(false, Code::NoValidJcNotification, || {
                        format!("notification {} is not signed by both sides", n.id)
                    });
                }
            }
        }
    }
    ck.ensure(st.get(&keys::notification(&n.id)).is_none(), Code::NotificationAlreadyExecuted, || {
        format!("notification {} was already executed", n.id)
    });
    let mut mismatch = Vec::new();
    if &n.project != req.project || project.is_none() {
        mismatch.push(format!("it is for project {}, the request for {}", n.project, req.project));
    }
    if n.vintage != req.vintage {
        mismatch.push(format!("it is for vintage {}, the request for {}", n.vintage, req.vintage));
    }
    let notified: u64 = n.lines.iter().map(|l| l.quantity).sum();
    let requested: u64 = req.lines.iter().map(|l| l.quantity).sum();
    if notified != n.total || requested != n.total {
        mismatch.push(format!(
            "the total is {}, its lines sum to {notified}, the request issues {requested}",
            n.total
        ));
    }
    if n.lines != req.lines {
        mismatch.push("the allocation lines differ in account, quantity or authorization".into());
    }
    for why in mismatch {
        ck.fail(Code::IssuanceNotMatchingNotification, format!("notification {}: {why}", n.id));
    }
    ck.ensure(n.monitoring_period.from <= n.monitoring_period.to, Code::InvalidMessage, || {
        "the monitoring period is empty".into()
    });
    valid.then_some(n.monitoring_period)
}

/// R37: no overlap with an issued period of the project or a period credited elsewhere.
pub fn check_double_crediting<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    project: &Project,
    period: &Period,
) {
    let issued: Vec<Period> = st.read_all(&keys::monitoring_of(&project.id));
    for other in issued.iter().filter(|p| p.overlaps(period)) {
        ck.fail(
            Code::MonitoringPeriodOverlap,
            format!(
                "{}..{} overlaps the issued monitoring period {}..{} of {}",
                period.from.date(),
                period.to.date(),
                other.from.date(),
                other.to.date(),
                project.id
            ),
        );
    }
    for other in &project.other_crediting {
        let credited = Period { from: other.from, to: other.to };
        ck.ensure(!credited.overlaps(period), Code::CreditedElsewhere, || {
            format!(
                "{} declares {}..{} credited by {}",
                project.id,
                other.from.date(),
                other.to.date(),
                other.programme
            )
        });
    }
}
