//! Frames as aligned text tables, for the CLI and for readable golden files.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{Frame, Values};

/// One cell as text (empty for null).
pub fn cell(values: &Values, row: usize) -> String {
    match values {
        Values::String(v) => v[row].clone().unwrap_or_default(),
        Values::F64(v) => v[row].map(format_f64).unwrap_or_default(),
        Values::I64(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
        Values::Bool(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
        Values::Time(v) => v[row]
            .map(|ns| {
                DateTime::<Utc>::from_timestamp_nanos(ns)
                    .to_rfc3339_opts(SecondsFormat::Millis, true)
            })
            .unwrap_or_default(),
    }
}

fn format_f64(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').to_string()
    }
}

/// The frame as a titled, column-aligned table; labels are shown after field names.
pub fn render(frame: &Frame) -> String {
    let headers: Vec<String> = frame
        .fields
        .iter()
        .map(|f| {
            if f.labels.is_empty() {
                f.name.clone()
            } else {
                let labels: Vec<String> =
                    f.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{}{{{}}}", f.name, labels.join(","))
            }
        })
        .collect();
    let rows = frame.row_count().unwrap_or(0);
    let cells: Vec<Vec<String>> = (0..rows)
        .map(|r| frame.fields.iter().map(|f| cell(&f.values, r)).collect())
        .collect();
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            cells
                .iter()
                .map(|row| row[i].chars().count())
                .chain([h.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |row: &[String]| {
        let parts: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = format!(
        "Frame {:?} (refId {:?}, {rows} rows)\n",
        frame.name, frame.ref_id
    );
    if let Some(meta) = &frame.meta {
        for n in &meta.notices {
            out.push_str(&format!("  {:?}: {}\n", n.severity, n.text));
        }
    }
    out.push_str(&line(&headers));
    out.push('\n');
    for row in &cells {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::Field;

    #[test]
    fn columns_line_up_and_nulls_are_blank() {
        let frame = Frame::new("t")
            .field(Field::strings("name", [Some("a"), Some("longer")]))
            .field(Field::i64s("n", [Some(1), None]));
        let text = render(&frame);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "name    n");
        assert_eq!(lines[2], "a       1");
        assert_eq!(lines[3], "longer");
    }
}
