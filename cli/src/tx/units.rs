//! The units a movement names: a serial range (`--first`, `--last`; the quantity is
//! counted from the serials) or a quantity the registry selects from the account
//! (`--quantity`, optionally of one vintage or authorization), as [`UnitsSpec`].

use anyhow::bail;
use clap::Args;
use jcm_runtime::ids::{AuthId, CaId};
use jcm_runtime::model::Text;
use jcm_runtime::protocol::UnitsSpec;
use jcm_runtime::units::UnitId;

/// Which units.
#[derive(Clone, Debug, Default, Args)]
#[group(skip)]
#[command(next_help_heading = "Units (a serial range, or a quantity)")]
pub struct UnitsArgs {
    /// First unit of a serial range, e.g. CA0001-JPN01-IND-1-2025.
    #[arg(long, value_name = "UNIT", requires = "last")]
    pub first: Option<String>,
    /// Last unit of the range, e.g. CA0001-JPN01-IND-500-2025.
    #[arg(long, value_name = "UNIT", requires = "first")]
    pub last: Option<String>,
    /// Number of units: without a range, the registry selects them from the account
    /// (R13); with one, it must equal the range's size (R4) [default: the range's size].
    #[arg(long, short = 'q', value_name = "N")]
    pub quantity: Option<u64>,
    /// For a quantity: only units of this vintage.
    #[arg(long, value_name = "YEAR")]
    pub vintage: Option<u16>,
    /// For a quantity: only units under this authorization.
    #[arg(long, value_name = "AUTH")]
    pub under_authorization: Option<AuthId>,
    /// For a non-GHG cooperative approach: the quantity in its metric (R4).
    #[arg(long, value_name = "N")]
    pub metric_quantity: Option<u64>,
    /// For a non-GHG cooperative approach: t CO2 eq per metric unit, in millionths (R4).
    #[arg(long, value_name = "PPM")]
    pub conversion_factor_ppm: Option<u64>,
}

impl UnitsArgs {
    /// The request's units.
    pub fn spec(&self) -> anyhow::Result<UnitsSpec> {
        let quantity = match (&self.first, &self.last, self.quantity) {
            (Some(first), Some(last), given) => match (UnitId::parse(first), UnitId::parse(last)) {
                (Ok(a), Ok(b)) if b.serial >= a.serial => given.unwrap_or(b.serial - a.serial + 1),
                (Ok(_), Ok(_)) => bail!("--last {last} comes before --first {first}"),
                // An identifier the CLI cannot read goes to the rules as given (R3 names it);
                // only its size cannot be counted here.
                _ => match given {
                    Some(q) => q,
                    None => bail!("cannot count the units of {first}..{last}: give --quantity N"),
                },
            },
            (None, None, Some(q)) => q,
            _ => bail!("name the units: --first UNIT --last UNIT, or --quantity N"),
        };
        let text = |t: &str| Text::new(t).map_err(anyhow::Error::msg);
        Ok(UnitsSpec {
            first: self.first.as_deref().map(text).transpose()?,
            last: self.last.as_deref().map(text).transpose()?,
            quantity,
            vintage: self.vintage,
            authorization: self.under_authorization.clone(),
            metric_quantity: self.metric_quantity,
            conversion_factor_ppm: self.conversion_factor_ppm,
        })
    }

    /// The cooperative approach: `--ca`, else the one in the range's unit identifiers.
    pub fn ca(&self, ca: &Option<CaId>) -> anyhow::Result<CaId> {
        if let Some(ca) = ca {
            return Ok(ca.clone());
        }
        if let Some(id) = self.first.as_deref().and_then(|f| UnitId::parse(f).ok()) {
            return Ok(id.ca);
        }
        bail!("which cooperative approach? give --ca CANNNN (or a unit range, which names it)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(first: &str, last: &str) -> UnitsArgs {
        UnitsArgs { first: Some(first.into()), last: Some(last.into()), ..UnitsArgs::default() }
    }

    #[test]
    fn a_range_counts_its_units_and_names_its_approach() {
        let args = range("CA0001-JPN01-IND-1-2025", "CA0001-JPN01-IND-500-2025");
        let spec = args.spec().expect("a range");
        assert_eq!(spec.quantity, 500);
        assert_eq!(spec.first.as_ref().map(|t| t.as_str()), Some("CA0001-JPN01-IND-1-2025"));
        assert_eq!(args.ca(&None).expect("from the range").as_str(), "CA0001");
        assert!(range("CA0001-JPN01-IND-9-2025", "CA0001-JPN01-IND-1-2025").spec().is_err());
    }

    #[test]
    fn a_quantity_needs_a_named_approach() {
        let args = UnitsArgs { quantity: Some(100), vintage: Some(2025), ..UnitsArgs::default() };
        let spec = args.spec().expect("a quantity");
        assert_eq!((spec.quantity, spec.vintage, spec.first), (100, Some(2025), None));
        assert!(args.ca(&None).is_err());
        assert!(UnitsArgs::default().spec().is_err());
    }

    #[test]
    fn an_unreadable_range_goes_to_the_rules_with_its_quantity() {
        let mut args = range("bad", "worse");
        assert!(args.spec().is_err());
        args.quantity = Some(3);
        assert_eq!(args.spec().map(|s| s.quantity).ok(), Some(3));
    }
}
