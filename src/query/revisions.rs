//! Which revisions of a rollout the metrics, traces and verdict are about: the one
//! serving as control (stable, or active for blue-green) and the one under test
//! (canary, or preview), each with the identity metrics and spans are joined on.

use crate::prometheus::RevisionRef;
use crate::rollout::{ReplicaSetInfo, RolloutInfo, Strategy};

use super::QueryError;

/// The part a revision plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Stable,
    Canary,
    Active,
    Preview,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Stable => "stable",
            Role::Canary => "canary",
            Role::Active => "active",
            Role::Preview => "preview",
        }
    }

    /// Stable and active are the control side of a comparison.
    pub fn is_control(self) -> bool {
        matches!(self, Role::Stable | Role::Active)
    }
}

/// One revision with a role.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleRevision {
    pub role: Role,
    /// The `rollout.argoproj.io/revision` number.
    pub revision: i64,
    pub rev: RevisionRef,
    /// When its ReplicaSet was created: a canary's metrics start no earlier.
    pub created: Option<chrono::DateTime<chrono::Utc>>,
}

/// The tag of an image reference (`repo/app:1.2` → `1.2`), without a digest.
pub fn image_tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split_once(':')
        .map(|(_, tag)| tag)
        .filter(|t| !t.is_empty())
}

/// The join identity of one of the rollout's ReplicaSets. The version (for the
/// `version` join) is the tag of its first image.
pub fn revision_ref(info: &RolloutInfo, rs: &ReplicaSetInfo) -> RevisionRef {
    RevisionRef {
        namespace: info.namespace.clone(),
        rollout: info.name.clone(),
        replica_set: rs.name.clone(),
        pod_template_hash: rs.pod_template_hash.clone(),
        revision: rs.revision.to_string(),
        version: rs
            .images
            .first()
            .and_then(|i| image_tag(i))
            .map(str::to_string),
    }
}

/// The rollout's own ReplicaSets (not an experiment's).
fn own_replica_sets(info: &RolloutInfo) -> impl Iterator<Item = &ReplicaSetInfo> {
    info.replica_sets().filter(|rs| rs.template.is_empty())
}

/// Revisions with a role, control first: stable then canary, or for blue-green active
/// then preview (a ReplicaSet that is both active and preview is only active).
pub fn role_revisions(info: &RolloutInfo) -> Vec<RoleRevision> {
    let blue_green = info.strategy == Some(Strategy::BlueGreen);
    let mut out: Vec<RoleRevision> = Vec::new();
    for rs in own_replica_sets(info) {
        let r = rs.roles;
        let role = if blue_green {
            if r.active {
                Some(Role::Active)
            } else if r.preview {
                Some(Role::Preview)
            } else {
                None
            }
        } else if r.stable {
            Some(Role::Stable)
        } else if r.canary {
            Some(Role::Canary)
        } else {
            None
        };
        if let Some(role) = role {
            if out.iter().all(|o| o.role != role) {
                out.push(RoleRevision {
                    role,
                    revision: rs.revision,
                    rev: revision_ref(info, rs),
                    created: rs.created,
                });
            }
        }
    }
    out.sort_by_key(|r| !r.role.is_control());
    out
}

