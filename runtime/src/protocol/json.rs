//! A payload from its JSON form (scenario steps, CLI payload files, RPC bodies), with
//! the two kinds of failure kept apart (issue 14, item 10):
//!
//! - a field the action does not have (a typo, or a field of another action) is a
//!   **format error** naming the field: the input is not a message of this protocol at
//!   all, and no rule is asked (exit 2 in the scenario runner, HTTP 400 in the RPC);
//! - any other decoding failure (a missing required field, a wrong type, a value outside
//!   the nomenclature) is a **malformed message** (R2, `A6-1002`) whose sentence is the
//!   decoder's reason, as a dry run reports it.
//!
//! Every struct a payload reaches is `#[serde(deny_unknown_fields)]`, so the RPC's JSON
//! decoder, which decodes a whole `Transaction`, refuses the same unknown fields.

use super::Payload;
use crate::error::{Code, Rejection};

/// Why a JSON payload does not decode.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum PayloadJsonError {
    /// A field no struct of the action has: a format error, not a rule rejection.
    #[error("format error: {reason}")]
    UnknownField {
        /// The field, as written.
        field: String,
        /// The decoder's message (it lists the fields expected there).
        reason: String,
    },
    /// Anything else the decoder refused: a malformed message (R2).
    #[error("malformed message: {reason}")]
    Malformed {
        /// The decoder's message.
        reason: String,
    },
}

impl PayloadJsonError {
    /// The unknown field, if that is what failed.
    pub fn unknown_field(&self) -> Option<&str> {
        match self {
            PayloadJsonError::UnknownField { field, .. } => Some(field),
            PayloadJsonError::Malformed { .. } => None,
        }
    }

    /// The failure as a dry run reports it: `A6-1002` (R2) with the decoder's reason.
    pub fn rejection(&self) -> Rejection {
        Rejection { code: Code::InvalidMessage, message: self.to_string() }
    }
}

/// Decodes a payload from its JSON form (`{"action": "...", ...}`).
pub fn payload_from_json(value: serde_json::Value) -> Result<Payload, PayloadJsonError> {
    serde_json::from_value(value).map_err(|e| classify(&e.to_string()))
}

/// Decodes a payload from JSON text.
pub fn payload_from_json_str(text: &str) -> Result<Payload, PayloadJsonError> {
    serde_json::from_str(text).map_err(|e| classify(&e.to_string()))
}

