//! The resource table of the fake API server: which kinds it serves, under which group,
//! version and plural, and the discovery documents (`/api`, `/apis`, `/apis/{g}/{v}`)
//! built from that table.

use serde_json::{json, Value};

/// One served resource type, as an API server's discovery describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// API group; empty for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Lower-case plural used in URLs.
    pub plural: String,
    pub namespaced: bool,
}

impl ResourceType {
    fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        Self {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            plural: plural.to_string(),
            namespaced,
        }
    }

    /// `apiVersion` as written in objects: `v1` or `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `plural.group` as Kubernetes writes it in error messages (`rollouts.argoproj.io`).
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Guesses the resource type of an object of a kind the table does not know.
    pub fn guess(api_version: &str, kind: &str, namespaced: bool) -> Self {
        let (group, version) = split_api_version(api_version);
        let lower = kind.to_ascii_lowercase();
        let plural = if lower.ends_with('s') {
            format!("{lower}es")
        } else if let Some(stem) = lower.strip_suffix('y') {
            format!("{stem}ies")
        } else {
            format!("{lower}s")
        };
        Self::new(group, version, kind, &plural, namespaced)
    }
}

/// Splits `apps/v1` into (`apps`, `v1`) and `v1` into (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

/// The kinds served out of the box: the ones Canary Lens reads, plus their neighbours
/// in the fixtures.
pub fn builtin_resources() -> Vec<ResourceType> {
    vec![
        ResourceType::new("", "v1", "Pod", "pods", true),
        ResourceType::new("", "v1", "Event", "events", true),
        ResourceType::new("", "v1", "Namespace", "namespaces", false),
        ResourceType::new("", "v1", "Service", "services", true),
        ResourceType::new("", "v1", "ConfigMap", "configmaps", true),
        ResourceType::new("apps", "v1", "ReplicaSet", "replicasets", true),
        ResourceType::new("apps", "v1", "Deployment", "deployments", true),
        ResourceType::new("batch", "v1", "Job", "jobs", true),
        ResourceType::new("argoproj.io", "v1alpha1", "Rollout", "rollouts", true),
        ResourceType::new(
            "argoproj.io",
            "v1alpha1",
            "AnalysisRun",
            "analysisruns",
            true,
        ),
        ResourceType::new("argoproj.io", "v1alpha1", "Experiment", "experiments", true),
        ResourceType::new(
            "argoproj.io",
            "v1alpha1",
            "AnalysisTemplate",
            "analysistemplates",
            true,
        ),
        ResourceType::new(
            "argoproj.io",
            "v1alpha1",
            "ClusterAnalysisTemplate",
            "clusteranalysistemplates",
            false,
        ),
    ]
}

/// The version an API server reports on `/version`.
pub fn version_doc() -> Value {
    json!({
        "major": "1",
        "minor": "31",
        "gitVersion": "v1.31.0",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2024-08-13T07:28:49Z",
        "goVersion": "go1.22.5",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// `/api`: the core group's versions.
pub fn core_versions_doc() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]
    })
}

fn group_doc(group: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
}

/// Every non-core (group, version) served, in table order, plus `authorization.k8s.io/v1`.
fn groups(resources: &[ResourceType]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let extra = ("authorization.k8s.io".to_string(), "v1".to_string());
    for pair in resources
        .iter()
        .filter(|r| !r.group.is_empty())
        .map(|r| (r.group.clone(), r.version.clone()))
        .chain(std::iter::once(extra))
    {
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    out
}

/// `/apis`: the APIGroupList.
pub fn group_list_doc(resources: &[ResourceType]) -> Value {
    let groups: Vec<Value> = groups(resources)
        .iter()
        .map(|(g, v)| group_doc(g, v))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/{group}`: one APIGroup, if served.
pub fn group_single_doc(resources: &[ResourceType], group: &str) -> Option<Value> {
    let (g, v) = groups(resources).into_iter().find(|(g, _)| g == group)?;
    let mut doc = group_doc(&g, &v);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

/// `/api/v1` or `/apis/{group}/{version}`: the APIResourceList, if served.
pub fn resource_list_doc(resources: &[ResourceType], group: &str, version: &str) -> Option<Value> {
    let mut list: Vec<Value> = resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            json!({
                "name": r.plural,
                "singularName": r.kind.to_ascii_lowercase(),
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "list", "watch"]
            })
        })
        .collect();
    if group == "authorization.k8s.io" && version == "v1" {
        list.push(json!({
            "name": "selfsubjectaccessreviews",
            "singularName": "selfsubjectaccessreview",
            "namespaced": false,
            "kind": "SelfSubjectAccessReview",
            "verbs": ["create"]
        }));
    }
    if list.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": list
    }))
}
