//! HTML → [`Document`]: a hand-written streaming scanner (no DOM) that keeps the visible text,
//! drops scripts, styles, comments, `<head>` and hidden elements, and records where every byte
//! of the text came from. It is linear in the input and never panics: malformed markup is input.
//! Non-ASCII characters are copied untouched; removing zero-width characters is a later stage.

use std::borrow::Cow;
use std::ops::Range;

use memchr::{memchr, memchr_iter};

use super::{Document, SourceMap};

/// True when `source` looks like HTML rather than plain text: the first 1 KiB has a tag that
/// pages start with or are made of (`<!doctype`, `<html`, `<body>`, `<p>`, `<div>`, `<a …`, …).
pub fn looks_like_html(source: &str) -> bool {
    const TAGS: [&[u8]; 12] = [
        b"!doctype",
        b"html",
        b"head",
        b"body",
        b"meta",
        b"title",
        b"div",
        b"span",
        b"table",
        b"br",
        b"p",
        b"a",
    ];
    let bytes = source.as_bytes();
    let head = bytes.get(..1024).unwrap_or(bytes);
    memchr_iter(b'<', head).any(|at| {
        let rest = head.get(at + 1..).unwrap_or_default();
        TAGS.iter().any(|&tag| {
            let delimited = match rest.get(tag.len()) {
                None => true,
                Some(&byte) if tag == b"a" => is_space(byte),
                Some(&byte) => is_space(byte) || byte == b'>' || byte == b'/',
            };
            delimited && starts_with_ignore_case(rest, tag)
        })
    })
}

/// Parses HTML into its visible text, title and links (see [`Document`] for the shape).
pub fn parse(source: &str) -> Document {
    let mut parser = Parser::new(source, None);
    parser.run();
    // The title goes first, but the text is written in one pass; a page whose title comes after
    // some text (rare) is parsed again, knowing its title from the start.
    if let Some(late_title) = parser.late_title.take() {
        parser = Parser::new(source, Some(late_title));
        parser.run();
    }
    Document {
        text: parser.out.text,
        map: parser.out.map,
        title: parser.title,
        links: parser.links,
    }
}

/// The scanner's state between two pieces of markup.
struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    /// The text with its map: the title, then the visible text of the page.
    out: Sink,
    /// Where the title is in `out`.
    title: Option<Range<usize>>,
    /// Set once the title is known; later `<title>` elements are ordinary blocks.
    title_done: bool,
    /// A title found after some text, which ends the first pass (see [`parse`]).
    late_title: Option<LateTitle>,
    /// In the second pass, the start of the title's content, so it is not written twice.
    known_title: Option<usize>,
    /// Inside `<head>`: text is dropped until a tag that belongs in the body.
    in_head: bool,
    seen_body: bool,
    /// The dropped element we are inside of, if any.
    skip: Option<Skip>,
    links: Vec<String>,
}

/// A `<title>` found after the text had started: its content and its end tag.
struct LateTitle {
    content: Range<usize>,
    end_tag: Range<usize>,
}

/// A dropped element (hidden, `<svg>`, `<template>`, `<object>`) whose end tag we look for.
struct Skip {
    /// The element's name in the source.
    name: Range<usize>,
    /// How many elements of that name are open.
    depth: u32,
    /// SVG and MathML honour `/>`, so a self-closing tag of that name opens nothing.
    foreign: bool,
}

/// A start or end tag as scanned.
struct Tag {
    name: Range<usize>,
    /// The position just after the closing `>`.
    end: usize,
    self_closing: bool,
    /// The value of the first `href` attribute (still encoded).
    href: Option<Range<usize>>,
    /// A `hidden` attribute, or a `style` that hides the element.
    hidden: bool,
}

/// What an element does to the text, by its lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A line break before and after.
    Block,
    /// `td`/`th`: a tab before.
    Cell,
    /// Contents are raw text up to the end tag, and dropped.
    RawText,
    /// Contents and descendants are dropped up to the matching end tag.
    Drop,
    Title,
    Textarea,
    Head,
    Body,
    Anchor,
    Link,
    /// Nothing is inserted: `138<b>1234</b>` is one word.
    Inline,
}

