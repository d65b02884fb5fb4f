//! The metric columns of the `rollouts` table: each rollout's canary and stable error
//! ratio and p99 latency, now.
//!
//! The table must stay fast whatever the number of rollouts, so this is three instant
//! queries in all (requests, errors, latency buckets), each summed by namespace and
//! revision label over every revision of every listed rollout (in chunks of
//! [`CHUNK`] revisions), run concurrently and bounded by [`DEADLINE`]. The series are
//! assigned to revisions here, and the p99 is computed from the summed buckets as
//! `histogram_quantile` does. The `verdict` column stays empty: a verdict needs range
//! queries per rollout, which the `verdict` query runs.
//!
//! Exact for any number of revisions: an answer the client had to cut to its series
//! cap (revisions × pods × `le` buckets add up) is never used; its chunk is split in two
//! and asked again, down to single revisions, so no revision loses series to another
//! and requests, errors and buckets are never cut differently. Revisions with no series
//! at all are named in a notice.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures::StreamExt;

use super::promql::{self, Notes};
use super::revisions::role_revisions;
use crate::backends::Prometheus;
use crate::prometheus::{BatchSeries, JoinMode, RevisionRef, Series};
use crate::rollout::RolloutInfo;

/// Revisions per batched query.
pub const CHUNK: usize = 200;
/// How long the table waits for Prometheus before showing the rollouts without it.
pub const DEADLINE: Duration = Duration::from_secs(5);
/// The quantile of the latency columns.
pub const QUANTILE: f64 = 0.99;

/// The metric columns of one rollout.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Columns {
    pub canary_error_ratio: Option<f64>,
    pub stable_error_ratio: Option<f64>,
    pub canary_p99: Option<f64>,
    pub stable_p99: Option<f64>,
}

/// Which revision (index into `revs`) a result series belongs to, by the batch labels:
/// namespace (when grouped by it) and pod-name prefix, hash or version.
pub fn assign(
    labels: &BTreeMap<String, String>,
    revs: &[RevisionRef],
    mode: &JoinMode,
    namespace_label: &str,
    key_label: &str,
) -> Option<usize> {
    let ns = (!namespace_label.is_empty()).then(|| labels.get(namespace_label));
    let key = labels.get(key_label)?;
    let same_ns = |r: &RevisionRef| match ns {
        None => true,
        Some(ns) => ns == Some(&r.namespace),
    };
    match mode {
        // The longest pod-name prefix (`<rs>-`, cut as Kubernetes cuts it) the pod name
        // extends.
        JoinMode::Pod => revs
            .iter()
            .enumerate()
            .filter(|(_, r)| same_ns(r))
            .filter_map(|(i, r)| Some((i, r.pod_name_prefix().ok()?)))
            .filter(|(_, prefix)| key.len() > prefix.len() && key.starts_with(prefix.as_str()))
            .max_by_key(|(_, prefix)| prefix.len())
            .map(|(i, _)| i),
        JoinMode::PodTemplateHash { .. } => revs
            .iter()
            .position(|r| same_ns(r) && &r.pod_template_hash == key),
        JoinMode::Version { .. } => revs
            .iter()
            .position(|r| same_ns(r) && r.version.as_ref() == Some(key)),
    }
}

/// `histogram_quantile` over cumulative buckets `(le, count)`: linear interpolation
/// within the bucket holding the rank, the upper bound of the last finite bucket when
/// the rank falls into `+Inf`. `None` without a `+Inf` bucket, data or finite bounds.
pub fn bucket_quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    let mut b: Vec<(f64, f64)> = buckets
        .iter()
        .copied()
        .filter(|(le, c)| !le.is_nan() && c.is_finite())
        .collect();
    b.sort_by(|x, y| x.0.total_cmp(&y.0));
    if b.len() < 2 || b.last().is_none_or(|l| l.0 != f64::INFINITY) {
        return None;
    }
    // Counts must not decrease (rates of scrapes at slightly different times can).
    for i in 1..b.len() {
        b[i].1 = b[i].1.max(b[i - 1].1);
    }
    let total = b[b.len() - 1].1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let i = b.iter().position(|(_, c)| *c >= rank)?;
    if i == b.len() - 1 {
        return Some(b[b.len() - 2].0);
    }
    let (upper, count) = b[i];
    let (lower, below) = if i == 0 {
        (if upper > 0.0 { 0.0 } else { upper }, 0.0)
    } else {
        b[i - 1]
    };
    if count == below {
        return Some(upper);
    }
    Some(lower + (upper - lower) * (rank - below) / (count - below))
}

