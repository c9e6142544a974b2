//! The node's RPC contract: the request and response types of every route, which the
//! node builds its answers from and the CLI reads them into, so that a renamed or
//! retyped field breaks the build or a golden test instead of showing up as a silent
//! gap; and the OpenAPI document derived from them ([`openapi::document`]), served at
//! `GET /v1/openapi.json` so that registries' own systems can generate clients.
//!
//! Hashes and keys are lowercase hex, times ISO 8601 UTC. Domain records inside an
//! answer (accounts, unit blocks, events, authorization versions, transactions) are the
//! runtime's own JSON forms, described in docs/api.md.

pub mod chain;
pub mod error;
pub mod gov;
pub mod openapi;
pub mod paths;
pub mod query;
pub mod tx;

pub use error::{ErrorBody, ErrorDetail, RejectionView, VerdictView};
