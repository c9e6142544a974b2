//! The official AEF template's own words: sheet names, field labels in their order, and
//! the value formats tools checking a submission look for (`AEF-TEMPLATE.md`). Labels are
//! never renamed; columns of our own only follow the template's.

use crate::model::{FirstTransferDefinition, YearRange};
use crate::time::Date;

/// Table 1: the submission (the template names no labels; these are ours).
pub const TITLE_1: &str = "Table 1 Submission";
/// Table 2, the template's sheet name.
pub const TITLE_2: &str = "Table 2 Authorizations";
/// Table 3, the template's sheet name.
pub const TITLE_3: &str = "Table 3 Actions";
/// Table 4, the template's sheet name.
pub const TITLE_4: &str = "Table 4 Holdings";
/// Table 5, the template's sheet name.
pub const TITLE_5: &str = "Table 5 Auth. entities";

/// Table 1, the submission: Party, version, year, and the CARP columns left blank.
pub const T1: &[&str] = &[
    "Party",
    "Version",
    "Reported year",
    "Date of submission",
    "Review status of the initial report",
    "Result of the consistency check",
    "First year of the NDC implementation period",
    "Last year of the NDC implementation period",
    "Reference to the Article 6 technical expert review report",
    "Additional explanatory information",
];

/// Table 2, in the template's order.
pub const T2: &[&str] = &[
    "Authorization ID",
    "Date of authorization",
    "Cooperative approach ID",
    "Version of the authorization",
    "Authorized quantity",
    "Metric",
    "Applicable GWP value(s)",
    "Applicable non-GHG metric",
    "Sector(s)",
    "Activity type(s)",
    "Purposes for authorization",
    "Authorized Party(ies) ID",
    "Authorized entity(ies) ID",
    "OIMP authorized by the Party",
    "Authorized timeframe",
    "Authorization terms and conditions",
    "Authorization documentation",
    "First transfer definition for OIMP",
    "Additional explanatory information",
];

/// Table 3, in the template's order, then two columns of our own (the project's sector
/// and activity type).
pub const T3: &[&str] = &[
    "Action date",
    "Action type",
    "Action subtype",
    "Cooperative approach ID",
    "Authorization ID",
    "First transferring participating Party ID",
    "Party ITMO registry ID",
    "First ID",
    "Last ID",
    "Underlying unit registry ID",
    "First unit ID",
    "Last unit ID",
    "Metric",
    "Applicable GWP value(s)",
    "Applicable non-GHG metric",
    "Quantity (t CO2 eq)",
    "Quantity (in non-GHG metric)",
    "Mitigation type",
    "Vintage",
    "Transferring participating Party ID",
    "Acquiring participating Party ID",
    "Purpose for which the ITMO has been used towards or cancelled for OIMP",
    "Using/cancelling participating Party ID",
    "Using/cancelling authorized entity ID",
    "Calendar year for which the ITMOs are used towards the Party's NDC",
    "Result of the consistency checks",
    "Additional explanatory information",
    "Sector(s)",
    "Activity type(s)",
];

/// Table 4, in the template's order.
pub const T4: &[&str] = &[
    "Cooperative approach ID",
    "Authorization ID",
    "First transferring participating Party ID",
    "Party ITMO registry ID",
    "First ID",
    "Last ID",
    "Underlying unit registry ID",
    "First unit ID",
    "Last unit ID",
    "Metric",
    "Applicable GWP value(s)",
    "Applicable non-GHG metric",
    "Quantity (t CO2 eq)",
    "Quantity (in non-GHG metric)",
    "Mitigation type",
    "Vintage",
];

/// Table 5, in the template's order.
pub const T5: &[&str] = &[
    "Date of the authorization",
    "Name",
    "Country of incorporation",
    "Identification number",
    "Cooperative approach ID",
    "Conditions",
    "Change and revocation conditions",
    "Additional explanatory information",
];

/// What a column holds, so that a workbook can write a date cell or a number cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text as it is.
    Text,
    /// A date, `dd/mm/yyyy` in the tables and CSV; a date cell in the workbook.
    Date,
    /// A whole number (or `NA` in Table 4, or empty); a number cell in the workbook.
    Whole,
}

