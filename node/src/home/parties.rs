//! Names of Japan and the JCM partner countries by ISO 3166-1 alpha-3 code, for the
//! genesis that `jcm-node testnet` writes. A code not listed here is still accepted; its
//! Party is then named by its code.

/// Japan, the Party every JCM cooperative approach shares.
pub const JAPAN: &str = "JPN";

const NAMES: &[(&str, &str)] = &[
    ("ARE", "United Arab Emirates"),
    ("AZE", "Azerbaijan"),
    ("BGD", "Bangladesh"),
    ("CHL", "Chile"),
    ("CRI", "Costa Rica"),
    ("ETH", "Ethiopia"),
    ("GEO", "Georgia"),
    ("IDN", "Indonesia"),
    ("IND", "India"),
    ("JPN", "Japan"),
    ("KAZ", "Kazakhstan"),
    ("KEN", "Kenya"),
    ("KGZ", "Kyrgyzstan"),
    ("KHM", "Cambodia"),
    ("LAO", "Lao People's Democratic Republic"),
    ("LKA", "Sri Lanka"),
    ("MDA", "Republic of Moldova"),
    ("MDV", "Maldives"),
    ("MEX", "Mexico"),
    ("MMR", "Myanmar"),
    ("MNG", "Mongolia"),
    ("MYS", "Malaysia"),
    ("PHL", "Philippines"),
    ("PLW", "Palau"),
    ("PNG", "Papua New Guinea"),
    ("SAU", "Saudi Arabia"),
    ("SEN", "Senegal"),
    ("THA", "Thailand"),
    ("TUN", "Tunisia"),
    ("UKR", "Ukraine"),
    ("UZB", "Uzbekistan"),
    ("VNM", "Viet Nam"),
];

/// The name of the Party with `code`, or the code itself when it is not listed.
pub fn name(code: &str) -> &str {
    NAMES.binary_search_by(|(c, _)| c.cmp(&code)).map(|i| NAMES[i].1).unwrap_or(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_for_binary_search() {
        assert!(NAMES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(name("VNM"), "Viet Nam");
        assert_eq!(name("ZZZ"), "ZZZ");
    }
}
