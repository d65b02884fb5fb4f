//! Kubernetes label selectors (`app=shop,tier!=db,env in (a,b),!legacy`) matched
//! against an object's labels, for filtering cached objects.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// Parses a selector.
///
/// # Errors
/// With a message naming the part that could not be read.
fn parse(selector: &str) -> Result<Vec<Requirement>, String> {
    let mut reqs = Vec::new();
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&selector[start..]);
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        let list = |rest: &str| -> Result<Vec<String>, String> {
            let rest = rest.trim();
            let inner = rest
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("expected a (list) in {part:?}"))?;
            Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
        };
        let req = if let Some(key) = part.strip_prefix('!') {
            Requirement::NotExists(key.trim().to_string())
        } else if let Some((k, v)) = part.split_once("!=") {
            Requirement::NotIn(k.trim().to_string(), vec![v.trim().to_string()])
        } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement::In(k.trim().to_string(), vec![v.trim().to_string()])
        } else if let Some((k, rest)) = part.split_once(" notin ") {
            Requirement::NotIn(k.trim().to_string(), list(rest)?)
        } else if let Some((k, rest)) = part.split_once(" in ") {
            Requirement::In(k.trim().to_string(), list(rest)?)
        } else if part.contains(char::is_whitespace) {
            return Err(format!("cannot read {part:?}"));
        } else {
            Requirement::Exists(part.to_string())
        };
        reqs.push(req);
    }
    Ok(reqs)
}

/// Checks a selector before use.
///
/// # Errors
/// When it cannot be parsed.
pub fn validate(selector: &str) -> Result<(), String> {
    parse(selector).map(|_| ())
}

/// Whether `labels` satisfy `selector`; an empty selector matches everything and an
/// unreadable one matches nothing.
pub fn matches(selector: &str, labels: Option<&BTreeMap<String, String>>) -> bool {
    let Ok(reqs) = parse(selector) else {
        return false;
    };
    let get = |k: &str| labels.and_then(|l| l.get(k));
    reqs.iter().all(|r| match r {
        Requirement::Exists(k) => get(k).is_some(),
        Requirement::NotExists(k) => get(k).is_none(),
        Requirement::In(k, vs) => get(k).is_some_and(|v| vs.contains(v)),
        Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.contains(v)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn equality_set_and_existence_requirements_all_apply() {
        let l = labels(&[("app", "shop"), ("env", "prod")]);
        assert!(matches("", Some(&l)));
        assert!(matches("app=shop", Some(&l)));
        assert!(matches("app==shop,env in (prod, dev)", Some(&l)));
        assert!(!matches("app!=shop", Some(&l)));
        assert!(matches("!legacy,env notin (dev)", Some(&l)));
        assert!(!matches("legacy", Some(&l)));
        assert!(!matches("app=shop,env in (dev)", Some(&l)));
        assert!(matches("tier!=db", None));
    }

    #[test]
    fn an_unreadable_selector_matches_nothing_and_is_reported() {
        assert!(validate("app in shop").is_err());
        assert!(!matches("app in shop", Some(&labels(&[("app", "shop")]))));
    }
}
