//! The rules engine's entry points: [`apply`] one transaction, [`begin_block`] to run the
//! block-time rules (external-transfer timeouts R39, governance R43, R49, R51).
//!
//! Each transaction runs over an [`Overlay`]: guards accumulate every failed check in
//! [`Checks`] (all failing codes are reported, not only the first), and the writes reach
//! the store only if none failed. Whatever the verdict, a transaction that reached the
//! rules consumes its nonce and leaves a receipt (R1), so the chain is the audit log of
//! rejections too.

use super::context::{BlockContext, Checks, Ctx};
use crate::error::Code;
use crate::protocol::{Payload, Transaction};
use crate::state::{apply_writes, keys, Overlay, Receipt, StateExt, Store};
use crate::verdict::{Original, Verdict};

/// Verifies the signature, then applies the transaction ([`apply_verified`]).
pub fn apply<S: Store + ?Sized>(store: &mut S, block: &BlockContext, tx: &Transaction) -> Verdict {
    if !tx.signature_valid() {
        return bad_signature();
    }
    apply_verified(store, block, tx)
}

/// The verdict on a transaction whose signature does not verify
/// ([`Transaction::signature_valid`]): it changes nothing, not even the nonce.
pub fn bad_signature() -> Verdict {
    Verdict::reject(Code::BadSignature, "the signature does not verify for the signer's key")
}

/// Applies a transaction whose signature the caller has verified. A duplicate (R1), a
/// transaction for another chain or with a wrong nonce changes nothing at all; any other
/// transaction consumes its nonce and leaves a receipt, and changes the ledger only if
/// every rule passed.
pub fn apply_verified<S: Store + ?Sized>(store: &mut S, block: &BlockContext, tx: &Transaction) -> Verdict {
    let hash = tx.hash();
    // R1: a transaction id is recorded once; a duplicate quotes the original verdict.
    if let Some(original) = store.receipt(&hash) {
        let mut verdict = Verdict::reject(
            Code::DuplicateTransactionId,
            format!("transaction {hash} was already recorded at height {}", original.height),
        );
        verdict.original = Some(Original {
            status: original.verdict.status,
            codes: original.verdict.codes(),
            height: original.height,
        });
        return verdict;
    }
    let meta = store.meta();
    if tx.body.chain_id != meta.chain_id {
        return Verdict::reject(
            Code::WrongChain,
            format!("signed for chain `{}`, this chain is `{}`", tx.body.chain_id, meta.chain_id),
        );
    }
    let expected = store.nonce(&tx.body.signer);
    if tx.body.nonce != expected {
        return Verdict::reject(
            Code::BadNonce,
            format!("nonce {} given, the signer's next nonce is {expected}", tx.body.nonce),
        );
    }
    let cx = Ctx {
        height: block.height,
        time: block.time,
        tx: hash,
        signer: tx.body.signer,
        officer: store.officer(&tx.body.signer),
    };
    let mut overlay = Overlay::new(&*store);
    let mut checks = Checks::default();
    run_guards_and_effects(&mut overlay, &cx, &mut checks, &tx.body.payload);
    let writes = overlay.into_writes();
    let verdict = checks.into_verdict();
    if verdict.is_accepted() {
        apply_writes(store, writes);
    }
    store.write(keys::nonce(&tx.body.signer), &(expected + 1));
    store.write(keys::receipt(&hash), &Receipt { height: block.height, verdict: verdict.clone() });
    verdict
}

fn run_guards_and_effects<S: Store + ?Sized>(st: &mut S, cx: &Ctx, ck: &mut Checks, payload: &Payload) {
    // R5: the action date is the block time; it must not precede Article 6.2.
    ck.ensure(cx.time >= crate::time::ARTICLE6_EPOCH, Code::InvalidActionDate, || {
        format!("the action date {} is before 2021-01-01", cx.time)
    });
    // R48: a rotated-away or revoked key signs nothing more; no other rule is run.
    if super::gov::rotation::refuse_retired(st, cx, ck) {
        return;
    }
    // R10: the signer must be a known officer; each action checks the role it needs.
    // R45: the one exception is the admitted Party's authority key consenting to its
    // open admission, before it is an officer.
    // R52: and a validator's consensus key reporting evidence.
    let consent = super::gov::proposal::consents_as_admitted(st, payload, &cx.signer);
    let reporter = super::gov::evidence::reports_as_validator(st, payload, &cx.signer);
    ck.ensure(cx.officer.is_some() || consent || reporter, Code::UnauthorizedSigner, || {
        format!("key {} belongs to no officer of this chain", cx.signer)
    });
    super::dispatch::dispatch(st, cx, ck, payload);
}

/// Runs the rules that depend on the block alone: external-transfer timeouts (R39),
/// proposal expiry (R43), validator changes due at this height (R49) and the upgrade
/// height (R51). Called once per block, before its transactions.
pub fn begin_block<S: Store + ?Sized>(store: &mut S, block: &BlockContext) {
    super::transfer_external::expire(store, block);
    super::gov::begin_block(store, block);
}
