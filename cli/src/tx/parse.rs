//! Parsers of the transaction commands' arguments: the controlled values of the
//! nomenclature (typed on the command line in kebab case and listed in `--help` and
//! the shell completions), year ranges, allocation lines and reported balances.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use jcm_runtime::ids::{AccountId, AuthId};
use jcm_runtime::model::*;
use jcm_runtime::protocol::{AllocationLine, ReportedBlock, ReportedTotal};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A controlled value: how it is typed (kebab case) and its serde spelling.
pub type Choices = &'static [(&'static str, &'static str)];

/// Account kinds (ARTICLE6.md §5.3).
pub const ACCOUNT_KINDS: Choices = &[
    ("pending", "PENDING"),
    ("holding", "HOLDING"),
    ("use-ndc", "USE_NDC"),
    ("use-oimp", "USE_OIMP"),
    ("cancel-voluntary", "CANCEL_VOLUNTARY"),
    ("cancel-omge", "CANCEL_OMGE"),
    ("sop-adaptation", "SOP_ADAPTATION"),
];
/// Account statuses.
pub const ACCOUNT_STATUSES: Choices =
    &[("active", "ACTIVE"), ("suspended", "SUSPENDED"), ("closed", "CLOSED"), ("frozen", "FROZEN")];
/// Participation statuses (R7).
pub const PARTICIPATIONS: Choices =
    &[("eligible", "ELIGIBLE"), ("suspended", "SUSPENDED"), ("not-eligible", "NOT_ELIGIBLE")];
/// NDC kinds.
pub const NDC_KINDS: Choices = &[("single-year", "single_year"), ("multi-year", "multi_year")];
/// Sectors (nomenclature table 15(b)).
pub const SECTORS: Choices = &[
    ("agriculture", "Agriculture"),
    ("building-and-construction", "Building and construction"),
    ("cross-sectoral-mechanisms", "Cross-sectoral mechanisms"),
    ("energy-generation", "Energy generation"),
    ("forestry-and-land-use", "Forestry and land use"),
    ("industrial-processes", "Industrial processes"),
    ("transportation", "Transportation"),
    ("urban-development", "Urban development"),
    ("waste-management", "Waste management"),
];
/// Mitigation types.
pub const MITIGATION_TYPES: Choices =
    &[("emission-reductions", "Emission reductions"), ("removals", "Removals")];
/// Authorization purposes.
pub const PURPOSES: Choices = &[("NDC", "NDC"), ("OIMP", "OIMP"), ("IMP", "IMP"), ("OP", "OP")];
/// OIMP use purposes (R22).
pub const OIMP_PURPOSES: Choices = &[("IMP", "IMP"), ("OP", "OP"), ("OIMP", "OIMP")];
/// First-transfer definitions.
pub const FIRST_TRANSFER_DEFINITIONS: Choices = &[
    ("first-international-transfer", "First international transfer"),
    ("authorisation", "Authorisation"),
    ("issuance", "Issuance"),
    ("use-or-cancellation", "Use or Cancellation"),
];
/// Changes an authorization's conditions may permit (R24).
pub const CHANGE_KINDS: Choices = &[
    ("revoke", "revoke"),
    ("add-parties", "add_parties"),
    ("remove-parties", "remove_parties"),
    ("add-entities", "add_entities"),
    ("remove-entities", "remove_entities"),
    ("purposes", "purposes"),
    ("quantity", "quantity"),
    ("scope", "scope"),
    ("timeframe", "timeframe"),
    ("oimp", "oimp"),
    ("first-transfer-definition", "first_transfer_definition"),
    ("terms", "terms"),
];
/// JC decision statuses.
pub const NOTIFICATION_STATUSES: Choices =
    &[("approved", "APPROVED"), ("pending", "PENDING"), ("rejected", "REJECTED")];

/// Decodes the serde spelling of a controlled value.
fn decode<T: DeserializeOwned>(serde: &str) -> Result<T, serde_json::Error> {
    serde_json::from_value(Value::String(serde.to_string()))
}

/// A clap parser accepting exactly the kebab-case names of `choices`.
pub fn choice<T>(choices: Choices) -> impl TypedValueParser<Value = T>
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    let names: Vec<&'static str> = choices.iter().map(|(cli, _)| *cli).collect();
    PossibleValuesParser::new(names).map(move |typed: String| {
        let serde = choices.iter().find(|(cli, _)| *cli == typed).map(|(_, s)| *s).expect("a listed value");
        decode(serde).expect("every listed spelling decodes (checked by a unit test)")
    })
}

