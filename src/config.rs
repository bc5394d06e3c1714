//! The seeds file (`seeds/sites.toml`) → a validated [`Seeds`] tree. Everything is checked
//! here once, with the line of every problem: URLs parse, patterns compile, durations read,
//! limits are in range. Downstream nothing parses a string or compiles a pattern again.

use crate::fetch::FetchConfig;
use crate::parse::social::{telegram_channel, telegram_url};
use regex::Regex;
use scraper::Selector;
use serde::Deserialize;
use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;
use url::Url;

/// The validated seeds file.
#[derive(Debug, Clone)]
pub struct Seeds {
    pub sites: Vec<Site>,
    pub fetch: FetchConfig,
    /// Requests in flight across all sites.
    pub global_concurrency: usize,
}

/// One site to crawl, with every default applied.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
    pub url: Url,
    pub kind: SourceKind,
    /// Re-crawl period.
    pub interval: Duration,
    pub max_depth: u16,
    pub max_pages: u64,
    /// Between two requests to one host; robots.txt's Crawl-delay wins when larger.
    pub delay: Duration,
    pub concurrency_per_host: usize,
    /// URL patterns in scope; empty means "the seed's host".
    pub allow: Vec<Regex>,
    /// URL patterns never fetched.
    pub deny: Vec<Regex>,
    /// URLs longer than this are traps (session ids, calendars).
    pub max_url_length: usize,
    /// URLs with more query parameters than this are traps.
    pub max_query_params: usize,
    /// Distinct query strings followed per path in one crawl (calendars, facets).
    pub max_query_variants: usize,
    /// Sort query parameters when canonicalising.
    pub sort_query: bool,
    /// Bounds for a page's adaptive revisit interval.
    pub min_revisit: Duration,
    pub max_revisit: Duration,
    pub paused: bool,
    /// `mastodon` sites: the account or hashtag timeline followed.
    pub timeline: Option<Timeline>,
    /// `web` sites: how a forum page splits into posts, so findings point at the post.
    pub posts: Option<PostSelectors>,
}

/// How a source is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Pages and the links between them.
    Web,
    /// An RSS, Atom or JSON Feed document; each item is a post.
    Feed,
    /// A public channel's web preview, `t.me/s/<channel>`, paged back with `?before=`.
    Telegram,
    /// A Mastodon account or hashtag timeline through the instance's public REST API.
    Mastodon,
}

impl SourceKind {
    /// The name used in the seeds file.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Web => "web",
            SourceKind::Feed => "feed",
            SourceKind::Telegram => "telegram",
            SourceKind::Mastodon => "mastodon",
        }
    }

    /// Whether the source is read post by post (paging by post id, no link following).
    pub fn is_social(self) -> bool {
        matches!(self, SourceKind::Telegram | SourceKind::Mastodon)
    }
}

/// What a `mastodon` site follows, read from its URL (`https://host/@user`,
/// `https://host/@user@other.host`, `https://host/users/user` or `https://host/tags/tag`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timeline {
    /// An account, as `acct` for `/api/v1/accounts/lookup`.
    Account(String),
    /// A hashtag, without the `#`.
    Tag(String),
}

/// CSS selectors that split a forum page into posts (`post_selector`, `author_selector`,
/// `time_selector` in the seeds file). Author and time are looked up inside each post.
#[derive(Debug, Clone)]
pub struct PostSelectors {
    pub post: Selector,
    pub author: Option<Selector>,
    pub time: Option<Selector>,
}

