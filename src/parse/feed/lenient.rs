//! The lenient readers for feeds `feed-rs` rejects: broken XML read block by block (each
//! `<item>`/`<entry>` to its closing tag, the next block or the end) and JSON Feed read as a
//! `serde_json::Value`. They find strings, not meaning: the items they return go through the
//! same checks as `feed-rs`'s in the parent module. Linear in the input, never panics.

use std::borrow::Cow;

use super::{MAX_BLOCKS, RawItem, Warnings, escape_html, html, one_line};

/// Reads what it can from a feed `feed-rs` rejected: the JSON `items`, or the XML item blocks.
pub(super) fn read(bytes: &[u8], warnings: &mut Warnings) -> (Option<String>, Vec<RawItem>) {
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if without_bom.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'{') {
        return json_items(without_bom, warnings);
    }
    xml_items(&decode(bytes), warnings)
}

fn json_items(bytes: &[u8], warnings: &mut Warnings) -> (Option<String>, Vec<RawItem>) {
    use serde_json::Value;
    let feed: Value = match serde_json::from_slice(bytes) {
        Ok(feed) => feed,
        Err(error) => {
            warnings.push(format!("not JSON: {error}"));
            return (None, Vec::new());
        }
    };
    let string = |value: &Value, key: &str| -> Option<String> {
        match value.get(key)? {
            Value::String(text) => Some(text.trim().to_owned()).filter(|text| !text.is_empty()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    };
    let first_author = |value: &Value| -> Option<String> {
        let authors = value.get("authors").and_then(Value::as_array);
        let mut candidates = authors.into_iter().flatten().chain(value.get("author"));
        candidates.find_map(|author| string(author, "name"))
    };
    let feed_author = first_author(&feed);
    let Some(entries) = feed.get("items").and_then(Value::as_array) else {
        warnings.push("JSON without an `items` array".to_owned());
        return (string(&feed, "title"), Vec::new());
    };
    let items = entries
        .iter()
        .take(MAX_BLOCKS)
        .map(|item| RawItem {
            id: string(item, "id").unwrap_or_default(),
            link: string(item, "url").or_else(|| string(item, "external_url")).unwrap_or_default(),
            title: string(item, "title").map(|title| one_line(&title)),
            author: first_author(item).or(feed_author.clone()),
            date: string(item, "date_published").or_else(|| string(item, "date_modified")),
            html: string(item, "content_html")
                .or_else(|| string(item, "content_text").map(|text| escape_html(&text)))
                .or_else(|| string(item, "summary").map(|text| escape_html(&text)))
                .unwrap_or_default(),
        })
        .collect();
    (string(&feed, "title"), items)
}

/// Decodes XML bytes by their BOM or the prolog's `encoding`, else as UTF-8 (lossily).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let head = String::from_utf8_lossy(bytes.get(..256).unwrap_or(bytes));
    let label = head.find("encoding=").and_then(|at| {
        let rest = head.get(at + "encoding=".len()..)?;
        let quote = rest.chars().next().filter(|ch| matches!(ch, '"' | '\''))?;
        rest.get(1..)?.split(quote).next().map(str::to_owned)
    });
    let encoding = label
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    encoding.decode(bytes).0
}

/// The `<item>`/`<entry>` blocks of XML that may be broken: each block runs to its closing tag,
/// or to the next block, or to the end.
fn xml_items(text: &str, warnings: &mut Warnings) -> (Option<String>, Vec<RawItem>) {
    const BLOCKS: &[&str] = &["item", "entry"];
    let first = find_tag(text, 0, BLOCKS);
    let head = text.get(..first.as_ref().map_or(text.len(), |tag| tag.start)).unwrap_or("");
    let title = child(head, "title").map(|title| one_line(&xml_text(title.inner)));
    let mut items = Vec::new();
    let mut next = first;
    while let Some(tag) = next {
        if items.len() == MAX_BLOCKS {
            warnings.push(format!("stopped reading after {MAX_BLOCKS} item blocks"));
            break;
        }
        let following = find_tag(text, tag.end, BLOCKS);
        let limit = following.as_ref().map_or(text.len(), |next| next.start);
        let body = text.get(tag.end..limit).unwrap_or("");
        let body =
            find_close(body, 0, tag.name).map_or(body, |close| body.get(..close).unwrap_or(body));
        items.push(xml_item(body));
        next = following;
    }
    if items.is_empty() {
        warnings.push("no <item> or <entry> found".to_owned());
    }
    (title.filter(|title| !title.is_empty()), items)
}

fn xml_item(block: &str) -> RawItem {
    let text_of = |names: &[&str]| {
        names.iter().find_map(|name| {
            child(block, name)
                .map(|el| xml_text(el.inner).trim().to_owned())
                .filter(|t| !t.is_empty())
        })
    };
    // RSS: <link>URL</link>; Atom: <link rel="alternate" href="URL"/>, maybe among others.
    let links = children(block, "link");
    let link = links
        .iter()
        .find_map(|el| Some(xml_text(el.inner).trim().to_owned()).filter(|t| !t.is_empty()))
        .or_else(|| {
            let alternate =
                |el: &&Element<'_>| attr(el.attrs, "rel").is_none_or(|rel| rel == "alternate");
            links.iter().find(alternate).or(links.first()).and_then(|el| attr(el.attrs, "href"))
        })
        .unwrap_or_default();
    let author = child(block, "author")
        .map(|el| child(el.inner, "name").map_or(el.inner, |name| name.inner))
        .map(|inner| one_line(&xml_text(inner)))
        .filter(|name| !name.is_empty())
        .or_else(|| text_of(&["dc:creator"]));
    let html = ["content:encoded", "content", "description", "summary"]
        .iter()
        .filter_map(|name| child(block, name))
        .find(|el| !el.inner.trim().is_empty())
        .map(|el| match attr(el.attrs, "type").as_deref() {
            Some("xhtml") => el.inner.trim().to_owned(),
            Some("text") => escape_html(&xml_text(el.inner)),
            _ => xml_text(el.inner),
        })
        .unwrap_or_default();
    RawItem {
        id: text_of(&["guid", "id"]).unwrap_or_default(),
        link,
        // Titles are plain text, but entity soup (`&nbsp;`) is common in broken feeds.
        title: text_of(&["title"]).map(|title| one_line(&html::parse(&title).text)),
        author,
        date: text_of(&["pubDate", "published", "dc:date", "updated"]),
        html,
    }
}

/// An XML start tag found by [`find_tag`]: where it starts, where it ends (after `>`), its name.
#[derive(Debug, Clone, Copy)]
struct Tag<'a> {
    start: usize,
    end: usize,
    name: &'a str,
}

