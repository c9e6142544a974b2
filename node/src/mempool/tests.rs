//! Unit tests of the mempool over fixture F0's genesis state in memory.
#![allow(clippy::disallowed_methods)] // tests measure real time

use jcm_runtime::crypto::{SecretKey, Signature};
use jcm_runtime::error::Code;
use jcm_runtime::model::{AccountStatus, Text};
use jcm_runtime::protocol::{Payload, Transaction};
use jcm_runtime::state::MemStore;
use jcm_runtime::time::Timestamp;
use jcm_runtime::tx::{self, BlockContext};
use jcm_tests::fixture::Fixture;

use super::{Checked, Mempool, Refusal};
use crate::home::config::MempoolConfig;

struct World {
    fixture: Fixture,
    state: MemStore,
    ctx: BlockContext,
}

impl World {
    fn new() -> Self {
        let fixture = Fixture::f0();
        let state = fixture.state();
        Self { fixture, state, ctx: BlockContext { height: 1, time: Timestamp::start_of_year(2026) } }
    }

    fn key(&self, officer: &str) -> &SecretKey {
        self.fixture.key(officer).expect("F0 officer")
    }

    fn sign(&self, officer: &str, nonce: u64, payload: Payload) -> Transaction {
        Transaction::sign(self.fixture.genesis.chain_id.as_str(), self.key(officer), nonce, payload)
    }

    /// A transaction the rules accept, any number of times: a registry administrator
    /// (re)activates its government account.
    fn ok(&self, admin: &str, nonce: u64) -> Transaction {
        let account = format!("{}-H-GOV", admin.trim_end_matches("-ADMIN"));
        self.sign(admin, nonce, status(&account, AccountStatus::Active))
    }

    /// Commits `tx` into the state as a block would (without the mempool).
    fn commit(&mut self, tx: &Transaction) {
        let verdict = tx::apply(&mut self.state, &self.ctx, tx);
        assert!(verdict.is_accepted(), "{verdict}");
    }
}

fn status(account: &str, status: AccountStatus) -> Payload {
    Payload::SetAccountStatus {
        account: account.parse().expect("account id"),
        status,
        reason: Text::new("test").expect("short"),
    }
}

fn pool() -> Mempool {
    Mempool::new(&MempoolConfig::default())
}

fn codes(refusal: &Refusal) -> Vec<String> {
    refusal.codes().iter().map(|c| c.to_string()).collect()
}

#[test]
fn admits_once_and_refuses_a_duplicate() {
    let w = World::new();
    let mut pool = pool();
    let tx = w.ok("IND01-ADMIN", 0);
    let hash = pool.admit(&w.state, &w.ctx, tx.clone()).expect("admitted");
    assert_eq!(hash, tx.hash());
    assert!(pool.contains(&hash));
    assert_eq!((pool.len(), pool.bytes()), (1, tx.encode().len()));
    let refusal = pool.admit(&w.state, &w.ctx, tx).expect_err("duplicate");
    assert_eq!(refusal, Refusal::Duplicate { hash });
    assert_eq!(refusal.kind(), "duplicate");
    assert_eq!(pool.len(), 1);
}

#[test]
fn refuses_a_transaction_already_on_the_chain() {
    let mut w = World::new();
    let tx = w.ok("IND01-ADMIN", 0);
    w.commit(&tx);
    let refusal = pool().admit(&w.state, &w.ctx, tx).expect_err("committed");
    assert!(matches!(refusal, Refusal::AlreadyCommitted { height: 1, .. }), "{refusal:?}");
}

#[test]
fn nonces_are_contiguous_per_signer() {
    let mut w = World::new();
    let mut pool = pool();
    let refusal = pool.admit(&w.state, &w.ctx, w.ok("IND01-ADMIN", 1)).expect_err("gap");
    assert_eq!(refusal, Refusal::NonceGap { expected: 0, given: 1 });
    assert_eq!(codes(&refusal), ["A6-1008"]);
    let first = pool.admit(&w.state, &w.ctx, w.ok("IND01-ADMIN", 0)).expect("nonce 0");
    pool.admit(&w.state, &w.ctx, w.ok("IND01-ADMIN", 1)).expect("nonce 1 after 0");
    // Another transaction with a pending nonce.
    let other = w.sign("IND01-ADMIN", 0, status("IND01-H-EIN1", AccountStatus::Active));
    let refusal = pool.admit(&w.state, &w.ctx, other).expect_err("taken");
    assert_eq!(refusal, Refusal::NonceTaken { given: 0, pending: first, expected: 2 });
    // Other signers are independent.
    pool.admit(&w.state, &w.ctx, w.ok("JPN01-ADMIN", 0)).expect("another signer");
    assert_eq!(pool.next_nonce(&w.key("IND01-ADMIN").public(), 0), 2);
    // A nonce the state has passed is the runtime's BAD_NONCE.
    w.commit(&w.ok("SGP01-ADMIN", 0));
    let refusal =
        pool.admit(&w.state, &w.ctx, w.sign("SGP01-ADMIN", 0, status("SGP01-H-X", AccountStatus::Active)));
    let refusal = refusal.expect_err("stale");
    assert!(matches!(&refusal, Refusal::Rejected(v) if v.codes() == [Code::BadNonce]), "{refusal:?}");
}

