//! Label and field selector parsing and matching, as the fake API server applies them.

use serde_json::{json, Value};

use crate::support::fake_kube::selector::{FieldSelector, LabelSelector};

fn pod(labels: Value) -> Value {
    json!({"metadata": {"name": "p", "labels": labels}, "status": {"phase": "Running"}})
}

#[test]
fn label_selector_supports_every_documented_form() {
    let p = pod(json!({"app": "demo", "tier": "web"}));
    let cases = [
        ("app", true),
        ("!app", false),
        ("!missing", true),
        ("app=demo", true),
        ("app==demo", true),
        ("app!=demo", false),
        ("missing!=x", true),
        ("app in (demo,other)", true),
        ("app in (other)", false),
        ("app notin (other)", true),
        ("missing notin (x)", true),
        ("app=demo,tier in (web, api),!missing", true),
        ("app=demo,tier=api", false),
    ];
    for (sel, want) in cases {
        let parsed = LabelSelector::parse(sel).expect(sel);
        assert_eq!(parsed.matches(&p), want, "selector {sel}");
    }
}

#[test]
fn malformed_label_selectors_are_rejected() {
    for sel in ["app in demo", "=x", "a b c", "app in (x"] {
        assert!(
            LabelSelector::parse(sel).is_err(),
            "{sel} should be rejected"
        );
    }
}

#[test]
fn field_selector_reads_dotted_paths() {
    let p = pod(json!({}));
    assert!(FieldSelector::parse("metadata.name=p").unwrap().matches(&p));
    assert!(FieldSelector::parse("status.phase!=Pending")
        .unwrap()
        .matches(&p));
    assert!(!FieldSelector::parse("status.phase=Pending")
        .unwrap()
        .matches(&p));
    assert!(FieldSelector::parse("nonsense").is_err());
}
