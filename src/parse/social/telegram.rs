//! Telegram public channels through their web preview, `https://t.me/s/<channel>`: channel
//! handles, preview URLs (with `?before=<n>` to page back) and the messages of a preview page.
//! The page is parsed with scraper (a real HTML5 tree and CSS selectors), because its markup is
//! nested several levels deep and the streaming scanner in `parse::html` keeps no tree.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::parse::Post;
use crate::parse::feed::{MAX_ITEMS, Warnings, clip, dedup_links, utc_timestamp};

/// One `t.me/s/<channel>` page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TelegramPage {
    /// The channel the page shows (its header, else its first message with a valid handle).
    pub channel: Option<String>,
    /// The messages, in page order (oldest first, as Telegram lists them).
    pub posts: Vec<Post>,
    /// The smallest message number on the page, for `?before=`.
    pub oldest: Option<u64>,
    /// The largest message number on the page, to compare with the last one seen.
    pub newest: Option<u64>,
    /// True when the page is not a channel preview (a deleted/private channel redirects to the
    /// t.me home page, which has no `.tgme_channel_history`).
    pub not_a_channel: bool,
    /// Messages skipped or fields that could not be read, for the crawl log.
    pub warnings: Vec<String>,
}

/// The channel handle from `@name`, `t.me/name`, `t.me/s/name`, `https://t.me/name`,
/// `name.t.me`, `tg://resolve?domain=name`, or a bare name; None if not a valid public handle
/// (5-32 letters/digits/underscore, starting with a letter). The case is kept as given
/// (Telegram handles are case-insensitive).
pub fn telegram_channel(spec: &str) -> Option<String> {
    let spec = spec.trim();
    let name = if let Some(name) = spec.strip_prefix('@') {
        name.to_owned()
    } else if spec.contains('/') || spec.contains(':') || spec.contains('.') {
        channel_in_url(spec)?
    } else {
        spec.to_owned()
    };
    is_handle(&name).then_some(name)
}

/// The preview URL for a channel, optionally before message `before`:
/// `https://t.me/s/<name>[?before=N]`. The name is percent-encoded as a path segment, so even a
/// name that [`telegram_channel`] would reject makes a URL on t.me.
pub fn telegram_url(channel: &str, before: Option<u64>) -> Url {
    let mut url = tme_url(&["s", channel]);
    if let Some(before) = before {
        url.query_pairs_mut().append_pair("before", &before.to_string());
    }
    url
}

/// Parses a `t.me/s/<channel>` page: each `.tgme_widget_message` with `data-post="channel/N"`
/// → Post { id: N, permalink: `https://t.me/channel/N`, author: the
/// `.tgme_widget_message_from_author` signature or the channel name, published: the
/// `<time datetime>` (UTC RFC 3339), html: the inner HTML of `.tgme_widget_message_text`,
/// links: hrefs in it and the link preview's }.
pub fn telegram_page(html: &str) -> TelegramPage {
    let document = Html::parse_document(html);
    let mut warnings = Warnings::default();
    let mut posts = Vec::new();
    let mut numbers = Vec::new();
    let mut first_channel = None;
    for message in document.select(&SELECTORS.message) {
        if posts.len() == MAX_ITEMS {
            warnings.push(format!("more than {MAX_ITEMS} messages; kept the first"));
            break;
        }
        let data_post = message.attr("data-post").unwrap_or_default().trim();
        let parsed = data_post.rsplit_once('/').and_then(|(channel, number)| {
            Some((channel, number.parse::<u64>().ok()?)).filter(|(channel, _)| !channel.is_empty())
        });
        let Some((channel, number)) = parsed else {
            warnings.push(format!("message with data-post {:?}: skipped", clip(data_post)));
            continue;
        };
        numbers.push(number);
        first_channel = first_channel.or_else(|| telegram_channel(channel));
        posts.push(message_post(message, channel, number, &mut warnings));
    }
    let header = document
        .select(&SELECTORS.username)
        .next()
        .and_then(|element| telegram_channel(&element.text().collect::<String>()));
    TelegramPage {
        channel: header.or(first_channel),
        posts,
        oldest: numbers.iter().copied().min(),
        newest: numbers.iter().copied().max(),
        not_a_channel: document.select(&SELECTORS.history).next().is_none(),
        warnings: warnings.finish(),
    }
}

