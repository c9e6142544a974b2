//! Article 6.4 units (A6.4ERs) on the chain: their identifiers in the mechanism registry,
//! the record of each receipt, and the mapping from the ITMO serials they are tracked
//! under to their A6.4ER identifiers (the AEF's underlying units).
//!
//! A6.4ERs authorized by their host move from the mechanism registry into a Party
//! registry of the chain, under a cooperative approach whose underlying unit registry is
//! the mechanism registry ([`MECHANISM_REGISTRY`]). From then on they are ordinary units
//! of that approach's serial space (CA, host): held, transferred, used and reported like
//! ITMOs. The share of proceeds and the OMGE cancellation were taken in the mechanism
//! registry at 6.4 issuance, so a receipt applies no deduction of its own.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::codec::Hash32;
use crate::ids::{CaId, Party, ProjectId};
use crate::limits::SERIAL_MAX;
use crate::model::CooperativeApproach;
use crate::state::{keys, ReadStore, StateExt, Store};
use crate::units::UnitBlock;

/// The underlying unit registry of an approach that tracks A6.4ERs: the Article 6.4
/// mechanism registry (the Paris Agreement Crediting Mechanism's).
pub const MECHANISM_REGISTRY: &str = "PACM";

/// The prefix of every A6.4ER identifier.
pub const A64_PREFIX: &str = "A6.4ER-";

/// Whether `ca` tracks A6.4ERs received from the mechanism registry.
pub fn is_mechanism_approach(ca: &CooperativeApproach) -> bool {
    ca.underlying_registry.as_str() == MECHANISM_REGISTRY
}

/// A parsed A6.4ER identifier `A6.4ER-IND-PACM-IN-0001-2025-17`: the host Party, the
/// 6.4 activity, the vintage and the serial in the mechanism registry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct A64Id {
    /// Host Party of the activity.
    pub host: Party,
    /// The Article 6.4 activity (registered on the chain as a project).
    pub activity: ProjectId,
    /// Vintage.
    pub vintage: u16,
    /// Serial in the mechanism registry.
    pub serial: u64,
}

impl A64Id {
    /// Parses `A6.4ER-HHH-ACTIVITY-YYYY-SERIAL`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("`{text}` is not an A6.4ER identifier ({why})");
        let rest = text.strip_prefix(A64_PREFIX).ok_or_else(|| bad("it starts with A6.4ER-"))?;
        let (host, rest) = rest.split_once('-').ok_or_else(|| bad("host Party"))?;
        let host = Party::new(host).map_err(|_| bad("host Party"))?;
        let (rest, serial) = rest.rsplit_once('-').ok_or_else(|| bad("serial"))?;
        let (activity, vintage) = rest.rsplit_once('-').ok_or_else(|| bad("vintage"))?;
        let activity = ProjectId::new(activity).map_err(|_| bad("activity"))?;
        if vintage.len() != 4 || !vintage.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("vintage"));
        }
        let vintage = vintage.parse().map_err(|_| bad("vintage"))?;
        let digits_ok =
            !serial.is_empty() && serial.bytes().all(|b| b.is_ascii_digit()) && !serial.starts_with('0');
        let serial: u64 =
            serial.parse().ok().filter(|s| digits_ok && *s <= SERIAL_MAX).ok_or_else(|| bad("serial"))?;
        Ok(Self { host, activity, vintage, serial })
    }
}

impl std::fmt::Display for A64Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{A64_PREFIX}{}-{}-{}-{}", self.host, self.activity, self.vintage, self.serial)
    }
}

/// One receipt of A6.4ERs: the ITMO serials `first..=last` of serial space (`ca`, `ftp`)
/// are the A6.4ERs `mechanism_first..` of `activity` and `vintage`, one to one.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct A64Receipt {
    /// Cooperative approach (serial space).
    pub ca: CaId,
    /// Host, the first transferring Party (serial space).
    pub ftp: Party,
    /// First ITMO serial.
    pub first: u64,
    /// Last ITMO serial.
    pub last: u64,
    /// The 6.4 activity.
    pub activity: ProjectId,
    /// Vintage.
    pub vintage: u16,
    /// The mechanism registry serial of the first unit.
    pub mechanism_first: u64,
    /// The receiving transaction.
    pub tx: Hash32,
    /// Height of the receipt.
    pub height: u64,
}

impl A64Receipt {
    /// The mechanism registry serial of the last unit.
    pub fn mechanism_last(&self) -> u64 {
        self.mechanism_first + (self.last - self.first)
    }

    /// The A6.4ER identifier of ITMO serial `serial` (inside the receipt).
    pub fn a64_id(&self, serial: u64) -> A64Id {
        assert!(self.first <= serial && serial <= self.last, "serial inside its receipt");
        A64Id {
            host: self.ftp.clone(),
            activity: self.activity.clone(),
            vintage: self.vintage,
            serial: self.mechanism_first + (serial - self.first),
        }
    }
}

