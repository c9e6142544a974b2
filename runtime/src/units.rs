//! Units: the 6/CMA.4 unique identifier (ARTICLE6.md §1.2) and the homogeneous blocks of
//! serials the state holds (R17, R31).
//!
//! A serial space is (cooperative approach, first transferring Party): serials are issued
//! once in it (R14), across all registries. The registry component of an identifier is
//! the originating registry and never changes when the unit moves.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::codec::Hash32;
use crate::ids::{AccountId, AuthId, CaId, Party, ProjectId, RegistryId};
use crate::limits::SERIAL_MAX;

/// A parsed unit identifier `CA0001-JPN01-IND-12345-2025`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnitId {
    /// Cooperative approach.
    pub ca: CaId,
    /// Originating registry.
    pub registry: RegistryId,
    /// First transferring Party.
    pub ftp: Party,
    /// Serial number.
    pub serial: u64,
    /// Vintage.
    pub vintage: u16,
}

impl UnitId {
    /// Parses the identifier as the AEF checker does:
    /// `CA\d{4}-[A-Z]{3}\d{2}-[A-Z]{3}-[1-9]\d{0,2}((\d*)|(,\d{3})*)-\d{4}`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("`{text}` is not a unit identifier ({why})");
        let parts: Vec<&str> = text.split('-').collect();
        let [ca, registry, ftp, serial, vintage] = parts.as_slice() else {
            return Err(bad("expected five parts CANNNN-PPPNN-PPP-serial-YYYY"));
        };
        let ca = CaId::new(ca).map_err(|_| bad("cooperative approach"))?;
        let registry = RegistryId::new(registry).map_err(|_| bad("registry"))?;
        let ftp = Party::new(ftp).map_err(|_| bad("first transferring Party"))?;
        let serial = parse_serial(serial).ok_or_else(|| bad("serial"))?;
        if vintage.len() != 4 || !vintage.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("vintage"));
        }
        let vintage = vintage.parse().map_err(|_| bad("vintage"))?;
        Ok(Self { ca, registry, ftp, serial, vintage })
    }
}

impl std::fmt::Display for UnitId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}-{}-{}-{}", self.ca, self.registry, self.ftp, self.serial, self.vintage)
    }
}

/// A positive serial without a leading zero; thousands separators allowed if regular.
fn parse_serial(text: &str) -> Option<u64> {
    let first = text.bytes().next()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let digits: String = if text.contains(',') {
        let groups: Vec<&str> = text.split(',').collect();
        let head_ok = (1..=3).contains(&groups[0].len());
        let tail_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !head_ok || !tail_ok {
            return None;
        }
        groups.concat()
    } else {
        text.to_owned()
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 18 {
        return None;
    }
    digits.parse().ok().filter(|s| *s <= SERIAL_MAX)
}

/// The authorization a block is bound to: its id, and the version in force when the
/// block was first transferred (R25). Until then the latest version applies.
#[derive(
    Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize,
)]
pub struct AuthBinding {
    /// Authorization id.
    pub id: AuthId,
    /// The version bound at first transfer.
    pub bound_version: Option<u32>,
}

/// Every attribute a block's units share (R17). Two blocks with equal attributes and
/// adjacent serials are one block.
#[derive(
    Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize,
)]
pub struct UnitAttrs {
    /// Originating registry (the identifier's registry component).
    pub origin: RegistryId,
    /// Vintage.
    pub vintage: u16,
    /// Project.
    pub project: ProjectId,
    /// The account holding the units.
    pub account: AccountId,
    /// Authorization, if any.
    pub authorization: Option<AuthBinding>,
    /// Set once, at the first transfer (R28, R30).
    pub first_transferred: bool,
    /// The calendar year of an NDC use (R32), once used.
    pub use_year: Option<u16>,
    /// On hold after a consistency check or reconciliation (R34).
    pub hold: bool,
    /// The pending external transfer that reserves the units (R16).
    pub reserved_by: Option<Hash32>,
}

/// A block of consecutive serials `first..=last` in one serial space.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct UnitBlock {
    /// Cooperative approach (serial space).
    pub ca: CaId,
    /// First transferring Party (serial space).
    pub ftp: Party,
    /// First serial.
    pub first: u64,
    /// Last serial.
    pub last: u64,
    /// The shared attributes.
    pub attrs: UnitAttrs,
}

impl UnitBlock {
    /// Number of units.
    pub fn quantity(&self) -> u64 {
        self.last - self.first + 1
    }

    /// The identifier of serial `serial` of this block.
    pub fn unit_id(&self, serial: u64) -> UnitId {
        UnitId {
            ca: self.ca.clone(),
            registry: self.attrs.origin.clone(),
            ftp: self.ftp.clone(),
            serial,
            vintage: self.attrs.vintage,
        }
    }

    /// `CA0001-JPN01-IND-1-2025..CA0001-JPN01-IND-5000-2025`.
    pub fn range_text(&self) -> String {
        format!("{}..{}", self.unit_id(self.first), self.unit_id(self.last))
    }

    /// The same block restricted to `first..=last` (which must lie inside it).
    pub fn slice(&self, first: u64, last: u64) -> UnitBlock {
        assert!(self.first <= first && first <= last && last <= self.last, "slice inside block");
        UnitBlock { first, last, ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_parse_as_the_aef_checker_does() {
        let id = UnitId::parse("CA0001-IND01-IND-12345-2025").expect("valid");
        assert_eq!(id.serial, 12_345);
        assert_eq!(id.vintage, 2025);
        assert_eq!(id.to_string(), "CA0001-IND01-IND-12345-2025");
        assert_eq!(UnitId::parse("CA0001-IND01-IND-12,345-2025").map(|i| i.serial), Ok(12_345));
        for bad in [
            "CA0001-IND01-IND-012345-2025",
            "CA0001-IND01-IND-0-2025",
            "CA0001-IND01-IND-12,34-2025",
            "CA001-IND01-IND-1-2025",
            "CA0001-IND1-IND-1-2025",
            "CA0001-IND01-IN-1-2025",
            "CA0001-IND01-IND-1-25",
            "CA0001-IND01-IND-1",
            "CA0001-IND01-IND-1-2025-x",
        ] {
            assert!(UnitId::parse(bad).is_err(), "{bad}");
        }
    }
}
