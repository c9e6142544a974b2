//! Runtime benchmarks (`cargo bench -p jcm-tests --bench runtime`):
//!
//! - `apply/transfer_100k_blocks`: the rules and state writes of one internal transfer
//!   on a warm in-memory state of 100,000 unit blocks (signature checked beforehand);
//! - `block/1000_mixed`: a block of 1,000 mixed transactions (transfers, NDC uses,
//!   external proposals and acceptances, cancellations), signatures verified and applied;
//! - `ed25519/single` vs `ed25519/batch`: verifying 256 transaction signatures.
#![allow(clippy::disallowed_methods)] // benchmarks measure time

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use jcm_runtime::codec;
use jcm_runtime::crypto::{SecretKey, TAG_TX};
use jcm_runtime::ids::{AccountId, CaId, Party, ProjectId, RegistryId};
use jcm_runtime::protocol::{Payload, Transaction};
use jcm_runtime::state::{keys, MemStore, StateExt};
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::{self, BlockContext};
use jcm_runtime::units::{UnitAttrs, UnitBlock};
use jcm_tests::builders;
use jcm_tests::fixture::Fixture;

const BLOCKS: u64 = 100_000;
const UNITS_PER_BLOCK: u64 = 10;

fn id<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().expect("valid id")
}

/// F0 with 100,000 blocks of 10 unauthorized units alternating between India's
/// government and entity accounts (so no two neighbours merge).
fn warm_state(fixture: &Fixture) -> MemStore {
    let mut state = fixture.state();
    let (ca, ftp): (CaId, Party) = (id("CA0001"), id("IND"));
    for i in 0..BLOCKS {
        let account: AccountId = id(if i % 2 == 0 { "IND01-H-GOV" } else { "IND01-H-EIN1" });
        let attrs = UnitAttrs {
            origin: id::<RegistryId>("IND01"),
            vintage: 2025,
            project: id::<ProjectId>("INJ-001"),
            account,
            authorization: None,
            first_transferred: false,
            use_year: None,
            hold: false,
            reserved_by: None,
        };
        let first = i * UNITS_PER_BLOCK + 1;
        state.put_block(&UnitBlock {
            ca: ca.clone(),
            ftp: ftp.clone(),
            first,
            last: first + UNITS_PER_BLOCK - 1,
            attrs,
        });
    }
    state.write(keys::next_serial(&ca, &ftp), &(BLOCKS * UNITS_PER_BLOCK + 1));
    assert!(jcm_runtime::invariants::check(&state).is_empty(), "the warm state is sound");
    state
}

fn bench_apply(c: &mut Criterion) {
    let fixture = Fixture::f0();
    let mut state = warm_state(&fixture);
    let chain = fixture.genesis.chain_id.to_string();
    let gov = fixture.key("NDAIAPA").expect("F0 officer").clone();
    let entity = fixture.key("E-IN-1").expect("F0 officer").clone();
    let mut next = 0u64;
    let mut height = 1u64;
    c.bench_function("apply/transfer_100k_blocks", |b| {
        b.iter_custom(|iters| {
            // Sign outside the timed loop: this measures rules and state writes only.
            // Pass k moves the low half of every other block out of IND01-H-GOV; the next
            // pass moves it back, so the state oscillates around 100,000 blocks.
            let mut nonces = (state.nonce(&gov.public()), state.nonce(&entity.public()));
            let txs: Vec<Transaction> = (0..iters)
                .map(|_| {
                    let half = BLOCKS / 2;
                    let (block, forward) = ((next % half) * 2, (next / half) % 2 == 0);
                    next += 1;
                    let first = block * UNITS_PER_BLOCK + 1;
                    let units = builders::range("IND01", first, first + 4, 2025);
                    let (from, to, key, nonce) = if forward {
                        ("IND01-H-GOV", "IND01-H-EIN1", &gov, &mut nonces.0)
                    } else {
                        ("IND01-H-EIN1", "IND01-H-GOV", &entity, &mut nonces.1)
                    };
                    *nonce += 1;
                    Transaction::sign(
                        &chain,
                        key,
                        *nonce - 1,
                        builders::movement("transfer_internal", from, to, units),
                    )
                })
                .collect();
            let start = Instant::now();
            for t in &txs {
                height += 1;
                let ctx = BlockContext { height, time: Timestamp::parse("2026-06-01").expect("date") };
                let verdict = tx::apply_verified(&mut state, &ctx, t);
                assert!(verdict.is_accepted(), "{verdict}");
            }
            start.elapsed()
        })
    });
}