#[test]
fn rule_failures_refuse_admission_with_their_codes() {
    let w = World::new();
    let mut pool = pool();
    // R10: the JPN01 administrator cannot change an IND01 account.
    let tx = w.sign("JPN01-ADMIN", 0, status("IND01-H-GOV", AccountStatus::Suspended));
    let refusal = pool.admit(&w.state, &w.ctx, tx).expect_err("unauthorized");
    assert_eq!(refusal.kind(), "rejected");
    assert_eq!(codes(&refusal), ["A6-2006"]);
    let Refusal::Rejected(verdict) = &refusal else { panic!("{refusal:?}") };
    assert!(!verdict.rejections[0].message.is_empty());

    let mut forged = w.ok("IND01-ADMIN", 0);
    forged.signature = Signature([7; 64]);
    assert_eq!(codes(&pool.admit(&w.state, &w.ctx, forged).expect_err("forged")), ["A6-1006"]);

    let other_chain = Transaction::sign(
        "another-chain",
        w.key("IND01-ADMIN"),
        0,
        status("IND01-H-GOV", AccountStatus::Active),
    );
    assert_eq!(codes(&pool.admit(&w.state, &w.ctx, other_chain).expect_err("chain")), ["A6-1007"]);
    assert!(pool.is_empty(), "nothing refused is kept");
}

#[test]
fn the_dry_run_sees_the_signers_earlier_pending_transactions() {
    let w = World::new();
    let mut pool = pool();
    pool.admit(&w.state, &w.ctx, w.sign("IND01-ADMIN", 0, status("IND01-CXL-VOL", AccountStatus::Closed)))
        .expect("close an empty cancellation account");
    let reopen = w.sign("IND01-ADMIN", 1, status("IND01-CXL-VOL", AccountStatus::Active));
    let refusal = pool.admit(&w.state, &w.ctx, reopen).expect_err("closed for good once the first applies");
    assert_eq!(codes(&refusal), ["A6-2005"]);
}

#[test]
fn bounds_per_signer_in_transactions_and_in_bytes() {
    let w = World::new();
    let config =
        MempoolConfig { txs_max: 3, bytes_max: 1 << 20, txs_per_signer_max: 2, ..MempoolConfig::default() };
    let mut pool = Mempool::new(&config);
    pool.admit(&w.state, &w.ctx, w.ok("IND01-ADMIN", 0)).expect("0");
    pool.admit(&w.state, &w.ctx, w.ok("IND01-ADMIN", 1)).expect("1");
    let refusal = pool.admit(&w.state, &w.ctx, w.ok("IND01-ADMIN", 2)).expect_err("signer full");
    assert!(matches!(refusal, Refusal::SignerFull { pending: 2, max: 2, .. }), "{refusal:?}");
    pool.admit(&w.state, &w.ctx, w.ok("JPN01-ADMIN", 0)).expect("third");
    let refusal = pool.admit(&w.state, &w.ctx, w.ok("SGP01-ADMIN", 0)).expect_err("full");
    assert!(matches!(refusal, Refusal::Full { txs: 3, txs_max: 3, .. }), "{refusal:?}");
    assert_eq!(refusal.kind(), "mempool_full");

    let one = w.ok("IND01-ADMIN", 0).encode().len();
    let config = MempoolConfig {
        txs_max: 100,
        bytes_max: (one * 2 - 1) as u64,
        txs_per_signer_max: 100,
        ..MempoolConfig::default()
    };
    let mut pool = Mempool::new(&config);
    pool.admit(&w.state, &w.ctx, w.ok("IND01-ADMIN", 0)).expect("fits");
    let refusal = pool.admit(&w.state, &w.ctx, w.ok("IND01-ADMIN", 1)).expect_err("bytes");
    assert!(matches!(refusal, Refusal::Full { txs: 1, .. }), "{refusal:?}");
}

