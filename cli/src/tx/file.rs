//! The transaction file (`jcm-tx/1`): a transaction signed (or prepared for signing)
//! without a node, carried to a machine that broadcasts it.
//!
//! ```json
//! {
//!   "format": "jcm-tx/1",
//!   "signed": true,
//!   "bytes": "0d0000006a636d2d…",
//!   "genesis_hash": "9f2c…41",
//!   "summary": "close IND's reporting year 2026",
//!   "action": "close_reporting_year",
//!   "signer": "3b6a…",
//!   "hash": "e7c1…",
//!   "signature": "5f0e…",
//!   "body": { "chain_id": "jcm-testnet-4", "signer": "3b6a…", "nonce": 7, "payload": { … } }
//! }
//! ```
//!
//! `bytes` is the source of truth: the canonical encoding of the signed transaction
//! (exactly what `POST /v1/tx` takes) when `signed`, else of its body (what the signer
//! signs, under `JCM/tx/v1 ‖ chain id`). Everything else is for people, and reading a
//! file checks it all: the format tag, the hex, that the bytes are canonical, that every
//! human field is what the bytes say (a hand-edited body is refused, naming the field),
//! and that the signature verifies. `genesis_hash`, the one field the bytes do not
//! carry, is optional: the genesis the file was prepared for, which broadcasting checks.

use std::path::Path;

use jcm_runtime::codec::{self, DecodeError, Hash32};
use jcm_runtime::crypto::{PublicKey, Signature};
use jcm_runtime::limits::TX_BYTES_MAX;
use jcm_runtime::protocol::{Transaction, TxBody};
use serde_json::Value;

use super::summary;
use crate::context::read_bounded;

/// The transaction file's format and version.
pub const FORMAT: &str = "jcm-tx/1";
/// Largest transaction file read: the hex of the largest transaction, its JSON twice over.
pub const FILE_BYTES_MAX: u64 = 8 * TX_BYTES_MAX as u64;

/// A transaction as a file carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxData {
    /// Signed: ready to broadcast.
    Signed(Transaction),
    /// Prepared for a signer whose key is elsewhere.
    Unsigned(TxBody),
}

impl TxData {
    /// The signed content.
    pub fn body(&self) -> &TxBody {
        match self {
            TxData::Signed(tx) => &tx.body,
            TxData::Unsigned(body) => body,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            TxData::Signed(tx) => tx.encode(),
            TxData::Unsigned(body) => codec::encode(body),
        }
    }
}

/// A transaction file, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxFile {
    /// The transaction.
    pub data: TxData,
    /// The genesis it was prepared for, if the preparer named one.
    pub genesis_hash: Option<Hash32>,
}

/// Why a file is not a transaction file this jcm accepts.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not JSON at all.
    #[error("not a transaction file ({FORMAT}): {0}")]
    NotJson(String),
    /// A notification of the issuance flow, which is endorsed, not signed.
    #[error(
        "this is a Joint Committee notification ({0}), not a transaction: each representative adds an \
         endorsement with `jcm tx endorse FILE --key NAME`, then a registry administrator signs the issuance \
         with `jcm tx issue --notification FILE --key NAME` (which takes --offline too)"
    )]
    Notification(String),
    /// Another format or version.
    #[error("format `{0}`: this jcm reads transaction files of format {FORMAT}")]
    Format(String),
    /// A field of the format is missing or of the wrong type.
    #[error("`{0}` is missing or malformed")]
    Field(&'static str),
    /// `bytes` is not hex.
    #[error("`bytes` is not hex: {0}")]
    Hex(String),
    /// `bytes` does not decode (or is not canonical).
    #[error("`bytes` is not {what}: {cause}")]
    Decode {
        /// A signed transaction or an unsigned body.
        what: &'static str,
        /// The decoder's reason.
        cause: DecodeError,
    },
    /// A human field says something the bytes do not.
    #[error(
        "the human-readable part does not match the transaction bytes: `{0}` differs (the bytes are what is signed; \
         a hand-edited file is refused: prepare the transaction again)"
    )]
    Mismatch(String),
    /// The signature does not verify.
    #[error(
        "the signature does not verify for signer {0}: the bytes were changed after signing, or it is not this \
         signer's signature"
    )]
    BadSignature(String),
}

/// The file's JSON, its fields in the order a reader wants them.
#[derive(Debug, serde::Serialize)]
struct Document<'a> {
    format: &'static str,
    signed: bool,
    bytes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    genesis_hash: Option<Hash32>,
    summary: String,
    action: &'static str,
    signer: PublicKey,
    hash: Option<Hash32>,
    signature: Option<Signature>,
    body: &'a TxBody,
}

