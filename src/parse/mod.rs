//! Decoded text → [`Document`]: the visible text of a page, with a map from every byte of that
//! text back to the decoded source, so evidence can point at exactly what was on the page.
//! Synchronous, no IO, never fails: malformed markup is input, not an error.

pub mod html;
pub mod feed;
pub mod social;
pub mod forum;

use std::ops::Range;

/// A document ready for extraction.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The visible text: inline elements joined, block elements as `\n`, table cells as `\t`,
    /// script/style/hidden content dropped, character references decoded. The page title, if
    /// any, is the first line.
    pub text: String,
    /// Maps byte ranges of `text` to byte ranges of the decoded source.
    pub map: SourceMap,
    /// The range of `text` holding the `<title>`, when the page has one.
    pub title: Option<Range<usize>>,
    /// Raw `href` values of `<a>` and `<link>` elements, in document order (not resolved).
    pub links: Vec<String>,
}

impl Document {
    /// A plain-text document: its text is its source.
    pub fn plain(text: &str) -> Document {
        Document {
            text: text.to_owned(),
            map: SourceMap::identity(),
            title: None,
            links: Vec::new(),
        }
    }

    /// Turns `source` into a document, as HTML when it looks like HTML, else as plain text.
    pub fn parse(source: &str) -> Document {
        if html::looks_like_html(source) { html::parse(source) } else { Document::plain(source) }
    }

    /// The title text, when there is one.
    pub fn title(&self) -> &str {
        self.title.as_ref().and_then(|range| self.text.get(range.clone())).unwrap_or("")
    }
}

/// One social post or feed item: the unit a finding points at. Made by [`feed::parse`] and the
/// [`social`] parsers; its body is HTML, so it becomes a [`Document`] through [`html::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Post {
    /// Stable id within its source: feed guid (or link), Telegram message number, Mastodon
    /// status id.
    pub id: String,
    /// The post's own URL (item link; `https://t.me/<channel>/<n>`; the status `url`).
    pub permalink: String,
    /// Who wrote it, as the source names them (feed author, Telegram signature or channel,
    /// Mastodon `@user@host`).
    pub author: Option<String>,
    /// RFC 3339, UTC, when known and parseable.
    pub published: Option<String>,
    /// The item title, for feeds that have one (Mastodon: the content warning).
    pub title: Option<String>,
    /// The post body as HTML (feeds, Telegram, Mastodon all give HTML); turn it into text with
    /// [`html::parse`].
    pub html: String,
    /// Links in the post (resolved, absolute, http or https), in order, without repeats.
    pub links: Vec<String>,
}

/// A monotone map from positions in a derived string (the "text") to positions in the string it
/// was made from (the "source"), as a sorted list of segments.
///
/// A `Copy` segment maps byte for byte; a `Replaced` segment stands for `src_len` source bytes
/// that became something else (a character reference, a block break, a zero-width character
/// that was removed), so any position inside it maps to its whole source range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    segs: Vec<Seg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seg {
    text: usize,
    src: usize,
    /// `None` for a byte-for-byte copy; `Some(n)` when the segment replaces `n` source bytes.
    replaced: Option<usize>,
}

impl SourceMap {
    /// The map of a string onto itself.
    pub fn identity() -> SourceMap {
        SourceMap { segs: vec![Seg { text: 0, src: 0, replaced: None }] }
    }

    /// Records that text from `text_pos` on is copied from the source at `src_pos`.
    /// Calls must come in increasing `text_pos` order.
    pub fn push_copy(&mut self, text_pos: usize, src_pos: usize) {
        self.push(Seg { text: text_pos, src: src_pos, replaced: None });
    }

    /// Records that text from `text_pos` on (until the next segment) replaces the source bytes
    /// `src`. Calls must come in increasing `text_pos` order.
    pub fn push_replaced(&mut self, text_pos: usize, src: Range<usize>) {
        self.push(Seg { text: text_pos, src: src.start, replaced: Some(src.len()) });
    }

    fn push(&mut self, seg: Seg) {
        if let Some(last) = self.segs.last_mut() {
            if last.text == seg.text {
                *last = seg;
                return;
            }
            // A copy that continues the previous copy adds nothing.
            if last.replaced.is_none()
                && seg.replaced.is_none()
                && seg.src.checked_sub(last.src) == Some(seg.text - last.text)
            {
                return;
            }
        }
        self.segs.push(seg);
    }

    /// The source range that the text range `range` came from. An empty or out-of-range input
    /// gives the nearest sensible range; it never panics.
    pub fn span(&self, range: Range<usize>) -> Range<usize> {
        if self.segs.is_empty() {
            return range;
        }
        let start = self.start_of(range.start);
        let end = if range.end > range.start { self.end_of(range.end - 1) } else { start };
        start..end.max(start)
    }

    fn seg_at(&self, pos: usize) -> Seg {
        let idx = self.segs.partition_point(|seg| seg.text <= pos);
        self.segs[idx.saturating_sub(1)]
    }

    fn start_of(&self, pos: usize) -> usize {
        let seg = self.seg_at(pos);
        match seg.replaced {
            None => seg.src + (pos - seg.text.min(pos)),
            Some(_) => seg.src,
        }
    }

    /// The end (exclusive) of the source bytes behind the text byte at `last`.
    fn end_of(&self, last: usize) -> usize {
        let seg = self.seg_at(last);
        match seg.replaced {
            None => seg.src + (last - seg.text.min(last)) + 1,
            Some(len) => seg.src + len,
        }
    }
}

/// Helpers shared by the feed and social parsers' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Post, html};

    /// The visible text of a post's body, as extraction will see it.
    pub(crate) fn text(post: &Post) -> String {
        html::parse(&post.html).text
    }

    #[track_caller]
    pub(crate) fn assert_contains_all(post: &Post, needles: &[&str]) {
        let text = text(post);
        for needle in needles {
            assert!(text.contains(needle), "post {} lacks {needle:?} in {text:?}", post.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_maps_ranges_to_themselves() {
        let map = SourceMap::identity();
        assert_eq!(map.span(2..5), 2..5);
    }

    #[test]
    fn replaced_segment_maps_to_its_whole_source() {
        // Source "a&amp;b" → text "a&b".
        let mut map = SourceMap::default();
        map.push_copy(0, 0);
        map.push_replaced(1, 1..6);
        map.push_copy(2, 6);
        assert_eq!(map.span(0..3), 0..7);
        assert_eq!(map.span(1..2), 1..6);
        assert_eq!(map.span(2..3), 6..7);
    }

    #[test]
    fn copies_after_skipped_markup_jump_in_source() {
        // Source "<b>12</b>34" → text "1234".
        let mut map = SourceMap::default();
        map.push_copy(0, 3);
        map.push_copy(2, 9);
        assert_eq!(map.span(0..4), 3..11);
        assert_eq!(map.span(1..3), 4..10);
    }
}