/// The revision a query's `revision` field names: `canary`, `stable`, `active`,
/// `preview` or a revision number; empty means the one under test, else the control.
///
/// # Errors
/// When the rollout has no such revision (naming the ones it has).
pub fn select(info: &RolloutInfo, which: &str) -> Result<RoleRevision, QueryError> {
    let roles = role_revisions(info);
    let which = which.trim();
    let found = match which {
        "" => roles
            .iter()
            .find(|r| !r.role.is_control())
            .or_else(|| roles.first())
            .cloned(),
        "canary" | "stable" | "active" | "preview" => {
            roles.iter().find(|r| r.role.as_str() == which).cloned()
        }
        number => {
            let n: i64 = number.parse().map_err(|_| {
                QueryError::bad_request(format!(
                    "query field \"revision\" is invalid: {number:?} is not canary, stable, active, preview or a revision number"
                ))
            })?;
            own_replica_sets(info)
                .find(|rs| rs.revision == n)
                .map(|rs| RoleRevision {
                    created: rs.created,
                    role: roles
                        .iter()
                        .find(|r| r.revision == n)
                        .map_or(Role::Stable, |r| r.role),
                    revision: n,
                    rev: revision_ref(info, rs),
                })
        }
    };
    found.ok_or_else(|| {
        let have: Vec<String> = own_replica_sets(info)
            .map(|rs| {
                let roles = rs.roles.names().join(",");
                if roles.is_empty() {
                    rs.revision.to_string()
                } else {
                    format!("{} ({roles})", rs.revision)
                }
            })
            .collect();
        QueryError::not_found(format!(
            "rollout {}/{} has no {} revision; it has: {}",
            info.namespace,
            info.name,
            if which.is_empty() {
                "canary or stable"
            } else {
                which
            },
            if have.is_empty() {
                "no revisions".to_string()
            } else {
                have.join(", ")
            }
        ))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rollout::{ReplicaSetStatus, RevisionInfo, Roles, RolloutPhase};

    pub(crate) fn rs(name: &str, revision: i64, roles: Roles) -> ReplicaSetInfo {
        ReplicaSetInfo {
            name: name.into(),
            namespace: "shop".into(),
            uid: format!("uid-{name}"),
            revision,
            pod_template_hash: name.rsplit('-').next().unwrap_or_default().into(),
            template: String::new(),
            status: ReplicaSetStatus::Healthy,
            roles,
            scale_down_deadline: None,
            info: String::new(),
            desired: Some(1),
            replicas: 1,
            ready: 1,
            available: 1,
            images: vec![format!("registry:5000/web:v{revision}")],
            init_images: Vec::new(),
            created: None,
            pods: Vec::new(),
        }
    }

    pub(crate) fn info(strategy: Strategy, sets: Vec<ReplicaSetInfo>) -> RolloutInfo {
        RolloutInfo {
            namespace: "shop".into(),
            name: "web".into(),
            uid: "u".into(),
            generation: 1,
            observed_generation: "1".into(),
            created: None,
            strategy: Some(strategy),
            status: RolloutPhase::Paused,
            message: String::new(),
            current_step: Some(1),
            step_count: Some(4),
            set_weight: Some(20),
            actual_weight: Some(20),
            images: Vec::new(),
            containers: Vec::new(),
            desired: 5,
            current: 5,
            updated: 1,
            ready: 5,
            available: 5,
            stable_hash: None,
            current_hash: None,
            stable_revision: None,
            canary_revision: None,
            analysis_status: None,
            paused: false,
            aborted: false,
            pause_reasons: Vec::new(),
            revisions: sets
                .into_iter()
                .map(|s| RevisionInfo {
                    revision: s.revision,
                    replica_sets: vec![s],
                    experiments: Vec::new(),
                    analysis_runs: Vec::new(),
                })
                .collect(),
            steps: Vec::new(),
        }
    }

    fn roles(f: impl FnOnce(&mut Roles)) -> Roles {
        let mut r = Roles::default();
        f(&mut r);
        r
    }

    #[test]
    fn canary_rollouts_compare_stable_with_canary_control_first() {
        let i = info(
            Strategy::Canary,
            vec![
                rs("web-c", 3, roles(|r| r.canary = true)),
                rs("web-s", 2, roles(|r| r.stable = true)),
                rs("web-old", 1, Roles::default()),
            ],
        );
        let got = role_revisions(&i);
        assert_eq!(
            got.iter().map(|r| (r.role, r.revision)).collect::<Vec<_>>(),
            [(Role::Stable, 2), (Role::Canary, 3)]
        );
        assert_eq!(got[1].rev.replica_set, "web-c");
        assert_eq!(got[1].rev.version.as_deref(), Some("v3"));
        assert_eq!(select(&i, "").unwrap().role, Role::Canary);
        assert_eq!(select(&i, "stable").unwrap().revision, 2);
        assert_eq!(select(&i, "1").unwrap().rev.replica_set, "web-old");
        let err = select(&i, "preview").unwrap_err();
        assert_eq!(err.status, 404);
        assert!(
            err.message.contains("3 (canary), 2 (stable), 1"),
            "{}",
            err.message
        );
        assert_eq!(select(&i, "x").unwrap_err().status, 400);
    }

    #[test]
    fn blue_green_rollouts_compare_active_with_preview() {
        let i = info(
            Strategy::BlueGreen,
            vec![
                rs("web-p", 5, roles(|r| r.preview = true)),
                rs(
                    "web-a",
                    4,
                    roles(|r| {
                        r.active = true;
                        r.stable = true;
                    }),
                ),
            ],
        );
        let got: Vec<Role> = role_revisions(&i).iter().map(|r| r.role).collect();
        assert_eq!(got, [Role::Active, Role::Preview]);
        assert_eq!(select(&i, "").unwrap().role, Role::Preview);
    }

    #[test]
    fn a_fully_promoted_rollout_has_only_its_control() {
        let i = info(
            Strategy::Canary,
            vec![rs("web-s", 2, roles(|r| r.stable = true))],
        );
        assert_eq!(role_revisions(&i).len(), 1);
        assert_eq!(select(&i, "").unwrap().role, Role::Stable);
    }

    #[test]
    fn image_tags_ignore_registry_ports_and_digests() {
        assert_eq!(image_tag("registry:5000/web:v3"), Some("v3"));
        assert_eq!(image_tag("registry:5000/web"), None);
        assert_eq!(image_tag("web:1.2@sha256:abc"), Some("1.2"));
        assert_eq!(image_tag("web"), None);
    }
}
