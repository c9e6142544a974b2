//! Moving units and recording what happened: splitting stored blocks around the moved
//! slice (R31: both parts keep every attribute), merging equal neighbours, classifying
//! first transfers (R28, R30), and appending events with their ledger effects (R29).

use crate::codec::Hash32;
use crate::events::{Event, EventKind};
use crate::ids::RegistryId;
use crate::model::{includes_oimp, Authorization, FirstTransferDefinition, Purpose};
use crate::state::{keys, AuthMeta, ReadStore, StateExt, Store};
use crate::tx::context::Ctx;
use crate::units::{AuthBinding, UnitAttrs, UnitBlock};

/// Replaces `piece` (a slice of a stored block) by the same serials with `attrs`; the
/// rest of the stored block keeps its attributes. Returns the rewritten slice.
pub fn rewrite<S: Store + ?Sized>(st: &mut S, piece: &UnitBlock, attrs: UnitAttrs) -> UnitBlock {
    let stored = st
        .blocks_in_range(&piece.ca, &piece.ftp, piece.first, piece.first)
        .into_iter()
        .next()
        .expect("a selected piece lies in a stored block");
    assert!(stored.first <= piece.first && piece.last <= stored.last, "piece inside its block");
    st.delete_block(&stored);
    if stored.first < piece.first {
        st.put_block(&stored.slice(stored.first, piece.first - 1));
    }
    if piece.last < stored.last {
        st.put_block(&stored.slice(piece.last + 1, stored.last));
    }
    let moved = UnitBlock { attrs, ..piece.clone() };
    insert_merged(st, moved.clone());
    moved
}

/// Stores `block`, merging it with neighbours that have equal attributes.
pub fn insert_merged<S: Store + ?Sized>(st: &mut S, mut block: UnitBlock) {
    if block.first > 1 {
        if let Some(left) = st.read::<UnitBlock>(&keys::units(&block.ca, &block.ftp, block.first - 1)) {
            if left.attrs == block.attrs {
                st.delete_block(&left);
                block.first = left.first;
            }
        }
    }
    if let Some(right) =
        st.blocks_in_range(&block.ca, &block.ftp, block.last + 1, block.last + 1).into_iter().next()
    {
        if right.first == block.last + 1 && right.attrs == block.attrs {
            st.delete_block(&right);
            block.last = right.last;
        }
    }
    st.put_block(&block);
}

/// Joins consecutive blocks with equal attributes (for one event per moved block).
pub fn coalesce(blocks: Vec<UnitBlock>) -> Vec<UnitBlock> {
    let mut out: Vec<UnitBlock> = Vec::with_capacity(blocks.len());
    for block in blocks {
        match out.last_mut() {
            Some(prev)
                if prev.ftp == block.ftp && prev.last + 1 == block.first && prev.attrs == block.attrs =>
            {
                prev.last = block.last;
            }
            _ => out.push(block),
        }
    }
    out
}

/// The events that count as a first transfer (R28).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Trigger {
    /// Leaving for another Party's registry (external transfer, non-host issuance).
    International,
    /// Attaching an authorization (AUTHORIZE, or issuance under one).
    Authorization,
    /// Issuance under an authorization.
    Issuance,
    /// OIMP use or cancellation.
    UseOrCancellation,
    /// Cancellation to deliver OMGE (R28d): always a first transfer.
    OmgeCancellation,
}

/// Whether `trigger` is the first transfer of units under `auth` (R28 a–d).
pub fn triggers(auth: &Authorization, trigger: Trigger) -> bool {
    let terms = &auth.terms;
    let oimp = includes_oimp(&terms.purposes);
    let definition = terms.first_transfer;
    match trigger {
        // R28a, R28c: NDC authorizations first transfer on leaving the host; an OIMP
        // authorization does so too unless it names another event.
        Trigger::International => {
            terms.purposes.contains(&Purpose::NDC)
                || definition.is_none_or(|d| d == FirstTransferDefinition::FirstInternationalTransfer)
        }
        // R28b: the event named by the OIMP first-transfer definition.
        Trigger::Authorization => oimp && definition == Some(FirstTransferDefinition::Authorisation),
        Trigger::Issuance => {
            oimp && matches!(
                definition,
                Some(FirstTransferDefinition::Issuance | FirstTransferDefinition::Authorisation)
            )
        }
        Trigger::UseOrCancellation => oimp && definition == Some(FirstTransferDefinition::UseOrCancellation),
        // R28d.
        Trigger::OmgeCancellation => true,
    }
}

/// The authorization version that governs a block: the version bound at its first
/// transfer, or the latest one before it (R25).
pub fn effective_authorization<S: ReadStore + ?Sized>(
    st: &S,
    binding: &AuthBinding,
) -> Option<Authorization> {
    match binding.bound_version {
        Some(version) => st.authorization(&binding.id, version),
        None => st.authorization_latest(&binding.id),
    }
}

/// Sets the first-transfer flag (R30: never cleared) and binds the authorization
/// version in force (R25).
pub fn mark_first_transferred<S: ReadStore + ?Sized>(st: &S, attrs: &mut UnitAttrs) {
    assert!(!attrs.first_transferred, "R30: a block is first transferred once");
    attrs.first_transferred = true;
    if let Some(binding) = &mut attrs.authorization {
        let latest = st.auth_meta(&binding.id).map(|m| m.latest);
        binding.bound_version = latest;
    }
}

/// Appends an event and applies its ledger effect (R29): a first transfer adds `+q` to
/// the first transferring Party for the vintage, an NDC use `-q` to the using Party for
/// the use year. Nothing else touches the ledger.
pub fn emit<S: Store + ?Sized>(
    st: &mut S,
    cx: &Ctx,
    registry: Option<RegistryId>,
    kind: EventKind,
    units: Option<UnitBlock>,
) {
    emit_at(st, cx.height, cx.time, cx.tx, registry, kind, units);
}

/// [`emit`] for block-level events that have no transaction.
pub fn emit_at<S: Store + ?Sized>(
    st: &mut S,
    height: u64,
    time: crate::time::Timestamp,
    tx: Hash32,
    registry: Option<RegistryId>,
    kind: EventKind,
    units: Option<UnitBlock>,
) {
    if let Some(block) = &units {
        let q = block.quantity();
        match &kind {
            EventKind::FirstTransfer { .. } => {
                st.add_to_ledger(&block.ftp, block.attrs.vintage, q, 0);
                if let Some(binding) = &block.attrs.authorization {
                    let mut meta: AuthMeta = st.auth_meta(&binding.id).expect("bound authorizations exist");
                    meta.first_transferred += q;
                    st.write(keys::auth_meta(&binding.id), &meta);
                }
            }
            EventKind::UsedNdc { party, year, .. } => st.add_to_ledger(party, *year, 0, q),
            _ => {}
        }
    }
    let event = Event { seq: 0, height, time, tx, registry, kind, units, prev_hash: Hash32::default() };
    st.append_event(event);
}
