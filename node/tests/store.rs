//! The node's store: what a commit writes survives a reopen, the state view answers like
//! the runtime's `MemStore`, and a store of another chain, format or process is refused.

mod common;

use common::TempDir;
use jcm_node::store::{CommittedBlock, Db, DbOptions, StoreError, CF_META, COLUMN_FAMILIES, FORMAT_VERSION};
use jcm_runtime::codec::Hash32;
use jcm_runtime::state::{apply_writes, MemStore, Overlay, ReadStore, Store, WriteSet};
use proptest::prelude::*;

const GENESIS: Hash32 = Hash32([7; 32]);

fn open(dir: &TempDir) -> Db {
    Db::open(dir.path(), &DbOptions::new(GENESIS)).expect("open the store")
}

fn entries(store: &dyn ReadStore) -> Vec<(Vec<u8>, Vec<u8>)> {
    store.range(&[], None).collect()
}

fn writes(items: &[(&[u8], Option<&[u8]>)]) -> WriteSet {
    items.iter().map(|(k, v)| (k.to_vec(), v.map(<[u8]>::to_vec))).collect()
}

fn block(height: u64, state_writes: WriteSet) -> CommittedBlock {
    CommittedBlock {
        height,
        block: format!("block {height}").into_bytes(),
        commit: format!("commit {height}").into_bytes(),
        state_writes,
        merkle_writes: writes(&[(format!("node {height}").as_bytes(), Some(b"n"))]),
        index_writes: vec![(format!("tx/{height}").into_bytes(), height.to_be_bytes().to_vec())],
        state_root: Hash32([height as u8; 32]),
    }
}

#[test]
fn a_commit_survives_a_reopen() {
    let dir = TempDir::new("store-reopen");
    let mut db = open(&dir);
    assert_eq!(db.last_committed(), None);
    assert_eq!(db.next_height(), 0);
    db.commit_block(block(0, writes(&[(b"a", Some(b"0")), (b"b", Some(b"0"))]))).expect("commit genesis");
    db.commit_block(block(1, writes(&[(b"a", None), (b"c", Some(b"1"))]))).expect("commit block 1");
    drop(db);

    let db = open(&dir);
    let last = db.last_committed().expect("a committed height");
    assert_eq!((last.height, last.state_root), (1, Hash32([1; 32])));
    assert_eq!(db.next_height(), 2);
    assert_eq!(db.block(1).expect("read"), Some(b"block 1".to_vec()));
    assert_eq!(db.commit(0).expect("read"), Some(b"commit 0".to_vec()));
    assert_eq!(db.block(2).expect("read"), None);
    assert_eq!(entries(db.state()), [(b"b".to_vec(), b"0".to_vec()), (b"c".to_vec(), b"1".to_vec())]);
    assert_eq!(db.state().get(b"a"), None);
    assert_eq!(db.merkle().get(b"node 1"), Some(b"n".to_vec()));
    assert_eq!(db.index_get(b"tx/1").expect("read"), Some(1u64.to_be_bytes().to_vec()));
    let scanned = db.index_scan(b"tx/", 10).expect("scan");
    assert_eq!(scanned.len(), 2);
    assert_eq!(db.index_scan(b"tx/", 1).expect("scan").len(), 1, "the scan is bounded");
}

#[test]
#[should_panic(expected = "blocks are committed in height order")]
fn a_height_out_of_order_is_a_broken_invariant() {
    let dir = TempDir::new("store-order");
    let mut db = open(&dir);
    db.commit_block(block(0, WriteSet::new())).expect("commit genesis");
    let _ = db.commit_block(block(2, WriteSet::new()));
}

#[test]
fn a_store_of_another_genesis_is_refused_naming_both_hashes() {
    let dir = TempDir::new("store-genesis");
    drop(open(&dir));
    let other = Hash32([8; 32]);
    match Db::open(dir.path(), &DbOptions::new(other)) {
        Err(error @ StoreError::GenesisMismatch { .. }) => {
            let StoreError::GenesisMismatch { stored, expected, .. } = &error else { unreachable!() };
            assert_eq!((*stored, *expected), (GENESIS, other));
            let message = error.to_string();
            assert!(message.contains(&GENESIS.to_hex()) && message.contains(&other.to_hex()));
        }
        other => panic!("expected a genesis mismatch, got {other:?}"),
    }
    drop(open(&dir));
}

#[test]
fn a_store_of_another_format_is_refused_naming_both_versions() {
    let dir = TempDir::new("store-format");
    drop(open(&dir));
    {
        let families = COLUMN_FAMILIES.to_vec();
        let raw = rocksdb::DB::open_cf(&rocksdb::Options::default(), dir.path(), families).expect("open raw");
        let meta = raw.cf_handle(CF_META).expect("meta family");
        raw.put_cf(meta, b"format", 99u32.to_be_bytes()).expect("write");
    }
    match Db::open(dir.path(), &DbOptions::new(GENESIS)) {
        Err(StoreError::FormatMismatch { stored, expected, .. }) => {
            assert_eq!((stored, expected), (99, FORMAT_VERSION))
        }
        other => panic!("expected a format mismatch, got {other:?}"),
    }
}