/// 1,000 signed transactions of mixed kinds over F0 after a 50,000-unit issuance to Japan.
fn mixed_block(fixture: &Fixture) -> (MemStore, Vec<Transaction>) {
    let mut state = fixture.state();
    let chain = fixture.genesis.chain_id.to_string();
    let admin = fixture.key("IND01-ADMIN").expect("officer");
    let issue = builders::issue(
        fixture,
        "N-BENCH",
        2025,
        vec![builders::line("JPN01-H-GOV", 50_000, Some("AUTH-IND-001"))],
    );
    let ctx = BlockContext { height: 1, time: Timestamp::parse("2026-02-10").expect("date") };
    assert!(tx::apply(&mut state, &ctx, &Transaction::sign(&chain, admin, 0, issue)).is_accepted());
    let moej = fixture.key("MOEJ").expect("officer");
    let ind_admin = fixture.key("IND01-ADMIN").expect("officer");
    let (mut moej_nonce, mut admin_nonce) = (0u64, 1u64);
    let mut txs = Vec::with_capacity(1000);
    let mut proposals = Vec::new();
    for i in 0..900u64 {
        let first = i * 10 + 1;
        let units = builders::range("JPN01", first, first + 9, 2025);
        let payload = match i % 9 {
            0..=3 => builders::movement("transfer_internal", "JPN01-H-GOV", "JPN01-H-EJP1", units),
            4 | 5 => builders::movement("use_ndc", "JPN01-H-GOV", "JPN01-USE-NDC", units),
            6 | 7 => builders::movement("transfer_external", "JPN01-H-GOV", "IND01-H-GOV", units),
            _ => builders::movement("cancel_voluntary", "JPN01-H-GOV", "JPN01-CXL-VOL", units),
        };
        let t = Transaction::sign(&chain, moej, moej_nonce, payload);
        moej_nonce += 1;
        if matches!(i % 9, 6 | 7) {
            proposals.push(t.hash());
        }
        txs.push(t);
    }
    for transfer in proposals.into_iter().take(100) {
        txs.push(Transaction::sign(&chain, ind_admin, admin_nonce, Payload::AcceptTransfer { transfer }));
        admin_nonce += 1;
    }
    (state, txs)
}

fn bench_block(c: &mut Criterion) {
    let fixture = Fixture::f0();
    let (state, txs) = mixed_block(&fixture);
    let mut group = c.benchmark_group("block");
    group.throughput(Throughput::Elements(txs.len() as u64));
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("1000_mixed", |b| {
        b.iter_batched(
            || state.clone(),
            |mut state| {
                let ctx = BlockContext { height: 2, time: Timestamp::parse("2026-03-01").expect("date") };
                tx::begin_block(&mut state, &ctx);
                for t in &txs {
                    let verdict = tx::apply(&mut state, &ctx, t);
                    assert!(verdict.is_accepted(), "{verdict}");
                }
                state
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn bench_signatures(c: &mut Criterion) {
    let key = SecretKey::dev("bench");
    let messages: Vec<Vec<u8>> = (0..256u32)
        .map(|i| jcm_runtime::crypto::signing_bytes(TAG_TX, "jcm-bench", &codec::encode(&i)))
        .collect();
    let signing = ed25519_dalek::SigningKey::from_bytes(&key.seed());
    let verifying = signing.verifying_key();
    let signatures: Vec<ed25519_dalek::Signature> =
        messages.iter().map(|m| ed25519_dalek::Signer::sign(&signing, m)).collect();
    let mut group = c.benchmark_group("ed25519");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("single", |b| {
        b.iter(|| {
            for (m, s) in messages.iter().zip(&signatures) {
                assert!(verifying.verify_strict(m, s).is_ok());
            }
        })
    });
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let keys = vec![verifying; messages.len()];
    group.bench_function("batch", |b| {
        b.iter(|| assert!(ed25519_dalek::verify_batch(&refs, &signatures, &keys).is_ok()))
    });
    group.finish();
}

criterion_group!(benches, bench_apply, bench_block, bench_signatures);
criterion_main!(benches);
