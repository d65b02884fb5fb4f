//! Text and tree views of a [`RolloutInfo`]: the exact output of
//! `kubectl argo rollouts get rollout NAME --no-color` (trailing spaces trimmed) and the
//! flattened tree behind it, for tables and node graphs.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::{
    analysis_icon, replicaset::pod_icon, AnalysisRunInfo, ExperimentInfo, ImageInfo,
    ReplicaSetInfo, RolloutInfo, Strategy,
};

/// Options of [`render_get`].
#[derive(Clone, Copy, Debug)]
pub struct RenderOptions {
    /// Print the AGE column (upstream always does).
    pub show_age: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self { show_age: true }
    }
}

impl RenderOptions {
    /// Sets whether the AGE column is printed.
    #[must_use]
    pub fn show_age(mut self, show: bool) -> Self {
        self.show_age = show;
        self
    }
}

/// Kind of a tree node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TreeKind {
    /// The rollout itself (root).
    Rollout,
    /// A revision grouping node.
    Revision,
    /// A ReplicaSet.
    ReplicaSet,
    /// A Pod.
    Pod,
    /// An Experiment.
    Experiment,
    /// An AnalysisRun.
    AnalysisRun,
    /// A Job of a job metric.
    Job,
}

impl TreeKind {
    /// Kind name as the KIND column shows it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rollout => "Rollout",
            Self::Revision => "Revision",
            Self::ReplicaSet => "ReplicaSet",
            Self::Pod => "Pod",
            Self::Experiment => "Experiment",
            Self::AnalysisRun => "AnalysisRun",
            Self::Job => "Job",
        }
    }

    /// Icon drawn before the name.
    #[must_use]
    pub fn icon(self) -> &'static str {
        match self {
            Self::Rollout => "⟳",
            Self::Revision => "#",
            Self::ReplicaSet => "⧉",
            Self::Pod => "□",
            Self::Experiment => "Σ",
            Self::AnalysisRun => "α",
            Self::Job => "⊞",
        }
    }
}

/// One node of the rollout tree, in display order (depth first).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TreeRow {
    /// Stable unique id: `<Kind>:<namespace>/<name>`, revisions
    /// `<rollout id>/revision:<n>`.
    pub id: String,
    /// Id of the parent node (`None` for the rollout).
    pub parent_id: Option<String>,
    /// Node kind.
    pub kind: TreeKind,
    /// Object name (`revision:<n>` for revisions).
    pub name: String,
    /// Status text (`""` for revisions).
    pub status: String,
    /// Status icon (`""` for revisions).
    pub icon: String,
    /// INFO column.
    pub info: String,
    /// Revision the node belongs to (`None` for the rollout).
    pub revision: Option<i64>,
    /// Age as upstream prints it (`7d`, `3h59m`), `""` for revisions.
    pub age: String,
    /// Creation time (jobs: measurement start).
    pub created: Option<DateTime<Utc>>,
    /// Depth in the tree (rollout 0).
    pub depth: u32,
    /// Tree-drawing prefix (`│  ├──`) printed before the kind icon.
    pub prefix: String,
}

/// Human-readable duration as Kubernetes prints ages (`45s`, `5m3s`, `3h59m`, `7d`,
/// `2y3d`); `<invalid>` for durations below -1s.
#[must_use]
pub fn human_duration(d: TimeDelta) -> String {
    let seconds = d.num_seconds();
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = d.num_minutes();
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = d.num_hours();
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

fn age(created: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    created.map_or_else(|| "<unknown>".to_string(), |c| human_duration(now - c))
}

/// Upstream's tree prefixes: (prefix of this child, prefix for its children).
fn prefixes(is_last: bool, sub: &str) -> (String, String) {
    if is_last {
        (format!("{sub}└──"), format!("{sub}   "))
    } else {
        (format!("{sub}├──"), format!("{sub}│  "))
    }
}

struct TreeBuilder {
    now: DateTime<Utc>,
    rows: Vec<TreeRow>,
}

struct Node<'a> {
    id: String,
    parent: &'a str,
    kind: TreeKind,
    name: &'a str,
    status: &'a str,
    icon: &'a str,
    info: String,
    created: Option<DateTime<Utc>>,
}

impl TreeBuilder {
    fn push(&mut self, node: Node<'_>, revision: i64, depth: u32, prefix: String) {
        self.rows.push(TreeRow {
            id: node.id,
            parent_id: Some(node.parent.to_string()),
            kind: node.kind,
            name: node.name.to_string(),
            status: node.status.to_string(),
            icon: node.icon.to_string(),
            info: node.info,
            revision: Some(revision),
            age: age(node.created, self.now),
            created: node.created,
            depth,
            prefix,
        });
    }