impl TxFile {
    fn fields(&self) -> Document<'_> {
        let body = self.data.body();
        let (hash, signature) = match &self.data {
            TxData::Signed(tx) => (Some(tx.hash()), Some(tx.signature)),
            TxData::Unsigned(_) => (None, None),
        };
        Document {
            format: FORMAT,
            signed: matches!(self.data, TxData::Signed(_)),
            bytes: hex::encode(self.data.bytes()),
            genesis_hash: self.genesis_hash,
            summary: summary::describe(&body.payload),
            action: body.payload.action(),
            signer: body.signer,
            hash,
            signature,
            body,
        }
    }

    /// The file's JSON document: what is written, and what a file read must equal.
    pub fn document(&self) -> Value {
        serde_json::to_value(self.fields()).expect("a transaction file serializes")
    }

    /// Decodes and checks a file's text (see the module's documentation).
    pub fn parse(text: &str) -> Result<Self, FileError> {
        let doc: Value = serde_json::from_str(text).map_err(|e| FileError::NotJson(e.to_string()))?;
        let format = doc["format"].as_str().ok_or(FileError::Field("format"))?;
        if format.starts_with("jcm-notification/") {
            return Err(FileError::Notification(format.to_string()));
        }
        if format != FORMAT {
            return Err(FileError::Format(format.to_string()));
        }
        let signed = doc["signed"].as_bool().ok_or(FileError::Field("signed"))?;
        let hex = doc["bytes"].as_str().ok_or(FileError::Field("bytes"))?;
        let bytes = hex::decode(hex).map_err(|e| FileError::Hex(e.to_string()))?;
        // `codec::decode` refuses a non-canonical encoding: re-encoding gives the bytes.
        let data = if signed {
            let tx = Transaction::decode(&bytes)
                .map_err(|cause| FileError::Decode { what: "a signed transaction", cause })?;
            TxData::Signed(tx)
        } else {
            let body = codec::decode(&bytes, TX_BYTES_MAX)
                .map_err(|cause| FileError::Decode { what: "an unsigned transaction body", cause })?;
            TxData::Unsigned(body)
        };
        let genesis_hash = match doc.get("genesis_hash") {
            None => None,
            Some(v) => Some(
                v.as_str().and_then(|h| Hash32::from_hex(h).ok()).ok_or(FileError::Field("genesis_hash"))?,
            ),
        };
        let file = Self { data, genesis_hash };
        if let Some(field) = first_difference(&file.document(), &doc, "") {
            return Err(FileError::Mismatch(field));
        }
        if let TxData::Signed(tx) = &file.data {
            if !tx.signature_valid() {
                return Err(FileError::BadSignature(tx.body.signer.to_hex()));
            }
        }
        Ok(file)
    }

    /// Reads and checks a file.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = read_bounded(path, FILE_BYTES_MAX)?;
        Self::parse(&text)
            .map_err(|e| anyhow::Error::new(e).context(format!("{} is refused", path.display())))
    }

    /// Writes the file, replacing `path` only once complete; an existing file is kept
    /// unless `replace`.
    pub fn write(&self, path: &Path, replace: bool) -> anyhow::Result<()> {
        refuse_existing(path, replace)?;
        let text =
            serde_json::to_string_pretty(&self.fields()).expect("a transaction file serializes") + "\n";
        let tmp = path.with_extension(format!("{}.partial", std::process::id()));
        std::fs::write(&tmp, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
    }
}

/// Refuses to overwrite `path` unless `replace` (`--force`).
pub fn refuse_existing(path: &Path, replace: bool) -> anyhow::Result<()> {
    if path.exists() && !replace {
        anyhow::bail!("{} exists: pass --force to replace it", path.display());
    }
    Ok(())
}

