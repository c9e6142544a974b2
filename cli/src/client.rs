//! The officer's client of a node's RPC (HTTP + JSON): GET a document, POST a
//! transaction. Every failure says which node it was: an unreachable node names its URL
//! and how to point `jcm` elsewhere; an error answer keeps the node's `{"error": {kind,
//! message, codes, verdict}}` so a rule rejection can be shown code by code.

use std::io::Read;
use std::time::Duration;

use serde_json::Value;

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
    #[error("the node at {base} answered {status} ({kind}): {message}")]
    Api {
        /// The node's address.
        base: String,
        /// HTTP status.
        status: u16,
        /// The node's machine-readable kind (`not_found`, `rejected`, ...).
        kind: String,
        /// The node's sentence.
        message: String,
        /// The whole `error` object.
        error: Value,
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

/// Percent-encodes one path segment (authorization ids may hold spaces).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
                let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let error = parsed.get("error").cloned().unwrap_or(Value::Null);
                let kind = error["kind"].as_str().unwrap_or("http_error").to_string();
                let message = error["message"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| body.chars().take(300).collect());
                return Err(RpcError::Api { base: self.base.clone(), status, kind, message, error });
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

    /// `GET path` as JSON.
    pub fn get(&self, path: &str) -> Result<Value, RpcError> {
        let url = format!("{}{path}", self.base);
        let text = self.get_text(path)?;
        serde_json::from_str(&text).map_err(|e| RpcError::Malformed { url, message: e.to_string() })
    }

    /// `POST path` with a JSON body; the status (2xx) and the JSON answer.
    pub fn post(&self, path: &str, body: &Value) -> Result<(u16, Value), RpcError> {
        let url = format!("{}{path}", self.base);
        let result = self.agent.post(&url).send_json(body);
        let (status, text) = self.answer(&url, result)?;
        let value =
            serde_json::from_str(&text).map_err(|e| RpcError::Malformed { url, message: e.to_string() })?;
        Ok((status, value))
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
    fn path_segments_are_percent_encoded() {
        assert_eq!(segment("AUTH-IND-001"), "AUTH-IND-001");
        assert_eq!(segment("AUTH IND 1"), "AUTH%20IND%201");
        assert_eq!(segment("a/b?c"), "a%2Fb%3Fc");
    }

    #[test]
    fn an_unreachable_node_is_named_with_a_hint() {
        // Port 9 (discard) on loopback: nothing listens in a test environment.
        let rpc = Rpc::new("http://127.0.0.1:9");
        let err = rpc.get("/v1/status").expect_err("nothing listens there");
        let text = err.to_string();
        assert!(text.contains("cannot reach the node at http://127.0.0.1:9"), "{text}");
        assert!(text.contains("--node URL"), "{text}");
    }
}