/// A seeds file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read seeds file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    defaults: RawSettings,
    #[serde(default)]
    site: Vec<RawSite>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    interval: Option<Spanned<String>>,
    max_depth: Option<Spanned<i64>>,
    max_pages: Option<Spanned<i64>>,
    delay: Option<Spanned<String>>,
    concurrency_per_host: Option<Spanned<i64>>,
    user_agent: Option<Spanned<String>>,
    global_concurrency: Option<Spanned<i64>>,
    timeout: Option<Spanned<String>>,
    max_body: Option<Spanned<i64>>,
    max_redirects: Option<Spanned<i64>>,
    max_url_length: Option<Spanned<i64>>,
    max_query_params: Option<Spanned<i64>>,
    max_query_variants: Option<Spanned<i64>>,
    sort_query: Option<bool>,
    min_revisit: Option<Spanned<String>>,
    max_revisit: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    name: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    deny: Vec<Spanned<String>>,
    #[serde(default)]
    paused: bool,
    post_selector: Option<Spanned<String>>,
    author_selector: Option<Spanned<String>>,
    time_selector: Option<Spanned<String>>,
    // Per-site overrides of [defaults]. (serde cannot combine `flatten` with
    // `deny_unknown_fields`, so the keys are repeated here.)
    interval: Option<Spanned<String>>,
    max_depth: Option<Spanned<i64>>,
    max_pages: Option<Spanned<i64>>,
    delay: Option<Spanned<String>>,
    concurrency_per_host: Option<Spanned<i64>>,
    max_url_length: Option<Spanned<i64>>,
    max_query_params: Option<Spanned<i64>>,
    max_query_variants: Option<Spanned<i64>>,
    sort_query: Option<bool>,
    min_revisit: Option<Spanned<String>>,
    max_revisit: Option<Spanned<String>>,
}

impl RawSite {
    fn settings(&self) -> RawSettings {
        RawSettings {
            interval: self.interval.clone(),
            max_depth: self.max_depth.clone(),
            max_pages: self.max_pages.clone(),
            delay: self.delay.clone(),
            concurrency_per_host: self.concurrency_per_host.clone(),
            max_url_length: self.max_url_length.clone(),
            max_query_params: self.max_query_params.clone(),
            max_query_variants: self.max_query_variants.clone(),
            sort_query: self.sort_query,
            min_revisit: self.min_revisit.clone(),
            max_revisit: self.max_revisit.clone(),
            ..RawSettings::default()
        }
    }
}

impl Seeds {
    /// Reads and validates a seeds file.
    pub fn load(path: &Path) -> Result<Seeds, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Read { path: path.display().to_string(), source })?;
        Seeds::parse(&text)
            .map_err(|message| Error::Invalid { path: path.display().to_string(), message })
    }

    /// Validates seeds-file text; the error names every problem with its line.
    pub fn parse(text: &str) -> Result<Seeds, String> {
        let raw: RawFile = toml::from_str(text).map_err(|error| toml_error(text, &error))?;
        let mut problems = Problems { text, list: Vec::new() };
        let defaults = &raw.defaults;
        let fetch = fetch_config(defaults, &mut problems);
        let global_concurrency =
            int(&defaults.global_concurrency, 1..=4096, 64, "global_concurrency", &mut problems);
        let mut sites = Vec::new();
        let mut names = HashSet::new();
        for raw_site in &raw.site {
            if !names.insert(raw_site.name.get_ref().clone()) {
                problems.at(
                    raw_site.name.span(),
                    format!("site name '{}' is used twice", raw_site.name.get_ref()),
                );
            }
            if let Some(site) = site(raw_site, defaults, &mut problems) {
                sites.push(site);
            }
        }
        if raw.site.is_empty() {
            problems.list.push("no [[site]] entries: add at least one site to crawl".to_owned());
        }
        if !problems.list.is_empty() {
            return Err(problems.list.join("\n"));
        }
        Ok(Seeds { sites, fetch, global_concurrency })
    }

    /// The site named `name`.
    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|site| site.name == name)
    }
}

impl Site {
    /// A site with the built-in defaults, for tests and the demo.
    pub fn new(name: &str, url: Url) -> Site {
        Site {
            name: name.to_owned(),
            url,
            kind: SourceKind::Web,
            interval: Duration::from_secs(6 * 3600),
            max_depth: 4,
            max_pages: 5000,
            delay: Duration::from_secs(1),
            concurrency_per_host: 2,
            allow: Vec::new(),
            deny: Vec::new(),
            max_url_length: 512,
            max_query_params: 8,
            max_query_variants: 50,
            sort_query: false,
            min_revisit: Duration::from_secs(3600),
            max_revisit: Duration::from_secs(7 * 86400),
            paused: false,
            timeline: None,
            posts: None,
        }
    }
}

struct Problems<'a> {
    text: &'a str,
    list: Vec<String>,
}

