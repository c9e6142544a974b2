//! The authenticated state tree: incremental roots agree with roots rebuilt from
//! scratch, proofs verify for every key under every root ever committed and fail for
//! any other claim, and the hashing is pinned by golden roots.

use std::collections::BTreeMap;

use jcm_runtime::codec::{DecodeError, Hash32};
use jcm_runtime::merkle::{
    self, apply, get, prove, root_of, verify, Proof, ProofError, ProofLeaf, EMPTY_ROOT, PROOF_BYTES_MAX,
    PROOF_SIBLINGS_MAX,
};
use jcm_runtime::state::{apply_writes, MemStore, ReadStore, Store, WriteSet};
use proptest::prelude::*;

/// Keys come from a small space so that blocks overwrite, delete and re-insert them.
const KEY_SPACE: u8 = 48;

fn key(i: u8) -> Vec<u8> {
    format!("acct/{i:02}").into_bytes()
}

fn block_strategy() -> impl Strategy<Value = WriteSet> {
    let value = prop::option::weighted(0.7, prop::collection::vec(any::<u8>(), 0..6));
    prop::collection::btree_map(0..KEY_SPACE, value, 0..24)
        .prop_map(|writes| writes.into_iter().map(|(i, v)| (key(i), v)).collect())
}

fn map_store(map: &BTreeMap<Vec<u8>, Vec<u8>>) -> MemStore {
    let mut store = MemStore::new();
    for (k, v) in map {
        store.put(k.clone(), v.clone());
    }
    store
}

/// Checks the proof of every key of the key space under `root`, for the state `state`.
fn check_every_key(nodes: &MemStore, root: &Hash32, state: &MemStore) {
    for i in 0..KEY_SPACE {
        let key = key(i);
        let value = state.get(&key);
        let proof = prove(nodes, root, &key).expect("the root's nodes are kept");
        assert_eq!(verify(root, &key, value.as_deref(), &proof), Ok(()));
        assert_eq!(
            get(nodes, root, &key).expect("the root's nodes are kept"),
            value.as_deref().map(merkle::value_hash)
        );
    }
}

proptest! {
    // A failing case prints its minimal input; no regression file beside the test.
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn incremental_roots_equal_roots_from_scratch_and_old_roots_stay_provable(
        blocks in prop::collection::vec(block_strategy(), 1..10),
    ) {
        let mut nodes = MemStore::new();
        let mut state = MemStore::new();
        let mut root = EMPTY_ROOT;
        let mut history = Vec::new();
        for writes in blocks {
            root = apply(&mut nodes, root, &writes);
            apply_writes(&mut state, writes);
            prop_assert_eq!(root, root_of(&state));
            history.push((root, state.clone()));
        }
        for (old_root, old_state) in &history {
            check_every_key(&nodes, old_root, old_state);
        }
    }

    #[test]
    fn the_root_depends_only_on_the_final_state(
        target in prop::collection::btree_map(0..KEY_SPACE, prop::collection::vec(any::<u8>(), 0..4), 0..32),
        order in Just((0..KEY_SPACE).collect::<Vec<u8>>()).prop_shuffle(),
        chunk in 1usize..8,
    ) {
        let target: BTreeMap<Vec<u8>, Vec<u8>> =
            target.into_iter().map(|(i, v)| (key(i), v)).collect();
        let mut one_block = MemStore::new();
        let direct = apply(
            &mut one_block,
            EMPTY_ROOT,
            &target.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect(),
        );

        // The same state reached in shuffled blocks, every key first written with a
        // scratch value, the keys outside the target deleted again at the end.
        let mut nodes = MemStore::new();
        let mut root = EMPTY_ROOT;
        for ids in order.chunks(chunk) {
            let scratch: WriteSet = ids.iter().map(|&i| (key(i), Some(vec![0xee, i]))).collect();
            root = apply(&mut nodes, root, &scratch);
        }
        for ids in order.chunks(chunk).rev() {
            let fix: WriteSet = ids.iter().map(|&i| (key(i), target.get(&key(i)).cloned())).collect();
            root = apply(&mut nodes, root, &fix);
        }
        prop_assert_eq!(root, direct);
        prop_assert_eq!(root, root_of(&map_store(&target)));
    }

    #[test]
    fn proofs_refuse_wrong_values_keys_roots_and_tampering(
        writes in block_strategy(),
        other in block_strategy(),
    ) {
        let mut nodes = MemStore::new();
        let root = apply(&mut nodes, EMPTY_ROOT, &writes);
        let other_root = apply(&mut nodes, root, &other);
        let mut state = MemStore::new();
        apply_writes(&mut state, writes);

        for i in 0..KEY_SPACE {
            let key = key(i);
            let value = state.get(&key);
            let proof = prove(&nodes, &root, &key).expect("known root");
            check_wrong_claims(&root, &key, value.as_deref(), &proof);
            if other_root != root {
                prop_assert!(verify(&other_root, &key, value.as_deref(), &proof).is_err());
            }
            prop_assert!(verify(&Hash32([0xab; 32]), &key, value.as_deref(), &proof).is_err());
            check_tampering(&root, &key, value.as_deref(), &proof);
        }
    }
}