    fn replica_set(
        &mut self,
        rs: &ReplicaSetInfo,
        parent: &str,
        rev: i64,
        depth: u32,
        pfx: (String, String),
    ) {
        let id = object_id("ReplicaSet", &rs.namespace, &rs.name);
        let node = Node {
            id: id.clone(),
            parent,
            kind: TreeKind::ReplicaSet,
            name: &rs.name,
            status: rs.status.as_str(),
            icon: rs.status.icon(),
            info: rs.info.clone(),
            created: rs.created,
        };
        self.push(node, rev, depth, pfx.0);
        for (i, pod) in rs.pods.iter().enumerate() {
            let (prefix, _) = prefixes(i + 1 == rs.pods.len(), &pfx.1);
            let node = Node {
                id: object_id("Pod", &pod.namespace, &pod.name),
                parent: &id,
                kind: TreeKind::Pod,
                name: &pod.name,
                status: &pod.status,
                icon: pod_icon(&pod.status),
                info: pod.info(),
                created: pod.created,
            };
            self.push(node, rev, depth + 1, prefix);
        }
    }

    fn analysis_run(
        &mut self,
        run: &AnalysisRunInfo,
        parent: &str,
        rev: i64,
        depth: u32,
        pfx: (String, String),
    ) {
        let id = object_id("AnalysisRun", &run.namespace, &run.name);
        let node = Node {
            id: id.clone(),
            parent,
            kind: TreeKind::AnalysisRun,
            name: &run.name,
            status: &run.status,
            icon: analysis_icon(&run.status),
            info: run.summary(),
            created: run.created,
        };
        self.push(node, rev, depth, pfx.0);
        for (i, job) in run.jobs.iter().enumerate() {
            let (prefix, _) = prefixes(i + 1 == run.jobs.len(), &pfx.1);
            let node = Node {
                id: object_id("Job", &job.namespace, &job.name),
                parent: &id,
                kind: TreeKind::Job,
                name: &job.name,
                status: &job.status,
                icon: analysis_icon(&job.status),
                info: String::new(),
                created: job.created,
            };
            self.push(node, rev, depth + 1, prefix);
        }
    }

    fn experiment(
        &mut self,
        exp: &ExperimentInfo,
        parent: &str,
        rev: i64,
        depth: u32,
        pfx: (String, String),
    ) {
        let id = object_id("Experiment", &exp.namespace, &exp.name);
        let node = Node {
            id: id.clone(),
            parent,
            kind: TreeKind::Experiment,
            name: &exp.name,
            status: &exp.status,
            icon: analysis_icon(&exp.status),
            info: String::new(),
            created: exp.created,
        };
        self.push(node, rev, depth, pfx.0);
        let total = exp.replica_sets.len() + exp.analysis_runs.len();
        let mut n = 0;
        for rs in &exp.replica_sets {
            n += 1;
            self.replica_set(rs, &id, rev, depth + 1, prefixes(n == total, &pfx.1));
        }
        for run in &exp.analysis_runs {
            n += 1;
            self.analysis_run(run, &id, rev, depth + 1, prefixes(n == total, &pfx.1));
        }
    }
}

fn object_id(kind: &str, namespace: &str, name: &str) -> String {
    format!("{kind}:{namespace}/{name}")
}

/// The rollout tree flattened depth-first in the order `get rollout` prints it:
/// rollout → revisions (newest first) → ReplicaSets, Experiments, AnalysisRuns →
/// Pods / Jobs (experiments nest their own ReplicaSets and AnalysisRuns).
#[must_use]
pub fn tree_rows(info: &RolloutInfo, now: DateTime<Utc>) -> Vec<TreeRow> {
    let root = object_id("Rollout", &info.namespace, &info.name);
    let mut b = TreeBuilder {
        now,
        rows: vec![TreeRow {
            id: root.clone(),
            parent_id: None,
            kind: TreeKind::Rollout,
            name: info.name.clone(),
            status: info.status.as_str().to_string(),
            icon: info.status.icon().to_string(),
            info: String::new(),
            revision: None,
            age: age(info.created, now),
            created: info.created,
            depth: 0,
            prefix: String::new(),
        }],
    };
    for (i, rev) in info.revisions.iter().enumerate() {
        let (prefix, sub) = prefixes(i + 1 == info.revisions.len(), "");
        let rev_id = format!("{root}/revision:{}", rev.revision);
        b.rows.push(TreeRow {
            id: rev_id.clone(),
            parent_id: Some(root.clone()),
            kind: TreeKind::Revision,
            name: format!("revision:{}", rev.revision),
            status: String::new(),
            icon: String::new(),
            info: String::new(),
            revision: Some(rev.revision),
            age: String::new(),
            created: None,
            depth: 1,
            prefix,
        });
        let total = rev.replica_sets.len() + rev.experiments.len() + rev.analysis_runs.len();
        let mut n = 0;
        for rs in &rev.replica_sets {
            n += 1;
            b.replica_set(rs, &rev_id, rev.revision, 2, prefixes(n == total, &sub));
        }
        for exp in &rev.experiments {
            n += 1;
            b.experiment(exp, &rev_id, rev.revision, 2, prefixes(n == total, &sub));
        }
        for run in &rev.analysis_runs {
            n += 1;
            b.analysis_run(run, &rev_id, rev.revision, 2, prefixes(n == total, &sub));
        }
    }
    b.rows
}

