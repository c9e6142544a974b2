//! The node's block path, over a real RocksDB store (`cargo bench -p jcm-tests --bench
//! block`). Blocks hold 1,000 internal transfers (by range and by quantity, 128 signers)
//! of the load generator's plan, on F0 with the load signers and their setup units:
//!
//! - `block/decode_1000`: `Block::decode` of the canonical bytes;
//! - `block/verify_1000`: every transaction's signature, as the runtime checks it
//!   (`Transaction::signature_valid`);
//! - `block/validate_1000`: `chain::validate`: link checks, execution of the 1,000
//!   transactions over the store (every signature checked again, as a syncing node does), the
//!   state-root update, and the results and state roots compared with the header;
//! - `block/merkle_1000`: the state-root update alone (`merkle::apply` of the block's
//!   writes over the store's tree);
//! - `block/pipeline_1000`: what a node does with a decided block it did not build:
//!   decode, validate, and `chain::commit` (one fsynced RocksDB batch with the indexes),
//!   a new height each iteration.
#![allow(clippy::disallowed_methods)] // benchmarks measure time

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jcm_load::check::decode;
use jcm_load::genesis::{self, Selection};
use jcm_load::plan::{self, Mix, PlanInput};
use jcm_node::chain;
use jcm_node::store::{Db, DbOptions};
use jcm_runtime::merkle;
use jcm_runtime::protocol;
use jcm_runtime::protocol::{Block, Genesis, Header, Transaction, ValidatorSet};
use jcm_runtime::state::Overlay;
use jcm_runtime::time::Timestamp;
use jcm_tests::fixture::{dev_certificate, Fixture};

/// Transactions per block.
const BLOCK_TXS: usize = 1_000;
/// Blocks signed in advance for the pipeline bench (criterion's sampling stays below).
const BLOCKS: usize = 160;
/// Load signers.
const SIGNERS: usize = 128;

struct Chain {
    db: Db,
    head: Header,
    validators: ValidatorSet,
    validator_names: Vec<String>,
    _dir: TempDir,
}

