//! Feed bytes → [`Post`]s: RSS 0.9x/1.0/2.0, Atom and JSON Feed through `feed-rs`, including
//! the feeds that bridges (RSSHub, RSS-Bridge, Nitter) publish for Weibo, X, Reddit and forums.
//! Each item is one post. Input that `feed-rs` rejects (broken XML, a JSON Feed with a wrong
//! field type) goes through a lenient reader of `<item>`/`<entry>` blocks or of the JSON `items`
//! array instead, so a feed always yields what could be read plus warnings: nothing here fails,
//! and nothing panics. The date, link and warning helpers that the social parsers share live
//! here too.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use url::Url;

use super::{Post, html};

mod lenient;

/// At most this many posts come out of one feed; the rest are dropped with a warning.
pub const MAX_ITEMS: usize = 10_000;

/// At most this many warnings are kept per parse; the rest are counted in a last one.
const MAX_WARNINGS: usize = 100;

/// The lenient reader stops after this many item blocks: enough for [`MAX_ITEMS`] posts even
/// when half the blocks are duplicates or unusable.
const MAX_BLOCKS: usize = 2 * MAX_ITEMS;

/// A parsed feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Feed {
    /// The feed's own title, as text.
    pub title: Option<String>,
    /// The items, in feed order, at most [`MAX_ITEMS`], each id once.
    pub posts: Vec<Post>,
    /// What was skipped, dropped or repaired, one line each, for the crawl log.
    pub warnings: Vec<String>,
}

/// Parses RSS/Atom/JSON Feed bytes (undecoded: the XML prolog names the charset).
///
/// At most [`MAX_ITEMS`] posts; duplicate ids keep the first; items without link or id are
/// skipped with a warning; relative links are resolved against `base` (hrefs in an item's body
/// against its permalink). An item without a link gets the feed's URL as its permalink, unless
/// its id is a URL. Dates that cannot be read are left out with a warning.
pub fn parse(bytes: &[u8], base: &Url) -> Feed {
    let mut warnings = Warnings::default();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        warnings.push("empty feed".to_owned());
        return Feed { title: None, posts: Vec::new(), warnings: warnings.finish() };
    }
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        // An empty id tells us the feed gave none, instead of a made-up hash or UUID.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    let (title, items) = match parser.parse(bytes) {
        Ok(model) => from_model(&model, bytes),
        Err(error) => {
            let (title, items) = lenient::read(bytes, &mut warnings);
            warnings.push_always(format!(
                "feed-rs could not parse the feed ({}); read {} items leniently",
                clip(&error.to_string()),
                items.len()
            ));
            (title, items)
        }
    };
    let posts = posts(items, base, &mut warnings);
    Feed { title, posts, warnings: warnings.finish() }
}

/// `text` as an RFC 3339 UTC timestamp with whole seconds (`2024-05-01T08:12:45Z`), when it is
/// an RFC 3339 or RFC 2822 date (the formats of Atom, JSON Feed, RSS, Telegram and Mastodon).
pub(super) fn utc_timestamp(text: &str) -> Option<String> {
    let text = text.trim();
    rfc3339_seconds(text).or_else(|| rfc2822_seconds(text)).and_then(format_utc)
}

/// The hrefs in `html`, resolved against `base`, http(s) only, in order, without repeats.
pub(super) fn links_in(html: &str, base: &Url) -> Vec<String> {
    if html.is_empty() {
        return Vec::new();
    }
    dedup_links(html::parse(html).links.iter().map(String::as_str), base)
}

/// `hrefs` resolved against `base`, http(s) only, in order, without repeats.
pub(super) fn dedup_links<'a>(hrefs: impl Iterator<Item = &'a str>, base: &Url) -> Vec<String> {
    let mut seen = HashSet::new();
    hrefs
        .filter_map(|href| absolute_http(href, base))
        .filter(|link| seen.insert(link.clone()))
        .collect()
}

/// `href` resolved against `base`, when the result is an http(s) URL.
pub(super) fn absolute_http(href: &str, base: &Url) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// `text` shortened for a warning line: hostile input must not make the log huge.
pub(super) fn clip(text: &str) -> Cow<'_, str> {
    const MAX_CHARS: usize = 160;
    match text.char_indices().nth(MAX_CHARS) {
        Some((at, _)) => Cow::Owned(format!("{}…", text.get(..at).unwrap_or(text))),
        None => Cow::Borrowed(text),
    }
}

/// Warnings with a cap: past [`MAX_WARNINGS`] they are only counted.
#[derive(Debug, Default)]
pub(super) struct Warnings {
    list: Vec<String>,
    more: usize,
}