impl Problems<'_> {
    fn at(&mut self, span: Range<usize>, message: impl std::fmt::Display) {
        let line = self.text[..span.start.min(self.text.len())].matches('\n').count() + 1;
        self.list.push(format!("line {line}: {message}"));
    }
}

fn toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message();
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message.to_owned(),
    }
}

fn site(raw: &RawSite, defaults: &RawSettings, problems: &mut Problems<'_>) -> Option<Site> {
    let name = raw.name.get_ref().trim().to_owned();
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        problems.at(
            raw.name.span(),
            format!("site name '{name}' must be letters, digits, '-', '_' or '.'"),
        );
    }
    let kind = match raw.kind.as_ref().map(|k| k.get_ref().as_str()) {
        None | Some("web") => SourceKind::Web,
        Some("feed") => SourceKind::Feed,
        Some("telegram") => SourceKind::Telegram,
        Some("mastodon") => SourceKind::Mastodon,
        Some(other) => {
            let span = raw.kind.as_ref().map_or(0..0, Spanned::span);
            problems.at(span, format!("site '{name}': unknown kind \"{other}\" (expected web, feed, telegram or mastodon)"));
            SourceKind::Web
        }
    };
    let spec = raw.url.get_ref().trim();
    let url = match kind {
        SourceKind::Telegram => telegram_seed(spec),
        _ => http_url(spec),
    };
    let url = url
        .map_err(|problem| problems.at(raw.url.span(), format!("site '{name}': {problem}")))
        .ok();
    let timeline = match (kind, &url) {
        (SourceKind::Mastodon, Some(url)) => mastodon_timeline(url)
            .map_err(|problem| problems.at(raw.url.span(), format!("site '{name}': {problem}")))
            .ok(),
        _ => None,
    };
    let posts = post_selectors(raw, kind, &name, problems);
    let merged = merge(&raw.settings(), defaults);
    let mut site = Site::new(&name, url.clone()?);
    site.kind = kind;
    site.paused = raw.paused;
    site.timeline = timeline;
    site.posts = posts;
    site.interval = duration(&merged.interval, site.interval, "interval", problems);
    site.delay = duration(&merged.delay, site.delay, "delay", problems);
    site.min_revisit = duration(&merged.min_revisit, site.min_revisit, "min_revisit", problems);
    site.max_revisit = duration(&merged.max_revisit, site.max_revisit, "max_revisit", problems);
    site.max_depth =
        int(&merged.max_depth, 0..=1000, site.max_depth.into(), "max_depth", problems) as u16;
    site.max_pages =
        int(&merged.max_pages, 1..=100_000_000, site.max_pages as usize, "max_pages", problems)
            as u64;
    site.concurrency_per_host = int(
        &merged.concurrency_per_host,
        1..=64,
        site.concurrency_per_host,
        "concurrency_per_host",
        problems,
    );
    site.max_url_length =
        int(&merged.max_url_length, 32..=65536, site.max_url_length, "max_url_length", problems);
    site.max_query_params = int(
        &merged.max_query_params,
        0..=1000,
        site.max_query_params,
        "max_query_params",
        problems,
    );
    site.max_query_variants = int(
        &merged.max_query_variants,
        1..=1_000_000,
        site.max_query_variants,
        "max_query_variants",
        problems,
    );
    site.sort_query = merged.sort_query.unwrap_or(false);
    site.allow = patterns(&raw.allow, &name, "allow", problems);
    site.deny = patterns(&raw.deny, &name, "deny", problems);
    Some(site)
}

/// A web or feed site's URL: http(s) with a host.
fn http_url(spec: &str) -> Result<Url, String> {
    match Url::parse(spec) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        Ok(url) => Err(format!("url '{url}' must be http(s) with a host")),
        Err(error) => Err(format!("url '{spec}' is not a URL: {error}")),
    }
}

