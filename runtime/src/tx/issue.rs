//! JCM issuance by a Joint Committee notification (R35–R37b, ARTICLE6.md §3.4): every
//! allocation line, the first transfer of the non-host share, and the cooperative
//! approach's mandatory OMGE and SOP deductions commit atomically, or nothing does.

use std::collections::BTreeMap;

use crate::codec;
use crate::crypto::TAG_JC_NOTIFICATION;
use crate::error::Code;
use crate::events::{CancellationSubtype, EventKind, FirstTransferSubtype};
use crate::ids::*;
use crate::limits::ALLOCATION_LINES_MAX;
use crate::model::*;
use crate::state::{keys, NotificationRecord, StateExt, Store};
use crate::tx::authorization::{cap_check, scope_checks};
use crate::tx::exec::{Checks, Ctx};
use crate::tx::guards;
use crate::tx::movement::{self, Trigger};
use crate::tx::transfer_external::first_transfer_checks;
use crate::tx::{AllocationLine, NotificationStatus, Period, SignedNotification};
use crate::units::{AuthBinding, UnitAttrs, UnitBlock};

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

/// A checked allocation line.
struct Line {
    account: Account,
    quantity: u64,
    auth: Option<Authorization>,
}

/// ceil(rate × total) for a rate in basis points (R36).
fn deduction(rate_bp: u16, total: u64) -> u64 {
    (u128::from(rate_bp) * u128::from(total)).div_ceil(10_000) as u64
}