/// A wrong value, a claim of absence for a member, of membership for an absent key, and
/// a member's proof used for another key all fail.
fn check_wrong_claims(root: &Hash32, key: &[u8], value: Option<&[u8]>, proof: &Proof) {
    match value {
        Some(value) => {
            let mut wrong = value.to_vec();
            wrong.push(0);
            assert!(matches!(verify(root, key, Some(&wrong), proof), Err(ProofError::ValueMismatch { .. })));
            assert_eq!(verify(root, key, None, proof), Err(ProofError::KeyPresent));
            let mut other_key = key.to_vec();
            other_key.push(b'x');
            assert!(verify(root, &other_key, Some(value), proof).is_err());
            // The same proof may rightly show `other_key` absent: an absent key's path
            // can end at this leaf.
        }
        None => {
            assert_eq!(verify(root, key, Some(b""), proof), Err(ProofError::KeyAbsent));
        }
    }
}

/// Flipping one bit of any sibling or of the leaf, or dropping or adding a sibling,
/// makes the proof fail.
fn check_tampering(root: &Hash32, key: &[u8], value: Option<&[u8]>, proof: &Proof) {
    for i in 0..proof.siblings.len() {
        let mut tampered = proof.clone();
        tampered.siblings[i].0[31] ^= 1;
        assert!(verify(root, key, value, &tampered).is_err(), "sibling {i}");
    }
    if let Some(leaf) = proof.leaf {
        for field in 0..2 {
            let mut tampered = proof.clone();
            let mut leaf = leaf;
            let hash = if field == 0 { &mut leaf.key_hash } else { &mut leaf.value_hash };
            hash.0[0] ^= 0x80;
            tampered.leaf = Some(leaf);
            assert!(verify(root, key, value, &tampered).is_err(), "leaf field {field}");
        }
    }
    let mut shorter = proof.clone();
    if shorter.siblings.pop().is_some() {
        assert!(verify(root, key, value, &shorter).is_err());
    }
    let mut longer = proof.clone();
    longer.siblings.push(Hash32([0x11; 32]));
    assert!(verify(root, key, value, &longer).is_err());
}

