//! The officer's client of a node's RPC (HTTP + JSON): GET a document, POST a
//! transaction, each answer read into its type of the RPC contract ([`jcm_api`]), so a
//! field the node renamed or retyped is a malformed answer, never a silent gap. Every
//! failure says which node it was: an unreachable node names its URL and how to point
//! `jcm` elsewhere; an error answer keeps the node's [`ErrorDetail`] (kind, message,
//! codes, verdict) so a rule rejection can be shown code by code.

use std::io::Read;
use std::time::Duration;

use jcm_api::tx::TxRequest;
use jcm_api::{ErrorBody, ErrorDetail};
use serde::de::DeserializeOwned;

/// Largest answer read: a page of blocks or a Party's holdings.
pub const RESPONSE_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// How long one request may take: the node cuts its own requests at 30 s by default.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(40);

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// No answer at all.
    #[error(
        "cannot reach the node at {base}: {message}\n  \
         (is the node running? point jcm at another one with --node URL, JCM_NODE, or `jcm config set node URL`)"
    )]
    Unreachable {
        /// The node's address.
        base: String,
        /// What the transport said.
        message: String,
    },
    /// The node answered with an error.
    #[error("the node at {base} answered {status} ({}): {}", error.kind, error.message)]
    Api {
        /// The node's address.
        base: String,
        /// HTTP status.
        status: u16,
        /// The node's `error`: its machine-readable kind (`not_found`, `rejected`, ...),
        /// its sentence, the rule codes and the verdict of a rule rejection (boxed: a
        /// verdict is large).
        error: Box<ErrorDetail>,
    },
    /// An answer that is not the JSON the route returns.
    #[error("the node's answer to {url} is malformed: {message}")]
    Malformed {
        /// The request.
        url: String,
        /// What is wrong.
        message: String,
    },
}

/// A client of one node.
#[derive(Clone, Debug)]
pub struct Rpc {
    base: String,
    agent: ureq::Agent,
}

impl Rpc {
    /// A client of the node at `base` (`http://127.0.0.1:26601`).
    pub fn new(base: &str) -> Self {
        let agent = ureq::AgentBuilder::new().timeout(REQUEST_TIMEOUT).build();
        Self { base: base.trim_end_matches('/').to_string(), agent }
    }

    /// The node's address.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn answer(
        &self,
        url: &str,
        result: Result<ureq::Response, ureq::Error>,
    ) -> Result<(u16, String), RpcError> {
        let response = match result {
            Ok(response) => response,
            Err(ureq::Error::Status(status, response)) => {
                let body = read_body(url, response)?;
                return Err(RpcError::Api {
                    base: self.base.clone(),
                    status,
                    error: Box::new(error_detail(&body)),
                });
            }
            Err(ureq::Error::Transport(t)) => {
                return Err(RpcError::Unreachable { base: self.base.clone(), message: t.to_string() })
            }
        };
        let status = response.status();
        Ok((status, read_body(url, response)?))
    }

    /// `GET path` as text.
    pub fn get_text(&self, path: &str) -> Result<String, RpcError> {
        let url = format!("{}{path}", self.base);
        let result = self.agent.get(&url).call();
        Ok(self.answer(&url, result)?.1)
    }

    /// `GET path`, read into the route's answer type `T`.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, RpcError> {
        let url = format!("{}{path}", self.base);
        let text = self.get_text(path)?;
        parse(&url, &text)
    }

    /// `POST path` with a transaction; the status (2xx) and the answer, read into `T`.
    pub fn post<T: DeserializeOwned>(&self, path: &str, body: &TxRequest) -> Result<(u16, T), RpcError> {
        let url = format!("{}{path}", self.base);
        let result = self.agent.post(&url).send_json(body);
        let (status, text) = self.answer(&url, result)?;
        Ok((status, parse(&url, &text)?))
    }
}

/// An answer of `url` read into `T`: a body that is not `T` is malformed, with serde's
/// reason.
fn parse<T: DeserializeOwned>(url: &str, text: &str) -> Result<T, RpcError> {
    serde_json::from_str(text)
        .map_err(|e| RpcError::Malformed { url: url.to_string(), message: e.to_string() })
}

/// The `error` of an error answer; a body that is not the node's [`ErrorBody`] (a proxy's
/// page, a node of another build) is an `http_error` quoting its start.
fn error_detail(body: &str) -> ErrorDetail {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(parsed) => parsed.error,
        Err(_) => ErrorDetail {
            kind: "http_error".to_string(),
            message: body.chars().take(300).collect(),
            codes: Vec::new(),
            verdict: None,
        },
    }
}

fn read_body(url: &str, response: ureq::Response) -> Result<String, RpcError> {
    let mut body = String::new();
    response
        .into_reader()
        .take(RESPONSE_BYTES_MAX + 1)
        .read_to_string(&mut body)
        .map_err(|e| RpcError::Malformed { url: url.to_string(), message: e.to_string() })?;
    if body.len() as u64 > RESPONSE_BYTES_MAX {
        return Err(RpcError::Malformed {
            url: url.to_string(),
            message: format!("longer than {RESPONSE_BYTES_MAX} bytes"),
        });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_is_the_nodes_error_or_the_start_of_whatever_came() {
        let body = r#"{"error": {"kind": "nonce_gap", "message": "nonce 4 after 2", "codes": ["A6-1008"]}}"#;
        let error = error_detail(body);
        assert_eq!((error.kind.as_str(), error.message.as_str()), ("nonce_gap", "nonce 4 after 2"));
        assert_eq!((error.codes, error.verdict), (vec!["A6-1008".to_string()], None));
        let page = format!("<html>{}</html>", "x".repeat(400));
        let error = error_detail(&page);
        assert_eq!(error.kind, "http_error");
        assert_eq!(error.message, page.chars().take(300).collect::<String>());
        // An `error` without its kind is not the node's error shape either.
        assert_eq!(error_detail(r#"{"error": {"message": "gone"}}"#).kind, "http_error");
    }

    #[test]
    fn an_answer_that_is_not_the_routes_type_is_malformed_naming_the_url() {
        let err = parse::<jcm_api::tx::Nonce>("http://n/v1/nonce/ab", r#"{"next_nonce": 3}"#)
            .expect_err("fields missing");
        let text = err.to_string();
        assert!(text.starts_with("the node's answer to http://n/v1/nonce/ab is malformed: "), "{text}");
        assert!(text.contains("missing field"), "serde's reason: {text}");
    }

    #[test]
    fn an_unreachable_node_is_named_with_a_hint() {
        // Port 9 (discard) on loopback: nothing listens in a test environment.
        let rpc = Rpc::new("http://127.0.0.1:9");
        let err = rpc.get::<jcm_api::chain::Status>("/v1/status").expect_err("nothing listens there");
        let text = err.to_string();
        assert!(text.contains("cannot reach the node at http://127.0.0.1:9"), "{text}");
        assert!(text.contains("--node URL"), "{text}");
    }
}
