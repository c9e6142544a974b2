//! The OpenAPI document: equal to the committed `api/openapi.json` (which registries
//! generate their clients from), and whole: every schema an operation names exists.

use std::collections::BTreeSet;
use std::path::PathBuf;

use jcm_api::openapi::{document, document_json, Answer, ROUTES};

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

#[test]
fn the_committed_document_is_the_one_the_types_give() {
    let text = document_json();
    if std::env::var_os("JCM_BLESS").is_some() {
        std::fs::write(committed(), &text).expect("write api/openapi.json");
    }
    let on_disk = std::fs::read_to_string(committed()).expect("api/openapi.json (JCM_BLESS=1 writes it)");
    assert!(
        text == on_disk,
        "api/openapi.json differs from the document the types give; after a deliberate change of the \
         contract, JCM_BLESS=1 cargo test -p jcm-api rewrites it"
    );
}

/// Every `$ref` in `value`.
fn refs(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", serde_json::Value::String(r)) => {
                        out.insert(r.trim_start_matches("#/components/schemas/").to_owned());
                    }
                    _ => refs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_schema_the_document_refers_to_is_defined() {
    let doc = serde_json::to_value(document()).expect("serializes");
    let mut named = BTreeSet::new();
    refs(&doc, &mut named);
    let defined: BTreeSet<String> =
        doc["components"]["schemas"].as_object().expect("schemas").keys().cloned().collect();
    let missing: Vec<&String> = named.difference(&defined).collect();
    assert!(missing.is_empty(), "referred to but not defined: {missing:?}");
    assert!(named.contains("TxStatus") && named.contains("ErrorBody"), "the walk finds the references");
}

#[test]
fn every_route_is_an_operation_with_its_path_parameters() {
    let doc = serde_json::to_value(document()).expect("serializes");
    let paths = doc["paths"].as_object().expect("paths");
    assert_eq!(paths.len(), ROUTES.len(), "two routes share a path");
    for route in ROUTES {
        let method = if route.post { "post" } else { "get" };
        let op = &paths[route.path][method];
        assert!(op.is_object(), "{} {} is missing", method, route.path);
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let in_path: BTreeSet<&str> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        assert_eq!(declared, in_path, "{}: path parameters", route.path);
        if let (_, Answer::Json(schema)) = route.ok {
            assert!(doc["components"]["schemas"][schema].is_object(), "{}: schema {schema}", route.path);
        }
    }
}
