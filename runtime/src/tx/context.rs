//! What every rule sees: the block ([`BlockContext`]), the acting signer ([`Ctx`]), and
//! the checks a transaction has failed so far ([`Checks`]).

use crate::codec::Hash32;
use crate::crypto::PublicKey;
use crate::error::{Code, Rejection};
use crate::model::{Officer, Role};
use crate::time::Timestamp;
use crate::verdict::Verdict;

/// What the block gives every transaction: its height and time (the action date).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BlockContext {
    /// Block height.
    pub height: u64,
    /// Block time: the action date of every transaction in the block.
    pub time: Timestamp,
}

/// The accumulated result of a transaction's guards.
#[derive(Debug, Default)]
pub struct Checks {
    rejections: Vec<Rejection>,
    warnings: Vec<Rejection>,
}

impl Checks {
    /// Records a failed check.
    pub fn fail(&mut self, code: Code, message: impl Into<String>) {
        self.rejections.push(Rejection { code, message: message.into() });
    }

    /// Records a failed check unless `cond` holds; returns `cond`.
    pub fn ensure(&mut self, cond: bool, code: Code, message: impl FnOnce() -> String) -> bool {
        if !cond {
            self.fail(code, message());
        }
        cond
    }

    /// Records a check that failed but is configured to warn only.
    pub fn warn(&mut self, code: Code, message: impl Into<String>) {
        self.warnings.push(Rejection { code, message: message.into() });
    }

    /// Whether no check failed so far.
    pub fn ok(&self) -> bool {
        self.rejections.is_empty()
    }

    pub(super) fn into_verdict(self) -> Verdict {
        // Both constructors merge entries of one code (one entry per code, every reason).
        if self.rejections.is_empty() {
            Verdict::accepted(self.warnings)
        } else {
            Verdict::rejected(self.rejections)
        }
    }
}

/// Who is acting, and when.
#[derive(Debug)]
pub struct Ctx {
    /// Block height.
    pub height: u64,
    /// Action date.
    pub time: Timestamp,
    /// The transaction id.
    pub tx: Hash32,
    /// The signer's key.
    pub signer: PublicKey,
    /// The signer's officer record, if the key is known.
    pub officer: Option<Officer>,
}

impl Ctx {
    /// Whether the signer holds `role`.
    pub fn has_role(&self, role: &Role) -> bool {
        self.officer.as_ref().is_some_and(|o| o.roles.contains(role))
    }

    /// The signer's name, for messages.
    pub fn who(&self) -> String {
        match &self.officer {
            Some(o) => format!("officer {}", o.name),
            None => format!("unknown key {}", self.signer),
        }
    }
}
