//! Every path that checks a transaction's signature accepts exactly the same signatures
//! (issue 6): the runtime's rule (`Transaction::signature_valid`), block execution
//! (`chain::execute`, which every validator, syncing node and `jcm audit` runs), and the
//! node's mempool admission. The vectors include the malformed signatures on which
//! ed25519 implementations and verification modes are known to disagree: a small-order
//! key with a small-order `R`, and a non-canonical `s`.
//!
//! The rule is `verify_strict` (cofactorless, canonical `s`, no small-order key or `R`).
//! The last test shows why batch verification is not used on any path: the batch
//! equation accepts the small-order vector that every single-signature path refuses, so
//! a node that batched would accept a transaction the others reject.

use jcm_node::home::config::MempoolConfig;
use jcm_node::mempool::{Mempool, Refusal};
use jcm_runtime::chain;
use jcm_runtime::codec;
use jcm_runtime::crypto::{signing_bytes, PublicKey, Signature, TAG_TX};
use jcm_runtime::error::Code;
use jcm_runtime::protocol::{Payload, Transaction, TxBody};
use jcm_runtime::state::{apply_writes, MemStore};
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::BlockContext;
use jcm_tests::builders;
use jcm_tests::fixture::Fixture;

/// The group order ℓ, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];
/// The encoding of the identity point (y = 1): a point of order 1, hence small order.
const IDENTITY: [u8; 32] = {
    let mut bytes = [0u8; 32];
    bytes[0] = 1;
    bytes
};

fn add_le(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    out
}

struct Vector {
    name: &'static str,
    tx: Transaction,
}

fn ctx() -> BlockContext {
    BlockContext { height: 1, time: Timestamp::parse("2026-03-01").expect("date") }
}

fn vectors(fixture: &Fixture) -> Vec<Vector> {
    let chain = fixture.genesis.chain_id.to_string();
    let key = fixture.key("MOEJ").expect("F0 officer");
    let payload =
        || builders::movement("transfer_internal", "JPN01-H-GOV", "JPN01-H-EJP1", builders::quantity(1));
    let valid = Transaction::sign(&chain, key, 0, payload());
    // s + ℓ: the same point equation, but a non-canonical scalar (signature malleability).
    let mut malleated = valid.clone();
    let s: [u8; 32] = valid.signature.0[32..].try_into().expect("32 bytes");
    malleated.signature.0[32..].copy_from_slice(&add_le(&s, &ELL));
    // Signer = the identity point, R = identity, s = 0: [s]B - [k]A = identity = R for
    // every message, so the lenient cofactorless check accepts it; strict refuses the
    // small-order key and R.
    let body = TxBody {
        chain_id: valid.body.chain_id.clone(),
        signer: PublicKey(IDENTITY),
        nonce: 0,
        payload: Payload::Reverse { transaction: valid.hash(), reason: Default::default() },
    };
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&IDENTITY);
    let small_order = Transaction { body, signature: Signature(signature) };
    let mut wrong_chain = Transaction::sign("jcm-other", key, 0, payload());
    wrong_chain.body.chain_id = valid.body.chain_id.clone();
    vec![
        Vector { name: "valid", tx: valid },
        Vector { name: "non-canonical s (s + l)", tx: malleated },
        Vector { name: "small-order key and R", tx: small_order },
        Vector { name: "signed for another chain", tx: wrong_chain },
    ]
}

/// What the signature check of each path says: `true` if the signature passes.
fn by_block_execution(fixture: &Fixture, tx: &Transaction) -> bool {
    let (genesis, executed) = chain::genesis_block(&fixture.genesis).expect("F0 starts a chain");
    let (mut state, mut tree) = (MemStore::new(), MemStore::new());
    apply_writes(&mut state, executed.state_writes);
    apply_writes(&mut tree, executed.tree_writes);
    let run = chain::execute(&state, &tree, genesis.header.state_root, &ctx(), std::slice::from_ref(tx));
    !run.results[0].verdict.codes().contains(&Code::BadSignature)
}

fn by_mempool(fixture: &Fixture, tx: &Transaction) -> bool {
    let mut pool = Mempool::new(&MempoolConfig::default());
    match pool.admit(&fixture.state(), &ctx(), tx.clone()) {
        Err(Refusal::Rejected(verdict)) => !verdict.codes().contains(&Code::BadSignature),
        _ => true,
    }
}

