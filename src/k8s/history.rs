//! What the watch observed about each rollout over time: a bounded, in-memory ring of
//! rollout states (step, set and actual weight, status, pause, abort, revisions) kept
//! per datasource instance.
//!
//! The cache's recorder samples every rollout after the watch reports changes (bursts
//! are coalesced, at most one sample per [`SAMPLE_EVERY`]) and appends a state only
//! when it differs from the previous one of that rollout. The ring holds the newest
//! [`CAPACITY`] changes across all rollouts; nothing survives a plugin restart or a
//! settings change. `trafficSplit` draws set/actual weight from it and `events` turns
//! consecutive states into annotations ([`transitions`]).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use parking_lot::Mutex;

use crate::rollout::RolloutInfo;

/// Changes kept, across every rollout of the datasource.
pub const CAPACITY: usize = 10_000;
/// The recorder samples at most this often.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(500);

/// One observed state of one rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutState {
    pub time: DateTime<Utc>,
    pub namespace: String,
    pub name: String,
    pub current_step: Option<i32>,
    pub step_count: Option<i32>,
    pub set_weight: Option<i32>,
    pub actual_weight: Option<i32>,
    pub status: String,
    pub message: String,
    pub paused: bool,
    pub aborted: bool,
    pub stable_revision: Option<i64>,
    pub canary_revision: Option<i64>,
}

impl RolloutState {
    pub fn of(info: &RolloutInfo, time: DateTime<Utc>) -> Self {
        RolloutState {
            time,
            namespace: info.namespace.clone(),
            name: info.name.clone(),
            current_step: info.current_step,
            step_count: info.step_count,
            set_weight: info.set_weight,
            actual_weight: info.actual_weight,
            status: info.status.to_string(),
            message: info.message.clone(),
            paused: info.paused || !info.pause_reasons.is_empty(),
            aborted: info.aborted,
            stable_revision: info.stable_revision,
            canary_revision: info.canary_revision,
        }
    }

    /// Same state, whenever observed.
    fn same_as(&self, other: &RolloutState) -> bool {
        let mut a = self.clone();
        a.time = other.time;
        &a == other
    }
}

/// The ring of observed changes.
#[derive(Debug)]
pub struct History {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: VecDeque<RolloutState>,
    /// The newest state of every rollout seen in the last sample (also after its
    /// entries left the ring), to compare the next sample with.
    last: HashMap<(String, String), RolloutState>,
}

impl Default for History {
    fn default() -> Self {
        Self::new(CAPACITY)
    }
}

