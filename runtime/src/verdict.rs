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
    /// An acceptance with `warnings`, one entry per code ([`one_per_code`]).
    pub fn accepted(warnings: Vec<Rejection>) -> Self {
        Self {
            status: Status::Accepted,
            rejections: Vec::new(),
            warnings: one_per_code(warnings),
            original: None,
        }
    }

    /// A rejection: one entry per code, sorted by code, every reason kept
    /// ([`one_per_code`]).
    pub fn rejected(rejections: Vec<Rejection>) -> Self {
        assert!(!rejections.is_empty(), "a rejection names at least one failed rule");
        Self {
            status: Status::Rejected,
            rejections: one_per_code(rejections),
            warnings: Vec::new(),
            original: None,
        }
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

/// Sorts `entries` by code and merges those of one code into a single entry whose
/// sentence joins every distinct reason with `; `, in sorted order. Many guards can fail
/// with one code (R10 for two accounts, R20 for sector and activity type); an officer
/// and a client read one entry per code, and the order never depends on the order in
/// which the guards ran.
pub fn one_per_code(mut entries: Vec<Rejection>) -> Vec<Rejection> {
    entries.sort();
    entries.dedup();
    let mut merged: Vec<Rejection> = Vec::with_capacity(entries.len());
    for entry in entries {
        match merged.last_mut() {
            Some(last) if last.code == entry.code => {
                last.message.push_str("; ");
                last.message.push_str(&entry.message);
            }
            _ => merged.push(entry),
        }
    }
    merged
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: Code, message: &str) -> Rejection {
        Rejection { code, message: message.into() }
    }

    #[test]
    fn a_rejection_lists_each_code_once_with_every_reason() {
        let verdict = Verdict::rejected(vec![
            entry(Code::OutsideAuthorizationScope, "sector Industrial processes is not authorized"),
            entry(Code::UnauthorizedSigner, "officer X may not operate account A"),
            entry(Code::OutsideAuthorizationScope, "activity type Solar is not authorized"),
            entry(Code::UnauthorizedSigner, "officer X may not operate account A"),
        ]);
        let codes: Vec<Code> = verdict.rejections.iter().map(|r| r.code).collect();
        assert_eq!(codes, [Code::UnauthorizedSigner, Code::OutsideAuthorizationScope]);
        let scope = &verdict.rejections[1].message;
        assert!(scope.contains("Industrial processes") && scope.contains("Solar"), "both reasons kept");
        assert_eq!(
            verdict.rejections[0].message.matches("may not operate").count(),
            1,
            "identical reasons once"
        );
    }

    #[test]
    fn warnings_list_each_code_once() {
        let verdict = Verdict::accepted(vec![
            entry(Code::ReconciliationUnitBlockMismatch, "blocks of B differ"),
            entry(Code::ReconciliationUnitBlockMismatch, "blocks of A differ"),
        ]);
        assert_eq!(verdict.warnings.len(), 1);
        assert!(
            verdict.warnings[0].message.contains("A differ")
                && verdict.warnings[0].message.contains("B differ")
        );
    }

    #[test]
    fn the_merged_verdict_does_not_depend_on_the_order_of_the_guards() {
        let a = entry(Code::PartyNotInCa, "SGP does not participate");
        let b = entry(Code::PartyNotInCa, "the acquiring Party SGP does not participate");
        assert_eq!(Verdict::rejected(vec![a.clone(), b.clone()]), Verdict::rejected(vec![b, a]));
    }
}