/// A telegram site's preview URL from `@name`, `t.me/name`, `https://t.me/s/name`; on another
/// host (a mirror, a test server) an http(s) URL whose path is `/s/name` or `/name`.
fn telegram_seed(spec: &str) -> Result<Url, String> {
    let hint = "write the channel as @name, t.me/name or https://t.me/s/name";
    let on_tme = |url: &Url| {
        let host = url.host_str().unwrap_or_default().trim_start_matches("www.");
        matches!(host, "t.me" | "telegram.me" | "telegram.dog")
    };
    match Url::parse(spec) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && !on_tme(&url) =>
        {
            let segments: Vec<&str> =
                url.path_segments().map(Iterator::collect).unwrap_or_default();
            let name = match segments.as_slice() {
                ["s", name] | [name] => telegram_channel(name),
                _ => None,
            };
            let name =
                name.ok_or_else(|| format!("url '{spec}' is not a channel preview URL; {hint}"))?;
            let mut seed = url.clone();
            seed.set_path(&format!("/s/{name}"));
            seed.set_query(None);
            seed.set_fragment(None);
            Ok(seed)
        }
        _ => telegram_channel(spec)
            .map(|name| telegram_url(&name, None))
            .ok_or_else(|| format!("'{spec}' is not a public Telegram channel; {hint}")),
    }
}

/// The timeline a mastodon site's URL names.
fn mastodon_timeline(url: &Url) -> Result<Timeline, String> {
    let segments: Vec<&str> = url.path_segments().map(Iterator::collect).unwrap_or_default();
    let word = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@'))
    };
    match segments.as_slice() {
        [user] if user.starts_with('@') && word(&user[1..]) => {
            Ok(Timeline::Account(user[1..].to_owned()))
        }
        ["users", user] if word(user) => Ok(Timeline::Account((*user).to_owned())),
        ["tags", tag] if word(tag) => Ok(Timeline::Tag((*tag).to_owned())),
        _ => Err(format!(
            "url '{url}' is not a Mastodon account or hashtag page; write https://instance/@user or https://instance/tags/tag"
        )),
    }
}

/// The post selectors of a web site, each checked as CSS.
fn post_selectors(
    raw: &RawSite,
    kind: SourceKind,
    name: &str,
    problems: &mut Problems<'_>,
) -> Option<PostSelectors> {
    let mut parse = |key: &str, value: &Option<Spanned<String>>| {
        let value = value.as_ref()?;
        if kind != SourceKind::Web {
            problems.at(value.span(), format!("site '{name}': {key} applies to kind \"web\" only"));
            return None;
        }
        match Selector::parse(value.get_ref()) {
            Ok(selector) => Some(selector),
            Err(error) => {
                problems.at(
                    value.span(),
                    format!("site '{name}': {key} {:?} is not valid CSS: {error}", value.get_ref()),
                );
                None
            }
        }
    };
    let post = parse("post_selector", &raw.post_selector);
    let author = parse("author_selector", &raw.author_selector);
    let time = parse("time_selector", &raw.time_selector);
    if post.is_none() && (author.is_some() || time.is_some()) {
        let span =
            raw.author_selector.as_ref().or(raw.time_selector.as_ref()).map_or(0..0, Spanned::span);
        problems.at(
            span,
            format!("site '{name}': author_selector and time_selector need a post_selector"),
        );
    }
    Some(PostSelectors { post: post?, author, time })
}

/// Site settings over defaults.
fn merge(site: &RawSettings, defaults: &RawSettings) -> RawSettings {
    macro_rules! pick {
        ($($field:ident),*) => { RawSettings { $($field: site.$field.clone().or_else(|| defaults.$field.clone()),)* } };
    }
    pick!(
        interval,
        max_depth,
        max_pages,
        delay,
        concurrency_per_host,
        user_agent,
        global_concurrency,
        timeout,
        max_body,
        max_redirects,
        max_url_length,
        max_query_params,
        max_query_variants,
        sort_query,
        min_revisit,
        max_revisit
    )
}

fn fetch_config(defaults: &RawSettings, problems: &mut Problems<'_>) -> FetchConfig {
    let mut fetch = FetchConfig::default();
    if let Some(agent) = &defaults.user_agent {
        if agent.get_ref().trim().is_empty() || agent.get_ref().contains(['\r', '\n']) {
            problems.at(agent.span(), "user_agent must be one non-empty line".to_owned());
        } else {
            fetch.user_agent = agent.get_ref().clone();
        }
    }
    let timeout = duration(&defaults.timeout, fetch.body_timeout, "timeout", problems);
    fetch.body_timeout = timeout;
    fetch.first_byte_timeout = fetch.first_byte_timeout.min(timeout);
    fetch.connect_timeout = fetch.connect_timeout.min(timeout);
    fetch.max_body = int(&defaults.max_body, 1024..=1 << 30, fetch.max_body, "max_body", problems);
    fetch.max_redirects =
        int(&defaults.max_redirects, 0..=50, fetch.max_redirects, "max_redirects", problems);
    fetch
}

