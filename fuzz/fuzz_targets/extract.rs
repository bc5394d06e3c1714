//! Arbitrary bytes → `charset::decode` → `Document::parse` → `extract::findings`, checking the
//! invariants of the extraction contract on whatever comes out.

#![no_main]

use libfuzzer_sys::fuzz_target;
use otcwatch::extract::{self, Kind, Warninglist};
use otcwatch::fetch::charset;
use otcwatch::parse::Document;
use std::ops::Range;
use std::sync::LazyLock;

static WARNINGLIST: LazyLock<Warninglist> = LazyLock::new(Warninglist::embedded);

fuzz_target!(|data: &[u8]| {
    let decoded = charset::decode(data, None);
    let source = decoded.text.as_str();
    let doc = Document::parse(source);
    let extraction = extract::findings(&doc, &WARNINGLIST);

    for finding in &extraction.findings {
        check_span(source, &finding.span, "finding", &finding.raw);
        assert!(!finding.raw.is_empty(), "finding with empty raw: {finding:?}");
        assert!(!finding.value.is_empty(), "finding with empty value: {finding:?}");
        assert!(finding.value.is_ascii(), "finding with non-ASCII value: {finding:?}");
        assert!((0.0..=1.0).contains(&finding.score), "score out of 0..1: {finding:?}");
        assert!(finding.occurrences >= 1, "no occurrences: {finding:?}");
        if matches!(finding.kind, Kind::Btc | Kind::Eth | Kind::Tron) {
            revalidate(finding.kind, &finding.value);
        }
    }
    for rejected in &extraction.rejected {
        check_span(source, &rejected.span, "rejected", &rejected.raw);
    }
});

/// A span points into the decoded source, on character boundaries.
fn check_span(source: &str, span: &Range<usize>, what: &str, raw: &str) {
    assert!(
        span.start <= span.end && span.end <= source.len(),
        "{what} {raw:?}: span {span:?} outside the decoded text of {} bytes",
        source.len()
    );
    assert!(
        source.is_char_boundary(span.start) && source.is_char_boundary(span.end),
        "{what} {raw:?}: span {span:?} not on char boundaries"
    );
}

/// A wallet address, in its normal form, alone on a line with a trade word, is found again as
/// the same identifier.
fn revalidate(kind: Kind, value: &str) {
    let text = format!("USDT 收款地址\n{value}\n");
    let again = extract::findings(&Document::plain(&text), &WARNINGLIST);
    assert!(
        again.findings.iter().any(|f| f.kind == kind && f.value == value),
        "{kind} {value:?} not found again in {text:?}: {:?} / {:?}",
        again.findings,
        again.rejected
    );
}