/// The receipt that contains ITMO serial `serial` of (`ca`, `ftp`), if it came from the
/// mechanism registry.
pub fn receipt_of<S: ReadStore + ?Sized>(st: &S, ca: &CaId, ftp: &Party, serial: u64) -> Option<A64Receipt> {
    let start = keys::a64_receipt(ca, ftp, serial);
    let end = crate::state::prefix_end(&keys::a64_receipts_in(ca, ftp));
    let (_, value) = st.range(&start, end.as_deref()).next()?;
    let receipt: A64Receipt =
        borsh::from_slice(&value).expect("state corrupt: an A6.4 receipt does not decode");
    (receipt.first <= serial).then_some(receipt)
}

/// An earlier receipt of any of the A6.4ERs `first..=last` of `activity` and `vintage`.
pub fn received_before<S: ReadStore + ?Sized>(
    st: &S,
    activity: &ProjectId,
    vintage: u16,
    first: u64,
    last: u64,
) -> Option<A64Receipt> {
    let start = keys::a64_mechanism(activity, vintage, first);
    let end = crate::state::prefix_end(&keys::a64_mechanism_in(activity, vintage));
    let (_, value) = st.range(&start, end.as_deref()).next()?;
    let (ca, ftp, itmo_last): (CaId, Party, u64) =
        borsh::from_slice(&value).expect("state corrupt: an A6.4 index entry does not decode");
    let receipt: A64Receipt =
        st.read(&keys::a64_receipt(&ca, &ftp, itmo_last)).expect("index points at a receipt");
    (receipt.mechanism_first <= last).then_some(receipt)
}

/// Where A6.4ER `id` is on the chain: the receipt that brought it from the mechanism
/// registry and the ITMO serial of (receipt's approach, host) it is tracked under; `None`
/// if it was never received.
pub fn locate<S: ReadStore + ?Sized>(st: &S, id: &A64Id) -> Option<(A64Receipt, u64)> {
    let receipt = received_before(st, &id.activity, id.vintage, id.serial, id.serial)?;
    let serial = receipt.first + (id.serial - receipt.mechanism_first);
    (receipt.ftp == id.host).then_some((receipt, serial))
}

/// Records a receipt under both its ITMO serials and its A6.4ER serials.
pub fn record<S: Store + ?Sized>(st: &mut S, receipt: &A64Receipt) {
    st.write(keys::a64_receipt(&receipt.ca, &receipt.ftp, receipt.last), receipt);
    let index = (receipt.ca.clone(), receipt.ftp.clone(), receipt.last);
    st.write(keys::a64_mechanism(&receipt.activity, receipt.vintage, receipt.mechanism_last()), &index);
}

/// `block` cut where one receipt of A6.4ERs ends and another begins, so that every piece
/// maps to one run of A6.4ER serials. Units that did not come from the mechanism
/// registry are one piece.
pub fn pieces<S: ReadStore + ?Sized>(st: &S, block: &UnitBlock) -> Vec<UnitBlock> {
    let mut out = Vec::new();
    let mut first = block.first;
    while first <= block.last {
        let end = match receipt_of(st, &block.ca, &block.ftp, first) {
            Some(r) => r.last.min(block.last),
            None => block.last,
        };
        out.push(block.slice(first, end));
        first = end + 1;
    }
    out
}

/// The underlying unit identifiers of a piece ([`pieces`]): its A6.4ER identifiers if it
/// came from the mechanism registry, else its serials (JCM credits map one to one).
pub fn underlying_ids<S: ReadStore + ?Sized>(st: &S, piece: &UnitBlock) -> (String, String) {
    match receipt_of(st, &piece.ca, &piece.ftp, piece.first) {
        Some(r) if piece.last <= r.last => {
            (r.a64_id(piece.first).to_string(), r.a64_id(piece.last).to_string())
        }
        _ => (piece.first.to_string(), piece.last.to_string()),
    }
}

