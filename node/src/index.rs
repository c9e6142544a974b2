//! The node's indexes (column family `index`), written in the same atomic batch as the
//! block they describe. The runtime's state already answers by unit (its serial spaces
//! and their events) and holds every transaction's receipt; the indexes add what a
//! registry officer asks the node for and the state does not key by:
//!
//! | key | value |
//! |---|---|
//! | `t` ‖ tx id (32) | [`TxLocation`]: height and position in the block |
//! | `r` ‖ height (8, big-endian) | borsh `Vec<TxResult>`: the block's verdicts |
//! | `a` ‖ account id ‖ 0x00 ‖ event seq (8, BE) | empty: events touching the account |
//! | `p` ‖ Party code ‖ 0x00 ‖ event seq (8, BE) | empty: events touching the Party |
//! | `v` ‖ height (8, BE) | the validator set (state `m/validators`) a block set: at genesis and where a change took effect (R49) |
//!
//! Event sequence numbers point into the runtime's hash-chained log (`keys::event`).

use borsh::{BorshDeserialize, BorshSerialize};
use jcm_runtime::codec::{self, Hash32};
use jcm_runtime::events::{Event, EventKind};
use jcm_runtime::ids::{AccountId, Party};
use jcm_runtime::model::Holder;
use jcm_runtime::protocol::TxResult;

use crate::store::IndexEntries;

/// Where a transaction was committed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct TxLocation {
    /// Block height.
    pub height: u64,
    /// Position in the block's transactions.
    pub position: u32,
}

/// Key of a transaction's location.
pub fn tx_key(tx: &Hash32) -> Vec<u8> {
    let mut key = vec![b't'];
    key.extend_from_slice(&tx.0);
    key
}

/// Key of a block's results.
pub fn results_key(height: u64) -> Vec<u8> {
    let mut key = vec![b'r'];
    key.extend_from_slice(&height.to_be_bytes());
    key
}

/// Prefix of the validator sets by the height they took effect at.
pub const VALIDATORS_PREFIX: &[u8] = b"v";

/// Key of the validator set that took effect at `height`.
pub fn validators_key(height: u64) -> Vec<u8> {
    let mut key = VALIDATORS_PREFIX.to_vec();
    key.extend_from_slice(&height.to_be_bytes());
    key
}

/// Prefix of the events touching an account.
pub fn account_prefix(account: &AccountId) -> Vec<u8> {
    let mut key = vec![b'a'];
    key.extend_from_slice(account.as_str().as_bytes());
    key.push(0);
    key
}

/// Prefix of the events touching a Party.
pub fn party_prefix(party: &Party) -> Vec<u8> {
    let mut key = vec![b'p'];
    key.extend_from_slice(party.as_str().as_bytes());
    key.push(0);
    key
}

/// The event sequence number at the end of an account or Party index key.
pub fn event_seq_of(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(key.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

/// The index entries of one committed block: its transactions' locations, its results,
/// and the accounts and Parties of its events.
pub fn block_entries(height: u64, results: &[TxResult], events: &[Event]) -> IndexEntries {
    let mut entries = IndexEntries::new();
    for (position, result) in results.iter().enumerate() {
        let location = TxLocation { height, position: position as u32 };
        entries.push((tx_key(&result.tx), codec::encode(&location)));
    }
    entries.push((results_key(height), codec::encode(&results.to_vec())));
    for event in events {
        let (accounts, parties) = touched(event);
        for account in accounts {
            let mut key = account_prefix(account);
            key.extend_from_slice(&event.seq.to_be_bytes());
            entries.push((key, Vec::new()));
        }
        for party in parties {
            let mut key = party_prefix(party);
            key.extend_from_slice(&event.seq.to_be_bytes());
            entries.push((key, Vec::new()));
        }
    }
    entries
}

/// The accounts and Parties an event touches (each once).
fn touched(event: &Event) -> (Vec<&AccountId>, Vec<&Party>) {
    let mut accounts = Vec::new();
    let mut parties = Vec::new();
    if let Some(units) = &event.units {
        parties.push(&units.ftp);
        accounts.push(&units.attrs.account);
    }
    match &event.kind {
        EventKind::Issued { account }
        | EventKind::Authorized { account, .. }
        | EventKind::Received { account, .. } => accounts.push(account),
        EventKind::AccountStatusChanged { account, .. } => accounts.push(account),
        EventKind::FirstTransfer { acquiring, user, .. } => {
            parties.extend(acquiring);
            if let Some(Holder::Party(party)) = user {
                parties.push(party);
            }
        }
        EventKind::Transferred { from, to, acquiring } => {
            accounts.extend([from, to]);
            parties.push(acquiring);
        }
        EventKind::Acquired { to, transferring } => {
            accounts.push(to);
            parties.push(transferring);
        }
        EventKind::UsedNdc { from, to, party, .. } => {
            accounts.extend([from, to]);
            parties.push(party);
        }
        EventKind::TransferredInternal { from, to }
        | EventKind::TransferProposed { from, to, .. }
        | EventKind::UsedOimp { from, to, .. }
        | EventKind::Cancelled { from, to, .. }
        | EventKind::SopTransferred { from, to, .. } => accounts.extend([from, to]),
        EventKind::ParticipationChanged { party, .. }
        | EventKind::ReportingYearClosed { party, .. }
        | EventKind::ReportingYearResubmitted { party, .. } => parties.push(party),
        EventKind::PartyAdmitted { party } | EventKind::ProposalVoted { party, .. } => parties.push(party),
        EventKind::OfficerChanged { party, .. } => parties.extend(party),
        EventKind::AuthorizationVersion { .. }
        | EventKind::TransferTerminated { .. }
        | EventKind::Held { .. }
        | EventKind::Released { .. }
        | EventKind::ProposalSubmitted { .. }
        | EventKind::EvidenceRecorded { .. }
        | EventKind::ProposalClosed { .. }
        | EventKind::ApproachCreated { .. }
        | EventKind::ValidatorsScheduled { .. }
        | EventKind::ValidatorSetChanged { .. }
        | EventKind::ObserverChanged { .. }
        | EventKind::UpgradePlanned { .. } => {}
    }
    accounts.sort();
    accounts.dedup();
    parties.sort();
    parties.dedup();
    (accounts, parties)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefix_free_and_carry_the_sequence() {
        let account: AccountId = "IND-GOV-1".parse().expect("account id");
        let mut key = account_prefix(&account);
        key.extend_from_slice(&42u64.to_be_bytes());
        assert!(key.starts_with(&account_prefix(&account)));
        assert_eq!(event_seq_of(&key), Some(42));
        assert_eq!(event_seq_of(b"short"), None);
        // An account whose id extends another's does not share its prefix.
        let longer: AccountId = "IND-GOV-10".parse().expect("account id");
        assert!(!account_prefix(&longer).starts_with(&account_prefix(&account)));
        assert_ne!(tx_key(&Hash32([1; 32]))[0], results_key(1)[0]);
    }
}
