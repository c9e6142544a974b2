//! The outcome of a transaction: accepted, or rejected with every failing rule's code
//! and a sentence for the officer; warnings for checks configured to warn only (R7).

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::error::{Code, Rejection};

/// Accepted or rejected.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// The action executed.
    Accepted,
    /// The action changed nothing.
    Rejected,
}

/// The outcome of the first submission of a transaction id, quoted by a duplicate (R1).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct Original {
    /// Its status.
    pub status: Status,
    /// Its codes.
    pub codes: Vec<Code>,
    /// The height it was recorded at.
    pub height: u64,
}

/// The verdict on one transaction.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct Verdict {
    /// Accepted or rejected.
    pub status: Status,
    /// Every failed check, sorted by code (empty when accepted).
    pub rejections: Vec<Rejection>,
    /// Checks that failed but are configured to warn only (R7 `warn`).
    pub warnings: Vec<Rejection>,
    /// For a duplicate (R1): the original verdict.
    pub original: Option<Original>,
}

impl Verdict {
    /// An acceptance with `warnings`.
    pub fn accepted(warnings: Vec<Rejection>) -> Self {
        Self { status: Status::Accepted, rejections: Vec::new(), warnings, original: None }
    }

    /// A rejection; the rejections are sorted by code and deduplicated.
    pub fn rejected(mut rejections: Vec<Rejection>) -> Self {
        assert!(!rejections.is_empty(), "a rejection names at least one failed rule");
        rejections.sort();
        rejections.dedup();
        Self { status: Status::Rejected, rejections, warnings: Vec::new(), original: None }
    }

    /// A rejection with a single code.
    pub fn reject(code: Code, message: impl Into<String>) -> Self {
        Self::rejected(vec![Rejection { code, message: message.into() }])
    }

    /// Whether accepted.
    pub fn is_accepted(&self) -> bool {
        self.status == Status::Accepted
    }

    /// The distinct rejection codes, ascending.
    pub fn codes(&self) -> Vec<Code> {
        let mut codes: Vec<Code> = self.rejections.iter().map(|r| r.code).collect();
        codes.dedup();
        codes
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Status::Accepted => write!(f, "ACCEPTED")?,
            Status::Rejected => {
                let codes: Vec<String> = self.codes().iter().map(|c| c.to_string()).collect();
                write!(f, "REJECTED {}", codes.join(" "))?;
            }
        }
        for r in &self.rejections {
            write!(f, "\n  {r}")?;
        }
        for w in &self.warnings {
            write!(f, "\n  warning {w}")?;
        }
        Ok(())
    }
}
