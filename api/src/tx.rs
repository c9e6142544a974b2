//! Transactions: the submit and dry-run body, where a transaction is (pending or
//! committed, with its verdict), the dry-run verdict, and a signer's next nonce.

use jcm_runtime::codec::Hash32;
use jcm_runtime::crypto::PublicKey;
use jcm_runtime::protocol::Transaction;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::VerdictView;

/// The body of `POST /v1/tx` and `POST /v1/tx/dry-run`: exactly one of the canonical
/// bytes as hex and the JSON form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TxRequest {
    /// The signed transaction's canonical bytes, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx: Option<String>,
    /// The signed transaction as JSON (docs/api.md, "Transactions").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub tx_json: Option<Value>,
}

impl TxRequest {
    /// The body carrying `bytes` as hex.
    pub fn hex(bytes: &[u8]) -> Self {
        Self { tx: Some(hex::encode(bytes)), tx_json: None }
    }
}

/// Where a transaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TxState {
    /// In the mempool, waiting for a block.
    Pending,
    /// In a committed block, with its verdict.
    Committed,
}

/// A transaction's whereabouts: the answer to a submit (202 pending, or 200 committed
/// with `?wait=commit`) and to `GET /v1/tx/{hash}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TxStatus {
    /// The transaction id.
    #[schema(value_type = String)]
    pub hash: Hash32,
    /// Pending or committed.
    pub status: TxState,
    /// The committed block's height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// The transaction's position in the block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// The verdict the block gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<VerdictView>,
    /// The transaction itself (`GET /v1/tx/{hash}` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub tx: Option<Transaction>,
}

impl TxStatus {
    /// A pending transaction.
    pub fn pending(hash: Hash32) -> Self {
        Self { hash, status: TxState::Pending, height: None, position: None, verdict: None, tx: None }
    }

    /// A committed transaction at `position` of the block at `height`.
    pub fn committed(hash: Hash32, height: u64, position: u32, verdict: VerdictView) -> Self {
        Self {
            hash,
            status: TxState::Committed,
            height: Some(height),
            position: Some(position),
            verdict: Some(verdict),
            tx: None,
        }
    }
}

/// The verdict the next block would give a transaction; nothing is submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DryRun {
    /// The transaction id.
    #[schema(value_type = String)]
    pub hash: Hash32,
    /// Whether it would be accepted.
    pub accepted: bool,
    /// The height whose block it was run as part of.
    pub height: u64,
    /// The verdict.
    pub verdict: VerdictView,
}

/// The nonce to sign a signer's next transaction with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Nonce {
    /// The signer's public key, hex.
    #[schema(value_type = String)]
    pub signer: PublicKey,
    /// The next nonce the committed state expects.
    pub state_nonce: u64,
    /// The next nonce once the signer's pending transactions commit.
    pub next_nonce: u64,
    /// The signer's transactions in the mempool.
    pub pending: u64,
}