impl Warnings {
    /// Adds a warning, or counts it when the list is full.
    pub(super) fn push(&mut self, warning: String) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(warning);
        } else {
            self.more += 1;
        }
    }

    /// Adds a warning that must be seen (a summary), first, whatever the cap.
    pub(super) fn push_always(&mut self, warning: String) {
        self.list.insert(0, warning);
    }

    /// The warnings, with a last line counting the ones left out.
    pub(super) fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.list.push(format!("… and {} more warnings", self.more));
        }
        self.list
    }
}

/// An item as a reader found it: strings not yet resolved, parsed or checked.
#[derive(Debug, Default)]
struct RawItem {
    /// Guid, Atom id or JSON Feed id; may be empty.
    id: String,
    /// The item's link; may be empty or relative.
    link: String,
    title: Option<String>,
    author: Option<String>,
    /// The date as written (or as `feed-rs` normalised it).
    date: Option<String>,
    html: String,
}

impl RawItem {
    /// The key that ties an item read by `feed-rs` to the same item read leniently.
    fn key(&self) -> &str {
        if self.id.is_empty() { &self.link } else { &self.id }
    }
}

/// Checks, resolves and bounds the items: the one place where raw items become posts.
fn posts(items: Vec<RawItem>, base: &Url, warnings: &mut Warnings) -> Vec<Post> {
    let n_items = items.len();
    let mut seen = HashSet::new();
    let mut posts = Vec::new();
    for (idx, item) in items.into_iter().enumerate() {
        if posts.len() == MAX_ITEMS {
            warnings.push_always(format!(
                "feed has {n_items} items; kept the first {MAX_ITEMS} posts, up to item {idx}"
            ));
            break;
        }
        let number = idx + 1;
        let link = absolute_http(&item.link, base);
        let id = match (item.id.trim(), &link) {
            ("", Some(link)) => link.clone(),
            ("", None) => {
                warnings.push(format!("item {number} has neither id nor link: skipped"));
                continue;
            }
            (id, _) => id.to_owned(),
        };
        if !seen.insert(id.clone()) {
            warnings.push(format!("item {number}: duplicate id {:?}: kept the first", clip(&id)));
            continue;
        }
        let id_as_link = Url::parse(&id).ok().and_then(|url| absolute_http(url.as_str(), base));
        let permalink = link.or(id_as_link).unwrap_or_else(|| base.to_string());
        let published = item.date.as_deref().and_then(|date| {
            let published = utc_timestamp(date);
            if published.is_none() && !date.trim().is_empty() {
                warnings.push(format!("item {number}: unreadable date {:?}", clip(date.trim())));
            }
            published
        });
        let links_base = Url::parse(&permalink).unwrap_or_else(|_| base.clone());
        let links = links_in(&item.html, &links_base);
        posts.push(Post {
            id,
            permalink,
            author: item.author,
            published,
            title: item.title,
            html: item.html,
            links,
        });
    }
    posts
}

/* feed-rs model → raw items */

/// The items of a feed `feed-rs` read. It drops dates it cannot read; for those items the
/// lenient reader finds the date as written, for a second try and a warning.
fn from_model(model: &feed_rs::model::Feed, bytes: &[u8]) -> (Option<String>, Vec<RawItem>) {
    let feed_author = model.authors.iter().find_map(person_name);
    let title = model.title.as_ref().map(text_of).filter(|title| !title.is_empty());
    let mut items: Vec<RawItem> =
        model.entries.iter().map(|entry| from_entry(entry, feed_author.as_deref())).collect();
    if items.iter().any(|item| item.date.is_none()) {
        let mut ignored = Warnings::default();
        let (_, raw_items) = lenient::read(bytes, &mut ignored);
        let mut raw_dates: HashMap<&str, &str> = HashMap::new();
        for raw in &raw_items {
            if let Some(date) = raw.date.as_deref() {
                raw_dates.entry(raw.key()).or_insert(date);
            }
        }
        for item in items.iter_mut().filter(|item| item.date.is_none()) {
            item.date = raw_dates.get(item.key()).map(|date| (*date).to_owned());
        }
    }
    (title, items)
}

fn from_entry(entry: &feed_rs::model::Entry, feed_author: Option<&str>) -> RawItem {
    let link = entry
        .links
        .iter()
        .find(|link| matches!(link.rel.as_deref(), None | Some("alternate")))
        .or(entry.links.first())
        .map(|link| link.href.clone())
        .unwrap_or_default();
    let date = entry.published.or(entry.updated).and_then(|time| format_utc(time.timestamp()));
    let html = match (&entry.content, &entry.summary) {
        (Some(content), _)
            if content.body.as_deref().is_some_and(|body| !body.trim().is_empty()) =>
        {
            let body = content.body.as_deref().unwrap_or_default();
            if content.content_type.to_string().contains("html") {
                body.to_owned()
            } else {
                escape_html(body)
            }
        }
        (_, Some(summary)) if summary.content_type.to_string().contains("html") => {
            summary.content.clone()
        }
        (_, Some(summary)) => escape_html(&summary.content),
        (_, None) => String::new(),
    };
    RawItem {
        id: entry.id.trim().to_owned(),
        link,
        title: entry.title.as_ref().map(text_of).filter(|title| !title.is_empty()),
        author: entry.authors.iter().find_map(person_name).or(feed_author.map(str::to_owned)),
        date,
        html,
    }
}