fn abc() -> BTreeMap<Vec<u8>, Vec<u8>> {
    [("a", "1"), ("b", "2"), ("c", "3")]
        .into_iter()
        .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

fn hundred_units() -> BTreeMap<Vec<u8>, Vec<u8>> {
    (0..100)
        .map(|i| {
            let key = format!("unit/{i:03}").into_bytes();
            (key, format!("holder-{}", i % 7).into_bytes())
        })
        .collect()
}

/// Golden roots: any change to the path, leaf, internal or empty hashing fails here.
/// Changing them is a deliberate act that invalidates every header ever committed.
#[test]
fn golden_roots_are_pinned() {
    assert_eq!(EMPTY_ROOT.to_hex(), "0000000000000000000000000000000000000000000000000000000000000000");
    assert_eq!(root_of(&MemStore::new()), EMPTY_ROOT);
    let cases = [
        (abc(), "8e2a164a410203f51300d7c6645b7a37f549768457be109acc126c63573a9e0a"),
        (hundred_units(), "4c0c5f3a7c946c06bbcdd05a1295506e33b4d9d04452032a8f7a3508e92ad54d"),
    ];
    for (map, golden) in cases {
        assert_eq!(root_of(&map_store(&map)).to_hex(), golden);
        let mut nodes = MemStore::new();
        let writes: WriteSet = map.into_iter().map(|(k, v)| (k, Some(v))).collect();
        assert_eq!(apply(&mut nodes, EMPTY_ROOT, &writes).to_hex(), golden);
    }
}

#[test]
fn golden_leaf_and_internal_hashes_are_pinned() {
    let leaf = merkle::leaf_hash(&merkle::key_hash(b"a"), &merkle::value_hash(b"1"));
    let internal = merkle::internal_hash(&Hash32([0; 32]), &Hash32([0xff; 32]));
    assert_eq!(leaf.to_hex(), "565388d4bc00257133f799d9366ac97f6e949c18acc53d17457f8859ba0f08d3");
    assert_eq!(internal.to_hex(), "bc6b943b820c449acf880d293c216a24a8066b153f87f2361fae2beda3a72641");
}

#[test]
fn a_proof_has_a_pinned_json_form() {
    let nodes = MemStore::new();
    let proof = prove(&nodes, &EMPTY_ROOT, b"a").expect("the empty root needs no node");
    assert_eq!(serde_json::to_string(&proof).expect("serializable"), r#"{"leaf":null,"siblings":[]}"#);
    let mut nodes = MemStore::new();
    let writes: WriteSet = abc().into_iter().map(|(k, v)| (k, Some(v))).collect();
    let root = apply(&mut nodes, EMPTY_ROOT, &writes);
    let proof = prove(&nodes, &root, b"b").expect("known root");
    let json = serde_json::to_string_pretty(&proof).expect("serializable");
    let back: Proof = serde_json::from_str(&json).expect("parses");
    assert_eq!(verify(&root, b"b", Some(b"2"), &back), Ok(()));
    assert_eq!(Proof::from_bytes(&back.to_bytes()), Ok(proof));
}

fn oversized() -> Proof {
    Proof {
        leaf: Some(ProofLeaf { key_hash: Hash32([1; 32]), value_hash: Hash32([2; 32]) }),
        siblings: vec![Hash32([3; 32]); PROOF_SIBLINGS_MAX + 1],
    }
}

#[test]
fn oversized_sibling_lists_are_refused_by_every_decoder_and_by_verify() {
    let proof = oversized();
    let bytes = borsh::to_vec(&proof).expect("encodable");
    assert!(bytes.len() > PROOF_BYTES_MAX);
    assert!(matches!(Proof::from_bytes(&bytes), Err(DecodeError::TooLong { .. })));
    // Within the byte limit, the sibling count alone is refused before allocating.
    let mut short = vec![0u8];
    short.extend_from_slice(&(PROOF_SIBLINGS_MAX as u32 + 1).to_le_bytes());
    short.extend_from_slice(&[3; 64]);
    assert!(matches!(Proof::from_bytes(&short), Err(DecodeError::Malformed(_))));
    assert!(borsh::from_slice::<Proof>(&bytes).is_err());

    let json = serde_json::to_string(&proof).expect("serializable");
    assert!(serde_json::from_str::<Proof>(&json).is_err());

    assert_eq!(
        verify(&Hash32([0; 32]), b"a", None, &proof),
        Err(ProofError::TooManySiblings { len: PROOF_SIBLINGS_MAX + 1, max: PROOF_SIBLINGS_MAX })
    );
}

#[test]
fn non_canonical_and_unknown_proof_input_is_refused() {
    let mut nodes = MemStore::new();
    let writes: WriteSet = abc().into_iter().map(|(k, v)| (k, Some(v))).collect();
    let root = apply(&mut nodes, EMPTY_ROOT, &writes);
    let mut bytes = prove(&nodes, &root, b"c").expect("known root").to_bytes();
    bytes.push(0);
    assert!(Proof::from_bytes(&bytes).is_err());
    let json = r#"{"leaf":null,"siblings":[],"extra":1}"#;
    assert!(serde_json::from_str::<Proof>(json).is_err());
}

#[test]
fn a_pruned_root_is_an_error_not_a_crash() {
    let mut nodes = MemStore::new();
    let writes: WriteSet = abc().into_iter().map(|(k, v)| (k, Some(v))).collect();
    let root = apply(&mut nodes, EMPTY_ROOT, &writes);
    let empty = MemStore::new();
    assert!(matches!(prove(&empty, &root, b"a"), Err(merkle::NodeError::Missing { .. })));
}

#[test]
fn a_large_state_grows_and_shrinks_back_to_the_empty_root() {
    let mut nodes = MemStore::new();
    let mut state = MemStore::new();
    let mut root = EMPTY_ROOT;
    let block = |range: std::ops::Range<u32>, put: bool| -> WriteSet {
        range
            .map(|i| {
                let value = put.then(|| i.to_le_bytes().to_vec());
                (format!("serial/{i}").into_bytes(), value)
            })
            .collect()
    };
    let blocks = [
        block(0..1_500, true),
        block(1_000..3_000, true),
        block(0..2_990, false),
        block(2_990..3_000, false),
    ];
    for writes in blocks {
        root = apply(&mut nodes, root, &writes);
        apply_writes(&mut state, writes);
        assert_eq!(root, root_of(&state));
    }
    assert_eq!(root, EMPTY_ROOT);
}

/// The node computes a block's root over an overlay of its node store and writes the
/// overlay's writes in the block's one atomic batch: the tree only ever adds nodes, so
/// the batch holds puts only and the previous root stays provable.
#[test]
fn a_block_s_new_nodes_can_be_collected_for_one_atomic_batch() {
    use jcm_runtime::state::Overlay;
    let mut committed = MemStore::new();
    let first: WriteSet = abc().into_iter().map(|(k, v)| (k, Some(v))).collect();
    let old_root = apply(&mut committed, EMPTY_ROOT, &first);

    let second: WriteSet =
        [(b"a".to_vec(), None), (b"d".to_vec(), Some(b"4".to_vec()))].into_iter().collect();
    let mut overlay = Overlay::new(&committed);
    let new_root = apply(&mut overlay, old_root, &second);
    let batch = overlay.into_writes();
    assert!(!batch.is_empty());
    assert!(batch.values().all(Option::is_some), "the tree never deletes nodes");
    apply_writes(&mut committed, batch);

    assert_eq!(get(&committed, &old_root, b"a"), Ok(Some(merkle::value_hash(b"1"))));
    assert_eq!(get(&committed, &new_root, b"a"), Ok(None));
    assert_eq!(get(&committed, &new_root, b"d"), Ok(Some(merkle::value_hash(b"4"))));
}
