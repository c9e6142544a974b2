//! Fixtures: genesis documents for scenarios and tests, with development keys.
//!
//! A fixture is a genesis JSON file in which any public key may be written
//! `"dev:NAME"`: the loader replaces it with the public key of [`SecretKey::dev`]`(NAME)`,
//! whose private half anyone can derive. Scenario signers are named by officer name.

use std::collections::BTreeMap;
use std::path::Path;

use jcm_runtime::crypto::SecretKey;
use jcm_runtime::protocol::Genesis;
use jcm_runtime::state::MemStore;
use serde_json::Value;

/// The fixture F0 of ARTICLE6.md §8.0, as shipped in `config/fixtures/f0.json`.
pub const F0_JSON: &str = include_str!("../../config/fixtures/f0.json");

/// Fixture S3 (issue 14, item 6): Japan and five JCM partners (India, Indonesia, Viet
/// Nam, Mongolia, Thailand), one cooperative approach and Joint Committee each.
pub const S3_JSON: &str = include_str!("../../config/fixtures/s3.json");

/// Fixture S4 (issue 14, item 7): F0, plus the approach CA0101 that tracks A6.4ERs
/// received from the Article 6.4 mechanism registry, India's 6.4 activity PACM-IN-0001
/// and India's authorizations of its A6.4ERs (AUTH-IND-641 for NDC, AUTH-IND-642 for
/// NDC and CORSIA).
pub const S4_JSON: &str = include_str!("../../config/fixtures/s4.json");

/// The built-in fixtures a scenario names with `fixture = "NAME"`.
pub const BUILTIN: &[(&str, &str)] = &[("f0", F0_JSON), ("s3", S3_JSON), ("s4", S4_JSON)];

/// The JSON of the built-in fixture `name`.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, json)| *json)
}

/// Why a fixture could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The file could not be read.
    #[error("cannot read fixture {path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The JSON is malformed, or a patch does not apply.
    #[error("fixture: {0}")]
    Invalid(String),
}

/// One edit of the fixture before it is parsed: set the value at a JSON pointer.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// RFC 6901 pointer, e.g. `/cooperative_approaches/0/omge_rate_bp`. A pointer whose
    /// last segment is `-` appends to an array.
    pub pointer: String,
    /// The new value.
    pub value: Value,
}

/// A loaded fixture: the genesis and the development keys of its officers by name.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The genesis.
    pub genesis: Genesis,
    /// Development keys, by officer name.
    pub keys: BTreeMap<String, SecretKey>,
}

impl Fixture {
    /// F0.
    pub fn f0() -> Self {
        Self::from_json(F0_JSON, &[]).expect("F0 is a valid fixture")
    }

    /// The built-in fixture `name` ([`BUILTIN`]), applying `patches`.
    pub fn named(name: &str, patches: &[Patch]) -> Result<Self, FixtureError> {
        let json =
            builtin(name).ok_or_else(|| FixtureError::Invalid(format!("no built-in fixture `{name}`")))?;
        Self::from_json(json, patches)
    }

    /// Loads a fixture file, applying `patches`.
    pub fn load(path: &Path, patches: &[Patch]) -> Result<Self, FixtureError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| FixtureError::Io { path: path.display().to_string(), source })?;
        Self::from_json(&text, patches)
    }

    /// Parses fixture JSON, applying `patches`, then replacing `dev:NAME` keys.
    pub fn from_json(text: &str, patches: &[Patch]) -> Result<Self, FixtureError> {
        let mut json: Value = serde_json::from_str(text).map_err(|e| FixtureError::Invalid(e.to_string()))?;
        for patch in patches {
            apply_patch(&mut json, patch)?;
        }
        let mut keys = BTreeMap::new();
        replace_dev_keys(&mut json, &mut keys);
        let genesis =
            Genesis::from_json(&json.to_string()).map_err(|e| FixtureError::Invalid(e.to_string()))?;
        let named: BTreeMap<String, SecretKey> = genesis
            .officers
            .iter()
            .filter_map(|o| {
                let key = keys.get(&o.public_key.to_hex())?;
                Some((o.name.to_string(), key.clone()))
            })
            .collect();
        Ok(Self { genesis, keys: named })
    }

    /// The genesis state in memory.
    pub fn state(&self) -> MemStore {
        let mut store = MemStore::new();
        self.genesis.init_state(&mut store);
        store
    }

    /// The development key of officer `name`.
    pub fn key(&self, name: &str) -> Option<&SecretKey> {
        self.keys.get(name)
    }

    /// The key a scenario signs with: officer `name`'s development key, or for
    /// `dev:NAME` the development key `NAME` itself (an officer added on the chain, a
    /// rotated key, or a key that is no officer's).
    pub fn signing_key(&self, name: &str) -> Option<SecretKey> {
        match name.strip_prefix("dev:") {
            Some(dev) => Some(SecretKey::dev(dev)),
            None => self.key(name).cloned(),
        }
    }
}

