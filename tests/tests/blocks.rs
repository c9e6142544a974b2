//! Blocks as the node and the auditor check them (`jcm_runtime::protocol` and `jcm_runtime::chain`): a block built
//! on F0's genesis executes deterministically, links to its parent, and every field that
//! does not match its content, its parent or its certificate is refused by name.

use jcm_runtime::chain;
use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::SecretKey;
use jcm_runtime::protocol;
use jcm_runtime::protocol::{Block, CommitCertificate, Header, LinkError, Transaction, ValidatorSet};
use jcm_runtime::state::{apply_writes, MemStore};
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::BlockContext;
use jcm_tests::builders;
use jcm_tests::fixture::{dev_certificate, Fixture, F0_VALIDATORS};

struct Chain {
    fixture: Fixture,
    validators: ValidatorSet,
    state: MemStore,
    tree: MemStore,
    genesis: Header,
}

fn chain() -> Chain {
    let fixture = Fixture::f0();
    let (genesis, executed) = chain::genesis_block(&fixture.genesis).expect("F0 starts a chain");
    let validators = chain::genesis_validators(&fixture.genesis).expect("F0's validators");
    let mut state = MemStore::new();
    apply_writes(&mut state, executed.state_writes);
    let mut tree = MemStore::new();
    apply_writes(&mut tree, executed.tree_writes);
    Chain { fixture, validators, state, tree, genesis: genesis.header }
}

/// Block 1 on genesis: the B1 issuance, with every root filled in by execution.
fn block_1(chain: &Chain) -> (Block, chain::Executed) {
    let key = chain.fixture.key("IND01-ADMIN").expect("F0 officer");
    let tx = Transaction::sign("jcm-f0", key, 0, builders::b1(&chain.fixture));
    let txs = vec![tx];
    let time = Timestamp(chain.genesis.time.0 + 86_400);
    let ctx = BlockContext { height: 1, time };
    let executed = chain::execute(&chain.state, &chain.tree, chain.genesis.state_root, &ctx, &txs);
    let header = Header {
        chain_id: chain.genesis.chain_id.clone(),
        protocol_version: protocol::PROTOCOL_VERSION,
        height: 1,
        time,
        previous_block_hash: chain.genesis.hash(),
        proposer: chain.validators.validators()[0].key,
        txs_root: protocol::txs_root(&txs),
        results_root: protocol::results_root(&executed.results),
        state_root: executed.state_root,
        validators_hash: protocol::validators_hash(&chain.validators),
        last_commit_hash: protocol::last_commit_hash(None),
    };
    (Block { header, txs, last_commit: None }, executed)
}

#[test]
fn a_block_executes_deterministically_and_follows_its_parent() {
    let chain = chain();
    let (block, executed) = block_1(&chain);
    assert_eq!(chain.fixture.genesis.chain_id.as_str(), "jcm-f0", "the fixture's chain id");
    assert!(executed.results[0].verdict.is_accepted(), "{:?}", executed.results[0].verdict);
    assert_ne!(executed.state_root, chain.genesis.state_root);
    // Same inputs, same bytes: a second execution gives the same roots and writes.
    let (again, executed_again) = block_1(&chain);
    assert_eq!(again.hash(), block.hash());
    assert_eq!(executed_again, executed);
    protocol::check_link(&chain.genesis, &block, &chain.validators, &chain.validators).expect("links");
    chain::check_execution(&block.header, &executed).expect("roots match");
    // The encoding round-trips and is canonical.
    assert_eq!(Block::decode(&block.encode()).expect("decodes"), block);
}

