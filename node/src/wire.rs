//! What nodes say to each other: one-way messages (proposals with their block, votes,
//! transactions, the committed height) and requests for committed blocks. Borsh,
//! decoded with the peer message limit and checked canonical like every other decoder.

use crate::limits::RELAY_TXS_MAX;
use borsh::{BorshDeserialize, BorshSerialize};
use jcm_consensus::{SignedProposal, SignedVote};
use jcm_runtime::codec::{self, DecodeError};
use jcm_runtime::limits::TX_BYTES_MAX;
use jcm_runtime::protocol::Block;

/// A one-way message.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub enum Message {
    /// A signed proposal and the block whose id it proposes.
    Proposal {
        /// The proposal.
        proposal: SignedProposal,
        /// Its block (boxed: the other messages are small).
        block: Box<Block>,
    },
    /// A signed vote.
    Vote(SignedVote),
    /// Transactions admitted to the sender's mempool, as canonical bytes.
    Txs(Vec<Vec<u8>>),
    /// The sender's last committed height.
    Status {
        /// Last committed height.
        height: u64,
    },
}

/// A request.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub enum Request {
    /// The committed block at a height, with its commit certificate.
    Block {
        /// Height.
        height: u64,
    },
}

/// The answer to a [`Request`].
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub enum Response {
    /// The block's and its certificate's canonical bytes.
    Block {
        /// `Block` bytes.
        block: Vec<u8>,
        /// `CommitCertificate` bytes.
        commit: Vec<u8>,
    },
    /// The responder has not committed that height.
    NotFound,
}

impl Message {
    /// Decodes a peer's message of at most `max` bytes, refusing oversized relays.
    pub fn decode(bytes: &[u8], max: usize) -> Result<Self, DecodeError> {
        let message: Self = codec::decode(bytes, max)?;
        if let Message::Txs(txs) = &message {
            if txs.len() > RELAY_TXS_MAX || txs.iter().any(|tx| tx.len() > TX_BYTES_MAX) {
                return Err(DecodeError::Malformed("a relay of too many or too large transactions".into()));
            }
        }
        Ok(message)
    }

    /// Canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }
}

impl Request {
    /// Decodes a peer's request.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        codec::decode(bytes, 64)
    }

    /// Canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }
}

impl Response {
    /// Decodes a peer's response of at most `max` bytes.
    pub fn decode(bytes: &[u8], max: usize) -> Result<Self, DecodeError> {
        codec::decode(bytes, max)
    }

    /// Canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }
}