/// The rule as it was written before issue 6: `verify_strict` and then `verify`.
fn strict_and_lenient(tx: &Transaction) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&tx.body.signer.0) else {
        return false;
    };
    let message = signing_bytes(TAG_TX, tx.body.chain_id.as_str(), &codec::encode(&tx.body));
    let signature = ed25519_dalek::Signature::from_bytes(&tx.signature.0);
    key.verify_strict(&message, &signature).is_ok()
        && ed25519_dalek::Verifier::verify(&key, &message, &signature).is_ok()
}

#[test]
fn every_path_accepts_the_same_signatures() {
    let fixture = Fixture::f0();
    for Vector { name, tx } in vectors(&fixture) {
        let rule = tx.signature_valid();
        assert_eq!(rule, name == "valid", "{name}: the rule");
        assert_eq!(by_block_execution(&fixture, &tx), rule, "{name}: block execution");
        assert_eq!(by_mempool(&fixture, &tx), rule, "{name}: mempool admission");
        // One strict verification decides exactly as strict-then-lenient did.
        assert_eq!(strict_and_lenient(&tx), rule, "{name}: the former double check");
    }
}

#[test]
fn batch_verification_would_accept_what_every_path_refuses() {
    let fixture = Fixture::f0();
    let vectors = vectors(&fixture);
    let small = &vectors.iter().find(|v| v.name == "small-order key and R").expect("vector").tx;
    assert!(!small.signature_valid());
    let key = ed25519_dalek::VerifyingKey::from_bytes(&small.body.signer.0).expect("a curve point");
    let message = signing_bytes(TAG_TX, small.body.chain_id.as_str(), &codec::encode(&small.body));
    let signature = ed25519_dalek::Signature::from_bytes(&small.signature.0);
    assert!(
        ed25519_dalek::verify_batch(&[&message[..]], &[signature], &[key]).is_ok(),
        "the batch equation has no small-order check: batching needs its own rule (issue 6)"
    );
}

/// A block large enough for its signatures to be checked on several threads, with the
/// malformed vectors scattered among valid transactions.
fn mixed_block(fixture: &Fixture) -> Vec<Transaction> {
    let chain = fixture.genesis.chain_id.to_string();
    let key = fixture.key("MOEJ").expect("F0 officer");
    let bad: Vec<Transaction> = vectors(fixture).into_iter().skip(1).map(|v| v.tx).collect();
    let mut txs = Vec::new();
    for nonce in 0..150u64 {
        let payload =
            builders::movement("transfer_internal", "JPN01-H-GOV", "JPN01-H-EJP1", builders::quantity(1));
        txs.push(Transaction::sign(&chain, key, nonce, payload));
        if nonce % 7 == 3 {
            txs.push(bad[usize::try_from(nonce).expect("small") % bad.len()].clone());
        }
    }
    txs
}

#[test]
fn block_execution_gives_each_transaction_the_verdict_of_the_rule_applied_in_order() {
    let fixture = Fixture::f0();
    let (genesis, executed) = chain::genesis_block(&fixture.genesis).expect("F0 starts a chain");
    let (mut state, mut tree) = (MemStore::new(), MemStore::new());
    apply_writes(&mut state, executed.state_writes);
    apply_writes(&mut tree, executed.tree_writes);
    let txs = mixed_block(&fixture);
    assert!(txs.len() >= 64, "large enough for the threaded check: {}", txs.len());
    let run = chain::execute(&state, &tree, genesis.header.state_root, &ctx(), &txs);

    // The reference: the rule (`tx::apply`, signature then rules) one transaction at a
    // time, in block order.
    let mut reference = jcm_runtime::state::Overlay::new(&state);
    jcm_runtime::tx::begin_block(&mut reference, &ctx());
    for (tx, result) in txs.iter().zip(&run.results) {
        assert_eq!(result.tx, tx.hash());
        assert_eq!(
            result.verdict,
            jcm_runtime::tx::apply(&mut reference, &ctx(), tx),
            "transaction {}",
            tx.hash()
        );
    }
    assert_eq!(run.state_writes, reference.into_writes());
    let refused = run.results.iter().filter(|r| r.verdict.codes().contains(&Code::BadSignature)).count();
    assert_eq!(refused, txs.len() - 150, "every malformed signature is refused, no valid one");

    // A caller that already checked the valid signatures (a mempool) skips them, with the
    // same results; it is never asked about the others.
    let valid: std::collections::HashSet<_> =
        txs.iter().filter(|tx| tx.signature_valid()).map(Transaction::hash).collect();
    let known =
        chain::execute_with(&state, &tree, genesis.header.state_root, &ctx(), &txs, &|id| valid.contains(id));
    assert_eq!(known, run);
}