/// serde reports an unknown field, at any depth, as "unknown field `NAME`, expected ...";
/// the payload's structs all deny unknown fields, so that message is the only way one
/// shows. (serde_json adds " at line L column C" when decoding text.)
fn classify(reason: &str) -> PayloadJsonError {
    const MARK: &str = "unknown field `";
    let field = reason
        .find(MARK)
        .map(|at| &reason[at + MARK.len()..])
        .and_then(|rest| rest.find('`').map(|end| rest[..end].to_string()));
    match field {
        Some(field) => PayloadJsonError::UnknownField { field, reason: reason.to_string() },
        None => PayloadJsonError::Malformed { reason: reason.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::crypto::SecretKey;
    use crate::protocol::SignedNotification;

    /// One valid payload of every action, reaching every struct a payload contains.
    fn examples() -> Vec<Value> {
        let units =
            json!({ "first": "CA0001-JPN01-IND-1-2025", "last": "CA0001-JPN01-IND-10-2025", "quantity": 10 });
        let period = json!({ "from": "2026-01-01", "to": "2026-12-31" });
        let lines = json!([{ "account": "IND01-H-GOV", "quantity": 100, "authorization": "AUTH-IND-001" }]);
        let body = json!({ "id": "N-099", "jc": "JC-INJP", "project": "INJ-001", "monitoring_period": period,
            "vintage": 2026, "total": 100, "lines": lines });
        let mut signed = SignedNotification {
            body: serde_json::from_value(body).expect("a notification body"),
            endorsements: Vec::new(),
        };
        signed.endorse("jcm-test", &SecretKey::dev("IND-JC"));
        let notification = serde_json::to_value(&signed).expect("serializes");
        let hash = "00".repeat(32);
        vec![
            json!({ "action": "register_ndc_period", "party": "IND",
                "period": { "years": { "first": 2031, "last": 2035 }, "kind": "single_year" } }),
            json!({ "action": "set_participation", "party": "SGP", "status": "ELIGIBLE" }),
            json!({ "action": "register_project", "project": { "id": "INJ-009", "name": "Solar", "host": "IND",
                "ca": "CA0001", "sector": "Energy generation", "activity_type": "Solar",
                "mitigation_type": "Emission reductions",
                "other_crediting": [{ "programme": "CCTS", "from": "2024-01-01", "to": "2024-12-31" }] } }),
            json!({ "action": "declare_other_crediting", "project": "INJ-002",
                "crediting": { "programme": "CCTS", "from": "2026-01-01", "to": "2026-12-31" } }),
            json!({ "action": "declare_credited_elsewhere", "project": "INJ-002",
                "crediting": { "programme": "CCTS", "from": "2026-01-01", "to": "2026-12-31",
                    "programme_project": "ICM-OM-IN-0077", "identifiers": ["CCC-1"] } }),
            json!({ "action": "register_entity",
                "entity": { "id": "E-IN-9", "name": "X", "country": "IND", "identification": "1" } }),
            json!({ "action": "open_account", "account": { "id": "JPN01-H-EJP9", "registry": "JPN01",
                "kind": "HOLDING", "holder": { "entity": "E-JP-1" } } }),
            json!({ "action": "set_account_status", "account": "JPN01-H-GOV", "status": "ACTIVE", "reason": "ok" }),
            json!({ "action": "issue", "ca": "CA0001", "project": "INJ-001", "vintage": 2026,
                "lines": lines, "notification": notification }),
            json!({ "action": "create_authorization", "terms": { "id": "AUTH-IND-009", "ca": "CA0001",
                "gwp": "AR5", "purposes": ["NDC"], "parties": ["JPN"], "sectors": ["Energy generation"],
                "activity_types": ["Solar"], "occurred": { "first": 2021, "last": 2030 },
                "change_conditions": { "text": "none", "permitted": ["revoke"] } } }),
            json!({ "action": "authorize", "ca": "CA0001", "account": "IND01-H-GOV",
                "authorization": "AUTH-IND-002", "units": units }),
            json!({ "action": "change_authorization", "id": "AUTH-IND-001", "retroactive": false,
                "amendment": { "sectors": ["Industrial processes"], "use_period": { "first": 2021, "last": 2030 } } }),
            json!({ "action": "revoke_authorization", "id": "AUTH-IND-001", "reason": "r" }),
            json!({ "action": "transfer_internal", "ca": "CA0001", "from": "A", "to": "B", "units": units }),
            json!({ "action": "transfer_external", "ca": "CA0001", "from": "A", "to": "B", "units": units }),
            json!({ "action": "accept_transfer", "transfer": hash }),
            json!({ "action": "reject_transfer", "transfer": hash, "reason": "no" }),
            json!({ "action": "use_ndc", "ca": "CA0001", "from": "A", "to": "B", "units": units, "use_year": 2030 }),
            json!({ "action": "use_oimp", "ca": "CA0001", "from": "A", "to": "B", "units": units,
                "purpose": "IMP", "scheme": "CORSIA" }),
            json!({ "action": "cancel_voluntary", "ca": "CA0001", "from": "A", "to": "B", "units": units }),
            json!({ "action": "cancel_omge", "ca": "CA0001", "from": "A", "to": "B", "units": units }),
            json!({ "action": "transfer_sop", "ca": "CA0001", "from": "A", "to": "B", "units": { "quantity": 5 } }),
            json!({ "action": "hold", "ca": "CA0001", "units": units, "reason": "CARP" }),
            json!({ "action": "release", "ca": "CA0001", "units": units, "reason": "CARP" }),
            json!({ "action": "close_reporting_year", "party": "IND", "year": 2026 }),
            json!({ "action": "reconcile", "registry": "JPN01", "totals": [{ "account": "A", "quantity": 1 }],
                "blocks": [{ "account": "A", "first": "CA0001-JPN01-IND-1-2025", "last": "CA0001-JPN01-IND-1-2025" }] }),
            json!({ "action": "reverse", "transaction": hash, "reason": "typo" }),
            json!({ "action": "declare_first_transfer", "ca": "CA0001", "account": "A", "units": units }),
        ]
    }

    /// Paths (as JSON pointers) of every object in `value` that is a struct: every object
    /// but the externally tagged enums (`holder = { entity = ... }`).
    fn struct_objects(value: &Value, path: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if !path.ends_with("/holder") {
                    out.push(path.clone());
                }
                for (k, v) in map {
                    struct_objects(v, format!("{path}/{k}"), out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    struct_objects(v, format!("{path}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_example_decodes() {
        for example in examples() {
            if let Err(e) = payload_from_json(example.clone()) {
                panic!("{example}: {e}");
            }
        }
    }

    #[test]
    fn an_unknown_field_anywhere_is_a_format_error_naming_it() {
        let mut checked = 0;
        for example in examples() {
            let mut paths = Vec::new();
            struct_objects(&example, String::new(), &mut paths);
            for path in paths {
                let mut broken = example.clone();
                let object = broken.pointer_mut(&path).and_then(Value::as_object_mut).expect("an object");
                object.insert("quantiy".into(), json!(1));
                let err = payload_from_json(broken).expect_err("an unknown field does not decode");
                assert_eq!(err.unknown_field(), Some("quantiy"), "{example} at `{path}`: {err}");
                checked += 1;
            }
        }
        assert!(checked >= 50, "the examples reach the payload's structs ({checked} objects)");
    }

    #[test]
    fn a_field_of_another_action_is_unknown_too() {
        let err = payload_from_json(json!({ "action": "transfer_internal", "ca": "CA0001", "from": "A",
            "to": "B", "use_year": 2030, "units": { "quantity": 1 } }))
        .expect_err("transfer_internal has no use year");
        assert_eq!(err.unknown_field(), Some("use_year"));
        let err = payload_from_json_str(
            r#"{"action": "close_reporting_year", "party": "IND", "year": 2026, "yaer": 1}"#,
        )
        .expect_err("a typo");
        assert_eq!(err.unknown_field(), Some("yaer"));
    }

    /// The RPC decodes a whole `Transaction` from `tx_json`: the same unknown field fails
    /// it, and serde's message (which the 400 answer quotes) names the field.
    #[test]
    fn a_transaction_with_an_unknown_payload_field_does_not_decode() {
        let payload =
            payload_from_json(json!({ "action": "close_reporting_year", "party": "IND", "year": 2026 }))
                .expect("a payload");
        let tx = crate::protocol::Transaction::sign("jcm-test", &SecretKey::dev("IND-DA"), 0, payload);
        let mut value = serde_json::to_value(&tx).expect("serializes");
        assert!(serde_json::from_value::<crate::protocol::Transaction>(value.clone()).is_ok());
        value["body"]["payload"]["use_year"] = json!(2030);
        let err =
            serde_json::from_value::<crate::protocol::Transaction>(value).expect_err("an unknown field");
        assert_eq!(classify(&err.to_string()).unknown_field(), Some("use_year"));
    }

    #[test]
    fn other_failures_are_malformed_messages_with_the_decoders_reason() {
        let cases = [
            json!({ "action": "use_ndc", "ca": "CA0001", "from": "A", "to": "B", "units": { "quantity": 1 } }),
            json!({ "action": "close_reporting_year", "party": "IND", "year": "soon" }),
            json!({ "action": "set_participation", "party": "SGP", "status": "MAYBE" }),
            json!({ "action": "fly_to_the_moon" }),
        ];
        for case in cases {
            let err = payload_from_json(case.clone()).expect_err("does not decode");
            assert_eq!(err.unknown_field(), None, "{case}");
            let rejection = err.rejection();
            assert_eq!(rejection.code, Code::InvalidMessage);
            assert!(rejection.message.len() > "malformed message: ".len(), "the decoder's reason is kept");
        }
    }
}
