//! Updating and reading the tree: [`apply`] a block's writes, [`get`] a value hash,
//! [`root_of`] a whole state from scratch.
//!
//! [`apply`] hashes and sorts the block's writes by path once, then walks down the old
//! tree, splitting the sorted writes at each internal node by the bit of that depth, so
//! every touched node is read and rewritten once per block however many writes fall
//! under it. Untouched subtrees are shared with the old root by hash.

use super::node::{key_hash, load, load_or_crash, store_node, value_hash, Node, NodeError};
use super::{bit, DEPTH_MAX, EMPTY_HASH};
use crate::codec::Hash32;
use crate::state::{apply_writes, Entries, Overlay, ReadStore, Store, WriteSet};

/// A change at one path: `Some(value_hash)` sets the entry, `None` removes it.
type Update = (Hash32, Option<Hash32>);
/// An entry of the tree: `(key_hash, value_hash)`.
type Entry = (Hash32, Hash32);

/// Applies one block's `writes` (`Some(value)` puts, `None` deletes) to the tree with
/// root `root`, writes the new nodes into `nodes`, and returns the new root.
///
/// The result depends only on the state the writes produce, not on their order or on
/// how writes are grouped into blocks. Deleting a missing key changes nothing. Old nodes
/// are kept, so `root` stays readable and provable.
///
/// # Panics
///
/// If a node of `root` is missing or corrupt in `nodes`: the node store of the current
/// state is broken, and committing a root computed over it would be worse than stopping.
pub fn apply<S: Store + ?Sized>(nodes: &mut S, root: Hash32, writes: &WriteSet) -> Hash32 {
    update(nodes, root, 0, &sorted_updates(writes))
}

/// Fewest writes for which [`apply_split`] updates the two halves of the tree on two
/// threads.
const SPLIT_UPDATES_MIN: usize = 256;