#[test]
fn update_drops_committed_stale_and_now_failing_transactions() {
    let mut w = World::new();
    let mut pool = pool();
    let a0 = w.ok("IND01-ADMIN", 0);
    let a1 = w.ok("IND01-ADMIN", 1);
    let a2 = w.ok("IND01-ADMIN", 2);
    for tx in [&a0, &a1, &a2] {
        pool.admit(&w.state, &w.ctx, tx.clone()).expect("admitted");
    }
    w.commit(&a0);
    w.ctx.height = 2;
    pool.update(&w.state, &w.ctx, &[a0.hash()]);
    assert!(!pool.contains(&a0.hash()));
    assert!(pool.contains(&a1.hash()) && pool.contains(&a2.hash()));
    assert_eq!(pool.bytes(), a1.encode().len() + a2.encode().len());
    let reaped: Vec<_> = pool.reap(10, usize::MAX).iter().map(Transaction::hash).collect();
    assert_eq!(reaped, [a1.hash(), a2.hash()]);

    // JPN01's nonce 0 is taken on the chain by another transaction (from another node):
    // its pending 0 is stale; its 1, reopening the account the chain closed, now fails;
    // its 2 can no longer follow.
    let j0 = w.ok("JPN01-ADMIN", 0);
    let j1 = w.sign("JPN01-ADMIN", 1, status("JPN01-CXL-VOL", AccountStatus::Active));
    let j2 = w.ok("JPN01-ADMIN", 2);
    for tx in [&j0, &j1, &j2] {
        pool.admit(&w.state, &w.ctx, tx.clone()).expect("admitted");
    }
    w.commit(&w.sign("JPN01-ADMIN", 0, status("JPN01-CXL-VOL", AccountStatus::Closed)));
    w.ctx.height = 3;
    pool.update(&w.state, &w.ctx, &[]);
    for tx in [&j0, &j1, &j2] {
        assert!(!pool.contains(&tx.hash()), "dropped");
    }
    assert_eq!(pool.len(), 2, "IND01's transactions still pass");
    assert_eq!(pool.bytes(), a1.encode().len() + a2.encode().len());
}

#[test]
fn a_bounded_recheck_drops_committed_and_stale_everywhere_and_reruns_signers_in_turn() {
    let mut w = World::new();
    let config = MempoolConfig { recheck_txs_max: 1, ..MempoolConfig::default() };
    let mut pool = Mempool::new(&config);
    let a0 = w.ok("IND01-ADMIN", 0);
    let a1 = w.ok("IND01-ADMIN", 1);
    let j0 = w.ok("JPN01-ADMIN", 0);
    let j1 = w.sign("JPN01-ADMIN", 1, status("JPN01-CXL-VOL", AccountStatus::Active));
    let j2 = w.ok("JPN01-ADMIN", 2);
    for tx in [&a0, &a1, &j0, &j1, &j2] {
        pool.admit(&w.state, &w.ctx, tx.clone()).expect("admitted");
    }
    // The block commits IND01's a0 and, from another node, a JPN01 nonce 0 that closes
    // the account j1 reopens.
    w.commit(&a0);
    w.commit(&w.sign("JPN01-ADMIN", 0, status("JPN01-CXL-VOL", AccountStatus::Closed)));
    w.ctx.height = 2;
    pool.update(&w.state, &w.ctx, &[a0.hash()]);
    // IND01 (first to arrive) had its turn; JPN01's queue was only trimmed: its stale
    // nonce 0 is gone, and j1, which now fails, waits for its turn.
    assert!(!pool.contains(&a0.hash()) && !pool.contains(&j0.hash()));
    assert!(pool.contains(&a1.hash()) && pool.contains(&j1.hash()) && pool.contains(&j2.hash()));
    assert_eq!(pool.len(), 3);
    assert_eq!(pool.bytes(), [&a1, &j1, &j2].iter().map(|t| t.encode().len()).sum::<usize>());
    assert_eq!(
        pool.reap(10, usize::MAX),
        [a1.clone(), j1.clone(), j2.clone()],
        "queues start at the next nonce"
    );

    w.ctx.height = 3;
    pool.update(&w.state, &w.ctx, &[]);
    // JPN01's turn: j1 fails the rules now, and j2 can no longer follow it.
    assert!(!pool.contains(&j1.hash()) && !pool.contains(&j2.hash()));
    assert_eq!(pool.reap(10, usize::MAX), std::slice::from_ref(&a1));

    // A signer whose queue was not re-run is re-run before its next admission.
    let a2 = w.ok("IND01-ADMIN", 2);
    pool.admit(&w.state, &w.ctx, a2.clone()).expect("admitted after a1");
    assert_eq!(pool.reap(10, usize::MAX), [a1, a2]);
}

