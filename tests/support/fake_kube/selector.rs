//! Label and field selectors as the API server evaluates them server-side.
//!
//! Label selectors: `key`, `!key`, `key=value`, `key==value`, `key!=value`,
//! `key in (a,b)`, `key notin (a,b)`, joined by commas. Field selectors: `path=value`,
//! `path==value`, `path!=value` over any dotted path of the object (`metadata.name`,
//! `status.phase`, `spec.nodeName`).

use std::collections::BTreeSet;

use serde_json::Value;

/// Why a selector could not be parsed; the server answers 400 BadRequest with it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unable to parse requirement: {0}")]
pub struct SelectorError(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    Equals(String, String),
    NotEquals(String, String),
    In(String, BTreeSet<String>),
    NotIn(String, BTreeSet<String>),
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

/// Splits on commas that are not inside parentheses.
fn split_terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn parse_set(
    key: &str,
    rest: &str,
    term: &str,
) -> Result<(String, BTreeSet<String>), SelectorError> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| SelectorError(format!("{term}: expected (values)")))?;
    let values = inner.split(',').map(|v| v.trim().to_string()).collect();
    Ok((key.to_string(), values))
}

fn parse_term(term: &str) -> Result<Requirement, SelectorError> {
    let bad = || SelectorError(term.to_string());
    if let Some(key) = term.strip_prefix('!') {
        let key = key.trim();
        return if valid_key(key) {
            Ok(Requirement::NotExists(key.to_string()))
        } else {
            Err(bad())
        };
    }
    if let Some((key, value)) = term.split_once("!=") {
        let key = key.trim();
        return if valid_key(key) {
            Ok(Requirement::NotEquals(
                key.to_string(),
                value.trim().to_string(),
            ))
        } else {
            Err(bad())
        };
    }
    if let Some((key, value)) = term.split_once('=') {
        let key = key.trim();
        let value = value.strip_prefix('=').unwrap_or(value).trim();
        return if valid_key(key) {
            Ok(Requirement::Equals(key.to_string(), value.to_string()))
        } else {
            Err(bad())
        };
    }
    let mut words = term.splitn(2, char::is_whitespace);
    let key = words.next().unwrap_or_default().trim();
    let rest = words.next().unwrap_or_default().trim();
    if !valid_key(key) {
        return Err(bad());
    }
    if rest.is_empty() {
        return Ok(Requirement::Exists(key.to_string()));
    }
    if let Some(set) = rest.strip_prefix("notin") {
        let (k, v) = parse_set(key, set, term)?;
        return Ok(Requirement::NotIn(k, v));
    }
    if let Some(set) = rest.strip_prefix("in") {
        let (k, v) = parse_set(key, set, term)?;
        return Ok(Requirement::In(k, v));
    }
    Err(bad())
}

impl LabelSelector {
    /// Parses a `labelSelector` query value.
    ///
    /// # Errors
    /// A term that is none of the supported forms.
    pub fn parse(s: &str) -> Result<Self, SelectorError> {
        let requirements = split_terms(s)
            .into_iter()
            .map(parse_term)
            .collect::<Result<_, _>>()?;
        Ok(Self { requirements })
    }

    /// Whether an object's `metadata.labels` satisfy every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels");
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.requirements.iter().all(|r| match r {
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, set) => get(k).is_some_and(|x| set.contains(x)),
            Requirement::NotIn(k, set) => get(k).is_none_or(|x| !set.contains(x)),
        })
    }
}

/// A parsed field selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    terms: Vec<(String, bool, String)>,
}

impl FieldSelector {
    /// Parses a `fieldSelector` query value.
    ///
    /// # Errors
    /// A term without `=`, `==` or `!=`.
    pub fn parse(s: &str) -> Result<Self, SelectorError> {
        let mut terms = Vec::new();
        for term in split_terms(s) {
            let (path, negate, value) = if let Some((p, v)) = term.split_once("!=") {
                (p, true, v)
            } else if let Some((p, v)) = term.split_once('=') {
                (p, false, v.strip_prefix('=').unwrap_or(v))
            } else {
                return Err(SelectorError(term.to_string()));
            };
            terms.push((path.trim().to_string(), negate, value.trim().to_string()));
        }
        Ok(Self { terms })
    }

    /// Whether the object's value at each dotted path equals (or not) the wanted value.
    pub fn matches(&self, obj: &Value) -> bool {
        self.terms.iter().all(|(path, negate, want)| {
            let pointer = format!("/{}", path.replace('.', "/"));
            let got = match obj.pointer(&pointer) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (got == *want) != *negate
        })
    }
}