fn format_image(image: &ImageInfo) -> String {
    if image.tags.is_empty() {
        image.image.clone()
    } else {
        format!("{} ({})", image.image, image.tags.join(", "))
    }
}

/// Aligns tab-separated cells like Go's `text/tabwriter` (padding 2, width in
/// characters); the last cell of each row is not padded. Trailing spaces are trimmed.
fn tabulate(rows: &[Vec<String>]) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
            widths[i] = widths[i].max(cell.chars().count() + 2);
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < row.len() {
                    let pad = widths[i].saturating_sub(cell.chars().count());
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// The text `kubectl argo rollouts get rollout NAME --no-color` prints for this info at
/// time `now`, with trailing spaces trimmed from every line.
#[must_use]
pub fn render_get(info: &RolloutInfo, now: DateTime<Utc>, opts: RenderOptions) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut field = |label: &str, value: &str| {
        out.push(format!("{label:<17}{value}").trim_end().to_string());
    };
    field("Name:", &info.name);
    field("Namespace:", &info.namespace);
    field(
        "Status:",
        &format!("{} {}", info.status.icon(), info.status),
    );
    if !info.message.is_empty() {
        field("Message:", &info.message);
    }
    field("Strategy:", &info.strategy_name());
    if info.strategy == Some(Strategy::Canary) {
        let weight = |w: Option<i32>| w.map(|w| w.to_string()).unwrap_or_default();
        field("  Step:", &info.step());
        field("  SetWeight:", &weight(info.set_weight));
        field("  ActualWeight:", &weight(info.actual_weight));
    }
    for (i, image) in info.images.iter().enumerate() {
        field(if i == 0 { "Images:" } else { "" }, &format_image(image));
    }
    out.push("Replicas:".to_string());
    for (label, n) in [
        ("  Desired:", info.desired),
        ("  Current:", info.current),
        ("  Updated:", info.updated),
        ("  Ready:", info.ready),
        ("  Available:", info.available),
    ] {
        out.push(format!("{label:<17}{n}"));
    }
    out.push(String::new());

    let mut cells: Vec<Vec<String>> = Vec::new();
    let header = ["NAME", "KIND", "STATUS", "AGE", "INFO"];
    cells.push(header.iter().map(|s| s.to_string()).collect());
    for row in tree_rows(info, now) {
        let revision = row.kind == TreeKind::Revision;
        cells.push(vec![
            format!("{}{} {}", row.prefix, row.kind.icon(), row.name),
            if revision {
                String::new()
            } else {
                row.kind.as_str().to_string()
            },
            format!("{} {}", row.icon, row.status),
            row.age,
            row.info,
        ]);
    }
    if !opts.show_age {
        for row in &mut cells {
            row.remove(3);
        }
    }
    out.extend(tabulate(&cells));
    let mut text = out.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_kubernetes_formatting() {
        let s = TimeDelta::seconds;
        assert_eq!(human_duration(s(-5)), "<invalid>");
        assert_eq!(human_duration(TimeDelta::milliseconds(-500)), "0s");
        assert_eq!(human_duration(s(0)), "0s");
        assert_eq!(human_duration(s(119)), "119s");
        assert_eq!(human_duration(s(120)), "2m");
        assert_eq!(human_duration(s(5 * 60 + 3)), "5m3s");
        assert_eq!(human_duration(s(90 * 60 + 30)), "90m");
        assert_eq!(human_duration(s(4 * 3600 - 1)), "3h59m");
        assert_eq!(human_duration(s(5 * 3600)), "5h");
        assert_eq!(human_duration(s(30 * 3600)), "30h");
        assert_eq!(human_duration(s(7 * 86400)), "7d");
        assert_eq!(human_duration(s(3 * 86400 + 5 * 3600)), "3d5h");
        assert_eq!(human_duration(s(100 * 86400)), "100d");
        assert_eq!(human_duration(s(3 * 365 * 86400 + 10 * 86400)), "3y10d");
        assert_eq!(human_duration(s(10 * 365 * 86400)), "10y");
    }

    #[test]
    fn tabulate_pads_every_cell_but_the_last_to_the_widest_plus_two() {
        let rows = vec![
            vec!["NAME".to_string(), "KIND".to_string(), "INFO".to_string()],
            vec![
                "⟳ long-name".to_string(),
                "Rollout".to_string(),
                String::new(),
            ],
            vec!["x".to_string(), "Pod".to_string(), "ready:1/1".to_string()],
        ];
        assert_eq!(
            tabulate(&rows),
            vec![
                "NAME         KIND     INFO",
                "⟳ long-name  Rollout",
                "x            Pod      ready:1/1",
            ]
        );
    }

    #[test]
    fn prefixes_draw_branches_and_continuations() {
        assert_eq!(
            prefixes(false, "│  "),
            ("│  ├──".to_string(), "│  │  ".to_string())
        );
        assert_eq!(prefixes(true, ""), ("└──".to_string(), "   ".to_string()));
    }
}
