//! The verifier's side of validator-set changes (R49): from the genesis set, through each
//! transition a proof lists, to the set in force at the proof's height. Each transition
//! is checked against the set trusted until then, and the changes it shows are applied
//! with the runtime's own [`gov::validators::apply_one`], as `begin_block` applies them.

use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::merkle;
use jcm_runtime::model::Validator;
use jcm_runtime::protocol::ValidatorSet;
use jcm_runtime::state::keys;
use jcm_runtime::tx::gov::{self, ScheduledChange};

use super::check::{self, Chain, Uncertified};
use super::file::{Transition, UnitProof};
use super::{CheckError, Part, VALUE_BYTES_MAX};

/// The first height a change can take effect at in a proof: the height before it must
/// be a block with a certificate (the genesis has none), and the genesis state schedules
/// no change (a change is decided in a block and takes effect at least
/// `GOV_EFFECT_DELAY_BLOCKS` later, so 3 is the earliest on a real chain).
pub const FIRST_CHANGE_HEIGHT: u64 = 2;

/// The set the verifier trusts at a height.
pub(super) struct Trusted {
    /// The validator records, as [`gov::validators::apply_one`] changes them.
    pub validators: Vec<Validator>,
    /// Their consensus form, which certificates are checked against.
    pub set: ValidatorSet,
    /// The changes applied since genesis, in the order they took effect.
    pub applied: Vec<ScheduledChange>,
}

/// The set in force at the proof's height: the genesis set with each transition's
/// changes applied in order, each transition checked against the set before it.
pub(super) fn follow(chain: &Chain, proof: &UnitProof) -> Result<Trusted, CheckError> {
    let mut trusted =
        Trusted { validators: chain.validators.clone(), set: chain.set.clone(), applied: Vec::new() };
    let mut previous: Option<u64> = None;
    for t in &proof.transitions {
        let fail = |message: String| CheckError::Transition { height: t.height, part: Part::Order, message };
        if t.height < FIRST_CHANGE_HEIGHT || t.height > proof.height {
            return Err(fail(format!(
                "a change the proof rests on takes effect from height {FIRST_CHANGE_HEIGHT} up to \
                 the proven height {}",
                proof.height
            )));
        }
        if previous.is_some_and(|p| t.height <= p) {
            return Err(fail(format!(
                "heights increase, and the transition before it is at height {}",
                previous.unwrap_or(0)
            )));
        }
        let changes = shown(chain, &trusted, proof, t)?;
        apply(&mut trusted, t.height, changes)?;
        previous = Some(t.height);
    }
    Ok(trusted)
}

/// The changes taking effect at `t.height`, once the state of the height before is
/// shown certified by `trusted` and to hold exactly them: every proposal id the counter
/// has given out has its schedule entry for that height proven present or absent.
fn shown(
    chain: &Chain,
    trusted: &Trusted,
    proof: &UnitProof,
    t: &Transition,
) -> Result<Vec<ScheduledChange>, CheckError> {
    let fail = |part: Part, message: String| CheckError::Transition { height: t.height, part, message };
    let before = t.height - 1;
    let header =
        check::certified(chain, &trusted.set, &t.header, &t.commit, before).map_err(|e| match e {
            Uncertified::Header(m) => fail(Part::Header, m),
            Uncertified::Commit(m) => fail(Part::Commit, m),
        })?;
    let root = header.state_root;
    let meta = check::meta_claim(chain, &proof.meta)?;
    merkle::verify(&root, keys::META, Some(&meta), &t.meta).map_err(|e| {
        fail(
            Part::Meta,
            format!("the state of height {before} does not hold this genesis's chain metadata: {e}"),
        )
    })?;
    let next = next_proposal(&root, t).map_err(|m| fail(Part::NextProposal, m))?;
    let ids = next - 1;
    if t.changes.len() as u64 != ids {
        let given = if ids == 0 { "no proposal".to_string() } else { format!("proposals 1 to {ids}") };
        return Err(fail(
            Part::Changes,
            format!(
                "the counter gave out {given} by height {before}, and each needs its entry, present \
                 or absent; the file lists {}",
                t.changes.len()
            ),
        ));
    }
    let mut changes = Vec::new();
    for (p, lookup) in (1..next).zip(&t.changes) {
        let key = keys::scheduled_validators(t.height, p);
        let Some(bytes) = check::lookup(&root, &key, lookup).map_err(|m| fail(Part::Change(p), m))? else {
            continue;
        };
        let change: ScheduledChange = codec::decode(&bytes, VALUE_BYTES_MAX)
            .map_err(|e| fail(Part::Change(p), format!("the value does not decode: {e}")))?;
        if (change.proposal, change.height) != (p, t.height) {
            return Err(fail(
                Part::Change(p),
                format!(
                    "it is recorded as proposal {}'s change at height {}",
                    change.proposal, change.height
                ),
            ));
        }
        changes.push(change);
    }
    if changes.is_empty() {
        return Err(fail(Part::Changes, "no proposal scheduled a change for this height".into()));
    }
    Ok(changes)
}

/// The counter `gn` in the state of the height before `t.height` (absent means 1).
fn next_proposal(root: &Hash32, t: &Transition) -> Result<u64, String> {
    let value = check::lookup(root, keys::NEXT_PROPOSAL, &t.next_proposal)?;
    let next = match value {
        None => 1,
        Some(bytes) => {
            codec::decode::<u64>(&bytes, 8).map_err(|e| format!("the value does not decode: {e}"))?
        }
    };
    if next == 0 {
        return Err("the counter is 0; proposals are numbered from 1".into());
    }
    Ok(next)
}

/// Applies the changes of `height` in key (proposal) order, as `begin_block` does.
fn apply(trusted: &mut Trusted, height: u64, changes: Vec<ScheduledChange>) -> Result<(), CheckError> {
    for change in changes {
        gov::validators::apply_one(&mut trusted.validators, &change.change).map_err(|(code, message)| {
            CheckError::Transition {
                height,
                part: Part::Change(change.proposal),
                message: format!("the change does not apply to the set then ({code}): {message}"),
            }
        })?;
        trusted.applied.push(change);
    }
    trusted.set = gov::consensus_set(&trusted.validators)
        .expect("apply_one leaves only a set that runs consensus (it checks it after each change)");
    Ok(())
}