fn duration(
    value: &Option<Spanned<String>>,
    default: Duration,
    key: &str,
    problems: &mut Problems<'_>,
) -> Duration {
    let Some(value) = value else { return default };
    match humantime::parse_duration(value.get_ref()) {
        Ok(duration) => duration,
        Err(error) => {
            problems.at(value.span(), format!("{key} = \"{}\" is not a duration ({error}); write e.g. \"1s\", \"500ms\", \"6h\"", value.get_ref()));
            default
        }
    }
}

fn int(
    value: &Option<Spanned<i64>>,
    range: std::ops::RangeInclusive<usize>,
    default: usize,
    key: &str,
    problems: &mut Problems<'_>,
) -> usize {
    let Some(value) = value else { return default };
    match usize::try_from(*value.get_ref()) {
        Ok(n) if range.contains(&n) => n,
        _ => {
            problems.at(
                value.span(),
                format!(
                    "{key} = {} is out of range ({}..={})",
                    value.get_ref(),
                    range.start(),
                    range.end()
                ),
            );
            default
        }
    }
}

fn patterns(
    raw: &[Spanned<String>],
    site: &str,
    key: &str,
    problems: &mut Problems<'_>,
) -> Vec<Regex> {
    let mut out = Vec::new();
    for pattern in raw {
        match Regex::new(pattern.get_ref()) {
            Ok(regex) => out.push(regex),
            Err(error) => problems.at(
                pattern.span(),
                format!(
                    "site '{site}': {key} pattern {:?} is not a valid regex: {error}",
                    pattern.get_ref()
                ),
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[defaults]
interval = "6h"
max_depth = 3
delay = "250ms"
user_agent = "otcwatch/0.1 (+https://example.org/otcwatch)"

[[site]]
name = "forum"
url = "https://forum.example/otc/"
kind = "web"
allow = ["^https://forum\\.example/(otc|thread)/"]
deny = ["logout", "\\?sort="]

[[site]]
name = "shop"
url = "http://127.0.0.1:8080/"
max_depth = 1
"#;

    #[test]
    fn a_good_file_gets_defaults_and_overrides() {
        let seeds = Seeds::parse(GOOD).unwrap();
        let forum = seeds.site("forum").unwrap();
        assert_eq!(forum.max_depth, 3);
        assert_eq!(forum.delay, Duration::from_millis(250));
        assert_eq!(forum.interval, Duration::from_secs(6 * 3600));
        assert!(forum.allow[0].is_match("https://forum.example/thread/1"));
        assert_eq!(seeds.site("shop").unwrap().max_depth, 1);
        assert!(seeds.fetch.user_agent.starts_with("otcwatch/0.1"));
    }

    #[track_caller]
    fn check_error(text: &str, expect: &[&str]) {
        let error = Seeds::parse(text).unwrap_err();
        for part in expect {
            assert!(error.contains(part), "{error:?} lacks {part:?}");
        }
    }

    #[test]
    fn syntax_errors_name_the_line() {
        check_error("[defaults]\ninterval = \"6h\"\n[[site]\nname = \"x\"\n", &["line 3"]);
    }

    #[test]
    fn semantic_errors_name_the_line_and_the_problem() {
        check_error(
            "[[site]]\nname = \"a\"\nurl = \"not a url\"\n\n[[site]]\nname = \"b\"\nurl = \"https://b.example/\"\ndelay = \"soon\"\ndeny = [\"(\"]\n",
            &[
                "line 3: site 'a': url 'not a url' is not a URL",
                "line 8: delay = \"soon\" is not a duration",
                "line 9: site 'b': deny pattern",
            ],
        );
    }

    #[test]
    fn unknown_keys_and_kinds_are_refused() {
        check_error(
            "[[site]]\nname = \"a\"\nurl = \"https://a.example/\"\nmax_dept = 3\n",
            &["line 4", "max_dept"],
        );
        check_error(
            "[[site]]\nname = \"a\"\nurl = \"https://a.example/\"\nkind = \"ftp\"\n",
            &["line 4", "unknown kind"],
        );
    }

    #[test]
    fn duplicate_names_and_empty_files_are_refused() {
        check_error(
            "[[site]]\nname = \"a\"\nurl = \"https://a.example/\"\n[[site]]\nname = \"a\"\nurl = \"https://b.example/\"\n",
            &["line 5", "used twice"],
        );
        check_error("[defaults]\n", &["no [[site]]"]);
    }

    #[test]
    fn out_of_range_numbers_are_refused() {
        check_error(
            "[defaults]\nmax_pages = 0\n[[site]]\nname = \"a\"\nurl = \"https://a.example/\"\n",
            &["line 2", "max_pages = 0"],
        );
    }

    #[test]
    fn social_kinds_read_their_urls() {
        let seeds = Seeds::parse(
            "[[site]]\nname = \"tg\"\nkind = \"telegram\"\nurl = \"@usdt_otc_cn\"\n\
             [[site]]\nname = \"m\"\nkind = \"mastodon\"\nurl = \"https://m.example/@desk@other.example\"\n\
             [[site]]\nname = \"tag\"\nkind = \"mastodon\"\nurl = \"https://m.example/tags/usdt\"\n\
             [[site]]\nname = \"f\"\nkind = \"feed\"\nurl = \"https://rss.example/weibo/1\"\n",
        )
        .unwrap();
        assert_eq!(seeds.sites[0].url.as_str(), "https://t.me/s/usdt_otc_cn");
        assert_eq!(seeds.sites[0].kind, SourceKind::Telegram);
        assert_eq!(seeds.sites[1].timeline, Some(Timeline::Account("desk@other.example".into())));
        assert_eq!(seeds.sites[2].timeline, Some(Timeline::Tag("usdt".into())));
        assert_eq!(seeds.sites[3].kind, SourceKind::Feed);
    }

    #[test]
    fn bad_social_urls_and_selectors_say_what_to_write() {
        check_error(
            "[[site]]\nname = \"tg\"\nkind = \"telegram\"\nurl = \"@no\"\n",
            &["line 4", "not a public Telegram channel", "@name, t.me/name"],
        );
        check_error(
            "[[site]]\nname = \"m\"\nkind = \"mastodon\"\nurl = \"https://m.example/about\"\n",
            &["line 4", "https://instance/@user"],
        );
        check_error(
            "[[site]]\nname = \"w\"\nurl = \"https://f.example/\"\npost_selector = \"div[\"\n",
            &["line 4", "post_selector", "not valid CSS"],
        );
        check_error(
            "[[site]]\nname = \"w\"\nurl = \"https://f.example/\"\nauthor_selector = \".who\"\n",
            &["line 4", "need a post_selector"],
        );
        check_error(
            "[[site]]\nname = \"f\"\nkind = \"feed\"\nurl = \"https://f.example/rss\"\npost_selector = \"div\"\n",
            &["line 5", "applies to kind \"web\" only"],
        );
    }

    #[test]
    fn the_shipped_seeds_file_is_valid() {
        let text = include_str!("../seeds/sites.toml");
        Seeds::parse(text).unwrap();
    }

    #[test]
    fn the_commented_examples_in_the_seeds_file_are_valid() {
        // Uncomment `# [[site]]` blocks and their `# key = value` lines.
        let text: String = include_str!("../seeds/sites.toml")
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest) if rest.starts_with("[[site]]") || rest.contains(" = ") => rest,
                _ => line,
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let seeds = Seeds::parse(&text).unwrap();
        for kind in [SourceKind::Web, SourceKind::Feed, SourceKind::Telegram, SourceKind::Mastodon]
        {
            assert!(seeds.sites.iter().any(|site| site.kind == kind), "no {kind:?} example");
        }
        assert!(seeds.sites.iter().any(|site| site.posts.is_some()), "no post_selector example");
    }
}
