//! Forum pages → [`Post`]s, for web sites whose seeds entry names a `post_selector` (and
//! optionally `author_selector` and `time_selector`): each element the post selector matches is
//! one post, so a finding on a thread page points at the reply it was in, its author and its
//! time, not at the whole thread. Parsed with scraper (a real HTML5 tree and CSS selectors).

use scraper::{ElementRef, Html};
use url::Url;

use crate::config::PostSelectors;
use crate::parse::Post;
use crate::parse::feed::{MAX_ITEMS, dedup_links, utc_timestamp};

/// The posts of a forum page, in page order, at most [`MAX_ITEMS`].
///
/// A post's permalink is the page URL with the post element's `id` as its fragment (else the
/// `id` or `name` of the first anchor inside it, else `post-N` by position, 1-based). Its
/// author is the text of the first `author_selector` match inside it; its time is the first
/// `time_selector` match's `datetime` attribute or text, as RFC 3339 UTC when readable and as
/// written otherwise (trimmed, at most 64 characters). A post nested in another post is only
/// part of the outer one.
pub fn forum_posts(html: &str, page_url: &Url, selectors: &PostSelectors) -> Vec<Post> {
    let document = Html::parse_document(html);
    let mut posts = Vec::new();
    let mut taken: Vec<ElementRef<'_>> = Vec::new();
    for (idx, element) in document.select(&selectors.post).enumerate() {
        if posts.len() == MAX_ITEMS {
            break;
        }
        if element.ancestors().any(|node| taken.iter().any(|outer| outer.id() == node.id())) {
            continue;
        }
        taken.push(element);
        let anchor = post_anchor(element).unwrap_or_else(|| format!("post-{}", idx + 1));
        let mut permalink = page_url.clone();
        permalink.set_fragment(Some(&anchor));
        let author = selectors
            .author
            .as_ref()
            .and_then(|selector| element.select(selector).next())
            .map(|author| squash(&author.text().collect::<String>()))
            .filter(|author| !author.is_empty());
        let published = selectors
            .time
            .as_ref()
            .and_then(|selector| element.select(selector).next())
            .map(|time| {
                let written = time.attr("datetime").map_or_else(
                    || squash(&time.text().collect::<String>()),
                    |datetime| datetime.trim().to_owned(),
                );
                utc_timestamp(&written).unwrap_or_else(|| written.chars().take(64).collect())
            })
            .filter(|time| !time.is_empty());
        let hrefs: Vec<&str> = element
            .descendent_elements()
            .filter(|child| child.value().name() == "a")
            .filter_map(|link| link.attr("href"))
            .collect();
        posts.push(Post {
            id: anchor,
            permalink: permalink.to_string(),
            author,
            published,
            title: None,
            html: element.html(),
            links: dedup_links(hrefs.into_iter(), page_url),
        });
    }
    posts
}

/// The element's own `id`, else that of the first anchor (`id` or `name`) inside it.
fn post_anchor(element: ElementRef<'_>) -> Option<String> {
    let usable = |value: &str| {
        let value = value.trim();
        (!value.is_empty() && value.len() <= 128).then(|| value.to_owned())
    };
    element.attr("id").and_then(usable).or_else(|| {
        element
            .descendent_elements()
            .find_map(|child| child.attr("id").or_else(|| child.attr("name")).and_then(usable))
    })
}

/// Whitespace runs as single spaces, trimmed.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Seeds;

    fn selectors(post: &str, author: &str, time: &str) -> PostSelectors {
        let seeds = Seeds::parse(&format!(
            "[[site]]\nname = \"f\"\nurl = \"https://forum.example/\"\npost_selector = {post:?}\nauthor_selector = {author:?}\ntime_selector = {time:?}\n"
        ))
        .unwrap();
        seeds.sites[0].posts.clone().unwrap()
    }

    const THREAD: &str = r#"<html><body><h1>USDT OTC</h1>
<div class="post" id="p101"><span class="user"> trader_li </span>
  <time datetime="2026-11-20T08:00:00+08:00">yesterday</time>
  <div class="body">收U 支付宝 13812345678 <a href="/u/trader_li">profile</a></div></div>
<div class="post"><a name="p102"></a><span class="user">buyer</span>
  <span class="date">20 Nov 2026</span><div class="body">how much?</div></div>
<div class="post"><span class="user">x</span><div class="body">no anchor</div></div>
</body></html>"#;

    #[test]
    fn each_selected_element_is_a_post_with_its_author_time_and_anchor() {
        let page = Url::parse("https://forum.example/thread/7?page=2").unwrap();
        let posts = forum_posts(THREAD, &page, &selectors("div.post", ".user", "time, .date"));
        assert_eq!(posts.len(), 3);
        assert_eq!(posts[0].permalink, "https://forum.example/thread/7?page=2#p101");
        assert_eq!(posts[0].author.as_deref(), Some("trader_li"));
        assert_eq!(posts[0].published.as_deref(), Some("2026-11-20T00:00:00Z"));
        assert!(posts[0].html.contains("13812345678"));
        assert_eq!(posts[0].links, vec!["https://forum.example/u/trader_li".to_owned()]);
        assert_eq!(posts[1].permalink, "https://forum.example/thread/7?page=2#p102");
        assert_eq!(posts[1].published.as_deref(), Some("20 Nov 2026"));
        assert_eq!(posts[2].permalink, "https://forum.example/thread/7?page=2#post-3");
        assert_eq!(posts[2].published, None);
    }

    #[test]
    fn nested_matches_belong_to_the_outer_post() {
        let html = r#"<div class="post" id="a">outer <div class="post" id="b">inner</div></div>"#;
        let page = Url::parse("https://forum.example/t").unwrap();
        let posts = forum_posts(html, &page, &selectors(".post", ".user", "time"));
        assert_eq!(posts.len(), 1);
        assert!(posts[0].html.contains("inner"));
    }
}
