//! When the current timed pause step of a canary ends: the `CanaryPauseStep` pause
//! condition's start plus the step's duration (Argo's own rule for resuming).

use chrono::{DateTime, Duration, Utc};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::argo::Rollout;

/// The end of the pause the rollout is in, when its current step is a pause with a
/// duration and the controller recorded when it started; `None` otherwise (not paused,
/// paused until promoted, or an unreadable duration).
#[must_use]
pub fn pause_ends_at(rollout: &Rollout) -> Option<DateTime<Utc>> {
    let index = usize::try_from(rollout.status.current_step_index?).ok()?;
    let step = rollout.spec.strategy.canary.as_ref()?.steps.get(index)?;
    let duration = match step.pause.as_ref()?.duration.as_ref()? {
        IntOrString::Int(seconds) => Duration::try_seconds(i64::from(*seconds))?,
        IntOrString::String(text) => go_duration(text)?,
    };
    let started = rollout
        .status
        .pause_conditions
        .iter()
        .find(|c| c.reason == "CanaryPauseStep")?
        .start_time?;
    // A pause end past the calendar's range is no end at all.
    started.checked_add_signed(duration)
}

/// A Go duration (`"90s"`, `"1h30m"`, `"500ms"`) or plain seconds (`"30"`).
fn go_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        // The CRD takes any integer string: past TimeDelta's range is no duration.
        return Duration::try_seconds(seconds);
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|&i| i > 0)?;
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += value * seconds;
        rest = &rest[unit_len..];
    }
    let millis = (total * 1000.0).round();
    // `as` saturates; anything beyond ±2^62 ms (146 million years) is not a pause.
    if !millis.is_finite() || millis.abs() > 2f64.powi(62) {
        return None;
    }
    Duration::try_milliseconds(millis as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::argo::{CanaryStep, CanaryStrategy, PauseCondition, RolloutPause};

    fn paused(duration: Option<IntOrString>, reason: &str) -> Rollout {
        let mut r = Rollout::default();
        r.spec.strategy.canary = Some(CanaryStrategy {
            steps: vec![
                CanaryStep {
                    set_weight: Some(20),
                    ..CanaryStep::default()
                },
                CanaryStep {
                    pause: Some(RolloutPause { duration }),
                    ..CanaryStep::default()
                },
            ],
            ..CanaryStrategy::default()
        });
        r.status.current_step_index = Some(1);
        r.status.pause_conditions = vec![PauseCondition {
            reason: reason.into(),
            start_time: Some("2026-11-25T12:00:00Z".parse().unwrap()),
        }];
        r
    }

    #[test]
    fn a_timed_pause_ends_at_its_start_plus_its_duration() {
        let r = paused(Some(IntOrString::String("1h30m".into())), "CanaryPauseStep");
        assert_eq!(
            pause_ends_at(&r),
            Some("2026-11-25T13:30:00Z".parse().unwrap())
        );
        let r = paused(Some(IntOrString::Int(45)), "CanaryPauseStep");
        assert_eq!(
            pause_ends_at(&r),
            Some("2026-11-25T12:00:45Z".parse().unwrap())
        );
    }

    #[test]
    fn a_pause_past_the_calendar_has_no_end_and_no_panic() {
        // Argo's CRD accepts this; started + duration is past any date chrono holds.
        for text in ["999999999999999", "9223372036854775807", "99999999999999h"] {
            let r = paused(Some(IntOrString::String(text.into())), "CanaryPauseStep");
            assert_eq!(pause_ends_at(&r), None, "{text}");
        }
        let r = paused(Some(IntOrString::Int(i32::MAX)), "CanaryPauseStep");
        assert!(pause_ends_at(&r).is_some());
    }

    #[test]
    fn an_indefinite_or_other_pause_has_no_end() {
        assert_eq!(pause_ends_at(&paused(None, "CanaryPauseStep")), None);
        let r = paused(
            Some(IntOrString::String("10s".into())),
            "InconclusiveAnalysisRun",
        );
        assert_eq!(pause_ends_at(&r), None);
        assert_eq!(pause_ends_at(&Rollout::default()), None);
    }

    #[test]
    fn go_durations_parse_like_go() {
        assert_eq!(go_duration("90s"), Some(Duration::seconds(90)));
        assert_eq!(go_duration("1h2m3s"), Some(Duration::seconds(3723)));
        assert_eq!(go_duration("500ms"), Some(Duration::milliseconds(500)));
        assert_eq!(go_duration("1.5m"), Some(Duration::seconds(90)));
        assert_eq!(go_duration("30"), Some(Duration::seconds(30)));
        // What the CRD accepts but no clock can hold: no duration, no panic.
        assert_eq!(go_duration("9223372036854775807"), None);
        assert_eq!(go_duration("99999999999999999999h"), None);
        assert!(go_duration("2562047h").is_some());
        assert_eq!(go_duration("soon"), None);
        assert_eq!(go_duration("10x"), None);
    }
}