/// A text construct as plain text, on one line. Plain text with character references is
/// read as HTML too: feeds put `&nbsp;` and `&mdash;` in plain titles all the time.
fn text_of(text: &feed_rs::model::Text) -> String {
    if text.content_type.to_string().contains("html") || text.content.contains('&') {
        one_line(&html::parse(&text.content).text)
    } else {
        one_line(&text.content)
    }
}

fn person_name(person: &feed_rs::model::Person) -> Option<String> {
    [&person.name, &person.email, &person.uri]
        .into_iter()
        .flatten()
        .map(|value| value.trim())
        .find(|value| !value.is_empty())
        .map(str::to_owned)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Plain text as HTML: escaped, line breaks kept.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<br>\n"),
            _ => out.push(ch),
        }
    }
    out
}

/* Dates */

/// Seconds since the epoch of an RFC 3339 date (`T`, `t` or a space between date and time;
/// fractions dropped; a zone is required).
fn rfc3339_seconds(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = bytes.get(range)?;
        digits.iter().all(u8::is_ascii_digit).then_some(())?;
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    let punct =
        |at: usize, allowed: &[u8]| bytes.get(at).is_some_and(|byte| allowed.contains(byte));
    if !(punct(4, b"-") && punct(7, b"-") && punct(10, b"Tt ") && punct(13, b":")) {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute) = (number(11..13)?, number(14..16)?);
    let mut at = 16;
    let mut second = 0;
    if punct(at, b":") {
        second = number(17..19)?;
        at = 19;
    }
    if punct(at, b".,") {
        at += 1;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    let offset = match bytes.get(at..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), zone @ ..] => {
            let zone: Vec<u8> = zone.iter().copied().filter(|byte| *byte != b':').collect();
            let zone = std::str::from_utf8(&zone).ok().filter(|zone| zone.len() == 4)?;
            let minutes =
                zone.get(..2)?.parse::<i64>().ok()? * 60 + zone.get(2..)?.parse::<i64>().ok()?;
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    seconds(year, month, day, hour, minute, second, offset)
}

/// Seconds since the epoch of an RFC 2822 date (`Wed, 01 May 2024 08:12:45 GMT`), with the
/// usual leniency: no weekday, no seconds, two-digit years, named US zones.
fn rfc2822_seconds(text: &str) -> Option<i64> {
    let text = text.split_once(',').map_or(text, |(_, rest)| rest);
    let mut parts = text.split_whitespace();
    let day = parts.next()?.parse().ok()?;
    let month = parts.next()?.get(..3)?.to_ascii_lowercase();
    const MONTHS: [&str; 12] =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let month = MONTHS.iter().position(|name| *name == month)? as i64 + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    let year = match year {
        0..=49 => year + 2000,
        50..=999 => year + 1900,
        _ => year,
    };
    let mut clock = parts.next()?.split(':').map(|part| part.parse::<i64>().ok());
    let (hour, minute) = (clock.next()??, clock.next()??);
    let second = clock.next().unwrap_or(Some(0))?;
    let zone = parts.next()?;
    let offset = match zone.to_ascii_uppercase().as_str() {
        "GMT" | "UT" | "UTC" | "Z" => 0,
        "EDT" => -4 * 60,
        "EST" | "CDT" => -5 * 60,
        "CST" | "MDT" => -6 * 60,
        "MST" | "PDT" => -7 * 60,
        "PST" => -8 * 60,
        numeric => {
            let (sign, digits) = numeric.split_at_checked(1)?;
            let digits = digits.replace(':', "");
            if digits.len() != 4 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            let minutes = digits.get(..2)?.parse::<i64>().ok()? * 60
                + digits.get(2..)?.parse::<i64>().ok()?;
            match sign {
                "+" => minutes,
                "-" => -minutes,
                _ => return None,
            }
        }
    };
    seconds(year, month, day, hour, minute, second, offset)
}

/// Seconds since the epoch of a checked civil date and time at `offset` minutes east of UTC.
fn seconds(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    offset: i64,
) -> Option<i64> {
    let valid = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..=60).contains(&second)
        && offset.abs() < 24 * 60;
    valid.then(|| {
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second.min(59)
            - offset * 60
    })
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`, for years 1 to 9999.
fn format_utc(seconds: i64) -> Option<String> {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    (1..=9999).contains(&year).then(|| {
        let (hour, minute, second) =
            (second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60);
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests;