#[test]
fn a_second_opener_is_refused_naming_the_directory() {
    let dir = TempDir::new("store-lock");
    let db = open(&dir);
    match Db::open(dir.path(), &DbOptions::new(GENESIS)) {
        Err(StoreError::Locked { dir: locked }) => assert_eq!(locked, dir.path()),
        other => panic!("expected the lock to be refused, got {other:?}"),
    }
    drop(db);
    drop(open(&dir));
}

/// One step of a block's execution, or a read to compare.
#[derive(Clone, Debug)]
enum Op {
    Put(Vec<u8>, u8),
    Delete(Vec<u8>),
    Get(Vec<u8>),
    Range(Vec<u8>, Option<Vec<u8>>),
    Prefix(Vec<u8>),
}

/// Short keys over a few bytes, 0xff among them, so that keys collide, prefix each
/// other and reach the edge cases of a prefix's end.
fn key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(vec![0u8, 1, 2, 0xfe, 0xff]), 0..4)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (key(), any::<u8>()).prop_map(|(k, v)| Op::Put(k, v)),
        2 => key().prop_map(Op::Delete),
        1 => key().prop_map(Op::Get),
        // The runtime's MemStore (a BTreeMap) panics on start > end: order the bounds.
        2 => (key(), prop::option::of(key())).prop_map(|(s, e)| match e {
            Some(e) if e < s => Op::Range(e, Some(s)),
            e => Op::Range(s, e),
        }),
        1 => key().prop_map(Op::Prefix),
    ]
}

/// Runs `op` on both stores and checks that any read agrees.
fn run(op: &Op, store: &mut dyn Store, model: &mut dyn Store) -> Result<(), TestCaseError> {
    match op {
        Op::Put(k, v) => {
            store.put(k.clone(), vec![*v]);
            model.put(k.clone(), vec![*v]);
            Ok(())
        }
        Op::Delete(k) => {
            store.delete(k);
            model.delete(k);
            Ok(())
        }
        read_op => read(read_op, store, model),
    }
}

/// Checks that a read gives the same answer on both stores; writes are skipped.
fn read(op: &Op, store: &dyn ReadStore, model: &dyn ReadStore) -> Result<(), TestCaseError> {
    match op {
        Op::Put(..) | Op::Delete(_) => {}
        Op::Get(k) => prop_assert_eq!(store.get(k), model.get(k)),
        Op::Range(s, e) => {
            let got: Vec<_> = store.range(s, e.as_deref()).collect();
            prop_assert_eq!(got, model.range(s, e.as_deref()).collect::<Vec<_>>());
        }
        Op::Prefix(p) => {
            let got: Vec<_> = store.scan_prefix(p).collect();
            prop_assert_eq!(got, model.scan_prefix(p).collect::<Vec<_>>());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Blocks executed in an overlay over the RocksDB view, then committed, read the same
    /// as the same blocks over a `MemStore`, inside a block and after its commit.
    #[test]
    fn the_state_view_answers_like_a_mem_store(
        blocks in prop::collection::vec(prop::collection::vec(op(), 0..24), 1..6),
        reads in prop::collection::vec(op(), 0..12),
    ) {
        let dir = TempDir::new("store-model");
        let mut db = open(&dir);
        let mut model = MemStore::new();
        for (height, ops) in (0u64..).zip(&blocks) {
            let mut execution = Overlay::new(db.state());
            let mut model_execution = Overlay::new(&model);
            for op in ops {
                run(op, &mut execution, &mut model_execution)?;
            }
            let state_writes = execution.into_writes();
            prop_assert_eq!(&state_writes, &model_execution.into_writes());
            apply_writes(&mut model, state_writes.clone());
            db.commit_block(block(height, state_writes)).expect("commit");
            prop_assert_eq!(entries(db.state()), entries(&model));
        }
        for op in &reads {
            read(op, db.state(), &model)?;
        }
    }

    /// After several blocks, the state as of each committed height reads as the model
    /// did after that block: every entry, and the same point, range and prefix reads.
    #[test]
    fn the_state_at_each_height_reads_as_it_was_after_that_block(
        blocks in prop::collection::vec(prop::collection::vec(op(), 0..24), 1..6),
        reads in prop::collection::vec(op(), 0..12),
    ) {
        let dir = TempDir::new("store-history");
        let mut db = open(&dir);
        let mut model = MemStore::new();
        let mut models = Vec::new();
        for (height, ops) in (0u64..).zip(&blocks) {
            let mut model_execution = Overlay::new(&model);
            for op in ops {
                match op {
                    Op::Put(k, v) => model_execution.put(k.clone(), vec![*v]),
                    Op::Delete(k) => model_execution.delete(k),
                    _ => {}
                }
            }
            let state_writes = model_execution.into_writes();
            apply_writes(&mut model, state_writes.clone());
            db.commit_block(block(height, state_writes)).expect("commit");
            models.push(model.clone());
        }
        for (height, model) in (0u64..).zip(&models) {
            let past = db.state_at(height).expect("a committed height");
            prop_assert_eq!(entries(&past), entries(model), "height {}", height);
            for op in &reads {
                read(op, &past, model)?;
            }
        }
        prop_assert!(db.state_at(models.len() as u64).is_none(), "no state above the last committed height");
    }
}
