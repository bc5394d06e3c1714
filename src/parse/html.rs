//! HTML → visible text with a source map. (Being written.)

use super::Document;

/// True when `source` looks like HTML rather than plain text.
pub fn looks_like_html(source: &str) -> bool {
    let head = &source[..source.len().min(1024)];
    head.contains('<') && head.contains('>')
}

/// Parses HTML into its visible text.
pub fn parse(source: &str) -> Document {
    Document::plain(source)
}