/// Whether underlying identifier `next` directly follows `prev` (the same identifier
/// stem, the serial one higher): adjacent AEF rows join only then.
pub fn underlying_continues(prev: &str, next: &str) -> bool {
    let split = |id: &str| match id.rsplit_once('-') {
        Some((stem, serial)) => (stem.to_owned(), serial.parse::<u64>().ok()),
        None => (String::new(), id.parse::<u64>().ok()),
    };
    let (a_stem, a) = split(prev);
    let (b_stem, b) = split(next);
    a_stem == b_stem && matches!((a, b), (Some(a), Some(b)) if a.checked_add(1) == Some(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_parse_and_print_back() {
        let id = A64Id::parse("A6.4ER-IND-PACM-IN-0001-2025-17").expect("valid");
        assert_eq!(id.host.as_str(), "IND");
        assert_eq!(id.activity.as_str(), "PACM-IN-0001");
        assert_eq!((id.vintage, id.serial), (2025, 17));
        assert_eq!(id.to_string(), "A6.4ER-IND-PACM-IN-0001-2025-17");
        for bad in [
            "CA0001-JPN01-IND-1-2025",
            "A6.4ER-IN-PACM-1-2025-1",
            "A6.4ER-IND-PACM-1-25-1",
            "A6.4ER-IND-PACM-1-2025-0",
            "A6.4ER-IND-PACM-1-2025-01",
            "A6.4ER-IND-2025-1",
            "A6.4ER-IND--2025-1",
        ] {
            assert!(A64Id::parse(bad).is_err(), "{bad}");
        }
    }

    fn receipt(first: u64, last: u64, mechanism_first: u64) -> A64Receipt {
        A64Receipt {
            ca: CaId::new("CA0101").expect("valid"),
            ftp: Party::new("IND").expect("valid"),
            first,
            last,
            activity: ProjectId::new("PACM-IN-0001").expect("valid"),
            vintage: 2025,
            mechanism_first,
            tx: Hash32::default(),
            height: 1,
        }
    }

    #[test]
    fn a_block_over_two_receipts_maps_each_part_to_its_own_a64_serials() {
        let mut st = crate::state::MemStore::new();
        record(&mut st, &receipt(1, 10, 101));
        record(&mut st, &receipt(11, 20, 1));
        let head = UnitBlock {
            ca: receipt(1, 1, 1).ca,
            ftp: receipt(1, 1, 1).ftp,
            first: 5,
            last: 15,
            attrs: attrs(),
        };
        let parts = pieces(&st, &head);
        assert_eq!(parts.iter().map(|p| (p.first, p.last)).collect::<Vec<_>>(), vec![(5, 10), (11, 15)]);
        let ids: Vec<(String, String)> = parts.iter().map(|p| underlying_ids(&st, p)).collect();
        assert_eq!(ids[0].0, "A6.4ER-IND-PACM-IN-0001-2025-105");
        assert_eq!(ids[0].1, "A6.4ER-IND-PACM-IN-0001-2025-110");
        assert_eq!(ids[1].0, "A6.4ER-IND-PACM-IN-0001-2025-1");
        assert_eq!(ids[1].1, "A6.4ER-IND-PACM-IN-0001-2025-5");
        assert!(!underlying_continues(&ids[0].1, &ids[1].0));
        // A6.4ERs 1-10 and 101-110 are received; 105-120 overlaps, 11-100 does not.
        let activity = ProjectId::new("PACM-IN-0001").expect("valid");
        assert!(received_before(&st, &activity, 2025, 105, 120).is_some());
        assert!(received_before(&st, &activity, 2025, 11, 100).is_none());
        assert!(received_before(&st, &activity, 2026, 1, 10).is_none());
        // Each received A6.4ER is found under its own ITMO serial; the others are not.
        let id = |host: &str, serial| A64Id {
            host: Party::new(host).expect("valid"),
            activity: activity.clone(),
            vintage: 2025,
            serial,
        };
        let at = |id: A64Id| locate(&st, &id).map(|(r, serial)| (r.first, serial));
        assert_eq!(at(id("IND", 101)), Some((1, 1)));
        assert_eq!(at(id("IND", 107)), Some((1, 7)));
        assert_eq!(at(id("IND", 110)), Some((1, 10)));
        assert_eq!(at(id("IND", 3)), Some((11, 13)));
        assert_eq!(at(id("IND", 11)), None);
        assert_eq!(at(id("IND", 111)), None);
        assert_eq!(at(id("JPN", 101)), None, "another host's A6.4ER of the same activity");
        // Units that did not come from the mechanism registry keep their serials.
        let jcm = UnitBlock { ca: CaId::new("CA0001").expect("valid"), ..head };
        assert_eq!(pieces(&st, &jcm).len(), 1);
        assert_eq!(underlying_ids(&st, &jcm), ("5".to_string(), "15".to_string()));
    }

    fn attrs() -> crate::units::UnitAttrs {
        crate::units::UnitAttrs {
            origin: crate::ids::RegistryId::new("JPN01").expect("valid"),
            vintage: 2025,
            project: ProjectId::new("PACM-IN-0001").expect("valid"),
            account: crate::ids::AccountId::new("JPN01-H-GOV").expect("valid"),
            authorization: None,
            first_transferred: true,
            use_year: None,
            hold: false,
            reserved_by: None,
        }
    }

    #[test]
    fn underlying_identifiers_continue_only_on_the_next_serial() {
        assert!(underlying_continues("7000", "7001"));
        assert!(!underlying_continues("7000", "7002"));
        assert!(underlying_continues("A6.4ER-IND-PACM-IN-0001-2025-9", "A6.4ER-IND-PACM-IN-0001-2025-10"));
        assert!(!underlying_continues("A6.4ER-IND-PACM-IN-0001-2025-9", "A6.4ER-IND-PACM-IN-0001-2026-10"));
        assert!(!underlying_continues("A6.4ER-IND-PACM-IN-0001-2025-9", "A6.4ER-IND-PACM-IN-0002-2025-10"));
    }
}