/// A child element: its attribute text and its content (empty when self-closing).
#[derive(Debug)]
struct Element<'a> {
    attrs: &'a str,
    inner: &'a str,
}

/// The first start tag at or after `from` whose qualified name is one of `names` (ASCII case
/// insensitive), skipping CDATA sections and comments.
fn find_tag<'n>(text: &str, mut from: usize, names: &[&'n str]) -> Option<Tag<'n>> {
    loop {
        let rest = text.get(from..)?;
        let at = from + rest.find('<')?;
        let after = text.get(at + 1..)?;
        if let Some(skip) = skip_unparsed(after) {
            from = at + 1 + skip;
            continue;
        }
        let name = names.iter().find(|name| {
            after.get(..name.len()).is_some_and(|head| head.eq_ignore_ascii_case(name))
                && after[name.len()..]
                    .starts_with(|ch: char| ch.is_ascii_whitespace() || ch == '>' || ch == '/')
        });
        if let Some(&name) = name {
            let end = after.find('>').map_or(text.len(), |close| at + 1 + close + 1);
            return Some(Tag { start: at, end, name });
        }
        from = at + 1;
    }
}

/// After a `<`: the length to skip when it opens a CDATA section or a comment.
fn skip_unparsed(after: &str) -> Option<usize> {
    let (open, close) = if after.starts_with("![CDATA[") {
        ("![CDATA[", "]]>")
    } else if after.starts_with("!--") {
        ("!--", "-->")
    } else {
        return None;
    };
    Some(after[open.len()..].find(close).map_or(after.len(), |at| open.len() + at + close.len()))
}

