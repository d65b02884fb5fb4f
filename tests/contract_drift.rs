//! The backend and the frontend read the same settings keys and offer the same query
//! types: the frontend's `contract.json` (checked against its TypeScript types by its
//! own tests) must match what the backend parses.

use std::collections::BTreeSet;

use canary_lens::query::{Query, QueryType};
use canary_lens::settings::{JSON_DATA_KEYS, SECURE_KEYS};
use serde_json::Value;

fn contract() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/frontend/src/datasource/contract.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("contract.json")).expect("JSON")
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

#[test]
fn settings_keys_match_the_frontend() {
    let c = contract();
    let backend: BTreeSet<String> = JSON_DATA_KEYS.iter().map(|s| s.to_string()).collect();
    assert_eq!(strings(&c["jsonDataKeys"]), backend);
    let secure: BTreeSet<String> = SECURE_KEYS.iter().map(|s| s.to_string()).collect();
    assert_eq!(strings(&c["secureJsonDataKeys"]), secure);
}

#[test]
fn every_key_the_backend_lists_is_one_it_parses() {
    // A jsonData object holding every listed key with a wrong type must be refused:
    // that proves each key is really read (unknown keys are ignored).
    for key in JSON_DATA_KEYS {
        let doc = serde_json::json!({ *key: { "not": "valid" } });
        let parsed =
            canary_lens::settings::Settings::parse(doc.to_string().as_bytes(), &Default::default());
        assert!(parsed.is_err(), "{key} is listed but not parsed");
    }
}

#[test]
fn query_types_and_their_defaults_match_the_frontend() {
    let c = contract();
    let backend: BTreeSet<String> = QueryType::ALL
        .iter()
        .map(|t| t.as_str().to_string())
        .collect();
    // Panel and Explore types, plus the template-variable types the variable editor sends.
    let mut frontend = strings(&c["queryTypes"]);
    frontend.extend(strings(&c["variableQueryTypes"]));
    assert_eq!(frontend, backend);
    // Every default query the editor starts from parses in the backend.
    for (name, default) in c["queryDefaults"].as_object().expect("an object") {
        let json = serde_json::to_vec(default).unwrap();
        let parsed = Query::parse(name, &json);
        match parsed {
            Ok(q) => assert_eq!(q.query_type.as_str(), name),
            // Rollout-scoped defaults have no rollout yet; that is the only allowed refusal.
            Err(e) => assert!(
                e.to_string().contains("needs a namespace and a rollout"),
                "{name}: {e}"
            ),
        }
    }
}