/// A directory removed on drop.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Chain {
    fn open(genesis: &Genesis) -> Self {
        let dir = std::env::temp_dir().join(format!("jcm-bench-block-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut db = Db::open(&dir, &DbOptions::new(genesis.hash())).expect("open the store");
        let head = chain::open(&mut db, genesis).expect("genesis");
        let validators = jcm_runtime::chain::genesis_validators(genesis).expect("validators");
        let validator_names = genesis.validators.iter().map(|v| v.name.to_string()).collect();
        Self { db, head, validators, validator_names, _dir: TempDir(dir) }
    }

    /// The block after the head with `txs`, every root filled in, as a proposer builds it.
    fn build(&self, txs: Vec<Transaction>) -> Block {
        let last_commit = chain::stored_commit(&self.db, self.head.height).expect("read the last commit");
        let mut header = Header {
            chain_id: self.head.chain_id.clone(),
            protocol_version: protocol::PROTOCOL_VERSION,
            height: self.head.height + 1,
            time: Timestamp(self.head.time.0.max(Timestamp::parse("2026-03-01").expect("date").0)),
            previous_block_hash: self.head.hash(),
            proposer: self.validators.validators()[0].key,
            txs_root: protocol::txs_root(&txs),
            results_root: protocol::results_root(&[]),
            state_root: self.head.state_root,
            validators_hash: protocol::validators_hash(&self.validators),
            last_commit_hash: protocol::last_commit_hash(last_commit.as_ref()),
        };
        let executed = chain::execute(&self.db, &self.head, &header, &txs);
        assert!(executed.results.iter().all(|r| r.verdict.is_accepted()), "the plan is valid");
        header.results_root = protocol::results_root(&executed.results);
        header.state_root = executed.state_root;
        Block { header, txs, last_commit }
    }

    /// Decodes, validates and commits `bytes` as the next block; returns the time each
    /// of the three steps took.
    fn apply(&mut self, bytes: &[u8]) -> [Duration; 3] {
        let start = Instant::now();
        let block = Block::decode(bytes).expect("decodes");
        let decoded = Instant::now();
        let executed = chain::validate(&self.db, &self.head, &block).expect("valid");
        let validated = Instant::now();
        // The certificate is signed here in a node's consensus, not by the block path.
        let names: Vec<&str> = self.validator_names.iter().map(String::as_str).collect();
        let certificate = dev_certificate(&block.header, &names);
        let signed = Instant::now();
        chain::commit(&mut self.db, &block, &certificate, executed).expect("commit");
        self.head = block.header;
        [decoded - start, validated - decoded, signed.elapsed()]
    }
}

/// F0 with the load signers, its setup committed, and the transfer blocks to come.
fn prepare() -> (Chain, Vec<Vec<Transaction>>) {
    let f0 = Fixture::f0();
    let genesis = genesis::extend(&f0.genesis, SIGNERS, &Selection::All).expect("load signers");
    let network = genesis::run_network(&genesis, &Selection::All).expect("actors");
    let signers = genesis::signers_in(&genesis, &network).expect("load signers");
    let mix = Mix::parse("range=1,quantity=1").expect("mix");
    let input = PlanInput {
        chain_id: genesis.chain_id.as_str(),
        network: &network,
        signers: &signers,
        officer_keys: &f0.keys,
        officer_nonces: &Default::default(),
        txs: BLOCK_TXS * BLOCKS,
        mix: &mix,
        seed: 1,
        threads: 2,
    };
    let plan = plan::build(&input).expect("plan");
    let mut chain = Chain::open(&genesis);
    for phase in &plan.setup {
        let block = chain.build(phase.iter().map(decode).collect());
        let _ = chain.apply(&block.encode());
    }
    let blocks = plan.load.chunks(BLOCK_TXS).map(|c| c.iter().map(decode).collect()).collect();
    (chain, blocks)
}

fn bench_block(c: &mut Criterion) {
    let (mut chain, blocks) = prepare();
    let mut blocks = blocks.into_iter();
    let first = chain.build(blocks.next().expect("a block"));
    let bytes = first.encode();
    let mut group = c.benchmark_group("block");
    group.throughput(Throughput::Elements(BLOCK_TXS as u64));
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("decode_1000", |b| b.iter(|| Block::decode(&bytes).expect("decodes")));
    group.bench_function("verify_1000", |b| {
        b.iter(|| assert!(first.txs.iter().all(Transaction::signature_valid)))
    });
    group.bench_function("validate_1000", |b| {
        b.iter(|| chain::validate(&chain.db, &chain.head, &first).expect("valid"))
    });
    let executed = chain::validate(&chain.db, &chain.head, &first).expect("valid");
    group.bench_function("merkle_1000", |b| {
        b.iter(|| {
            let mut nodes = Overlay::new(chain.db.merkle());
            merkle::apply(&mut nodes, chain.head.state_root, &executed.state_writes)
        })
    });
    let _ = chain.apply(&bytes);
    let mut steps = [Duration::ZERO; 3];
    let mut applied = 0u32;
    group.bench_function("pipeline_1000", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let txs = blocks.next().expect("more blocks signed in advance than criterion asks for");
                let bytes = chain.build(txs).encode();
                let step = chain.apply(&bytes);
                spent += step.iter().sum::<Duration>();
                for (total, one) in steps.iter_mut().zip(step) {
                    *total += one;
                }
                applied += 1;
            }
            spent
        })
    });
    group.finish();
    let ms = |d: Duration| d.as_secs_f64() * 1e3 / f64::from(applied.max(1));
    eprintln!(
        "pipeline_1000 per block over {applied} blocks (heights {}..={}): decode {:.1} ms, validate {:.1} ms, \
         commit {:.1} ms",
        chain.head.height + 1 - u64::from(applied),
        chain.head.height,
        ms(steps[0]),
        ms(steps[1]),
        ms(steps[2])
    );
}

criterion_group!(benches, bench_block);
criterion_main!(benches);
