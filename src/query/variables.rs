//! The template-variable query types `namespaces`, `rolloutNames` and `revisions`: one
//! table frame with string fields `text` and `value`, which Grafana turns into a
//! variable's options (public/app/features/variables/query/operators.ts,
//! `toMetricFindValues`, reads the fields named text and value).

use super::lookup;
use super::{QueryError, QueryType, Request};
use crate::frames::{Field, Frame, FrameMeta, FrameType};
use crate::instance::Instance;

/// Answers a variable query.
///
/// # Errors
/// When the cache cannot sync, or (revisions) the rollout is not found.
pub async fn run(instance: &Instance, req: &Request) -> Result<Vec<Frame>, QueryError> {
    let q = &req.query.model;
    let options: Vec<(String, String)> = match req.query.query_type {
        QueryType::Namespaces => lookup::namespaces(instance)
            .await?
            .into_iter()
            .map(|ns| (ns.clone(), ns))
            .collect(),
        QueryType::RolloutNames => {
            let namespaces = q.namespace_list();
            let items = lookup::rollouts_in(instance, &namespaces).await?;
            // Names are unique within one namespace only: with no single namespace
            // chosen the value is namespace/name, which the rollout queries accept.
            let qualified = namespaces.len() != 1;
            items
                .into_iter()
                .map(|r| {
                    let v = if qualified {
                        format!("{}/{}", r.namespace, r.name)
                    } else {
                        r.name
                    };
                    (v.clone(), v)
                })
                .collect()
        }
        QueryType::Revisions => {
            let mut seen = std::collections::HashSet::new();
            lookup::revisions(instance, &q.namespace, &q.rollout)
                .await?
                .into_iter()
                .filter(|r| seen.insert(r.revision.clone()))
                .map(|r| {
                    let text = if r.role.is_empty() {
                        r.revision.clone()
                    } else {
                        format!("{} ({})", r.revision, r.role)
                    };
                    (text, r.revision)
                })
                .collect()
        }
        other => {
            return Err(QueryError::internal(format!(
                "{} is not a variable query",
                other.as_str()
            )))
        }
    };
    let (texts, values): (Vec<_>, Vec<_>) =
        options.into_iter().map(|(t, v)| (Some(t), Some(v))).unzip();
    Ok(vec![Frame::new(req.query.query_type.as_str())
        .meta(FrameMeta::typed(FrameType::Table))
        .field(Field::strings("text", texts))
        .field(Field::strings("value", values))])
}
