//! Transaction builders over fixture F0 for tests and benchmarks that drive the runtime
//! from Rust rather than from scenario files.

use jcm_runtime::model::Text;
use jcm_runtime::protocol::{
    AllocationLine, Notification, NotificationStatus, Payload, Period, SignedNotification, UnitsSpec,
};
use jcm_runtime::time::Timestamp;

use crate::fixture::Fixture;

fn id<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().expect("builder ids are valid")
}

/// Units named by range: `CA0001-{registry}-IND-{first}-{vintage}` to `...-{last}-...`.
pub fn range(registry: &str, first: u64, last: u64, vintage: u16) -> UnitsSpec {
    let unit = |serial| Text::new(&format!("CA0001-{registry}-IND-{serial}-{vintage}")).expect("short");
    UnitsSpec {
        first: Some(unit(first)),
        last: Some(unit(last)),
        quantity: last.saturating_sub(first) + 1,
        ..UnitsSpec::default()
    }
}

/// Units named by quantity.
pub fn quantity(q: u64) -> UnitsSpec {
    UnitsSpec { quantity: q, ..UnitsSpec::default() }
}

/// One allocation line.
pub fn line(account: &str, quantity: u64, authorization: Option<&str>) -> AllocationLine {
    AllocationLine { account: id(account), quantity, authorization: authorization.map(id) }
}

/// An ISSUE of project INJ-001 under a notification endorsed by both JC sides of F0.
pub fn issue(fixture: &Fixture, notification: &str, year: u16, lines: Vec<AllocationLine>) -> Payload {
    let total = lines.iter().map(|l| l.quantity).sum();
    let start = Timestamp::start_of_year(year);
    let end = Timestamp(Timestamp::start_of_year(year + 1).0 - 86_400);
    let body = Notification {
        id: id(notification),
        jc: id("JC-INJP"),
        project: id("INJ-001"),
        monitoring_period: Period { from: start, to: end },
        vintage: year,
        total,
        status: NotificationStatus::Approved,
        lines: lines.clone(),
    };
    let mut signed = SignedNotification { body, endorsements: Vec::new() };
    let chain = fixture.genesis.chain_id.to_string();
    for side in ["IND-JC", "JPN-JC"] {
        signed.endorse(&chain, fixture.key(side).expect("F0 has both JC sides"));
    }
    Payload::Issue {
        ca: id("CA0001"),
        project: id("INJ-001"),
        vintage: year,
        notification: Some(signed),
        lines,
        first_serial: None,
    }
}

/// ISSUE N-001 of scenario S1 (the baseline B1).
pub fn b1(fixture: &Fixture) -> Payload {
    issue(
        fixture,
        "N-001",
        2025,
        vec![
            line("JPN01-H-GOV", 5000, Some("AUTH-IND-001")),
            line("JPN01-H-EJP1", 2000, Some("AUTH-IND-001")),
            line("IND01-H-GOV", 3000, None),
        ],
    )
}

/// A movement payload of `action` (`transfer_internal`, `use_ndc`, ...).
pub fn movement(action: &str, from: &str, to: &str, units: UnitsSpec) -> Payload {
    let (ca, from, to) = (id("CA0001"), id(from), id(to));
    match action {
        "transfer_internal" => Payload::TransferInternal { ca, from, to, units },
        "transfer_external" => Payload::TransferExternal { ca, from, to, units },
        "use_ndc" => Payload::UseNdc { ca, from, to, units, use_year: 2030 },
        "cancel_voluntary" => Payload::CancelVoluntary { ca, from, to, units },
        "cancel_omge" => Payload::CancelOmge { ca, from, to, units },
        "transfer_sop" => Payload::TransferSop { ca, from, to, units },
        other => panic!("no movement action {other}"),
    }
}