/// Replaces every `"dev:NAME"` string of a payload by the public key of the development
/// key `NAME`, as in fixtures.
pub fn replace_dev_keys_in(json: &mut Value) {
    replace_dev_keys(json, &mut BTreeMap::new());
}

fn apply_patch(json: &mut Value, patch: &Patch) -> Result<(), FixtureError> {
    let bad = || FixtureError::Invalid(format!("patch pointer {} does not resolve", patch.pointer));
    let (parent, last) = patch.pointer.rsplit_once('/').ok_or_else(bad)?;
    let target = json.pointer_mut(parent).ok_or_else(bad)?;
    match target {
        Value::Array(items) if last == "-" => items.push(patch.value.clone()),
        Value::Array(items) => {
            let index: usize = last.parse().map_err(|_| bad())?;
            *items.get_mut(index).ok_or_else(bad)? = patch.value.clone();
        }
        Value::Object(map) => {
            map.insert(last.replace("~1", "/").replace("~0", "~"), patch.value.clone());
        }
        _ => return Err(bad()),
    }
    Ok(())
}

fn replace_dev_keys(json: &mut Value, keys: &mut BTreeMap<String, SecretKey>) {
    match json {
        Value::String(text) => {
            if let Some(name) = text.strip_prefix("dev:") {
                let key = SecretKey::dev(name);
                let hex = key.public().to_hex();
                keys.insert(hex.clone(), key);
                *text = hex;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace_dev_keys(v, keys)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_dev_keys(v, keys)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f0_loads_with_a_key_for_every_officer() {
        let f0 = Fixture::f0();
        assert_eq!(f0.keys.len(), f0.genesis.officers.len());
        assert!(f0.key("NDAIAPA").is_some());
        assert!(jcm_runtime::invariants::check(&f0.state()).is_empty());
    }

    #[test]
    fn every_builtin_fixture_loads_with_keys_and_holds_its_invariants() {
        for (name, _) in BUILTIN {
            let fixture = Fixture::named(name, &[]).expect("built-in fixtures are valid");
            assert_eq!(fixture.keys.len(), fixture.genesis.officers.len(), "{name}");
            assert!(jcm_runtime::invariants::check(&fixture.state()).is_empty(), "{name}");
        }
        assert!(Fixture::named("f9", &[]).is_err());
    }

    #[test]
    fn s3_has_japan_and_five_partners_each_with_an_approach_and_committee() {
        let g = Fixture::named("s3", &[]).expect("valid").genesis;
        let jpn = jcm_runtime::ids::Party::new("JPN").expect("valid");
        let partners: Vec<_> = g.parties.iter().filter(|p| p.code != jpn).collect();
        assert!(partners.len() >= 5);
        for partner in partners {
            let cas: Vec<_> = g
                .cooperative_approaches
                .iter()
                .filter(|c| c.participants.contains(&partner.code) && c.participants.contains(&jpn))
                .collect();
            assert_eq!(cas.len(), 1, "{} has one approach with Japan", partner.code);
            assert!(g.joint_committees.iter().any(|j| j.ca == cas[0].id), "{} has a committee", partner.code);
        }
    }

    #[test]
    fn patches_edit_the_fixture() {
        let patch =
            Patch { pointer: "/cooperative_approaches/0/omge_rate_bp".into(), value: Value::from(200) };
        let f1 = Fixture::from_json(F0_JSON, &[patch]).expect("patched");
        assert_eq!(f1.genesis.cooperative_approaches[0].omge_rate_bp, 200);
        let bad = Patch { pointer: "/nowhere/0".into(), value: Value::Null };
        assert!(Fixture::from_json(F0_JSON, &[bad]).is_err());
    }
}
