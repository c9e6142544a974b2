//! The one error shape of every route, `{"error": {kind, message, codes?, verdict?}}`,
//! and the JSON form of a verdict: every failed rule with its code, mnemonic, rule and
//! explanation.

use jcm_runtime::error::Rejection;
use jcm_runtime::verdict::{Original, Status, Verdict};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One failed check of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RejectionView {
    /// The rejection code, `A6-nnnn`.
    pub code: String,
    /// The code's mnemonic, e.g. `NOT_AUTHORIZED`.
    pub mnemonic: String,
    /// The rule it enforces, e.g. `R7`.
    pub rule: String,
    /// What the rule says.
    pub rule_text: String,
    /// What failed, in the terms of the rule.
    pub message: String,
}

impl From<&Rejection> for RejectionView {
    fn from(r: &Rejection) -> Self {
        Self {
            code: r.code.to_string(),
            mnemonic: r.code.mnemonic().to_owned(),
            rule: r.code.rule().to_owned(),
            rule_text: r.code.meaning().to_owned(),
            message: r.message.clone(),
        }
    }
}

/// A verdict: accepted (with any warnings) or rejected (with every failed rule); a
/// duplicate quotes the outcome of the original submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerdictView {
    /// `ACCEPTED` or `REJECTED`.
    #[schema(value_type = String, example = "ACCEPTED")]
    pub status: Status,
    /// Every failed rule (empty when accepted).
    pub rejections: Vec<RejectionView>,
    /// Warnings that did not stop the transaction.
    pub warnings: Vec<RejectionView>,
    /// For a duplicate (R1): the outcome of the first submission of the same id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub original: Option<Original>,
}

impl VerdictView {
    /// Whether the transaction was accepted.
    pub fn is_accepted(&self) -> bool {
        self.status == Status::Accepted
    }

    /// The codes of the failed rules, in order.
    pub fn codes(&self) -> Vec<&str> {
        self.rejections.iter().map(|r| r.code.as_str()).collect()
    }
}

impl From<&Verdict> for VerdictView {
    fn from(v: &Verdict) -> Self {
        Self {
            status: v.status,
            rejections: v.rejections.iter().map(RejectionView::from).collect(),
            warnings: v.warnings.iter().map(RejectionView::from).collect(),
            original: v.original.clone(),
        }
    }
}

/// The body of every error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong: a 4xx status for anything the client can fix, 5xx for the node's
/// own trouble.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine name: `not_found`, `malformed_tx`, `rejected`, `nonce_gap`, ...
    pub kind: String,
    /// A sentence for the person at the other end.
    pub message: String,
    /// Rule codes (`A6-nnnn`) where a rule applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// The full verdict, for a rule rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<VerdictView>,
}
