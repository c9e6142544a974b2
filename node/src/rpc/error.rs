//! The API's one error shape: `{"error": {"kind", "message", "codes"?, "verdict"?}}`
//! with a 4xx status for anything the client can fix, 5xx only for the node's own
//! trouble (a store that contradicts itself, a timeout, a full mempool).

use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jcm_api::{ErrorBody, ErrorDetail, VerdictView};
use jcm_runtime::error::Code;
use jcm_runtime::verdict::Verdict;

use crate::chain::ChainError;
use crate::mempool::Refusal;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine name, e.g. `not_found`, `malformed_tx`, `rejected`.
    pub kind: &'static str,
    /// A sentence for the person at the other end.
    pub message: String,
    /// Rule codes (A6-nnnn) where a rule applies.
    pub codes: Vec<Code>,
    /// The full verdict, for rule rejections (boxed: errors stay small to return).
    pub verdict: Option<Box<Verdict>>,
}

impl ApiError {
    /// An error with no rule codes.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self { status, kind, message: message.into(), codes: Vec::new(), verdict: None }
    }

    /// 400: the request is malformed.
    pub fn bad_request(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, kind, message)
    }

    /// 400: the bytes or JSON are not a transaction (R2, `A6-1002`): the decoder's reason,
    /// which names an unknown or missing field.
    pub fn undecodable(message: impl Into<String>) -> Self {
        Self { codes: vec![Code::InvalidMessage], ..Self::bad_request("malformed_tx", message) }
    }

    /// 404: nothing there.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500: the node's own failure.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = ErrorDetail {
            kind: self.kind.to_owned(),
            message: self.message,
            codes: self.codes.iter().map(Code::to_string).collect(),
            verdict: self.verdict.as_deref().map(VerdictView::from),
        };
        (self.status, Json(ErrorBody { error })).into_response()
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let status = match &refusal {
            Refusal::Rejected(_) | Refusal::NonceGap { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::Duplicate { .. } | Refusal::AlreadyCommitted { .. } | Refusal::NonceTaken { .. } => {
                StatusCode::CONFLICT
            }
            Refusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::SignerFull { .. } => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Full { .. } => StatusCode::SERVICE_UNAVAILABLE,
        };
        let verdict = match &refusal {
            Refusal::Rejected(verdict) => Some(Box::new(verdict.clone())),
            _ => None,
        };
        Self { status, kind: refusal.kind(), message: refusal.to_string(), codes: refusal.codes(), verdict }
    }
}

impl From<ChainError> for ApiError {
    fn from(error: ChainError) -> Self {
        Self::internal(error.to_string())
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::internal(error.to_string())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request("malformed_query", rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request("malformed_path", rejection.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        let status = rejection.status();
        let kind = if status == StatusCode::PAYLOAD_TOO_LARGE { "body_too_large" } else { "unreadable_body" };
        Self::new(status, kind, rejection.body_text())
    }
}
