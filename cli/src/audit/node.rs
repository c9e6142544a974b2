//! The few routes of the node's RPC that audits, exports and proofs read: the genesis,
//! the status, blocks as raw bytes, unit histories and state proofs, each JSON answer
//! read into its type of the RPC contract ([`jcm_api`]).
//!
//! Nothing read here is trusted: raw bytes are handed to the same checks a bundle's
//! bytes go through. Transport failures (no answer, an HTTP error, a body that is not
//! the route's JSON) are [`NodeError`]s, which the commands report as I/O errors
//! (exit 2), because they say nothing about the chain.

use std::io::Read;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use jcm_api::chain::{RawBlock, Status};
use jcm_api::paths;
use jcm_runtime::protocol::BLOCK_BYTES_MAX;
use serde::de::DeserializeOwned;

use super::bundle::{HeightBytes, COMMIT_BYTES_MAX, GENESIS_BYTES_MAX};

/// Largest response body read: a raw block's hex (twice the block limit) with its commit.
pub const RESPONSE_BYTES_MAX: usize = 2 * (BLOCK_BYTES_MAX + COMMIT_BYTES_MAX) + 64 * 1024;
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Heights fetched ahead of the consumer (the replay or the bundle writer).
const PREFETCH_HEIGHTS: usize = 16;

const _: () = assert!(GENESIS_BYTES_MAX <= RESPONSE_BYTES_MAX);

/// Why the node could not be read.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// No answer: connection refused, timeout, DNS.
    #[error("cannot reach the node at {url}: {message}")]
    Transport {
        /// The request.
        url: String,
        /// What the transport said.
        message: String,
    },
    /// An HTTP error status.
    #[error("the node answered {status} to {url}: {body}")]
    Status {
        /// The request.
        url: String,
        /// HTTP status.
        status: u16,
        /// The error body (the node's JSON error).
        body: String,
    },
    /// A body that is not what the route returns.
    #[error("the node's answer to {url} is malformed: {message}")]
    Malformed {
        /// The request.
        url: String,
        /// What is wrong.
        message: String,
    },
}

/// A client of one node's RPC.
#[derive(Clone, Debug)]
pub struct NodeClient {
    base: String,
    agent: ureq::Agent,
}

impl NodeClient {
    /// A client of the node at `url` (`http://127.0.0.1:26657`).
    pub fn new(url: &str) -> Self {
        let agent = ureq::AgentBuilder::new().timeout(REQUEST_TIMEOUT).build();
        Self { base: url.trim_end_matches('/').to_string(), agent }
    }

    /// The node's address.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// The body of `GET path`, at most [`RESPONSE_BYTES_MAX`] bytes.
    pub fn get_text(&self, path: &str) -> Result<String, NodeError> {
        let url = format!("{}{path}", self.base);
        let response = self.agent.get(&url).call().map_err(|e| match e {
            ureq::Error::Status(status, response) => {
                let body = response.into_string().unwrap_or_default();
                NodeError::Status { url: url.clone(), status, body: body.chars().take(500).collect() }
            }
            ureq::Error::Transport(t) => NodeError::Transport { url: url.clone(), message: t.to_string() },
        })?;
        let mut body = String::new();
        response
            .into_reader()
            .take(RESPONSE_BYTES_MAX as u64 + 1)
            .read_to_string(&mut body)
            .map_err(|e| NodeError::Transport { url: url.clone(), message: e.to_string() })?;
        if body.len() > RESPONSE_BYTES_MAX {
            return Err(NodeError::Malformed {
                url,
                message: format!("longer than {RESPONSE_BYTES_MAX} bytes"),
            });
        }
        Ok(body)
    }

    /// `GET path`, read into the route's answer type `T`.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, NodeError> {
        let text = self.get_text(path)?;
        serde_json::from_str(&text)
            .map_err(|e| NodeError::Malformed { url: self.url_of(path), message: e.to_string() })
    }

    /// The genesis document as the node serves it: its bytes are what a bundle carries
    /// and what the genesis hash is checked on.
    pub fn genesis_text(&self) -> Result<String, NodeError> {
        self.get_text(paths::GENESIS)
    }

    /// The last committed height.
    pub fn last_height(&self) -> Result<u64, NodeError> {
        Ok(self.get::<Status>(paths::STATUS)?.height)
    }

    /// The raw block and commit certificate of `height`.
    pub fn raw_height(&self, height: u64) -> Result<HeightBytes, NodeError> {
        let path = paths::raw_block(height);
        let raw: RawBlock = self.get(&path)?;
        let block = self.hex(&path, "block", &raw.block)?;
        let commit = match &raw.commit {
            None => Vec::new(),
            Some(commit) => self.hex(&path, "commit", commit)?,
        };
        Ok(HeightBytes { height, block, commit })
    }

    /// Fetches heights `from..=to` on a background thread, at most a few ahead of the
    /// consumer; the first error ends the stream.
    pub fn stream_heights(&self, from: u64, to: u64) -> Receiver<Result<HeightBytes, NodeError>> {
        let (send, receive) = mpsc::sync_channel(PREFETCH_HEIGHTS);
        let client = self.clone();
        std::thread::spawn(move || {
            for height in from..=to {
                let result = client.raw_height(height);
                let failed = result.is_err();
                if send.send(result).is_err() || failed {
                    return;
                }
            }
        });
        receive
    }

    /// The bytes of `field`, hex in the answer to `path`.
    pub fn hex(&self, path: &str, field: &str, text: &str) -> Result<Vec<u8>, NodeError> {
        hex::decode(text).map_err(|e| self.malformed(path, &format!("`{field}` is not hex: {e}")))
    }

    fn url_of(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A [`NodeError::Malformed`] for `path`.
    pub fn malformed(&self, path: &str, message: &str) -> NodeError {
        NodeError::Malformed { url: self.url_of(path), message: message.to_string() }
    }
}