/// `2021-2030`, `2021..2030`, or one year `2026`.
pub fn year_range(text: &str) -> Result<YearRange, String> {
    let bad = || format!("`{text}` is not a year range: FIRST-LAST, e.g. 2021-2030");
    let (first, last) = match text.split_once("..").or_else(|| text.split_once('-')) {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (text.trim(), text.trim()),
    };
    let first: u16 = first.parse().map_err(|_| bad())?;
    let last: u16 = last.parse().map_err(|_| bad())?;
    if first > last {
        return Err(bad());
    }
    Ok(YearRange { first, last })
}

/// `ACCOUNT:QUANTITY[:AUTHORIZATION]`, one allocation line of an issuance.
pub fn allocation_line(text: &str) -> Result<AllocationLine, String> {
    let bad = || format!("`{text}` is not an allocation line: ACCOUNT:QUANTITY[:AUTHORIZATION]");
    let mut parts = text.splitn(3, ':');
    let account = parts.next().ok_or_else(bad)?;
    let quantity = parts.next().ok_or_else(bad)?;
    let account: AccountId = account.parse().map_err(|e| format!("{e}"))?;
    let quantity: u64 = quantity.trim().parse().map_err(|_| bad())?;
    let authorization: Option<AuthId> =
        parts.next().map(|a| a.parse::<AuthId>().map_err(|e| format!("{e}"))).transpose()?;
    Ok(AllocationLine { account, quantity, authorization })
}

/// `ACCOUNT:QUANTITY`, a registry's reported balance (R42).
pub fn reported_total(text: &str) -> Result<ReportedTotal, String> {
    let bad = || format!("`{text}` is not a reported total: ACCOUNT:QUANTITY");
    let (account, quantity) = text.split_once(':').ok_or_else(bad)?;
    Ok(ReportedTotal {
        account: account.parse().map_err(|e| format!("{e}"))?,
        quantity: quantity.trim().parse().map_err(|_| bad())?,
    })
}

/// `ACCOUNT:FIRST_UNIT:LAST_UNIT`, a registry's reported unit block (R42).
pub fn reported_block(text: &str) -> Result<ReportedBlock, String> {
    let bad = || format!("`{text}` is not a reported block: ACCOUNT:FIRST_UNIT:LAST_UNIT");
    let parts: Vec<&str> = text.split(':').collect();
    let [account, first, last] = parts.as_slice() else {
        return Err(bad());
    };
    Ok(ReportedBlock {
        account: account.parse().map_err(|e| format!("{e}"))?,
        first: Text::new(first)?,
        last: Text::new(last)?,
    })
}

/// Bounded free text.
pub fn text(value: &str) -> Result<Text, String> {
    Text::new(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcm_runtime::protocol::{NotificationStatus, OimpPurpose};

    fn all_decode<T: DeserializeOwned>(choices: Choices) {
        for (cli, serde) in choices {
            assert!(decode::<T>(serde).is_ok(), "{cli} -> {serde}");
        }
    }

    #[test]
    fn every_listed_value_decodes_to_its_enum() {
        all_decode::<AccountKind>(ACCOUNT_KINDS);
        all_decode::<AccountStatus>(ACCOUNT_STATUSES);
        all_decode::<Participation>(PARTICIPATIONS);
        all_decode::<NdcKind>(NDC_KINDS);
        all_decode::<Sector>(SECTORS);
        all_decode::<MitigationType>(MITIGATION_TYPES);
        all_decode::<Purpose>(PURPOSES);
        all_decode::<OimpPurpose>(OIMP_PURPOSES);
        all_decode::<FirstTransferDefinition>(FIRST_TRANSFER_DEFINITIONS);
        all_decode::<ChangeKind>(CHANGE_KINDS);
        all_decode::<NotificationStatus>(NOTIFICATION_STATUSES);
    }

    #[test]
    fn year_ranges_lines_and_totals_parse() {
        assert_eq!(year_range("2021-2030"), Ok(YearRange { first: 2021, last: 2030 }));
        assert_eq!(year_range("2026"), Ok(YearRange { first: 2026, last: 2026 }));
        assert!(year_range("2030-2021").is_err());
        let line = allocation_line("JPN01-H-GOV:5000:AUTH-IND-001").expect("a line");
        assert_eq!(line.quantity, 5000);
        assert_eq!(line.authorization.map(|a| a.to_string()).as_deref(), Some("AUTH-IND-001"));
        assert!(allocation_line("JPN01-H-GOV:many").is_err());
        assert_eq!(reported_total("IND01-H-GOV:3000").map(|t| t.quantity), Ok(3000));
        assert!(reported_block("IND01-H-GOV:CA0001-IND01-IND-1-2025:CA0001-IND01-IND-9-2025").is_ok());
    }
}
