//! The lists behind the editors' pickers and template variables: namespaces, rollouts
//! of a namespace, revisions of a rollout. Served by CallResource.

use serde::Serialize;

use super::rollouts::{infos, one};
use super::QueryError;
use crate::instance::Instance;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RolloutItem {
    pub namespace: String,
    pub name: String,
    pub status: String,
    pub strategy: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RevisionItem {
    pub revision: String,
    pub role: String,
    pub replica_set: String,
    pub pod_template_hash: String,
    pub image: String,
}

/// Namespaces that hold rollouts (within the allow-list), sorted; with an allow-list,
/// every allowed namespace, so that an empty one can still be picked.
///
/// # Errors
/// When the cache cannot sync.
pub async fn namespaces(instance: &Instance) -> Result<Vec<String>, QueryError> {
    if let Some(allowed) = &instance.settings.namespaces {
        return Ok(allowed.iter().cloned().collect());
    }
    let kube = instance.synced_cache().await?;
    let mut names: Vec<String> = kube
        .cache
        .rollouts
        .all()
        .iter()
        .filter_map(|r| r.metadata.namespace.clone())
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// Rollouts of `namespace` (every visible namespace when empty).
///
/// # Errors
/// When the cache cannot sync.
pub async fn rollouts(
    instance: &Instance,
    namespace: &str,
) -> Result<Vec<RolloutItem>, QueryError> {
    let namespaces: Vec<&str> = namespace
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    rollouts_in(instance, &namespaces).await
}

/// Rollouts of any of `namespaces` (every visible namespace when empty), sorted by
/// namespace and name.
///
/// # Errors
/// When the cache cannot sync.
pub async fn rollouts_in(
    instance: &Instance,
    namespaces: &[&str],
) -> Result<Vec<RolloutItem>, QueryError> {
    let kube = instance.synced_cache().await?;
    let snapshot = kube.cache.snapshot();
    let now = chrono::Utc::now();
    Ok(infos(instance, &kube.cache, &snapshot, now, |r| {
        namespaces.is_empty()
            || namespaces.contains(&r.metadata.namespace.as_deref().unwrap_or_default())
    })
    .into_iter()
    .map(|i| RolloutItem {
        strategy: i.strategy_name(),
        status: i.status.to_string(),
        namespace: i.namespace.clone(),
        name: i.name.clone(),
    })
    .collect())
}

/// Revisions of one rollout, newest first, with the role of each.
///
/// # Errors
/// When the cache cannot sync or the rollout is not found.
pub async fn revisions(
    instance: &Instance,
    namespace: &str,
    rollout: &str,
) -> Result<Vec<RevisionItem>, QueryError> {
    if namespace.is_empty() || rollout.is_empty() {
        return Err(QueryError::bad_request(
            "revisions needs the namespace and rollout parameters",
        ));
    }
    let kube = instance.synced_cache().await?;
    let snapshot = kube.cache.snapshot();
    let info = one(
        instance,
        &kube.cache,
        &snapshot,
        namespace,
        rollout,
        chrono::Utc::now(),
    )?;
    Ok(info
        .revisions
        .iter()
        .flat_map(|rev| {
            rev.replica_sets.iter().map(move |rs| RevisionItem {
                revision: rev.revision.to_string(),
                role: rs.roles.names().join(","),
                replica_set: rs.name.clone(),
                pod_template_hash: rs.pod_template_hash.clone(),
                image: rs.images.join(", "),
            })
        })
        .collect())
}