impl History {
    pub fn new(capacity: usize) -> Self {
        History {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Records one complete sample: a state is appended when its rollout is new or
    /// changed; rollouts missing from the sample are forgotten. Returns how many
    /// states were appended.
    pub fn observe_all(&self, states: Vec<RolloutState>) -> usize {
        let mut inner = self.inner.lock();
        let mut seen = HashMap::with_capacity(states.len());
        let mut appended = 0;
        for state in states {
            let key = (state.namespace.clone(), state.name.clone());
            let changed = inner
                .last
                .get(&key)
                .is_none_or(|prev| !prev.same_as(&state));
            if changed {
                inner.entries.push_back(state.clone());
                appended += 1;
                seen.insert(key, state);
            } else if let Some(prev) = inner.last.remove(&key) {
                seen.insert(key, prev);
            }
        }
        inner.last = seen;
        while inner.entries.len() > self.capacity {
            inner.entries.pop_front();
        }
        appended
    }

    /// The recorded states of one rollout, oldest first.
    pub fn of(&self, namespace: &str, name: &str) -> Vec<RolloutState> {
        self.inner
            .lock()
            .entries
            .iter()
            .filter(|s| s.namespace == namespace && s.name == name)
            .cloned()
            .collect()
    }

    /// Every recorded state, oldest first.
    pub fn all(&self) -> Vec<RolloutState> {
        self.inner.lock().entries.iter().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.inner.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A change worth an annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub title: String,
    pub text: String,
    /// e.g. `["step"]`, `["pause"]`, `["promotion"]`, `["abort"]`, `["status"]`.
    pub tags: Vec<&'static str>,
}

fn revision(r: Option<i64>) -> String {
    r.map_or_else(|| "none".to_string(), |r| r.to_string())
}

/// What changed from `prev` to `next` (the same rollout), in the order a reader wants
/// it: abort, promotion, step, pause/resume, status.
pub fn transitions(prev: &RolloutState, next: &RolloutState) -> Vec<Transition> {
    let mut out = Vec::new();
    if next.aborted && !prev.aborted {
        out.push(Transition {
            title: format!("Rollout {} aborted", next.name),
            text: next.message.clone(),
            tags: vec!["abort"],
        });
    } else if prev.aborted && !next.aborted {
        out.push(Transition {
            title: format!("Rollout {} retried", next.name),
            text: String::new(),
            tags: vec!["retry"],
        });
    }
    if next.stable_revision != prev.stable_revision && next.stable_revision.is_some() {
        out.push(Transition {
            title: format!(
                "Revision {} promoted to stable",
                revision(next.stable_revision)
            ),
            text: format!("stable was revision {}", revision(prev.stable_revision)),
            tags: vec!["promotion"],
        });
    }
    if next.canary_revision != prev.canary_revision && next.canary_revision.is_some() {
        out.push(Transition {
            title: format!("Canary revision {} started", revision(next.canary_revision)),
            text: String::new(),
            tags: vec!["update"],
        });
    }
    if next.current_step != prev.current_step {
        let step = |s: Option<i32>| s.map_or_else(|| "-".to_string(), |s| s.to_string());
        let count = next
            .step_count
            .map_or_else(String::new, |c| format!("/{c}"));
        out.push(Transition {
            title: format!(
                "Step {}{count} → {}{count}",
                step(prev.current_step),
                step(next.current_step)
            ),
            text: match next.set_weight {
                Some(w) => format!("set weight {w}%"),
                None => String::new(),
            },
            tags: vec!["step"],
        });
    } else if next.set_weight != prev.set_weight {
        if let Some(w) = next.set_weight {
            out.push(Transition {
                title: format!("Set weight {w}%"),
                text: String::new(),
                tags: vec!["weight"],
            });
        }
    }
    if next.paused && !prev.paused {
        out.push(Transition {
            title: format!("Rollout {} paused", next.name),
            text: next.message.clone(),
            tags: vec!["pause"],
        });
    } else if prev.paused && !next.paused {
        out.push(Transition {
            title: format!("Rollout {} resumed", next.name),
            text: String::new(),
            tags: vec!["resume"],
        });
    }
    if next.status != prev.status {
        out.push(Transition {
            title: format!("{} → {}", prev.status, next.status),
            text: next.message.clone(),
            tags: vec!["status"],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(t: i64, name: &str, step: Option<i32>, weight: i32) -> RolloutState {
        RolloutState {
            time: DateTime::from_timestamp(t, 0).unwrap(),
            namespace: "shop".into(),
            name: name.into(),
            current_step: step,
            step_count: Some(4),
            set_weight: Some(weight),
            actual_weight: Some(weight),
            status: "Paused".into(),
            message: "CanaryPauseStep".into(),
            paused: true,
            aborted: false,
            stable_revision: Some(1),
            canary_revision: Some(2),
        }
    }

    #[test]
    fn only_changes_are_recorded_and_the_ring_stays_bounded() {
        let h = History::new(3);
        assert_eq!(h.observe_all(vec![state(0, "a", Some(0), 20)]), 1);
        assert_eq!(h.observe_all(vec![state(1, "a", Some(0), 20)]), 0);
        assert_eq!(h.observe_all(vec![state(2, "a", Some(1), 40)]), 1);
        assert_eq!(h.of("shop", "a").len(), 2);
        assert_eq!(h.of("shop", "a")[1].time.timestamp(), 2);
        for t in 3..10 {
            h.observe_all(vec![state(t, "a", Some(0), i32::try_from(t).unwrap())]);
        }
        assert_eq!(h.len(), 3);
        assert_eq!(h.all()[0].time.timestamp(), 7);
        // Unchanged after eviction: still compared with the newest state, not recorded.
        assert_eq!(h.observe_all(vec![state(10, "a", Some(0), 9)]), 0);
    }

    #[test]
    fn a_deleted_and_recreated_rollout_is_recorded_again() {
        let h = History::new(10);
        h.observe_all(vec![state(0, "a", Some(0), 20), state(0, "b", None, 0)]);
        h.observe_all(vec![state(1, "b", None, 0)]);
        assert_eq!(h.observe_all(vec![state(2, "a", Some(0), 20)]), 1);
        assert_eq!(h.of("shop", "a").len(), 2);
    }

    #[test]
    fn transitions_name_step_pause_promotion_and_abort() {
        let a = state(0, "web", Some(1), 20);
        let mut b = state(5, "web", Some(2), 40);
        b.paused = false;
        b.status = "Progressing".into();
        let t = transitions(&a, &b);
        let titles: Vec<&str> = t.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Step 1/4 → 2/4",
                "Rollout web resumed",
                "Paused → Progressing"
            ]
        );
        assert_eq!(t[0].text, "set weight 40%");
        let mut c = b.clone();
        c.aborted = true;
        c.stable_revision = Some(2);
        c.canary_revision = None;
        let t = transitions(&b, &c);
        assert_eq!(t[0].tags, ["abort"]);
        assert_eq!(t[1].title, "Revision 2 promoted to stable");
        assert!(transitions(&c, &c).is_empty());
    }
}