/// The kind of the column labelled `label`.
pub fn column_kind(label: &str) -> ColumnKind {
    match label {
        "Date of submission" | "Date of authorization" | "Action date" | "Date of the authorization" => {
            ColumnKind::Date
        }
        "Authorized quantity" | "Quantity (t CO2 eq)" | "Quantity (in non-GHG metric)" => ColumnKind::Whole,
        _ => ColumnKind::Text,
    }
}

/// A date as the template writes it: `dd/mm/yyyy`.
pub fn date(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day, d.month, d.year)
}

/// Reads a `dd/mm/yyyy` cell back into a date.
pub fn parse_date(cell: &str) -> Option<Date> {
    let mut parts = cell.split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(d, 2) || !digits(m, 2) || !digits(y, 4) {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// The authorized timeframe: empty, `Occurred: from <d> to <d>`, `Use: from <d> to <d>`,
/// or both joined by `. `; `<d>` is a year here.
pub fn timeframe(occurred: Option<YearRange>, use_period: Option<YearRange>) -> String {
    let part = |name: &str, r: YearRange| format!("{name}: from {} to {}", r.first, r.last);
    let parts: Vec<String> = [occurred.map(|r| part("Occurred", r)), use_period.map(|r| part("Use", r))]
        .into_iter()
        .flatten()
        .collect();
    parts.join(". ")
}

/// The first-transfer definition for OIMP: empty when the purposes have no OIMP; the
/// template's `Authorization`, `Issuance` or `Use or cancellation`; `NA` when the first
/// transfer is the first international transfer (no OIMP-defined event applies).
pub fn first_transfer_definition(oimp: bool, definition: Option<FirstTransferDefinition>) -> &'static str {
    match (oimp, definition) {
        (false, _) => "",
        (true, Some(FirstTransferDefinition::Authorisation)) => "Authorization",
        (true, Some(FirstTransferDefinition::Issuance)) => "Issuance",
        (true, Some(FirstTransferDefinition::UseOrCancellation)) => "Use or cancellation",
        (true, Some(FirstTransferDefinition::FirstInternationalTransfer) | None) => "NA",
    }
}

/// A comma-separated list, as the template writes authorized Parties and entities.
pub fn list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_day_month_year_and_read_back() {
        let d = Date::new(2026, 2, 10).expect("a date");
        assert_eq!(date(d), "10/02/2026");
        assert_eq!(parse_date("10/02/2026"), Some(d));
        for bad in ["2026-02-10", "1/02/2026", "10/2/2026", "31/02/2026", "10/02/2026/1", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn timeframes_read_as_the_template_writes_them() {
        let r = |first, last| Some(YearRange { first, last });
        assert_eq!(timeframe(None, None), "");
        assert_eq!(timeframe(r(2021, 2030), None), "Occurred: from 2021 to 2030");
        assert_eq!(timeframe(None, r(2026, 2030)), "Use: from 2026 to 2030");
        assert_eq!(
            timeframe(r(2021, 2030), r(2026, 2030)),
            "Occurred: from 2021 to 2030. Use: from 2026 to 2030"
        );
    }

    #[test]
    fn first_transfer_definitions_take_the_template_values() {
        use FirstTransferDefinition::*;
        assert_eq!(first_transfer_definition(false, Some(Issuance)), "");
        assert_eq!(first_transfer_definition(true, Some(Authorisation)), "Authorization");
        assert_eq!(first_transfer_definition(true, Some(Issuance)), "Issuance");
        assert_eq!(first_transfer_definition(true, Some(UseOrCancellation)), "Use or cancellation");
        assert_eq!(first_transfer_definition(true, Some(FirstInternationalTransfer)), "NA");
        assert_eq!(first_transfer_definition(true, None), "NA");
    }

    #[test]
    fn the_sheet_names_fit_a_workbook_and_template_columns_come_first() {
        for title in [TITLE_1, TITLE_2, TITLE_3, TITLE_4, TITLE_5] {
            assert!(title.len() <= 31 && !title.contains(['[', ']', ':', '*', '?', '/', '\\']), "{title}");
        }
        assert_eq!(T3[26], "Additional explanatory information", "our own columns follow the template's");
        assert_eq!(column_kind("Action date"), ColumnKind::Date);
        assert_eq!(column_kind("Quantity (t CO2 eq)"), ColumnKind::Whole);
        assert_eq!(column_kind("Vintage"), ColumnKind::Text);
    }
}