/// The CSS selectors of the preview markup, parsed once.
struct Selectors {
    history: Selector,
    username: Selector,
    message: Selector,
    text: Selector,
    text_fallback: Selector,
    author: Selector,
    time: Selector,
    any_time: Selector,
    link: Selector,
    preview: Selector,
}

static SELECTORS: LazyLock<Selectors> = LazyLock::new(|| {
    let parse = |css: &str| Selector::parse(css).expect("the preview selectors are valid CSS");
    Selectors {
        history: parse(".tgme_channel_history"),
        username: parse(".tgme_channel_info_header_username"),
        message: parse(".tgme_widget_message[data-post]"),
        text: parse(".tgme_widget_message_text.js-message_text"),
        text_fallback: parse(".tgme_widget_message_text:not(.js-message_reply_text)"),
        author: parse(".tgme_widget_message_from_author"),
        time: parse(".tgme_widget_message_date time[datetime]"),
        any_time: parse("time[datetime]"),
        link: parse("a[href]"),
        preview: parse("a.tgme_widget_message_link_preview[href]"),
    }
});

fn message_post(
    message: ElementRef<'_>,
    channel: &str,
    number: u64,
    warnings: &mut Warnings,
) -> Post {
    let selectors = &*SELECTORS;
    let text = message
        .select(&selectors.text)
        .next()
        .or_else(|| message.select(&selectors.text_fallback).next());
    let signature = message
        .select(&selectors.author)
        .next()
        .map(|element| element.text().collect::<String>().trim().to_owned())
        .filter(|signature| !signature.is_empty());
    let datetime = message
        .select(&selectors.time)
        .next()
        .or_else(|| message.select(&selectors.any_time).next())
        .and_then(|time| time.attr("datetime"));
    let published = datetime.and_then(utc_timestamp);
    if published.is_none() {
        warnings.push(format!(
            "message {number}: unreadable time {:?}",
            clip(datetime.unwrap_or_default())
        ));
    }
    // Hashtag links are relative to the preview page (`?q=%23tag`).
    let page = telegram_url(channel, None);
    let hrefs = text
        .into_iter()
        .flat_map(|text| text.select(&selectors.link))
        .chain(message.select(&selectors.preview))
        .filter_map(|link| link.attr("href"));
    Post {
        id: number.to_string(),
        permalink: tme_url(&[channel, &number.to_string()]).to_string(),
        author: signature.or_else(|| Some(channel.to_owned())),
        published,
        title: None,
        html: text.map(|text| text.inner_html().trim().to_owned()).unwrap_or_default(),
        links: dedup_links(hrefs, &page),
    }
}

/// `https://t.me/` with `segments` as its path, each percent-encoded as needed.
fn tme_url(segments: &[&str]) -> Url {
    let mut url = TME.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.clear().extend(segments);
    }
    url
}

static TME: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://t.me/").expect("https://t.me/ is a valid URL"));

/// The handle in a t.me (or telegram.me, telegram.dog, `name.t.me`, `tg://resolve`) URL.
fn channel_in_url(spec: &str) -> Option<String> {
    let with_scheme =
        if spec.contains("://") { spec.to_owned() } else { format!("https://{spec}") };
    let url = Url::parse(&with_scheme).ok()?;
    if url.scheme() == "tg" {
        return url
            .query_pairs()
            .find(|(key, _)| key == "domain")
            .map(|(_, name)| name.into_owned());
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    if let Some(name) = host.strip_suffix(".t.me") {
        return Some(name.to_owned());
    }
    if !matches!(host, "t.me" | "telegram.me" | "telegram.dog") {
        return None;
    }
    let mut segments = url.path_segments()?.filter(|segment| !segment.is_empty());
    let first = segments.next()?;
    let name = if first == "s" { segments.next()? } else { first };
    const RESERVED: &[&str] = &[
        "joinchat",
        "addstickers",
        "addemoji",
        "addtheme",
        "addlist",
        "share",
        "proxy",
        "socks",
        "login",
        "setlanguage",
        "confirmphone",
        "invoice",
        "boost",
        "contact",
    ];
    (!RESERVED.iter().any(|reserved| reserved.eq_ignore_ascii_case(name))).then(|| name.to_owned())
}

/// 5-32 ASCII letters, digits or underscores, starting with a letter.
fn is_handle(name: &str) -> bool {
    (5..=32).contains(&name.len())
        && name.starts_with(|ch: char| ch.is_ascii_alphabetic())
        && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}
