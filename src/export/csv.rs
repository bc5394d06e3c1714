//! CSV: one row per account under a stable header, RFC 4180 quoting (the `csv` crate), for
//! spreadsheets.
//!
//! Values and evidence come from hostile pages, and a spreadsheet runs a cell that starts with
//! `=`, `+`, `-` or `@` as a formula (CSV injection). Every cell that starts with one of
//! those, or with a tab or carriage return, gets a leading `'`, which spreadsheets show as
//! text. So a phone number reads `'+8613912340001` here: scripts that want the values as
//! they are should read the JSONL export instead.

use super::{Entry, place, round_score};
use std::io::{self, Write};

/// The header, in column order. A contract: append columns, never reorder or rename them.
pub const HEADER: [&str; 12] = [
    "kind",
    "value",
    "status",
    "otc",
    "score",
    "first_seen",
    "last_seen",
    "sightings",
    "sites",
    "places",
    "best_place",
    "best_context",
];

/// Writes the header and one row per entry. `places` lists every sighting's page or post,
/// space-separated; `best_*` is the highest-scoring sighting's evidence.
pub fn write<W: Write>(out: W, entries: &[Entry]) -> io::Result<()> {
    let mut csv = ::csv::Writer::from_writer(out);
    csv.write_record(HEADER)?;
    for entry in entries {
        csv.write_record(row(entry).iter().map(|cell| neutralise(cell).into_owned()))?;
    }
    csv.flush()
}

fn row(entry: &Entry) -> [String; 12] {
    let account = &entry.account;
    let best = entry.sightings.iter().max_by(|a, b| a.score.total_cmp(&b.score));
    let places: Vec<&str> = entry.sightings.iter().map(place).collect();
    [
        account.kind.as_str().to_string(),
        account.value.clone(),
        account.status.to_string(),
        account.otc.to_string(),
        format!("{:.2}", round_score(account.score)),
        super::rfc3339_ms(account.first_seen_ms),
        super::rfc3339_ms(account.last_seen_ms),
        account.sightings.to_string(),
        account.sites.join(" "),
        places.join(" "),
        best.map(|s| place(s).to_string()).unwrap_or_default(),
        best.map(|s| s.context.clone()).unwrap_or_default(),
    ]
}

/// The cell with a leading `'` if a spreadsheet would run it as a formula.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for cell in ["=HYPERLINK(\"x\")", "+8613912340001", "-1+1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
        for cell in ["alipay", "13912340001", "", " =1", "a=b"] {
            assert_eq!(neutralise(cell), cell);
        }
    }
}