/// The columns of every rollout (same order as `infos`), and notes on what failed.
pub async fn columns(
    prom: &Prometheus,
    infos: &[std::sync::Arc<RolloutInfo>],
) -> (Vec<Columns>, Notes) {
    let mut notes = Notes::default();
    let mut out = vec![Columns::default(); infos.len()];
    // (rollout index, is canary, index into `revs`); rollouts that share ReplicaSets
    // (a workloadRef twin) share their revisions' values.
    let mut owners: Vec<(usize, bool, usize)> = Vec::new();
    let mut revs: Vec<RevisionRef> = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (i, info) in infos.iter().enumerate() {
        for r in role_revisions(info) {
            let key = (r.rev.namespace.clone(), r.rev.replica_set.clone());
            let at = *seen.entry(key).or_insert_with(|| {
                revs.push(r.rev.clone());
                revs.len() - 1
            });
            owners.push((i, !r.role.is_control(), at));
        }
    }
    if revs.is_empty() {
        return (out, notes);
    }
    let b = &prom.builder;
    let labels = match b.batch_labels() {
        Ok(l) => l,
        Err(e) => {
            notes.warning(format!("metric columns are not shown: {e}"));
            return (out, notes);
        }
    };
    let (ns_label, key_label) = match labels.as_slice() {
        [ns, key] => (*ns, *key),
        [key] => ("", *key),
        _ => return (out, notes),
    };
    let window = prom.scrape_interval * 4;
    // A job: a range of revisions and one kind of series.
    let mut pending: Vec<(std::ops::Range<usize>, BatchSeries)> = Vec::new();
    for start in (0..revs.len()).step_by(CHUNK) {
        let range = start..(start + CHUNK).min(revs.len());
        for series in [
            BatchSeries::Requests,
            BatchSeries::Errors,
            BatchSeries::LatencyBuckets,
        ] {
            pending.push((range.clone(), series));
        }
    }
    let mut requests: HashMap<usize, f64> = HashMap::new();
    let mut errors: HashMap<usize, f64> = HashMap::new();
    let mut buckets: HashMap<usize, Vec<(f64, f64)>> = HashMap::new();
    let mut cut: Vec<usize> = Vec::new();
    let mode = &b.join().mode;
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut latency_error_said = false;
    while !pending.is_empty() {
        let mut jobs = Vec::new();
        for (range, series) in pending.drain(..) {
            match b.batch_rate(&revs[range.clone()], series, window) {
                Ok(q) => jobs.push((range, series, q)),
                Err(e) if series == BatchSeries::LatencyBuckets => {
                    if !latency_error_said {
                        notes.warning(format!("latency columns are not shown: {e}"));
                        latency_error_said = true;
                    }
                }
                Err(e) => notes.warning(format!("metric columns are not shown: {e}")),
            }
        }
        let fetch = futures::stream::iter(jobs)
            .map(|(range, series, q)| async move {
                let r = prom.client.query(&q, None).await;
                (range, series, r)
            })
            .buffer_unordered(promql::CONCURRENCY)
            .collect::<Vec<_>>();
        let Ok(results) = tokio::time::timeout_at(deadline, fetch).await else {
            notes.warning(format!(
                "{} did not answer within {}s: metric columns are empty",
                prom.client.server(),
                DEADLINE.as_secs()
            ));
            return (vec![Columns::default(); infos.len()], notes);
        };
        for (range, series, result) in results {
            let result = match result {
                Ok(r) => r,
                Err(e) => {
                    notes.error(format!("metric columns are empty: {e}"));
                    continue;
                }
            };
            // The client's own "showing the first N series" is handled here, by splitting.
            let warnings: Vec<String> = if result.truncated {
                Vec::new()
            } else {
                result.warnings.clone()
            };
            notes.server_warnings(prom.client.server(), &warnings);
            if result.truncated {
                if range.len() > 1 {
                    // Ask again in halves: never assign a cut answer.
                    let mid = range.start + range.len() / 2;
                    pending.push((range.start..mid, series));
                    pending.push((mid..range.end, series));
                } else {
                    cut.push(range.start);
                }
                continue;
            }
            let chunk = &revs[range.clone()];
            for Series { labels, samples } in &result.series {
                let Some(value) = samples.first().map(|s| s.1).filter(|v| v.is_finite()) else {
                    continue;
                };
                let Some(i) = assign(labels, chunk, mode, ns_label, key_label) else {
                    continue;
                };
                let rev = range.start + i;
                match series {
                    BatchSeries::Requests => *requests.entry(rev).or_default() += value,
                    BatchSeries::Errors => *errors.entry(rev).or_default() += value,
                    BatchSeries::LatencyBuckets => {
                        let Some(le) = labels.get("le").and_then(|l| l.parse::<f64>().ok()) else {
                            continue;
                        };
                        let list = buckets.entry(rev).or_default();
                        match list.iter_mut().find(|(l, _)| *l == le) {
                            Some(entry) => entry.1 += value,
                            None => list.push((le, value)),
                        }
                    }
                }
            }
        }
    }
    cut.sort_unstable();
    cut.dedup();
    if !cut.is_empty() {
        notes.warning(format!(
            "{} has more series than the plugin reads for one revision ({}): its columns are left empty",
            revision_names(&revs, &cut),
            prom.client.max_series()
        ));
    }
    let without: Vec<usize> = (0..revs.len())
        .filter(|i| !requests.contains_key(i) && !cut.contains(i))
        .collect();
    if !without.is_empty() && notes.errors.is_empty() {
        notes.warning(format!(
            "no request metrics in Prometheus for {}",
            revision_names(&revs, &without)
        ));
    }
    for &(rollout, canary, rev) in &owners {
        let ratio = requests
            .get(&rev)
            .filter(|r| **r > 0.0)
            .map(|r| errors.get(&rev).copied().unwrap_or(0.0) / r);
        let p99 = buckets.get(&rev).and_then(|b| bucket_quantile(QUANTILE, b));
        let cols = &mut out[rollout];
        if canary {
            cols.canary_error_ratio = ratio;
            cols.canary_p99 = p99;
        } else {
            cols.stable_error_ratio = ratio;
            cols.stable_p99 = p99;
        }
    }
    (out, notes)
}