/// Enough for every name in [`kind_of`]; longer names are [`Kind::Inline`].
const NAME_MAX: usize = 10;

impl<'a> Parser<'a> {
    fn new(src: &'a str, late_title: Option<LateTitle>) -> Parser<'a> {
        let mut parser = Parser {
            src,
            bytes: src.as_bytes(),
            out: Sink {
                text: String::with_capacity(src.len() / 2),
                map: SourceMap::default(),
                pending: None,
            },
            title: None,
            title_done: false,
            late_title: None,
            known_title: None,
            in_head: false,
            seen_body: false,
            skip: None,
            links: Vec::new(),
        };
        if let Some(LateTitle { content, end_tag }) = late_title {
            parser.known_title = Some(content.start);
            parser.start_title(content, end_tag);
        }
        parser
    }

    fn emitting(&self) -> bool {
        self.skip.is_none() && !self.in_head
    }

    /// True once the page's own text (not the title) has begun.
    fn body_started(&self) -> bool {
        self.out.text.len() > self.title.as_ref().map_or(0, |title| title.end)
    }

    fn run(&mut self) {
        let bytes = self.bytes;
        let mut run_start = 0;
        let mut search = 0;
        while let Some(offset) = bytes.get(search..).and_then(|rest| memchr(b'<', rest))
            && self.late_title.is_none()
        {
            let at = search + offset;
            let markup = match bytes.get(at + 1) {
                Some(b'!' | b'?') => true,
                Some(b'/') => bytes.len() > at + 2,
                Some(byte) => byte.is_ascii_alphabetic(),
                None => false,
            };
            if !markup {
                // A `<` that starts no tag is text: keep it in the current run.
                search = at + 1;
                continue;
            }
            if self.emitting() {
                emit_text(&mut self.out, self.src, run_start..at);
            }
            let end = match bytes.get(at + 1) {
                Some(b'/') => self.end_tag(at),
                Some(b'!') => bang(bytes, at),
                Some(b'?') => skip_past_gt(bytes, at + 2),
                _ => self.start_tag(at),
            };
            run_start = end.max(at + 1);
            search = run_start;
        }
        if self.emitting() && self.late_title.is_none() {
            emit_text(&mut self.out, self.src, run_start..bytes.len());
        }
    }

    /// Handles the start tag at `at` and returns where scanning resumes.
    fn start_tag(&mut self, at: usize) -> usize {
        let bytes = self.bytes;
        let Some(tag) = scan_tag(bytes, at + 1) else { return bytes.len() };
        let mut buf = [0; NAME_MAX];
        let name = lowercase(bytes.get(tag.name.clone()).unwrap_or_default(), &mut buf);
        let kind = kind_of(name);
        if let (Kind::Anchor | Kind::Link, Some(href)) = (kind, &tag.href) {
            self.links.push(decode_attribute(self.src, href.clone()).trim_ascii().to_owned());
        }
        if let Some(skip) = &mut self.skip {
            if closes_hidden_p(bytes, skip, kind, name) {
                self.skip = None;
            } else {
                let same = eq_ignore_case(bytes, &tag.name, &skip.name);
                if same && !is_void(name) && !(tag.self_closing && skip.foreign) {
                    skip.depth = skip.depth.saturating_add(1);
                }
                return if kind == Kind::RawText {
                    raw_text_end(bytes, tag.end, name)
                } else {
                    tag.end
                };
            }
        }
        if self.in_head && !belongs_in_head(name) {
            self.in_head = false;
        }
        if kind == Kind::RawText {
            return raw_text_end(bytes, tag.end, name);
        }
        if tag.hidden || (kind == Kind::Drop && !(tag.self_closing && name == b"svg")) {
            if !is_void(name) {
                let foreign = name == b"svg" || name == b"math";
                self.skip = Some(Skip { name: tag.name, depth: 1, foreign });
            }
            return tag.end;
        }
        let emitting = self.emitting();
        match kind {
            Kind::Block if emitting => self.out.separate(Sep::Break, at..tag.end),
            Kind::Cell if emitting => self.out.separate(Sep::Tab, at..tag.end),
            Kind::Title => return self.title_element(at..tag.end),
            Kind::Textarea if emitting => {
                let close = raw_text_end(bytes, tag.end, name);
                self.out.separate(Sep::Break, at..tag.end);
                emit_text(&mut self.out, self.src, tag.end..close);
                return close;
            }
            Kind::Head if !self.seen_body && !self.body_started() => self.in_head = true,
            Kind::Body => {
                self.in_head = false;
                self.seen_body = true;
            }
            Kind::Anchor if emitting => {
                if let Some(href) = tag.href {
                    self.emit_contact_link(href, tag.end);
                }
            }
            _ => {}
        }
        tag.end
    }

    /// Handles the end tag (or `</>`, or bogus comment) at `at`.
    fn end_tag(&mut self, at: usize) -> usize {
        let bytes = self.bytes;
        match bytes.get(at + 2) {
            Some(b'>') => return at + 3,
            Some(byte) if byte.is_ascii_alphabetic() => {}
            _ => return skip_past_gt(bytes, at + 2),
        }
        let Some(tag) = scan_tag(bytes, at + 2) else { return bytes.len() };
        let mut buf = [0; NAME_MAX];
        let name = lowercase(bytes.get(tag.name.clone()).unwrap_or_default(), &mut buf);
        if let Some(skip) = &mut self.skip {
            let mut done = name == b"body" || name == b"html";
            if eq_ignore_case(bytes, &tag.name, &skip.name) {
                skip.depth = skip.depth.saturating_sub(1);
                done |= skip.depth == 0;
            }
            if done {
                self.skip = None;
            }
            return tag.end;
        }
        match kind_of(name) {
            Kind::Head => self.in_head = false,
            Kind::Block | Kind::Title | Kind::Textarea if self.emitting() => {
                self.out.separate(Sep::Break, at..tag.end);
            }
            _ => {}
        }
        tag.end
    }

    /// Reads a `<title>` (RCDATA: no tags inside) as the title, or as a block of text when the
    /// page already has one. Returns the position of its end tag.
    fn title_element(&mut self, start_tag: Range<usize>) -> usize {
        let close = raw_text_end(self.bytes, start_tag.end, b"title");
        let content = start_tag.end..close;
        let end_tag = close..skip_past_gt(self.bytes, close);
        if self.known_title == Some(content.start) {
            // The second pass wrote this title first.
        } else if !self.title_done && self.out.text.is_empty() {
            self.start_title(content, end_tag);
        } else if !self.title_done {
            let has_text = self.src.get(content.clone()).is_some_and(|title| {
                let mut probe = Sink::default();
                emit_text(&mut probe, title, 0..title.len());
                !probe.text.is_empty()
            });
            if has_text {
                self.late_title = Some(LateTitle { content, end_tag });
            }
        } else if self.emitting() {
            self.out.separate(Sep::Break, start_tag);
            emit_text(&mut self.out, self.src, content);
        }
        close
    }

    /// Writes the title at the start of the (still empty) text, followed by a pending break.
    fn start_title(&mut self, content: Range<usize>, end_tag: Range<usize>) {
        emit_text(&mut self.out, self.src, content);
        if !self.out.text.is_empty() {
            self.title = Some(0..self.out.text.len());
            self.title_done = true;
            self.out.pending = Some((Sep::Break, end_tag));
        }
    }

    /// Emits the target of a `mailto:`, `tel:` or Telegram link before the link's own text, so
    /// identifiers that are only in the link are seen.
    fn emit_contact_link(&mut self, href: Range<usize>, tag_end: usize) {
        let decoded = decode_attribute(self.src, href.clone());
        let value = decoded.trim_ascii_start();
        let lead = decoded.len() - value.len();
        let value = value.trim_ascii_end();
        let prefix = if starts_with_ignore_case(value.as_bytes(), b"mailto:") {
            "mailto:".len()
        } else if starts_with_ignore_case(value.as_bytes(), b"tel:") {
            "tel:".len()
        } else if is_telegram_link(value.as_bytes()) {
            0
        } else {
            return;
        };
        let Some(shown) = value.get(prefix..) else { return };
        if shown.is_empty() {
            return;
        }
        match &decoded {
            // Without references the value is its source, so it can go through `emit_text`.
            Cow::Borrowed(_) => {
                let start = href.start + lead + prefix;
                emit_text(&mut self.out, self.src, start..start + shown.len());
            }
            Cow::Owned(_) => {
                let words: Vec<&str> = shown.split_ascii_whitespace().collect();
                self.out.replace(&words.join(" "), href);
            }
        }
        self.out.separate(Sep::Space { copied: false }, tag_end.saturating_sub(1)..tag_end);
    }
}

/// Text being built, with its map and the separator waiting for the next visible text.
#[derive(Default)]
struct Sink {
    text: String,
    map: SourceMap,
    /// A separator is only written when text follows it, so lines never start or end with one
    /// and separators collapse: a break beats a tab, which beats a space.
    pending: Option<(Sep, Range<usize>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// `copied` when the space stands for a single whitespace byte of the source.
    Space {
        copied: bool,
    },
    Tab,
    Break,
}

impl Sink {
    fn separate(&mut self, sep: Sep, src: Range<usize>) {
        let rank = |sep: Sep| match sep {
            Sep::Space { .. } => 0,
            Sep::Tab => 1,
            Sep::Break => 2,
        };
        if self.pending.as_ref().is_none_or(|(old, _)| rank(sep) > rank(*old)) {
            self.pending = Some((sep, src));
        }
    }

