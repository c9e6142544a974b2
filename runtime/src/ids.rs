//! Identifiers of the Article 6.2 domain (ARTICLE6.md §1.2, §8.0): Parties, registries,
//! cooperative approaches, projects, entities, accounts, authorizations, notifications.
//!
//! Every identifier is validated when it is parsed from text (JSON, TOML, CLI) and when
//! it is decoded from the canonical encoding, so a malformed identifier never reaches the
//! rules engine: it is an invalid message (R2, `A6-1002`).

use std::fmt;
use std::str::FromStr;

use crate::limits::ID_LEN_MAX;

/// Why a text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a valid {kind}: {expected}")]
pub struct IdError {
    /// The kind of identifier that was expected.
    pub kind: &'static str,
    /// What the text must look like.
    pub expected: &'static str,
    /// The rejected text (truncated).
    pub text: String,
}

impl IdError {
    fn new(kind: &'static str, expected: &'static str, text: &str) -> Self {
        let text = text.chars().take(80).collect();
        Self { kind, expected, text }
    }
}

/// Declares a string-backed identifier with a validating constructor, `Display`,
/// `FromStr`, serde (as a string) and borsh (length-prefixed UTF-8, validated on decode).
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $expected:literal, $valid:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Parses and validates `text`.
            pub fn new(text: &str) -> Result<Self, IdError> {
                let valid: fn(&str) -> bool = $valid;
                if text.len() <= ID_LEN_MAX && valid(text) {
                    Ok(Self(text.to_owned()))
                } else {
                    Err(IdError::new($kind, $expected, text))
                }
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::new(text)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                Self::new(&text).map_err(serde::de::Error::custom)
            }
        }

        impl borsh::BorshSerialize for $name {
            fn serialize<W: std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
                borsh::BorshSerialize::serialize(&self.0, w)
            }
        }

        impl borsh::BorshDeserialize for $name {
            fn deserialize_reader<R: std::io::Read>(r: &mut R) -> std::io::Result<Self> {
                let text = crate::codec::read_bounded_string(r, ID_LEN_MAX)?;
                Self::new(&text)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            }
        }
    };
}

fn upper(text: &str, n: usize) -> bool {
    text.len() == n && text.bytes().all(|b| b.is_ascii_uppercase())
}

fn digits(text: &str, n: usize) -> bool {
    text.len() == n && text.bytes().all(|b| b.is_ascii_digit())
}

/// Letters, digits and hyphens, starting with a letter or digit: the shape of the
/// registry-assigned names (accounts, projects, entities, notifications, committees).
fn code_like(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

string_id!(
    /// A Party to the Paris Agreement, by its ISO 3166-1 alpha-3 code (`IND`, `JPN`).
    Party, "Party code", "three capital letters (ISO 3166-1 alpha-3), e.g. IND",
    |t| upper(t, 3)
);

string_id!(
    /// A Party ITMO registry: the Party's alpha-3 code and two digits (`JPN01`).
    RegistryId, "registry id", "a Party code and two digits, e.g. JPN01",
    |t| t.len() == 5 && upper(&t[..3], 3) && digits(&t[3..], 2)
);

string_id!(
    /// A cooperative approach as CARP numbers it: `CA` and four digits (`CA0001`).
    CaId, "cooperative approach id", "CA and four digits, e.g. CA0001",
    |t| t.len() == 6 && t.starts_with("CA") && digits(&t[2..], 4)
);

string_id!(
    /// A JCM project (`INJ-001`).
    ProjectId, "project id", "letters, digits and hyphens, e.g. INJ-001", code_like
);

string_id!(
    /// An entity (project participant, company) known to the registries (`E-JP-1`).
    EntityId, "entity id", "letters, digits and hyphens, e.g. E-JP-1", code_like
);

string_id!(
    /// An account in a registry (`JPN01-H-GOV`).
    AccountId, "account id", "letters, digits and hyphens, e.g. JPN01-H-GOV", code_like
);

string_id!(
    /// A Joint Committee (`JC-INJP`).
    JcId, "Joint Committee id", "letters, digits and hyphens, e.g. JC-INJP", code_like
);

string_id!(
    /// A JC issuance notification (`N-001`).
    NotificationId, "notification id", "letters, digits and hyphens, e.g. N-001", code_like
);

string_id!(
    /// An authorization (AEF Table 2: alphanumerics, space and hyphen; `AUTH-IND-001`).
    AuthId, "authorization id", "letters, digits, spaces and hyphens, e.g. AUTH-IND-001",
    |t| !t.trim().is_empty()
        && t.trim() == t
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-')
);

string_id!(
    /// The name of an officer (a key holder) in the genesis, e.g. `NDAIAPA`.
    OfficerName, "officer name", "letters, digits and hyphens, e.g. NDAIAPA", code_like
);

impl RegistryId {
    /// The Party that runs this registry: the first three letters of its id.
    pub fn party(&self) -> Party {
        Party(self.0[..3].to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_accept_the_documented_shapes() {
        assert!(Party::new("IND").is_ok());
        assert!(RegistryId::new("JPN01").is_ok());
        assert!(CaId::new("CA0001").is_ok());
        assert!(AuthId::new("AUTH-IND-001").is_ok());
        assert!(AccountId::new("JPN01-H-GOV").is_ok());
        assert_eq!(RegistryId::new("IND01").map(|r| r.party()), Party::new("IND"));
    }

    #[test]
    fn identifiers_reject_malformed_text() {
        for bad in ["in", "INDI", "ind", "IN1", ""] {
            assert!(Party::new(bad).is_err(), "{bad}");
        }
        for bad in ["JPN1", "JPN001", "jpn01", "JP012"] {
            assert!(RegistryId::new(bad).is_err(), "{bad}");
        }
        for bad in ["CA001", "CB0001", "CA00011", "ca0001"] {
            assert!(CaId::new(bad).is_err(), "{bad}");
        }
        assert!(AccountId::new("-X").is_err());
        assert!(AccountId::new("A B").is_err());
        assert!(AuthId::new(" AUTH").is_err());
        assert!(AccountId::new(&"A".repeat(ID_LEN_MAX + 1)).is_err());
    }

    #[test]
    fn decoding_validates_identifiers() {
        let bytes = borsh::to_vec(&"ind".to_string()).expect("encode");
        assert!(borsh::from_slice::<Party>(&bytes).is_err());
        let bytes = borsh::to_vec(&"IND".to_string()).expect("encode");
        assert_eq!(borsh::from_slice::<Party>(&bytes).ok(), Party::new("IND").ok());
    }
}
