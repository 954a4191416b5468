//! The Events table as CSV (RFC 4180), for spreadsheets.
//!
//! Fields with a comma, a quote or a line break are quoted, quotes doubled. A field
//! that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
//! carriage return) is prefixed with `'`, so opening the file never executes text
//! from the article (CSV injection). Several values in one slot are joined by `; `.

use crate::model::frames::EventRow;

/// The header row.
pub const HEADER: [&str; 9] = ["event_id", "source", "event", "target", "type", "modality", "place", "time", "claims"];

fn field(out: &mut String, value: &str) {
    let guarded;
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{value}");
        guarded.as_str()
    } else {
        value
    };
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Writes the rows as CSV with a header, lines ending in CRLF.
pub fn to_csv(rows: &[EventRow]) -> String {
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, c);
        }
        out.push_str("\r\n");
    };
    line(&HEADER);
    for r in rows {
        let (source, target, claims) = (r.source.join("; "), r.target.join("; "), r.claims.join("; "));
        line(&[r.event.as_str(), &source, &r.event_text, &target, &r.kind, &r.modality, &r.place, &r.time, &claims]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AnnId;

    #[test]
    fn quotes_commas_newlines_and_formulas() {
        let row = EventRow {
            event: AnnId::new("e1").unwrap(),
            event_text: "said \"no\", then left".into(),
            source: vec!["A".into(), "B".into()],
            target: vec![],
            kind: "REJECT".into(),
            modality: "occurred".into(),
            place: "=HYPERLINK(\"x\")".into(),
            time: "line\nbreak".into(),
            claims: vec!["北京 👍🏽".into()],
        };
        let csv = to_csv(&[row]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "event_id,source,event,target,type,modality,place,time,claims");
        assert_eq!(lines[1], "e1,A; B,\"said \"\"no\"\", then left\",,REJECT,occurred,\"'=HYPERLINK(\"\"x\"\")\",\"line\nbreak\",北京 👍🏽");
    }
}