    fn flush(&mut self) {
        let Some((sep, src)) = self.pending.take() else { return };
        if self.text.is_empty() {
            return;
        }
        let (ch, replaced) = match sep {
            Sep::Space { copied } => (' ', !copied),
            Sep::Tab => ('\t', true),
            Sep::Break => ('\n', true),
        };
        if replaced {
            self.map.push_replaced(self.text.len(), src);
        } else {
            self.map.push_copy(self.text.len(), src.start);
        }
        self.text.push(ch);
    }

    /// Appends `text`, copied from the source at `src`.
    fn copy(&mut self, text: &str, src: usize) {
        if text.is_empty() {
            return;
        }
        self.flush();
        self.map.push_copy(self.text.len(), src);
        self.text.push_str(text);
    }

    /// Appends `text`, which stands for the source bytes `src`.
    fn replace(&mut self, text: &str, src: Range<usize>) {
        if text.is_empty() {
            return;
        }
        self.flush();
        self.map.push_replaced(self.text.len(), src);
        self.text.push_str(text);
    }
}

/// Appends the text `src[range]` (which holds no tags) to `sink`: whitespace runs become one
/// space and character references are decoded.
fn emit_text(sink: &mut Sink, src: &str, range: Range<usize>) {
    let bytes = src.as_bytes();
    let end = range.end.min(bytes.len());
    let limited = bytes.get(..end).unwrap_or(bytes);
    let mut word = range.start;
    let mut pos = range.start;
    loop {
        // Most bytes are neither whitespace nor `&`: skip them in a tight loop.
        let rest = limited.get(pos..).unwrap_or_default();
        pos += rest.iter().position(|&byte| SPECIAL[usize::from(byte)]).unwrap_or(rest.len());
        let Some(&byte) = limited.get(pos) else { break };
        if is_space(byte) {
            // A single space inside a word run is kept as it is, which saves a segment.
            if byte == b' '
                && pos > word
                && limited.get(pos + 1).is_some_and(|&next| !is_space(next) && next != b'&')
            {
                pos += 1;
                continue;
            }
            sink.copy(src.get(word..pos).unwrap_or_default(), word);
            let mut run_end = pos + 1;
            while limited.get(run_end).is_some_and(|&byte| is_space(byte)) {
                run_end += 1;
            }
            sink.separate(Sep::Space { copied: run_end - pos == 1 }, pos..run_end);
            pos = run_end;
            word = pos;
        } else if byte == b'&'
            && let Some((ch, ref_end)) = char_ref(limited, pos, false)
        {
            sink.copy(src.get(word..pos).unwrap_or_default(), word);
            if is_space_char(ch) {
                sink.separate(Sep::Space { copied: false }, pos..ref_end);
            } else {
                sink.replace(ch.encode_utf8(&mut [0; 4]), pos..ref_end);
            }
            pos = ref_end;
            word = pos;
        } else {
            pos += 1;
        }
    }
    sink.copy(src.get(word..end).unwrap_or_default(), word);
}

/// The bytes [`emit_text`] stops at: HTML whitespace and `&`.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = is_space(byte as u8) || byte == b'&' as usize;
        byte += 1;
    }
    table
};