/// R10, R35: the notification is approved, signed by both sides' representatives,
/// not executed before, and matches the request.
fn check_notification<S: Store + ?Sized>(
    st: &S,
    ck: &mut Checks,
    req: &Request<'_>,
    project: Option<&Project>,
) -> Option<Period> {
    let Some(signed) = req.notification else {
        ck.fail(
            Code::NoValidJcNotification,
            "the issuance references no JC notification",
        );
        return None;
    };
    let n = &signed.body;
    let chain_id = st.meta().chain_id;
    let body = codec::encode(n);
    let jc = st.jc(&n.jc);
    let mut valid = ck.ensure(
        n.status == NotificationStatus::Approved,
        Code::NoValidJcNotification,
        || {
            format!(
                "notification {} is {}, not APPROVED",
                n.id,
                guards::named(&n.status)
            )
        },
    );
    match &jc {
        None => {
            valid &= ck.ensure(false, Code::NoValidJcNotification, || {
                format!("Joint Committee {} is unknown", n.jc)
            })
        }
        Some(jc) => {
            valid &= ck.ensure(&jc.ca == req.ca, Code::NoValidJcNotification, || {
                format!("{} does not govern {}", jc.id, req.ca)
            });
            for side in &jc.parties {
                let role = Role::JcRepresentative {
                    jc: jc.id.clone(),
                    party: side.clone(),
                };
                let signed_by_side = signed.endorsements.iter().any(|e| {
                    st.officer(&e.public_key)
                        .is_some_and(|o| o.roles.contains(&role))
                        && e.public_key.verify(
                            TAG_JC_NOTIFICATION,
                            chain_id.as_str(),
                            &body,
                            &e.signature,
                        )
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
    ck.ensure(
        st.get(&keys::notification(&n.id)).is_none(),
        Code::NotificationAlreadyExecuted,
        || format!("notification {} was already executed", n.id),
    );
    let mut mismatch = Vec::new();
    if &n.project != req.project || project.is_none() {
        mismatch.push(format!(
            "it is for project {}, the request for {}",
            n.project, req.project
        ));
    }
    if n.vintage != req.vintage {
        mismatch.push(format!(
            "it is for vintage {}, the request for {}",
            n.vintage, req.vintage
        ));
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
        ck.fail(
            Code::IssuanceNotMatchingNotification,
            format!("notification {}: {why}", n.id),
        );
    }
    ck.ensure(
        n.monitoring_period.from <= n.monitoring_period.to,
        Code::InvalidMessage,
        || "the monitoring period is empty".into(),
    );
    valid.then_some(n.monitoring_period)
}

/// R37: no overlap with an issued period of the project or a period credited elsewhere.
fn check_double_crediting<S: Store + ?Sized>(
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
        let credited = Period {
            from: other.from,
            to: other.to,
        };
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

/// R8, R9, R11 and R37b/R18–R23/R27 for one line.
fn check_line<S: Store + ?Sized>(
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
    let kinds = [
        AccountKind::Holding,
        AccountKind::Pending,
        AccountKind::CancelOmge,
        AccountKind::SopAdaptation,
    ];
    guards::account_kind(ck, &account, &kinds, "issuance");
    let party = account.registry.party();
    guards::party_in_ca(ck, ca, &party, "receiving");
    let host_line = party == project.host;
    let auth = match &line.authorization {
        None => {
            // R37b, R18: the non-host share and OMGE cancellations need an authorization.
            ck.ensure(host_line, Code::NotAuthorized, || {
                format!(
                    "the line into {} ({party}) names no authorization",
                    account.id
                )
            });
            ck.ensure(
                account.kind != AccountKind::CancelOmge,
                Code::NotAuthorized,
                || format!("the OMGE line into {} names no authorization", account.id),
            );
            None
        }
        Some(id) => {
            let Some(auth) = st.authorization_latest(id) else {
                ck.fail(
                    Code::NotAuthorized,
                    format!("authorization {id} does not exist"),
                );
                return None;
            };
            // R19, R26, R20, R23, R27.
            ck.ensure(auth.party == project.host, Code::AuthorizerNotFtp, || {
                format!("{id} is {}'s, the units are {}'s", auth.party, project.host)
            });
            ck.ensure(
                auth.status == AuthStatus::Active,
                Code::AuthorizationNotActive,
                || format!("authorization {id} was revoked on {}", auth.date.date()),
            );
            // R26: not expired on the action date (its "Use" timeframe has not ended).
            if let Some(period) = auth.terms.use_period {
                ck.ensure(year <= period.last, Code::AuthorizationNotActive, || {
                    format!("authorization {id} allows use in {period}; it expired before {year}")
                });
            }
            scope_checks(st, ck, &auth, project, vintage);
            // R22: the receiving Party is authorized, or is the host.
            if let Some(parties) = &auth.terms.parties {
                ck.ensure(
                    host_line || parties.contains(&party),
                    Code::PartyNotAuthorized,
                    || format!("{id} does not authorize Party {party}"),
                );
            }
            Some(auth)
        }
    };
    Some(Line {
        account,
        quantity: line.quantity,
        auth,
    })
}

/// ISSUE.
pub fn apply<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, req: &Request<'_>) {
    let ca = guards::active_ca(st, ck, req.ca);
    let project = st.project(req.project);
    ck.ensure(
        project.as_ref().is_some_and(|p| &p.ca == req.ca),
        Code::InvalidMessage,
        || format!("project {} is not registered under {}", req.project, req.ca),
    );
    ck.ensure(
        !req.lines.is_empty() && req.lines.len() <= ALLOCATION_LINES_MAX,
        Code::InvalidMessage,
        || format!("an issuance has 1 to {ALLOCATION_LINES_MAX} lines"),
    );
    // R10: a registry administrator executes the issuance: of a receiving registry, or
    // of a registry of the host Party, whose serial space and first transfer it is.
    let host_admin = project.as_ref().is_some_and(|p| {
        cx.officer.as_ref().is_some_and(|o| {
            o.roles
                .iter()
                .any(|r| matches!(r, Role::RegistryAdmin(reg) if reg.party() == p.host))
        })
    });
    let admin = host_admin
        || req
            .lines
            .iter()
            .filter_map(|l| st.account(&l.account))
            .any(|a| cx.has_role(&Role::RegistryAdmin(a.registry)));
    ck.ensure(admin, Code::UnauthorizedSigner, || {
        format!(
            "{} administers neither a receiving registry nor the host's registry",
            cx.who()
        )
    });
    let period = check_notification(st, ck, req, project.as_ref());
    let (Some(ca), Some(project)) = (ca, project) else {
        return;
    };
    if let Some(period) = &period {
        check_double_crediting(st, ck, &project, period);
    }
    // R14: serials are allocated by the runtime; a client range must be the next free.
    let next = st.next_serial(req.ca, &project.host);
    if let Some(first) = req.first_serial {
        ck.ensure(first == next, Code::SerialOverlap, || {
            format!("serial {first} requested; the next free serial is {next}")
        });
    }
    let lines: Vec<Line> = req
        .lines
        .iter()
        .filter_map(|l| check_line(st, ck, &ca, &project, req.vintage, l, cx.time.year()))
        .collect();
    let mut per_auth: BTreeMap<AuthId, u64> = BTreeMap::new();
    for line in &lines {
        if let Some(auth) = &line.auth {
            *per_auth.entry(auth.terms.id.clone()).or_default() += line.quantity;
        }
        // R7, R27a: lines that are first transfers at issuance.
        let party = line.account.registry.party();
        let omge = line.account.kind == AccountKind::CancelOmge;
        let first = line.auth.as_ref().is_some_and(|a| {
            omge || (party != project.host && movement::triggers(a, Trigger::International))
                || movement::triggers(a, Trigger::Issuance)
        });
        if first {
            let head = UnitBlock {
                ca: req.ca.clone(),
                ftp: project.host.clone(),
                first: 1,
                last: 1,
                attrs: attrs_for(&project, req.vintage, line),
            };
            first_transfer_checks(st, ck, &ca, &head, &party);
        }
    }
    for (id, quantity) in &per_auth {
        let auth = st.authorization_latest(id).expect("checked above");
        let meta = st.auth_meta(id).expect("authorizations have metadata");
        cap_check(ck, &auth, &meta, *quantity);
    }
    // R36: the cooperative approach's mandatory deductions are part of the issuance.
    let total: u64 = req.lines.iter().map(|l| l.quantity).sum();
    for (rate, kind, name) in [
        (ca.omge_rate_bp, AccountKind::CancelOmge, "OMGE"),
        (ca.sop_rate_bp, AccountKind::SopAdaptation, "SOP"),
    ] {
        let due = deduction(rate, total);
        let given: u64 = lines
            .iter()
            .filter(|l| l.account.kind == kind)
            .map(|l| l.quantity)
            .sum();
        ck.ensure(given >= due, Code::MandatoryDeductionMissing, || {
            format!("{} requires a {name} deduction of {due} units ({rate} bp of {total}); {given} given", ca.id)
        });
    }
    let mut parties: Vec<Party> = lines.iter().map(|l| l.account.registry.party()).collect();
    parties.push(project.host.clone());
    parties.sort();
    parties.dedup();
    for party in &parties {
        guards::year_open(st, cx, ck, party);
    }
    ck.ensure(
        lines.len() == req.lines.len() || !ck.ok(),
        Code::InvalidMessage,
        || "a line could not be checked".into(),
    );
    if !ck.ok() {
        return;
    }
    execute(
        st,
        cx,
        req,
        &project,
        lines,
        next,
        period.expect("a valid notification was checked"),
    );
}

fn attrs_for(project: &Project, vintage: u16, line: &Line) -> UnitAttrs {
    UnitAttrs {
        origin: line.account.registry.clone(),
        vintage,
        project: project.id.clone(),
        account: line.account.id.clone(),
        authorization: line.auth.as_ref().map(|a| AuthBinding {
            id: a.terms.id.clone(),
            bound_version: None,
        }),
        first_transferred: false,
        use_year: None,
        hold: false,
        reserved_by: None,
    }
}

fn execute<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    req: &Request<'_>,
    project: &Project,
    lines: Vec<Line>,
    mut next: u64,
    period: Period,
) {
    let host = &project.host;
    for line in &lines {
        let mut attrs = attrs_for(project, req.vintage, line);
        let registry = Some(line.account.registry.clone());
        let party = line.account.registry.party();
        let auth = line.auth.as_ref();
        let omge = line.account.kind == AccountKind::CancelOmge;
        let international =
            &party != host && auth.is_some_and(|a| movement::triggers(a, Trigger::International));
        let at_issuance = auth.is_some_and(|a| movement::triggers(a, Trigger::Issuance));
        let subtype = if omge {
            Some(FirstTransferSubtype::MandatoryOmge)
        } else if international {
            Some(FirstTransferSubtype::ToAnotherParty)
        } else if at_issuance {
            let def = auth.and_then(|a| a.terms.first_transfer);
            Some(if def == Some(FirstTransferDefinition::Authorisation) {
                FirstTransferSubtype::Authorization
            } else {
                FirstTransferSubtype::Issuance
            })
        } else {
            None
        };
        if subtype.is_some() {
            movement::mark_first_transferred(st, &mut attrs);
        }
        let block = UnitBlock {
            ca: req.ca.clone(),
            ftp: host.clone(),
            first: next,
            last: next + line.quantity - 1,
            attrs,
        };
        next += line.quantity;
        movement::insert_merged(st, block.clone());
        if let Some(auth) = auth {
            let mut meta = st
                .auth_meta(&auth.terms.id)
                .expect("authorizations have metadata");
            meta.attached += line.quantity;
            st.write(keys::auth_meta(&auth.terms.id), &meta);
        }
        let b = Some(block);
        movement::emit(
            st,
            cx,
            registry.clone(),
            EventKind::Issued {
                account: line.account.id.clone(),
            },
            b.clone(),
        );
        if let Some(subtype) = subtype {
            let acquiring =
                (subtype == FirstTransferSubtype::ToAnotherParty).then(|| party.clone());
            let purpose = auth
                .filter(|_| subtype != FirstTransferSubtype::ToAnotherParty)
                .and_then(|a| a.terms.oimp.clone());
            let kind = EventKind::FirstTransfer {
                subtype,
                acquiring,
                user: None,
                purpose,
            };
            movement::emit(st, cx, registry.clone(), kind, b.clone());
        }
        if international {
            movement::emit(
                st,
                cx,
                registry.clone(),
                EventKind::Acquired {
                    to: line.account.id.clone(),
                    transferring: host.clone(),
                },
                b.clone(),
            );
        }
        match line.account.kind {
            AccountKind::CancelOmge => {
                let kind = EventKind::Cancelled {
                    subtype: CancellationSubtype::MandatoryOmge,
                    from: line.account.id.clone(),
                    to: line.account.id.clone(),
                    canceller: None,
                };
                movement::emit(st, cx, registry, kind, b);
            }
            AccountKind::SopAdaptation => {
                let kind = EventKind::SopTransferred {
                    from: line.account.id.clone(),
                    to: line.account.id.clone(),
                    mandatory: true,
                };
                movement::emit(st, cx, registry, kind, b);
            }
            _ => {}
        }
    }
    st.write(keys::next_serial(req.ca, host), &next);
    let notification = req.notification.expect("checked").body.id.clone();
    let record = NotificationRecord {
        tx: cx.tx,
        height: cx.height,
        project: project.id.clone(),
        period,
    };
    st.write(keys::notification(&notification), &record);
    st.write(keys::monitoring(&project.id, period.from.0), &period);
}