/// "shop/web revision 3, shop/api revision 7 and 4 more".
fn revision_names(revs: &[RevisionRef], which: &[usize]) -> String {
    const SHOWN: usize = 8;
    let mut text = which
        .iter()
        .take(SHOWN)
        .map(|&i| {
            let r = &revs[i];
            format!("{}/{} revision {}", r.namespace, r.rollout, r.revision)
        })
        .collect::<Vec<_>>()
        .join(", ");
    if which.len() > SHOWN {
        text.push_str(&format!(" and {} more", which.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(ns: &str, rs: &str, hash: &str) -> RevisionRef {
        RevisionRef {
            namespace: ns.into(),
            rollout: "web".into(),
            replica_set: rs.into(),
            pod_template_hash: hash.into(),
            revision: "1".into(),
            version: Some(format!("v-{hash}")),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn series_are_assigned_by_namespace_and_pod_prefix_hash_or_version() {
        let revs = [
            rev("shop", "web-abc", "abc"),
            rev("shop", "web-abc-x", "x"),
            rev("pay", "web-abc", "abc"),
        ];
        let pod = |ns: &str, p: &str| labels(&[("namespace", ns), ("pod", p)]);
        let a = |l: &BTreeMap<String, String>| assign(l, &revs, &JoinMode::Pod, "namespace", "pod");
        assert_eq!(a(&pod("shop", "web-abc-12345")), Some(0));
        assert_eq!(a(&pod("shop", "web-abc-x-12345")), Some(1));
        assert_eq!(a(&pod("pay", "web-abc-12345")), Some(2));
        assert_eq!(a(&pod("other", "web-abc-12345")), None);
        assert_eq!(a(&pod("shop", "web-abcd-12345")), None);
        let hash = labels(&[("h", "abc"), ("namespace", "pay")]);
        assert_eq!(
            assign(
                &hash,
                &revs,
                &JoinMode::pod_template_hash(),
                "namespace",
                "h"
            ),
            Some(2)
        );
        let version = labels(&[("v", "v-x")]);
        let mode = JoinMode::Version { label: "v".into() };
        assert_eq!(assign(&version, &revs, &mode, "", "v"), Some(1));
    }

    #[test]
    fn pods_with_cut_names_are_assigned_to_their_revision() {
        // Rollout names of 51 characters: pod names keep 6 of the 10 hash characters.
        let name = "w".repeat(51);
        let revs = [
            rev("shop", &format!("{name}-65fb5ffc84"), "65fb5ffc84"),
            rev("shop", &format!("{name}-877894d5bc"), "877894d5bc"),
        ];
        let pod = |p: String| labels(&[("namespace", "shop"), ("pod", &p)]);
        let a = |l: &BTreeMap<String, String>| assign(l, &revs, &JoinMode::Pod, "namespace", "pod");
        assert_eq!(a(&pod(format!("{name}-65fb5fx7k2q"))), Some(0));
        assert_eq!(a(&pod(format!("{name}-877894x7k2q"))), Some(1));
        assert_eq!(a(&pod(format!("{name}-000000x7k2q"))), None);
    }

    #[test]
    fn bucket_quantiles_match_prometheus_interpolation() {
        // Cumulative shares 0.1, 0.3, 0.6, 0.9, 1.0 at 0.05 .. 1 s, 20 requests/s.
        let b = [
            (0.05, 2.0),
            (0.1, 6.0),
            (0.25, 12.0),
            (0.5, 18.0),
            (1.0, 20.0),
            (f64::INFINITY, 20.0),
        ];
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(bucket_quantile(0.5, &b).unwrap(), 0.2));
        assert!(close(bucket_quantile(0.99, &b).unwrap(), 0.95));
        assert!(close(bucket_quantile(0.05, &b).unwrap(), 0.025));
        // The rank in +Inf: the last finite bound.
        let tail = [(0.5, 1.0), (f64::INFINITY, 10.0)];
        assert_eq!(bucket_quantile(0.99, &tail), Some(0.5));
        assert_eq!(bucket_quantile(0.5, &[(0.5, 1.0), (1.0, 2.0)]), None);
        assert_eq!(
            bucket_quantile(0.5, &[(0.5, 0.0), (f64::INFINITY, 0.0)]),
            None
        );
    }
}
