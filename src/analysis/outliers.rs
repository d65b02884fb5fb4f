//! Outlier removal by interquartile-range fences, as Kayenta's judge does it.
//!
//! Values below `Q1 - factor * IQR` or above `Q3 + factor * IQR` are outliers, except that
//! the fences are never tighter than the 1st and 99th percentiles (Kayenta's "reduced
//! sensitivity" mode, the one its judge uses), so a tight cluster does not lose its tails.
//! Percentiles use linear interpolation between order statistics (R-7, numpy's default).

/// Linear-interpolation percentile of sorted data; `p` in `[0, 100]`. NaN when empty.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    let Some(&last) = sorted.last() else {
        return f64::NAN;
    };
    if sorted.len() == 1 {
        return last;
    }
    let h = (sorted.len() - 1) as f64 * (p / 100.0).clamp(0.0, 1.0);
    let below = h.floor();
    let index = below as usize;
    match sorted.get(index + 1) {
        Some(&next) => sorted[index] + (h - below) * (next - sorted[index]),
        None => last,
    }
}

/// Inclusive range of values kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fences {
    pub lower: f64,
    pub upper: f64,
}

/// Fences for sorted data, or `None` when it is empty.
pub fn fences(sorted: &[f64], factor: f64) -> Option<Fences> {
    if sorted.is_empty() {
        return None;
    }
    let q1 = percentile_sorted(sorted, 25.0);
    let q3 = percentile_sorted(sorted, 75.0);
    let iqr = q3 - q1;
    let lower = (q1 - factor * iqr).min(percentile_sorted(sorted, 1.0));
    let upper = (q3 + factor * iqr).max(percentile_sorted(sorted, 99.0));
    Some(Fences { lower, upper })
}

/// Sub-slice of sorted data inside the fences; the number removed is
/// `sorted.len() - result.len()`.
pub fn trim_sorted(sorted: &[f64], factor: f64) -> &[f64] {
    let Some(f) = fences(sorted, factor) else {
        return sorted;
    };
    let start = sorted.partition_point(|&v| v < f.lower);
    let end = sorted.partition_point(|&v| v <= f.upper);
    &sorted[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_linearly_like_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [25, 50, 90]) == [2.0, 3.0, 7.6]
        let data = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(percentile_sorted(&data, 25.0), 2.0);
        assert_eq!(percentile_sorted(&data, 50.0), 3.0);
        assert!((percentile_sorted(&data, 90.0) - 7.6).abs() < 1e-12);
        assert_eq!(percentile_sorted(&data, 100.0), 10.0);
        assert!(percentile_sorted(&[], 50.0).is_nan());
        assert_eq!(percentile_sorted(&[4.0], 99.0), 4.0);
    }

    #[test]
    fn a_far_outlier_is_removed_and_the_body_is_kept() {
        let mut data: Vec<f64> = (0..200).map(|i| 100.0 + f64::from(i % 20)).collect();
        data.push(10_000.0);
        data.sort_unstable_by(f64::total_cmp);
        let kept = trim_sorted(&data, 3.0);
        assert_eq!(kept.len(), 200);
        assert!(kept.iter().all(|&v| v < 200.0));
    }

    #[test]
    fn fences_never_cut_inside_the_first_and_ninety_ninth_percentiles() {
        // All but two values equal: the IQR is 0, so without the percentile guard every
        // value off the cluster would go.
        let mut data = vec![5.0; 98];
        data.push(5.5);
        data.push(6.0);
        data.sort_unstable_by(f64::total_cmp);
        let f = fences(&data, 3.0).expect("non-empty");
        assert_eq!(f.lower, 5.0);
        assert!(f.upper >= 5.5 && f.upper < 6.0);
        assert_eq!(trim_sorted(&data, 3.0).len(), 99);
    }

    #[test]
    fn empty_data_has_no_fences() {
        assert!(fences(&[], 3.0).is_none());
        assert!(trim_sorted(&[], 3.0).is_empty());
    }
}