/// Where the closing tag `</name>` starts, at or after `from`, outside CDATA and comments.
fn find_close(text: &str, mut from: usize, name: &str) -> Option<usize> {
    loop {
        let at = from + text.get(from..)?.find('<')?;
        let after = text.get(at + 1..)?;
        if let Some(skip) = skip_unparsed(after) {
            from = at + 1 + skip;
            continue;
        }
        let closes = after.strip_prefix('/').is_some_and(|rest| {
            rest.get(..name.len()).is_some_and(|head| head.eq_ignore_ascii_case(name))
                && rest[name.len()..].trim_start().starts_with('>')
        });
        if closes {
            return Some(at);
        }
        from = at + 1;
    }
}

/// The first child element named `name` in `block`.
fn child<'a>(block: &'a str, name: &str) -> Option<Element<'a>> {
    element_at(block, find_tag(block, 0, &[name])?)
}

/// The first child elements named `name` in `block`, in order. Only a few: each one costs a
/// scan for its closing tag, and an item has a handful of links, not thousands.
fn children<'a>(block: &'a str, name: &str) -> Vec<Element<'a>> {
    const MAX_CHILDREN: usize = 16;
    let mut found = Vec::new();
    let mut from = 0;
    while found.len() < MAX_CHILDREN
        && let Some(tag) = find_tag(block, from, &[name])
    {
        from = tag.end.max(tag.start + 1);
        found.extend(element_at(block, tag));
    }
    found
}

fn element_at<'a>(block: &'a str, tag: Tag<'_>) -> Option<Element<'a>> {
    let open = block.get(tag.start + 1 + tag.name.len()..tag.end)?;
    let self_closing = open.trim_end().ends_with("/>");
    let attrs = open.trim_end().trim_end_matches('>').trim_end_matches('/');
    if self_closing {
        return Some(Element { attrs, inner: "" });
    }
    let close = find_close(block, tag.end, tag.name).unwrap_or(block.len());
    Some(Element { attrs, inner: block.get(tag.end..close).unwrap_or("") })
}

/// The value of attribute `name` in a start tag's attribute text, entities decoded.
fn attr(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    while let Some(at) = rest.find(name) {
        let before_ok = at == 0 || rest[..at].ends_with(|ch: char| ch.is_ascii_whitespace());
        let after = rest[at + name.len()..].trim_start();
        if let Some(value) = after.strip_prefix('=').map(str::trim_start).filter(|_| before_ok) {
            let quote = value.chars().next().filter(|ch| matches!(ch, '"' | '\''));
            let raw = match quote {
                Some(quote) => value[1..].split(quote).next().unwrap_or(""),
                None => value.split(|ch: char| ch.is_ascii_whitespace()).next().unwrap_or(""),
            };
            return Some(decode_entities(raw).into_owned());
        }
        rest = &rest[at + name.len()..];
    }
    None
}

/// The character data of an element's content: CDATA sections as they are, the rest with XML
/// entities decoded. Markup inside stays (escaped HTML becomes HTML, as feeds intend).
fn xml_text(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(at) = rest.find("<![CDATA[") {
        out.push_str(&decode_entities(&rest[..at]));
        let data = &rest[at + "<![CDATA[".len()..];
        let end = data.find("]]>").unwrap_or(data.len());
        out.push_str(&data[..end]);
        rest = data.get(end + "]]>".len()..).unwrap_or("");
    }
    out.push_str(&decode_entities(rest));
    out
}

/// Decodes the five XML entities and numeric references; anything else (`&nbsp;` in entity
/// soup) stays as written, for the HTML stage to decode.
fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        // Look for the `;` only nearby: a text of many `&` without one must stay linear.
        let end = after.bytes().take(12).position(|byte| byte == b';');
        let entity = end.and_then(|end| {
            let name = &after[..end];
            let ch = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => number.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }
            };
            ch.map(|ch| (ch, end + 1))
        });
        match entity {
            Some((ch, len)) => {
                out.push(ch);
                rest = &after[len..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}
