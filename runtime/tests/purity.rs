//! The runtime is pure and deterministic (DESIGN.md): no async runtime, network,
//! database, clock or randomness crate may become one of its dependencies. This test
//! reads the manifest and fails on any dependency outside the reviewed list.

const ALLOWED: &[&str] = &[
    "borsh",
    "serde",
    "serde_json",
    "sha2",
    "ed25519-dalek",
    "thiserror",
    "hex",
    "argon2",
    "chacha20poly1305",
    "zeroize",
];
/// Crates whose default features would pull in OS randomness: the runtime takes them
/// without defaults, and callers pass salts and nonces in.
const NO_DEFAULT_FEATURES: &[&str] = &["argon2", "chacha20poly1305", "zeroize"];
const FORBIDDEN_KEYFILE_FEATURES: &[&str] = &["getrandom", "rand_core", "std", "parallel"];
const FORBIDDEN_FEATURES: &[&str] = &["rand_core", "batch", "std-rng"];

fn section<'a>(manifest: &'a str, name: &str) -> Vec<&'a str> {
    let header = format!("[{name}]");
    manifest
        .lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect()
}

#[test]
fn runtime_dependencies_are_only_the_reviewed_pure_crates() {
    let manifest = include_str!("../Cargo.toml");
    let deps = section(manifest, "dependencies");
    assert!(!deps.is_empty(), "the manifest parser found no dependencies");
    for line in deps {
        let name = line.split(['=', '.']).next().unwrap_or_default().trim();
        assert!(ALLOWED.contains(&name), "jcm-runtime must stay pure: `{name}` is not a reviewed dependency");
    }
}

#[test]
fn the_signature_crate_is_used_without_randomness() {
    let workspace = include_str!("../../Cargo.toml");
    let line =
        workspace.lines().find(|l| l.starts_with("ed25519-dalek")).expect("workspace declares ed25519-dalek");
    for feature in FORBIDDEN_FEATURES {
        assert!(!line.contains(feature), "the runtime's ed25519-dalek must not enable `{feature}`");
    }
}

#[test]
fn the_key_file_crates_are_used_without_randomness() {
    let workspace = include_str!("../../Cargo.toml");
    for name in NO_DEFAULT_FEATURES {
        let line = workspace
            .lines()
            .find(|l| l.starts_with(&format!("{name} =")))
            .unwrap_or_else(|| panic!("workspace declares {name}"));
        assert!(
            line.contains("default-features = false"),
            "the runtime's {name} must not take default features"
        );
        for feature in FORBIDDEN_KEYFILE_FEATURES {
            assert!(
                !line.contains(&format!("\"{feature}\"")),
                "the runtime's {name} must not enable `{feature}`"
            );
        }
    }
}
