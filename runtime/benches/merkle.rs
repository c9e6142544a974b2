//! Cost of the authenticated state: one block of 1,000 writes applied to a tree of
//! 100,000 keys, a rebuild of the root from scratch, and proof generation and
//! verification. Run with `cargo bench -p jcm-runtime --bench merkle`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use jcm_runtime::codec::Hash32;
use jcm_runtime::merkle::{apply, prove, root_of, verify, EMPTY_ROOT};
use jcm_runtime::state::{apply_writes, MemStore, WriteSet};

const KEYS: u32 = 100_000;
const BLOCK_WRITES: u32 = 1_000;

fn key(i: u32) -> Vec<u8> {
    format!("unit/CA0001-JPN01-IND-{i:08}-2025").into_bytes()
}

fn value(i: u32, version: u32) -> Vec<u8> {
    format!("holder=JPN01-H-EJP{}; version={version}", i % 97).into_bytes()
}

/// Keys spread over the whole range without a random number generator.
fn spread(n: u32) -> u32 {
    n.wrapping_mul(7_919) % KEYS
}

fn initial() -> WriteSet {
    (0..KEYS).map(|i| (key(i), Some(value(i, 0)))).collect()
}

/// 80 % updates of existing keys, 15 % new keys, 5 % deletes.
fn block() -> WriteSet {
    (0..BLOCK_WRITES)
        .map(|n| match n % 20 {
            0 => (key(spread(n)), None),
            1..=3 => (key(KEYS + n), Some(value(n, 1))),
            _ => (key(spread(n)), Some(value(n, 1))),
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let mut nodes = MemStore::new();
    let root = apply(&mut nodes, EMPTY_ROOT, &initial());
    let block = block();
    let mut group = c.benchmark_group("merkle");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));

    group.bench_function("apply 1,000 writes to 100,000 keys", |b| {
        b.iter(|| apply(&mut nodes, black_box(root), black_box(&block)))
    });

    let mut proofs = Vec::new();
    group.bench_function("prove (100,000 keys)", |b| {
        let mut n = 0u32;
        b.iter(|| {
            n = n.wrapping_add(1);
            prove(&nodes, &root, &key(spread(n))).expect("the root's nodes are kept")
        })
    });
    for n in 0..1_000 {
        let i = spread(n);
        let proof = prove(&nodes, &root, &key(i)).expect("the root's nodes are kept");
        proofs.push((key(i), value(i, 0), proof));
    }
    group.bench_function("verify (100,000 keys)", |b| {
        let mut n = 0usize;
        b.iter(|| {
            n = (n + 1) % proofs.len();
            let (key, value, proof) = &proofs[n];
            verify(black_box(&root), key, Some(value), proof).expect("valid proof")
        })
    });

    let mut state = MemStore::new();
    apply_writes(&mut state, initial());
    group.sample_size(10);
    group.bench_function("root_of 100,000 keys from scratch", |b| {
        b.iter(|| -> Hash32 { root_of(black_box(&state)) })
    });
    group.finish();
}

criterion_group!(merkle, benches);
criterion_main!(merkle);