/// An attribute value with its character references decoded.
fn decode_attribute(src: &str, range: Range<usize>) -> Cow<'_, str> {
    let raw = src.get(range.clone()).unwrap_or_default();
    if memchr(b'&', raw.as_bytes()).is_none() {
        return Cow::Borrowed(raw);
    }
    let bytes = src.as_bytes();
    let limited = bytes.get(..range.end).unwrap_or(bytes);
    let mut out = String::with_capacity(raw.len());
    let mut word = range.start;
    let mut pos = range.start;
    while let Some(offset) = limited.get(pos..).and_then(|rest| memchr(b'&', rest)) {
        let at = pos + offset;
        match char_ref(limited, at, true) {
            Some((ch, ref_end)) => {
                out.push_str(src.get(word..at).unwrap_or_default());
                out.push(if ch == '\u{a0}' { ' ' } else { ch });
                word = ref_end;
                pos = ref_end;
            }
            None => pos = at + 1,
        }
    }
    out.push_str(src.get(word..range.end).unwrap_or_default());
    Cow::Owned(out)
}

/// Decodes the character reference at `bytes[at]` (an `&`), returning the character and the
/// position after the reference, or `None` when it is not one (then `&` is literal text).
fn char_ref(bytes: &[u8], at: usize, in_attribute: bool) -> Option<(char, usize)> {
    if *bytes.get(at + 1)? == b'#' {
        return numeric_ref(bytes, at + 2);
    }
    let start = at + 1;
    let mut end = start;
    // Every name we know is shorter than this; a longer run is unknown, so stop looking.
    while end - start <= 8 && bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        end += 1;
    }
    let (ch, legacy) = named_ref(bytes.get(start..end)?)?;
    match bytes.get(end) {
        Some(b';') => Some((ch, end + 1)),
        Some(byte) if byte.is_ascii_alphanumeric() => None,
        // Old pages write `&amp` and `&nbsp` without the `;`; in an attribute `&amp=` stays.
        Some(b'=') if in_attribute => None,
        _ => legacy.then_some((ch, end)),
    }
}

