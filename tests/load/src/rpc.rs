//! The few node RPC calls the load generator makes, over keep-alive HTTP/1.1 (one
//! `ureq` agent per thread, so connections are reused and not shared across threads).

use std::time::Duration;

use jcm_runtime::crypto::PublicKey;
use jcm_runtime::protocol::Block;
use serde_json::Value;

use super::LoadError;

/// Time allowed for one request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What a node answered to a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// In the mempool (202), or already there or committed (409: a retried request).
    Accepted,
    /// A capacity refusal (429 signer full, 503 mempool full): retry after a block.
    Busy(String),
    /// Refused for good (422 and anything else): the kind and message.
    Refused(String),
}

/// A client of one or more nodes.
#[derive(Clone, Debug)]
pub struct Client {
    agent: ureq::Agent,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

fn node_error(url: &str, message: impl std::fmt::Display) -> LoadError {
    LoadError::Node { url: url.to_owned(), message: message.to_string() }
}

impl Client {
    /// A client with its own connection pool.
    pub fn new() -> Self {
        Self {
            agent: ureq::AgentBuilder::new()
                .timeout(REQUEST_TIMEOUT)
                .max_idle_connections_per_host(4)
                .build(),
        }
    }

    /// `POST /v1/tx` with a prepared body.
    pub fn submit(&self, url: &str, body: &str) -> Submitted {
        let request = self.agent.post(&format!("{url}/v1/tx")).set("Content-Type", "application/json");
        match request.send_string(body) {
            Ok(response) => {
                // Read the body so the connection goes back to the pool.
                let _ = response.into_string();
                Submitted::Accepted
            }
            Err(ureq::Error::Status(code, response)) => {
                let text = response.into_string().unwrap_or_default();
                let kind = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v.pointer("/error/kind").and_then(Value::as_str).map(str::to_owned))
                    .unwrap_or_else(|| code.to_string());
                match code {
                    409 => Submitted::Accepted,
                    429 | 503 => Submitted::Busy(kind),
                    _ => Submitted::Refused(format!("{code} {kind}: {text}")),
                }
            }
            Err(e) => Submitted::Busy(format!("transport: {e}")),
        }
    }

    /// GET a JSON document.
    pub fn get_json(&self, url: &str, path: &str) -> Result<Value, LoadError> {
        let full = format!("{url}{path}");
        match self.agent.get(&full).call() {
            Ok(response) => response.into_json().map_err(|e| node_error(url, e)),
            Err(ureq::Error::Status(code, response)) => {
                Err(node_error(url, format!("{path}: {code} {}", response.into_string().unwrap_or_default())))
            }
            Err(e) => Err(node_error(url, format!("{path}: {e}"))),
        }
    }

    /// The committed height.
    pub fn height(&self, url: &str) -> Result<u64, LoadError> {
        let status = self.get_json(url, "/v1/status")?;
        status.get("height").and_then(Value::as_u64).ok_or_else(|| node_error(url, "status without a height"))
    }

    /// The committed block at `height`, from its canonical bytes.
    pub fn block(&self, url: &str, height: u64) -> Result<Block, LoadError> {
        let raw = self.get_json(url, &format!("/v1/blocks/{height}/raw"))?;
        let hex = raw
            .get("block")
            .and_then(Value::as_str)
            .ok_or_else(|| node_error(url, "raw block without bytes"))?;
        let bytes = hex::decode(hex).map_err(|e| node_error(url, e))?;
        Block::decode(&bytes).map_err(|e| node_error(url, format!("block {height}: {e}")))
    }

    /// The committed block at `height`, or `None` while it is not committed (404).
    pub fn try_block(&self, url: &str, height: u64) -> Result<Option<Block>, LoadError> {
        match self.block(url, height) {
            Ok(block) => Ok(Some(block)),
            Err(LoadError::Node { message, .. }) if message.contains(": 404") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The state nonce of `signer` (what its next committed transaction must carry).
    pub fn nonce(&self, url: &str, signer: &PublicKey) -> Result<(u64, u64), LoadError> {
        let answer = self.get_json(url, &format!("/v1/nonce/{signer}"))?;
        let field = |name| {
            answer.get(name).and_then(Value::as_u64).ok_or_else(|| node_error(url, "bad nonce answer"))
        };
        Ok((field("state_nonce")?, field("next_nonce")?))
    }

    /// The verdict status (`accepted`/`rejected`) of a committed transaction, if committed.
    pub fn committed_status(&self, url: &str, hash: &str) -> Result<Option<String>, LoadError> {
        let answer = match self.get_json(url, &format!("/v1/tx/{hash}")) {
            Ok(answer) => answer,
            Err(LoadError::Node { message, .. }) if message.contains(": 404") => return Ok(None),
            Err(e) => return Err(e),
        };
        if answer.get("status").and_then(Value::as_str) != Some("committed") {
            return Ok(None);
        }
        let verdict = answer.pointer("/verdict/status").and_then(Value::as_str).unwrap_or("unknown");
        Ok(Some(verdict.to_owned()))
    }

    /// A counter or gauge from `/metrics`.
    pub fn metric(&self, url: &str, name: &str) -> Result<f64, LoadError> {
        let text = self
            .agent
            .get(&format!("{url}/metrics"))
            .call()
            .map_err(|e| node_error(url, e))?
            .into_string()
            .map_err(|e| node_error(url, e))?;
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| node_error(url, format!("no metric {name}")))
    }
}