/// [`apply`] over the read-only node store `base`: returns the new root and the new
/// nodes. When the block writes many keys and the root is an internal node, the root's
/// two subtrees (paths starting with a 0 bit, and with a 1 bit) are updated on two
/// threads: they share no node, so the result is exactly [`apply`]'s, root and nodes.
///
/// # Panics
///
/// As [`apply`].
pub fn apply_split<S: ReadStore + Sync + ?Sized>(
    base: &S,
    root: Hash32,
    writes: &WriteSet,
) -> (Hash32, WriteSet) {
    let updates = sorted_updates(writes);
    let mut nodes = Overlay::new(base);
    let split_root = (updates.len() >= SPLIT_UPDATES_MIN && root != EMPTY_HASH)
        .then(|| load_or_crash(base, &root))
        .and_then(|node| match node {
            Node::Internal { left, right } => Some((left, right)),
            Node::Leaf { .. } => None,
        });
    let Some((left, right)) = split_root else {
        let root = update(&mut nodes, root, 0, &updates);
        return (root, nodes.into_writes());
    };
    let half = |hash: Hash32, part: &[Update]| {
        let mut nodes = Overlay::new(base);
        let hash = update(&mut nodes, hash, 1, part);
        (hash, nodes.into_writes())
    };
    let (to_left, to_right) = updates.split_at(updates.partition_point(|(path, _)| !bit(path, 0)));
    let ((left, left_nodes), (right, right_nodes)) = std::thread::scope(|scope| {
        let left = scope.spawn(|| half(left, to_left));
        let right = half(right, to_right);
        match left.join() {
            Ok(left) => (left, right),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    apply_writes(&mut nodes, left_nodes);
    apply_writes(&mut nodes, right_nodes);
    let root = join(&mut nodes, left, right);
    (root, nodes.into_writes())
}

/// A block's writes as tree updates, sorted by path.
fn sorted_updates(writes: &WriteSet) -> Vec<Update> {
    let mut updates: Vec<Update> =
        writes.iter().map(|(key, value)| (key_hash(key), value.as_deref().map(value_hash))).collect();
    updates.sort_unstable_by_key(|u| u.0);
    assert_distinct_paths(updates.iter().map(|u| &u.0));
    updates
}

/// The value hash stored at `key` in the tree with root `root`, or `None` if the key is
/// absent.
pub fn get<S: ReadStore + ?Sized>(nodes: &S, root: &Hash32, key: &[u8]) -> Result<Option<Hash32>, NodeError> {
    let path = key_hash(key);
    let (_, leaf) = walk(nodes, root, &path)?;
    Ok(leaf.and_then(|(found, value)| (found == path).then_some(value)))
}

/// The root of the tree holding exactly the entries of `state`, built in memory without
/// storing any node: the check that an incrementally maintained root is the root of the
/// state it claims (after execution, and when a node loads its state from disk).
pub fn root_of<S: ReadStore + ?Sized>(state: &S) -> Hash32 {
    root_of_scan(state.range(&[], None))
}

fn root_of_scan(entries: Entries<'_>) -> Hash32 {
    let mut leaves: Vec<Entry> = entries.map(|(key, value)| (key_hash(&key), value_hash(&value))).collect();
    leaves.sort_unstable_by_key(|e| e.0);
    assert_distinct_paths(leaves.iter().map(|e| &e.0));
    build(&mut Discard, 0, &leaves)
}

/// Follows `path` from `root` down to the subtree that holds it. Returns the sibling
/// hashes passed on the way (root first) and the leaf where the walk ended, if it ended
/// at a leaf rather than an empty subtree. The leaf may belong to another path.
pub(super) fn walk<S: ReadStore + ?Sized>(
    nodes: &S,
    root: &Hash32,
    path: &Hash32,
) -> Result<(Vec<Hash32>, Option<Entry>), NodeError> {
    let mut siblings = Vec::new();
    let mut hash = *root;
    loop {
        if hash == EMPTY_HASH {
            return Ok((siblings, None));
        }
        match load(nodes, &hash)? {
            Node::Leaf { key_hash, value_hash } => return Ok((siblings, Some((key_hash, value_hash)))),
            Node::Internal { left, right } => {
                let depth = siblings.len();
                if depth >= DEPTH_MAX {
                    return Err(NodeError::Corrupt {
                        hash,
                        reason: format!("an internal node at depth {depth}"),
                    });
                }
                let (next, sibling) = if bit(path, depth) { (right, left) } else { (left, right) };
                siblings.push(sibling);
                hash = next;
            }
        }
    }
}

/// Two distinct keys with one path would be a SHA-256 collision: the tree could not
/// hold both, and going on would silently drop one.
fn assert_distinct_paths<'a>(sorted: impl Iterator<Item = &'a Hash32>) {
    let mut previous: Option<&Hash32> = None;
    for path in sorted {
        assert!(previous != Some(path), "invariant broken: two state keys hash to the same path {path}");
        previous = Some(path);
    }
}

/// The new hash of the subtree `hash` at `depth` after `updates`, which are sorted by
/// path and all share the subtree's `depth`-bit prefix.
fn update<S: Store + ?Sized>(nodes: &mut S, hash: Hash32, depth: usize, updates: &[Update]) -> Hash32 {
    if updates.is_empty() {
        return hash;
    }
    if hash == EMPTY_HASH {
        let puts: Vec<Entry> =
            updates.iter().filter_map(|(path, value)| value.map(|value| (*path, value))).collect();
        return build(nodes, depth, &puts);
    }
    match load_or_crash(nodes, &hash) {
        Node::Leaf { key_hash, value_hash } => {
            build(nodes, depth, &merge_leaf(updates, (key_hash, value_hash)))
        }
        Node::Internal { left, right } => {
            assert!(depth < DEPTH_MAX, "invariant broken: internal node {hash} at depth {depth}");
            let split = updates.partition_point(|(path, _)| !bit(path, depth));
            let (to_left, to_right) = updates.split_at(split);
            let left = update(nodes, left, depth + 1, to_left);
            let right = update(nodes, right, depth + 1, to_right);
            join(nodes, left, right)
        }
    }
}

/// The entries of a subtree that held the single entry `leaf`, after `updates`: the
/// leaf's own update (if any) replaces or removes it, removals of other paths are
/// no-ops, and the result stays sorted by path.
fn merge_leaf(updates: &[Update], leaf: Entry) -> Vec<Entry> {
    let mut merged = Vec::with_capacity(updates.len().saturating_add(1));
    let mut pending = Some(leaf);
    for (path, value) in updates {
        if let Some((leaf_path, leaf_value)) = pending {
            if leaf_path < *path {
                merged.push((leaf_path, leaf_value));
                pending = None;
            } else if leaf_path == *path {
                pending = None;
            }
        }
        if let Some(value) = value {
            merged.push((*path, *value));
        }
    }
    merged.extend(pending);
    merged
}

/// The subtree over `left` and `right` in canonical form: two empty children make an
/// empty subtree, and a lone leaf beside an empty child moves up to take the parent's
/// place (a one-entry subtree is its leaf).
fn join<S: Store + ?Sized>(nodes: &mut S, left: Hash32, right: Hash32) -> Hash32 {
    let only = match (left == EMPTY_HASH, right == EMPTY_HASH) {
        (true, true) => return EMPTY_HASH,
        (true, false) => right,
        (false, true) => left,
        (false, false) => return store_node(nodes, &Node::Internal { left, right }),
    };
    match load_or_crash(nodes, &only) {
        Node::Leaf { .. } => only,
        Node::Internal { .. } => store_node(nodes, &Node::Internal { left, right }),
    }
}

/// Builds the canonical subtree at `depth` holding `entries` (sorted by path, distinct,
/// sharing a `depth`-bit prefix), stores its nodes, and returns its hash.
fn build<S: Store + ?Sized>(nodes: &mut S, depth: usize, entries: &[Entry]) -> Hash32 {
    match entries {
        [] => EMPTY_HASH,
        [(key_hash, value_hash)] => {
            store_node(nodes, &Node::Leaf { key_hash: *key_hash, value_hash: *value_hash })
        }
        _ => {
            assert!(depth < DEPTH_MAX, "invariant broken: distinct paths share all {DEPTH_MAX} bits");
            let split = entries.partition_point(|(path, _)| !bit(path, depth));
            let left = build(nodes, depth + 1, &entries[..split]);
            let right = build(nodes, depth + 1, &entries[split..]);
            store_node(nodes, &Node::Internal { left, right })
        }
    }
}

/// A node sink that keeps nothing: [`root_of`] needs the hashes, not the nodes.
#[derive(Debug)]
struct Discard;

impl ReadStore for Discard {
    fn get(&self, _key: &[u8]) -> Option<Vec<u8>> {
        None
    }

    fn range(&self, _start: &[u8], _end: Option<&[u8]>) -> Entries<'_> {
        Box::new(std::iter::empty())
    }
}

impl Store for Discard {
    fn put(&mut self, _key: Vec<u8>, _value: Vec<u8>) {}

    fn delete(&mut self, _key: &[u8]) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{internal_hash, leaf_hash, EMPTY_ROOT};
    use crate::state::MemStore;

    fn writes(pairs: &[(&str, Option<&str>)]) -> WriteSet {
        pairs.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec()))).collect()
    }

    fn leaf_of(key: &str, value: &str) -> Hash32 {
        leaf_hash(&key_hash(key.as_bytes()), &value_hash(value.as_bytes()))
    }

    #[test]
    fn empty_writes_keep_the_empty_root() {
        let mut nodes = MemStore::new();
        assert_eq!(apply(&mut nodes, EMPTY_ROOT, &WriteSet::new()), EMPTY_ROOT);
        assert_eq!(apply(&mut nodes, EMPTY_ROOT, &writes(&[("a", None)])), EMPTY_ROOT);
        assert!(nodes.is_empty());
    }

    #[test]
    fn a_single_entry_is_its_leaf_at_the_root() {
        let mut nodes = MemStore::new();
        let root = apply(&mut nodes, EMPTY_ROOT, &writes(&[("a", Some("1"))]));
        assert_eq!(root, leaf_of("a", "1"));
        assert_eq!(get(&nodes, &root, b"a"), Ok(Some(value_hash(b"1"))));
        assert_eq!(get(&nodes, &root, b"b"), Ok(None));
    }

    #[test]
    fn two_entries_split_at_their_first_differing_bit() {
        // sha256("a") starts with bit 1, sha256("b") with bit 0 (0xca…, 0x3e…).
        let mut nodes = MemStore::new();
        let root = apply(&mut nodes, EMPTY_ROOT, &writes(&[("a", Some("1")), ("b", Some("2"))]));
        assert_eq!(root, internal_hash(&leaf_of("b", "2"), &leaf_of("a", "1")));
    }

    #[test]
    fn deleting_down_to_one_entry_lifts_the_leaf_to_the_root() {
        let mut nodes = MemStore::new();
        let full = writes(&[("a", Some("1")), ("b", Some("2")), ("c", Some("3"))]);
        let root = apply(&mut nodes, EMPTY_ROOT, &full);
        let root = apply(&mut nodes, root, &writes(&[("a", None), ("c", None)]));
        assert_eq!(root, leaf_of("b", "2"));
        let root = apply(&mut nodes, root, &writes(&[("b", None), ("z", None)]));
        assert_eq!(root, EMPTY_ROOT);
    }

    #[test]
    fn merge_leaf_replaces_removes_and_keeps_order() {
        let p = |n: u8| Hash32([n; 32]);
        let leaf = (p(5), p(50));
        assert_eq!(merge_leaf(&[(p(1), Some(p(10))), (p(9), None)], leaf), [(p(1), p(10)), leaf]);
        assert_eq!(
            merge_leaf(&[(p(5), Some(p(51))), (p(7), Some(p(70)))], leaf),
            [(p(5), p(51)), (p(7), p(70))]
        );
        assert_eq!(merge_leaf(&[(p(5), None)], leaf), []);
    }

    #[test]
    fn incremental_root_equals_root_of_the_state() {
        let mut nodes = MemStore::new();
        let mut state = MemStore::new();
        let mut root = EMPTY_ROOT;
        for block in 0u32..20 {
            let mut block_writes = WriteSet::new();
            for i in 0..30u32 {
                let key = format!("k{}", (block * 7 + i * 13) % 97).into_bytes();
                let value = (i % 5 != 0).then(|| format!("v{block}-{i}").into_bytes());
                block_writes.insert(key, value);
            }
            root = apply(&mut nodes, root, &block_writes);
            crate::state::apply_writes(&mut state, block_writes);
            assert_eq!(root, root_of(&state), "block {block}");
        }
    }

    #[test]
    fn the_split_update_gives_the_same_root_and_nodes_as_the_plain_one() {
        let mut nodes = MemStore::new();
        let mut root = EMPTY_ROOT;
        for block in 0u32..12 {
            // Large blocks (over the split threshold) and small ones, puts and deletes,
            // from an empty tree, a one-leaf tree and a large one.
            let size = if block % 3 == 2 { 3 } else { 400 + block * 37 };
            let mut block_writes = WriteSet::new();
            for i in 0..size {
                let key = format!("k{}", (block * 131 + i * 7) % 1_500).into_bytes();
                let value = (i % 4 != 0).then(|| format!("v{block}-{i}").into_bytes());
                block_writes.insert(key, value);
            }
            let (split_root, split_nodes) = apply_split(&nodes, root, &block_writes);
            let mut plain = crate::state::Overlay::new(&nodes);
            let plain_root = apply(&mut plain, root, &block_writes);
            assert_eq!(split_root, plain_root, "block {block}");
            assert_eq!(split_nodes, plain.into_writes(), "block {block}");
            crate::state::apply_writes(&mut nodes, split_nodes);
            root = split_root;
        }
        let (root_one, _) = apply_split(&nodes, EMPTY_ROOT, &writes(&[("only", Some("1"))]));
        assert_eq!(root_one, leaf_of("only", "1"));
    }

    #[test]
    fn get_reports_a_missing_root() {
        let nodes = MemStore::new();
        let root = Hash32([1; 32]);
        assert_eq!(get(&nodes, &root, b"a"), Err(NodeError::Missing { hash: root }));
    }

    #[test]
    #[should_panic(expected = "invariant broken")]
    fn apply_over_a_missing_root_crashes() {
        let mut nodes = MemStore::new();
        apply(&mut nodes, Hash32([1; 32]), &writes(&[("a", Some("1"))]));
    }
}