fn numeric_ref(bytes: &[u8], start: usize) -> Option<(char, usize)> {
    let (radix, digits_start) = match bytes.get(start) {
        Some(b'x' | b'X') => (16, start + 1),
        _ => (10, start),
    };
    let mut end = digits_start;
    let mut value: u32 = 0;
    while let Some(digit) = bytes.get(end).and_then(|&byte| char::from(byte).to_digit(radix)) {
        value = value.saturating_mul(radix).saturating_add(digit).min(0x11_0000);
        end += 1;
    }
    if end == digits_start {
        return None;
    }
    if bytes.get(end) == Some(&b';') {
        end += 1;
    }
    Some((numeric_char(value), end))
}

/// The character a numeric reference stands for, with the HTML fix-ups: NUL, surrogates and
/// out-of-range values become U+FFFD, and C1 controls are read as windows-1252.
fn numeric_char(value: u32) -> char {
    /// Windows-1252 for 0x80..=0x9F; 0 marks the five bytes it leaves undefined.
    const C1: [u16; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    let value = match value.checked_sub(0x80).and_then(|idx| C1.get(idx as usize)) {
        Some(&mapped) if mapped != 0 => u32::from(mapped),
        _ => value,
    };
    if value == 0 { '\u{FFFD}' } else { char::from_u32(value).unwrap_or('\u{FFFD}') }
}

/// A named character reference, and whether it is one of the legacy names that may omit `;`.
fn named_ref(name: &[u8]) -> Option<(char, bool)> {
    Some(match name {
        b"amp" | b"AMP" => ('&', true),
        b"lt" | b"LT" => ('<', true),
        b"gt" | b"GT" => ('>', true),
        b"quot" | b"QUOT" => ('"', true),
        b"apos" => ('\'', false),
        b"nbsp" => ('\u{a0}', true),
        b"copy" | b"COPY" => ('©', true),
        b"reg" | b"REG" => ('®', true),
        b"middot" => ('·', true),
        b"bull" => ('•', false),
        b"hellip" => ('…', false),
        b"mdash" => ('—', false),
        b"ndash" => ('–', false),
        b"lsquo" => ('‘', false),
        b"rsquo" => ('’', false),
        b"sbquo" => ('‚', false),
        b"ldquo" => ('“', false),
        b"rdquo" => ('”', false),
        b"bdquo" => ('„', false),
        b"laquo" => ('«', true),
        b"raquo" => ('»', true),
        b"times" => ('×', true),
        b"divide" => ('÷', true),
        b"yen" => ('¥', true),
        b"euro" => ('€', false),
        b"pound" => ('£', true),
        b"cent" => ('¢', true),
        b"sect" => ('§', true),
        b"para" => ('¶', true),
        b"deg" => ('°', true),
        b"plusmn" => ('±', true),
        b"micro" => ('µ', true),
        b"trade" => ('™', false),
        b"larr" => ('←', false),
        b"rarr" => ('→', false),
        b"zwj" => ('\u{200d}', false),
        b"zwnj" => ('\u{200c}', false),
        b"shy" => ('\u{ad}', true),
        b"ensp" => ('\u{2002}', false),
        b"emsp" => ('\u{2003}', false),
        b"thinsp" => ('\u{2009}', false),
        _ => return None,
    })
}

/// Scans a tag from its name at `name_start` through its `>`; `None` when the input ends first
/// (the rest of the input is then dropped, as browsers do).
fn scan_tag(bytes: &[u8], name_start: usize) -> Option<Tag> {
    let mut pos = name_start;
    while bytes.get(pos).is_some_and(|&byte| !is_space(byte) && byte != b'/' && byte != b'>') {
        pos += 1;
    }
    let mut tag =
        Tag { name: name_start..pos, end: 0, self_closing: false, href: None, hidden: false };
    loop {
        let byte = *bytes.get(pos)?;
        if is_space(byte) {
            pos += 1;
            continue;
        }
        if byte == b'>' {
            tag.end = pos + 1;
            return Some(tag);
        }
        if byte == b'/' {
            pos += 1;
            tag.self_closing = bytes.get(pos) == Some(&b'>');
            continue;
        }
        // The first byte belongs to the name even when it is `=`.
        let attr_start = pos;
        pos += 1;
        while bytes
            .get(pos)
            .is_some_and(|&byte| !is_space(byte) && !matches!(byte, b'/' | b'>' | b'='))
        {
            pos += 1;
        }
        let attr = bytes.get(attr_start..pos).unwrap_or_default();
        while bytes.get(pos).is_some_and(|&byte| is_space(byte)) {
            pos += 1;
        }
        let mut value = pos..pos;
        if bytes.get(pos) == Some(&b'=') {
            pos += 1;
            while bytes.get(pos).is_some_and(|&byte| is_space(byte)) {
                pos += 1;
            }
            match *bytes.get(pos)? {
                quote @ (b'"' | b'\'') => {
                    let close = pos + 1 + memchr(quote, bytes.get(pos + 1..)?)?;
                    value = pos + 1..close;
                    pos = close + 1;
                }
                b'>' => value = pos..pos,
                _ => {
                    let start = pos;
                    while bytes.get(pos).is_some_and(|&byte| !is_space(byte) && byte != b'>') {
                        pos += 1;
                    }
                    value = start..pos;
                }
            }
        }
        if attr.eq_ignore_ascii_case(b"href") {
            tag.href.get_or_insert(value);
        } else if attr.eq_ignore_ascii_case(b"hidden") {
            tag.hidden = true;
        } else if attr.eq_ignore_ascii_case(b"style") {
            tag.hidden |= style_hides(bytes.get(value).unwrap_or_default());
        }
    }
}

/// True when a `style` attribute says `display:none` or `visibility:hidden` (any case, any
/// spaces).
fn style_hides(style: &[u8]) -> bool {
    contains_ignoring_spaces(style, b"display:none")
        || contains_ignoring_spaces(style, b"visibility:hidden")
}

/// Whether `needle` (lowercase, no spaces) occurs in `haystack` ignoring case and ASCII
/// whitespace. Linear for a fixed needle: each start is tried against at most its length.
fn contains_ignoring_spaces(haystack: &[u8], needle: &[u8]) -> bool {
    let first = needle.first().copied();
    (0..haystack.len()).any(|start| {
        if haystack.get(start).map(u8::to_ascii_lowercase) != first {
            return false;
        }
        let mut rest = haystack.get(start..).unwrap_or_default().iter().filter(|&&b| !is_space(b));
        needle.iter().all(|&want| rest.next().map(u8::to_ascii_lowercase) == Some(want))
    })
}

/// Where the raw text that started at `from` ends: the `<` of the first `</name` followed by
/// whitespace, `/`, `>` or the end of input; the end of input when there is none.
fn raw_text_end(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let rest = bytes.get(from..).unwrap_or_default();
    memchr_iter(b'<', rest)
        .map(|offset| from + offset)
        .find(|&at| {
            let name_end = at + 2 + name.len();
            if bytes.get(at + 1) != Some(&b'/') {
                return false;
            }
            let delimited =
                bytes.get(name_end).is_none_or(|&b| is_space(b) || b == b'/' || b == b'>');
            delimited
                && bytes.get(at + 2..name_end).is_some_and(|found| found.eq_ignore_ascii_case(name))
        })
        .unwrap_or(bytes.len())
}

/// Skips `<!--…-->`, `<![CDATA[…]]>` and `<!…>` at `at`; an unterminated one runs to the end.
fn bang(bytes: &[u8], at: usize) -> usize {
    let rest = bytes.get(at..).unwrap_or_default();
    // `before_gt` is what must precede the closing `>`.
    let (body, before_gt): (usize, &[u8]) = if rest.starts_with(b"<!--") {
        // `<!-->` and `<!--->` are complete (empty) comments.
        if rest.get(4) == Some(&b'>') {
            return at + 5;
        }
        if rest.get(4..6) == Some(b"->") {
            return at + 6;
        }
        (4, b"--")
    } else if rest.starts_with(b"<![CDATA[") {
        (9, b"]]")
    } else {
        return skip_past_gt(bytes, at + 2);
    };
    // Look at each `>` rather than build a substring searcher: comments are short and many.
    let inner = rest.get(body..).unwrap_or_default();
    memchr_iter(b'>', inner)
        .find(|&gt| gt >= 2 && inner.get(gt - 2..gt) == Some(before_gt))
        .map_or(bytes.len(), |gt| at + body + gt + 1)
}

/// The position after the next `>` from `from`, or the end of input.
fn skip_past_gt(bytes: &[u8], from: usize) -> usize {
    match bytes.get(from..).and_then(|rest| memchr(b'>', rest)) {
        Some(offset) => from + offset + 1,
        None => bytes.len(),
    }
}

fn kind_of(name: &[u8]) -> Kind {
    match name {
        b"p" | b"div" | b"br" | b"li" | b"ul" | b"ol" | b"dl" | b"dt" | b"dd" | b"h1" | b"h2"
        | b"h3" | b"h4" | b"h5" | b"h6" | b"tr" | b"table" | b"thead" | b"tbody" | b"tfoot"
        | b"section" | b"article" | b"header" | b"footer" | b"nav" | b"aside" | b"main"
        | b"blockquote" | b"pre" | b"hr" | b"form" | b"figure" | b"figcaption" | b"address"
        | b"details" | b"summary" | b"fieldset" | b"legend" | b"option" | b"center"
        | b"caption" | b"dialog" | b"menu" | b"hgroup" => Kind::Block,
        b"td" | b"th" => Kind::Cell,
        b"script" | b"style" | b"noscript" | b"iframe" | b"noembed" | b"noframes" | b"xmp" => {
            Kind::RawText
        }
        b"template" | b"svg" | b"object" => Kind::Drop,
        b"title" => Kind::Title,
        b"textarea" => Kind::Textarea,
        b"head" => Kind::Head,
        b"body" => Kind::Body,
        b"a" => Kind::Anchor,
        b"link" => Kind::Link,
        _ => Kind::Inline,
    }
}

/// True when the start tag `name` implicitly ends a hidden `<p>` we are directly inside of, as
/// in the HTML parser: without this, `<p hidden>x<p>y` would hide the rest of the page.
fn closes_hidden_p(bytes: &[u8], skip: &Skip, kind: Kind, name: &[u8]) -> bool {
    skip.depth == 1
        && kind == Kind::Block
        && !matches!(name, b"br" | b"option" | b"tr" | b"caption")
        && bytes.get(skip.name.clone()).is_some_and(|skipped| skipped.eq_ignore_ascii_case(b"p"))
}

/// Elements that have no end tag and so no content.
fn is_void(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"basefont"
            | b"bgsound"
            | b"br"
            | b"col"
            | b"embed"
            | b"frame"
            | b"hr"
            | b"img"
            | b"input"
            | b"keygen"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
    )
}