#[test]
fn admission_after_a_commit_but_before_update_sees_the_new_state() {
    let mut w = World::new();
    let mut pool = pool();
    let a0 = w.ok("IND01-ADMIN", 0);
    pool.admit(&w.state, &w.ctx, a0.clone()).expect("admitted");
    w.commit(&a0);
    w.ctx.height = 2;
    // The driver has not called update yet: nonce 1 is still the next one.
    pool.admit(&w.state, &w.ctx, w.ok("IND01-ADMIN", 1)).expect("nonce 1");
    assert!(!pool.contains(&a0.hash()), "the committed one went with the refresh");
    assert_eq!(pool.next_nonce(&w.key("IND01-ADMIN").public(), 1), 2);
}

#[test]
fn reap_takes_signers_in_turn_in_order_of_arrival() {
    let w = World::new();
    let mut pool = pool();
    let (a, b, c) = ("IND01-ADMIN", "JPN01-ADMIN", "SGP01-ADMIN");
    let arrivals = [(a, 0), (b, 0), (a, 1), (c, 0), (a, 2), (b, 1)];
    for (signer, nonce) in arrivals {
        pool.admit(&w.state, &w.ctx, w.ok(signer, nonce)).expect("admitted");
    }
    let expected = [(a, 0), (b, 0), (c, 0), (a, 1), (b, 1), (a, 2)].map(|(s, n)| w.ok(s, n));
    assert_eq!(pool.reap(100, usize::MAX), expected);
    assert_eq!(pool.reap(4, usize::MAX), expected[..4]);
    let one = expected[0].encode().len();
    assert_eq!(pool.reap(100, 2 * one + 1), expected[..2], "byte bound");
    assert!(pool.reap(0, usize::MAX).is_empty());
    assert_eq!(pool.len(), 6, "reaping removes nothing");
}

/// The cost of the re-check after a block with a full pool. Run with
/// `cargo test -p jcm-node --release mempool::tests::recheck_cost -- --ignored --nocapture`.
#[test]
#[ignore = "measurement, prints timings"]
fn recheck_cost() {
    let w = World::new();
    // The three registry administrators of F0, each with a third of a full pool.
    let signers = ["IND01-ADMIN", "JPN01-ADMIN", "SGP01-ADMIN"];
    let per_signer = 3_334;
    let config = MempoolConfig {
        txs_max: 10_002,
        bytes_max: 1 << 30,
        txs_per_signer_max: per_signer as u32,
        recheck_txs_max: 10_002,
    };
    let mut pool = Mempool::new(&config);
    let started = std::time::Instant::now();
    for signer in signers {
        for nonce in 0..per_signer as u64 {
            pool.admit(&w.state, &w.ctx, w.ok(signer, nonce)).expect("admitted");
        }
    }
    let admitted = started.elapsed();
    let n = pool.len();
    let started = std::time::Instant::now();
    pool.update(&w.state, &w.ctx, &[]);
    let recheck = started.elapsed();
    println!(
        "{n} txs: admission {admitted:?} ({:?}/tx), recheck {recheck:?} ({:?}/tx)",
        admitted / n as u32,
        recheck / n as u32
    );
    assert_eq!(pool.len(), n);
}

#[test]
fn a_dry_run_counts_the_signers_pending_transactions() {
    let w = World::new();
    let mut pool = pool();
    pool.admit(&w.state, &w.ctx, w.ok("IND01-ADMIN", 0)).expect("admitted");
    assert!(pool.dry_run_verdict(&w.state, &w.ctx, &Checked::new(w.ok("IND01-ADMIN", 1))).is_accepted());
    let stale = pool.dry_run_verdict(
        &w.state,
        &w.ctx,
        &Checked::new(w.sign("IND01-ADMIN", 0, status("IND01-H-EIN1", AccountStatus::Active))),
    );
    assert_eq!(stale.codes(), [Code::BadNonce]);
    let mut forged = w.ok("IND01-ADMIN", 1);
    forged.signature = Signature([1; 64]);
    assert_eq!(pool.dry_run_verdict(&w.state, &w.ctx, &Checked::new(forged)).codes(), [Code::BadSignature]);
    assert_eq!(pool.len(), 1, "a dry run admits nothing");
}
