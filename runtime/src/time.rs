//! Block time and calendar dates, without a clock: time arrives as an input (the block
//! time in the execution context) and is converted here with pure integer arithmetic.

use std::fmt;

/// Seconds since 1970-01-01T00:00:00Z (UTC). The block time and every action date.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, borsh::BorshSerialize, borsh::BorshDeserialize,
)]
pub struct Timestamp(pub u64);

/// A calendar date (proleptic Gregorian, UTC).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct Date {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of the month, 1..=31.
    pub day: u32,
}

/// The first instant Article 6.2 actions may be dated at (R5): 2021-01-01T00:00:00Z.
pub const ARTICLE6_EPOCH: Timestamp = Timestamp(1_609_459_200);

const SECS_PER_DAY: u64 = 86_400;

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date { year, month, day }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    /// A validated date.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid = (1970..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Self { year, month, day })
    }

    /// Midnight UTC at the start of this date.
    pub fn start(self) -> Timestamp {
        let days = days_from_civil(self.year, self.month, self.day);
        Timestamp(u64::try_from(days).expect("dates are validated from 1970") * SECS_PER_DAY)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Timestamp {
    /// The UTC calendar date of this instant.
    pub fn date(self) -> Date {
        civil_from_days(i64::try_from(self.0 / SECS_PER_DAY).expect("u64 days fit i64"))
    }

    /// The calendar year of this instant (the reporting year of an action dated now).
    pub fn year(self) -> u16 {
        u16::try_from(self.date().year).expect("years stay below 65536")
    }

    /// Midnight UTC on 1 January of `year`.
    pub fn start_of_year(year: u16) -> Timestamp {
        Date { year: i32::from(year), month: 1, day: 1 }.start()
    }

    /// Parses `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a UTC date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
        let (date, time) = match text.split_once('T') {
            Some((d, t)) => (d, Some(t.strip_suffix('Z').ok_or_else(bad)?)),
            None => (text, None),
        };
        let parts: Vec<&str> = date.split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
        let date = Date::new(num(y)? as i32, num(m)?, num(d)?).ok_or_else(bad)?;
        let mut secs = date.start().0;
        if let Some(time) = time {
            let parts: Vec<&str> = time.split(':').collect();
            let [h, mi, s] = parts.as_slice() else {
                return Err(bad());
            };
            let (h, mi, s) = (num(h)?, num(mi)?, num(s)?);
            if h > 23 || mi > 59 || s > 59 {
                return Err(bad());
            }
            secs += u64::from(h * 3600 + mi * 60 + s);
        }
        Ok(Timestamp(secs))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 % SECS_PER_DAY;
        write!(f, "{}T{:02}:{:02}:{:02}Z", self.date(), secs / 3600, secs / 60 % 60, secs % 60)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_convert_both_ways() {
        assert_eq!(Timestamp::parse("2021-01-01"), Ok(ARTICLE6_EPOCH));
        let t = Timestamp::parse("2027-03-01T00:00:00Z").expect("valid");
        assert_eq!(t.0, 1_803_859_200);
        assert_eq!(t.to_string(), "2027-03-01T00:00:00Z");
        assert_eq!(Timestamp::parse("2024-02-29T23:59:59Z").map(|t| t.year()), Ok(2024));
        assert_eq!(Timestamp::start_of_year(2026), Timestamp::parse("2026-01-01").expect("ok"));
    }

    #[test]
    fn every_day_round_trips() {
        for days in 0..(200 * 366) {
            let date = civil_from_days(days);
            assert_eq!(days_from_civil(date.year, date.month, date.day), days);
        }
    }

    #[test]
    fn malformed_dates_are_refused() {
        for bad in
            ["2026-02-30", "2026-13-01", "26-01-01", "2026-01-01T25:00:00Z", "2026-01-01T00:00:00", "x"]
        {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