#[test]
fn every_mismatched_field_is_refused_by_name() {
    let chain = chain();
    let (block, executed) = block_1(&chain);
    let link = |edit: &dyn Fn(&mut Block)| {
        let mut b = block.clone();
        edit(&mut b);
        protocol::check_link(&chain.genesis, &b, &chain.validators, &chain.validators).expect_err("refused")
    };
    assert!(matches!(link(&|b| b.header.height = 2), LinkError::Height { parent: 0, found: 2 }));
    assert!(matches!(link(&|b| b.header.previous_block_hash = Hash32([1; 32])), LinkError::Previous { .. }));
    assert!(matches!(link(&|b| b.header.time = Timestamp(0)), LinkError::Time { .. }));
    assert!(matches!(link(&|b| b.header.protocol_version = 2), LinkError::Version { found: 2 }));
    assert!(matches!(link(&|b| b.txs.clear()), LinkError::Field { field: "transactions root", .. }));
    assert!(matches!(
        link(&|b| b.header.validators_hash = Hash32([2; 32])),
        LinkError::Field { field: "validator-set hash", .. }
    ));
    let stranger = jcm_runtime::protocol::ValidatorKey(SecretKey::dev("stranger").public().0);
    assert!(matches!(link(&|b| b.header.proposer = stranger), LinkError::Proposer(_)));
    // Height 1 follows genesis, which has no commit.
    let cert = dev_certificate(&chain.genesis, &F0_VALIDATORS);
    assert!(matches!(
        link(&|b| {
            b.last_commit = Some(cert.clone());
            b.header.last_commit_hash = protocol::last_commit_hash(b.last_commit.as_ref());
        }),
        LinkError::LastCommit(_)
    ));
    // A wrong state root or results root: a validator prevotes nil on it.
    let mut wrong = block.header.clone();
    wrong.state_root = Hash32([3; 32]);
    let error = chain::check_execution(&wrong, &executed).expect_err("refused");
    assert!(matches!(error, LinkError::Field { field: "state root", .. }), "{error}");
    assert!(error.to_string().contains("state root"), "{error}");
    let mut wrong = block.header.clone();
    wrong.results_root = Hash32([4; 32]);
    let error = chain::check_execution(&wrong, &executed).expect_err("refused");
    assert!(matches!(error, LinkError::Field { field: "results root", .. }), "{error}");
}

#[test]
fn the_next_block_must_carry_a_quorum_certificate_of_its_parent() {
    let chain = chain();
    let (block1, executed) = block_1(&chain);
    let mut state = chain.state.clone();
    apply_writes(&mut state, executed.state_writes.clone());
    let mut tree = chain.tree.clone();
    apply_writes(&mut tree, executed.tree_writes.clone());
    let next = |commit: Option<CommitCertificate>| {
        let time = block1.header.time;
        let ctx = BlockContext { height: 2, time };
        let executed = chain::execute(&state, &tree, block1.header.state_root, &ctx, &[]);
        let header = Header {
            height: 2,
            previous_block_hash: block1.hash(),
            txs_root: protocol::txs_root(&[]),
            results_root: protocol::results_root(&executed.results),
            state_root: executed.state_root,
            last_commit_hash: protocol::last_commit_hash(commit.as_ref()),
            ..block1.header.clone()
        };
        Block { header, txs: Vec::new(), last_commit: commit }
    };
    let check = |b: &Block| protocol::check_link(&block1.header, b, &chain.validators, &chain.validators);
    check(&next(Some(dev_certificate(&block1.header, &F0_VALIDATORS)))).expect("both validators signed");
    // Two validators: one signature is not more than two thirds of the power.
    let error =
        check(&next(Some(dev_certificate(&block1.header, &F0_VALIDATORS[..1])))).expect_err("no quorum");
    assert!(matches!(error, LinkError::LastCommit(_)), "{error}");
    let error = check(&next(None)).expect_err("missing");
    assert!(error.to_string().contains("missing the commit of height 1"), "{error}");
    // A certificate of another block.
    let error =
        check(&next(Some(dev_certificate(&chain.genesis, &F0_VALIDATORS)))).expect_err("another block");
    assert!(matches!(error, LinkError::LastCommit(_)), "{error}");
    // A stranger's signature spoils the certificate.
    let error = check(&next(Some(dev_certificate(&block1.header, &["validator-ind", "stranger"]))))
        .expect_err("stranger");
    assert!(matches!(error, LinkError::LastCommit(_)), "{error}");
}

#[test]
fn list_roots_separate_leaves_from_nodes_and_order_matters() {
    let a = protocol::list_root(b"t", [b"a".to_vec(), b"b".to_vec()]);
    let b = protocol::list_root(b"t", [b"b".to_vec(), b"a".to_vec()]);
    assert_ne!(a, b);
    assert_ne!(protocol::list_root(b"t", []), protocol::list_root(b"t", [Vec::new()]));
    assert_ne!(protocol::list_root(b"t", [b"a".to_vec()]), protocol::list_root(b"u", [b"a".to_vec()]));
    // Three leaves: the odd one is carried up, not duplicated (no [a,b,c] == [a,b,c,c]).
    let three = protocol::list_root(b"t", [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
    let four = protocol::list_root(b"t", [b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"c".to_vec()]);
    assert_ne!(three, four);
}
