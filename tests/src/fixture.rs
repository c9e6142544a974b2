//! Fixtures for tests: the scenario runner's fixture loading ([`jcm_scenario::fixture`],
//! re-exported so that test code finds every fixture helper in one place), F0's
//! validators, and commit certificates signed with their development keys.

use jcm_runtime::crypto::SecretKey;
use jcm_runtime::protocol::{CommitCertificate, CommitSignature, Header, Signature, ValidatorKey, VoteKind};

pub use jcm_scenario::fixture::{Fixture, FixtureError, Patch, F0_JSON};

/// F0's validators: their keys are [`SecretKey::dev`] of these names.
pub const F0_VALIDATORS: [&str; 2] = ["validator-ind", "validator-jpn"];

/// A round-0 commit certificate of `header`, with the precommits of the validators
/// `names` signed by their development keys ([`SecretKey::dev`]).
pub fn dev_certificate(header: &Header, names: &[&str]) -> CommitCertificate {
    let mut certificate = CommitCertificate {
        height: header.height,
        round: 0,
        value: header.value_id(),
        signatures: Vec::new(),
    };
    for name in names {
        let key = ed25519_dalek::SigningKey::from_bytes(&SecretKey::dev(name).seed());
        let validator = ValidatorKey(key.verifying_key().to_bytes());
        let vote = certificate.precommit_of(&header.chain_id, validator);
        assert_eq!(vote.kind, VoteKind::Precommit);
        let signature = ed25519_dalek::Signer::sign(&key, &vote.sign_bytes()).to_bytes();
        certificate.signatures.push(CommitSignature { validator, signature: Signature(signature) });
    }
    certificate
}