/// Elements that may appear in `<head>`; any other start tag ends it, as in the HTML parser.
fn belongs_in_head(name: &[u8]) -> bool {
    matches!(
        name,
        b"base"
            | b"basefont"
            | b"bgsound"
            | b"link"
            | b"meta"
            | b"title"
            | b"noscript"
            | b"noframes"
            | b"style"
            | b"script"
            | b"template"
            | b"head"
            | b"html"
    )
}

/// True for a Telegram link (`t.me/…` or `telegram.me/…` as the host, in any case); the
/// host must start there, so `forgot.me/` is not one.
fn is_telegram_link(value: &[u8]) -> bool {
    [&b"t.me/"[..], b"telegram.me/"].iter().any(|needle| {
        value.windows(needle.len()).enumerate().any(|(at, window)| {
            let boundary = at == 0
                || value
                    .get(at - 1)
                    .is_some_and(|&b| !b.is_ascii_alphanumeric() && b != b'-' && b != b'_');
            boundary && window.eq_ignore_ascii_case(needle)
        })
    })
}

/// `name` in lowercase in `buf`, or empty when longer than any name we classify.
fn lowercase<'b>(name: &[u8], buf: &'b mut [u8; NAME_MAX]) -> &'b [u8] {
    let Some(out) = buf.get_mut(..name.len()) else { return &[] };
    for (out, byte) in out.iter_mut().zip(name) {
        *out = byte.to_ascii_lowercase();
    }
    out
}

fn eq_ignore_case(bytes: &[u8], a: &Range<usize>, b: &Range<usize>) -> bool {
    match (bytes.get(a.clone()), bytes.get(b.clone())) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

fn starts_with_ignore_case(haystack: &[u8], prefix: &[u8]) -> bool {
    haystack.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// HTML's ASCII whitespace.
const fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

/// Characters that a reference may decode to and that collapse like whitespace.
fn is_space_char(ch: char) -> bool {
    ch == '\u{a0}' || u8::try_from(ch).is_ok_and(is_space)
}

#[cfg(test)]
mod tests;