/// The first path (`body.payload.quantity`) where `actual` differs from `expected`.
fn first_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    let at = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let keys: std::collections::BTreeSet<&String> = e.keys().chain(a.keys()).collect();
            keys.into_iter().find_map(|k| match (e.get(k), a.get(k)) {
                (Some(e), Some(a)) => first_difference(e, a, &at(k)),
                // A key only one side has.
                _ => Some(at(k)),
            })
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            e.iter().zip(a).enumerate().find_map(|(i, (e, a))| first_difference(e, a, &at(&i.to_string())))
        }
        _ if expected == actual => None,
        _ => Some(if path.is_empty() { "the document".into() } else { path.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jcm_runtime::crypto::SecretKey;
    use jcm_runtime::protocol::Payload;
    use serde_json::json;

    fn payload() -> Payload {
        jcm_runtime::protocol::payload_from_json_str(
            r#"{"action": "close_reporting_year", "party": "IND", "year": 2026}"#,
        )
        .expect("a payload")
    }

    fn signed() -> TxFile {
        let tx = Transaction::sign("jcm-test", &SecretKey::dev("IND-DA"), 7, payload());
        TxFile { data: TxData::Signed(tx), genesis_hash: Some(Hash32([9; 32])) }
    }

    fn text(doc: &Value) -> String {
        serde_json::to_string_pretty(doc).expect("json")
    }

    fn edited(file: &TxFile, edit: impl FnOnce(&mut Value)) -> Result<TxFile, FileError> {
        let mut doc = file.document();
        edit(&mut doc);
        TxFile::parse(&text(&doc))
    }

    #[test]
    fn signed_and_unsigned_files_round_trip() {
        let file = signed();
        assert_eq!(TxFile::parse(&text(&file.document())).expect("valid"), file);
        let doc = file.document();
        assert_eq!(doc["format"], FORMAT);
        assert_eq!(doc["summary"], "close IND's reporting year 2026", "{doc:#}");
        assert_eq!(doc["body"]["nonce"], 7);
        let TxData::Signed(tx) = &file.data else { panic!("signed") };
        assert_eq!(doc["bytes"], hex::encode(tx.encode()), "the bytes /v1/tx takes");
        let unsigned = TxFile { data: TxData::Unsigned(tx.body.clone()), genesis_hash: None };
        let doc = unsigned.document();
        assert_eq!((doc["signed"].as_bool(), doc.get("genesis_hash")), (Some(false), None));
        assert_eq!(TxFile::parse(&text(&doc)).expect("valid"), unsigned);
    }

    #[test]
    fn a_hand_edited_human_part_is_refused_naming_the_field() {
        let file = signed();
        for (field, edit) in [
            (
                "body.payload.year",
                Box::new(|d: &mut Value| d["body"]["payload"]["year"] = json!(2027))
                    as Box<dyn Fn(&mut Value)>,
            ),
            ("body.nonce", Box::new(|d: &mut Value| d["body"]["nonce"] = json!(8))),
            ("summary", Box::new(|d: &mut Value| d["summary"] = json!("something harmless"))),
            ("hash", Box::new(|d: &mut Value| d["hash"] = json!(Hash32([0; 32])))),
            ("signature", Box::new(|d: &mut Value| d["signature"] = json!("00".repeat(64)))),
            ("note", Box::new(|d: &mut Value| d["note"] = json!("an extra field"))),
            (
                "signer",
                Box::new(|d: &mut Value| {
                    d.as_object_mut().expect("an object").remove("signer");
                }),
            ),
        ] {
            match edited(&file, edit) {
                Err(FileError::Mismatch(found)) => assert_eq!(found, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn tampered_bytes_and_signatures_are_refused() {
        let file = signed();
        let TxData::Signed(tx) = &file.data else { panic!("signed") };
        // Bytes and body changed together, without signing again.
        let mut changed = tx.clone();
        changed.body.nonce = 8;
        let forged = TxFile { data: TxData::Signed(changed), genesis_hash: None };
        assert!(matches!(TxFile::parse(&text(&forged.document())), Err(FileError::BadSignature(_))));
        // Another key's signature over the same body.
        let mut other = tx.clone();
        other.signature = Transaction::sign("jcm-test", &SecretKey::dev("JPN-DA"), 7, payload()).signature;
        let forged = TxFile { data: TxData::Signed(other), genesis_hash: None };
        assert!(matches!(TxFile::parse(&text(&forged.document())), Err(FileError::BadSignature(_))));
        // Bytes alone: another transaction than the body says, a trailing byte, not hex.
        let mut longer = tx.encode();
        longer.push(0);
        let bytes_edited = |bytes: String| edited(&file, |d| d["bytes"] = json!(bytes)).expect_err("refused");
        let err = bytes_edited(hex::encode(forged_bytes(tx)));
        assert!(matches!(err, FileError::Mismatch(ref f) if f == "body.nonce"), "{err:?}");
        let err = bytes_edited(hex::encode(longer));
        assert!(matches!(err, FileError::Decode { .. }), "{err:?}");
        assert!(matches!(bytes_edited("xyz".into()), FileError::Hex(_)));
    }

    fn forged_bytes(tx: &Transaction) -> Vec<u8> {
        let mut other = tx.clone();
        other.body.nonce += 1;
        other.encode()
    }

    #[test]
    fn other_formats_are_refused_and_a_notification_points_to_endorse() {
        let file = signed();
        let err = edited(&file, |d| d["format"] = json!("jcm-tx/2")).expect_err("a later format");
        assert!(matches!(err, FileError::Format(ref f) if f == "jcm-tx/2"), "{err:?}");
        let err = TxFile::parse(r#"{"format": "jcm-notification/1", "chain_id": "x"}"#).expect_err("refused");
        assert!(matches!(err, FileError::Notification(_)), "{err:?}");
        assert!(err.to_string().contains("jcm tx endorse"), "{err}");
        assert!(matches!(TxFile::parse("not json"), Err(FileError::NotJson(_))));
        let err = edited(&file, |d| d["genesis_hash"] = json!("12")).expect_err("not a hash");
        assert!(matches!(err, FileError::Field("genesis_hash")), "{err:?}");
    }

    #[test]
    fn an_existing_file_is_replaced_only_when_asked() {
        let dir = std::env::temp_dir().join(format!("jcm-cli-txfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let path = dir.join("tx.json");
        let _ = std::fs::remove_file(&path);
        let file = signed();
        file.write(&path, false).expect("written");
        assert!(file.write(&path, false).is_err(), "never overwritten silently");
        file.write(&path, true).expect("replaced with --force");
        assert_eq!(TxFile::read(&path).expect("read back"), file);
        std::fs::remove_dir_all(&dir).ok();
    }
}
