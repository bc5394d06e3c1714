//! Telegram preview pages and Mastodon API JSON against the hand-written fixtures in
//! `tests/fixtures/social/`, post by post, then handles, paging URLs and hostile input.

use url::Url;

use super::*;
use crate::parse::Post;
use crate::parse::test_support::{assert_contains_all, text};

const TME_PAGE1: &str = include_str!("../../../tests/fixtures/social/tme_page1.html");
const TME_PAGE2: &str = include_str!("../../../tests/fixtures/social/tme_page2.html");
const TME_HOME: &str = include_str!("../../../tests/fixtures/social/tme_home.html");
const STATUSES: &str = include_str!("../../../tests/fixtures/social/mastodon_statuses.json");
const LOOKUP: &str = include_str!("../../../tests/fixtures/social/mastodon_lookup.json");

fn instance() -> Url {
    Url::parse("https://mastodon.example/").expect("a valid URL")
}

/// Each post as `id permalink author published`, for whole-page comparisons.
fn summary(posts: &[Post]) -> Vec<String> {
    posts
        .iter()
        .map(|post| {
            format!(
                "{} {} {} {}",
                post.id,
                post.permalink,
                post.author.as_deref().unwrap_or("-"),
                post.published.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn telegram_first_page_gives_each_message() {
    let page = telegram_page(TME_PAGE1);
    assert_eq!(page.channel.as_deref(), Some("usdt_otc_cn"));
    assert!(!page.not_a_channel);
    assert_eq!(
        summary(&page.posts),
        [
            "1201 https://t.me/usdt_otc_cn/1201 客服小王 2024-05-01T02:15:07Z",
            // No signature: the channel. The page's +08:00 becomes UTC.
            "1203 https://t.me/usdt_otc_cn/1203 usdt_otc_cn 2024-05-01T01:30:00Z",
            "1204 https://t.me/usdt_otc_cn/1204 usdt_otc_cn 2024-05-01T03:00:41Z",
            "1206 https://t.me/usdt_otc_cn/1206 频道管理员 2024-05-01T06:45:12Z",
        ]
    );
    let [ad, rates, photo, notice] = page.posts.as_slice() else {
        panic!("four posts expected, got {}", page.posts.len());
    };
    assert_contains_all(
        ad,
        &["otc_usdt_666", "159 1234 0879", "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP", "@otc_kefu_bot"],
    );
    // The hashtag link is relative to the preview page.
    assert_eq!(
        ad.links,
        ["https://t.me/otc_kefu_bot", "https://t.me/s/usdt_otc_cn?q=%23%E6%89%BF%E5%85%91"]
    );
    assert_contains_all(
        rates,
        &["0xeeDB3483e3B36B2cf395344D0Fd05A88277fe8C5", "t.me/otc_en_support & rates page"],
    );
    assert_eq!(
        rates.links,
        ["https://t.me/otc_en_support", "https://example-otc.com/rates?src=tg&ch=1"]
    );
    // A photo without a caption is still a post, with no body.
    assert_eq!(photo.html, "");
    assert!(photo.links.is_empty());
    assert_contains_all(notice, &["从不私聊收款"]);
    assert_eq!((page.oldest, page.newest), (Some(1201), Some(1206)));
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);
}

#[test]
fn telegram_pages_back_with_before_the_oldest_message() {
    let first = telegram_page(TME_PAGE1);
    let channel = first.channel.as_deref().unwrap_or_default();
    // The same URL as the page's own "load more" link (`a.tme_messages_more[data-before]`).
    assert_eq!(
        telegram_url(channel, first.oldest).as_str(),
        "https://t.me/s/usdt_otc_cn?before=1201"
    );
    assert!(TME_PAGE1.contains(r#"data-before="1201""#));

    let second = telegram_page(TME_PAGE2);
    assert_eq!(second.channel.as_deref(), Some("usdt_otc_cn"));
    assert_eq!(
        summary(&second.posts),
        [
            "1196 https://t.me/usdt_otc_cn/1196 客服小王 2024-04-28T14:05:00Z",
            "1197 https://t.me/usdt_otc_cn/1197 usdt_otc_cn 2024-04-28T15:00:00Z",
            // -04:00 crosses midnight into UTC.
            "1199 https://t.me/usdt_otc_cn/1199 客服小王 2024-04-30T03:59:59Z",
            "1200 https://t.me/usdt_otc_cn/1200 usdt_otc_cn 2024-04-30T12:00:00Z",
        ]
    );
    assert_eq!((second.oldest, second.newest), (Some(1196), Some(1200)));
    assert!(second.newest < first.oldest);

    let [welcome, _rules, repost, holiday] = second.posts.as_slice() else {
        panic!("four posts expected, got {}", second.posts.len());
    };
    assert_contains_all(welcome, &["otc-usdt-2023", "15912340880", "2851736490"]);
    // The quoted reply is not the message's text.
    assert!(!text(repost).contains("新客户首单优惠"), "{}", repost.html);
    assert_contains_all(repost, &["TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"]);
    assert_eq!(repost.links, ["https://t.me/usdt_otc_cn/1196"]);
    assert_contains_all(holiday, &["<全天>"]);
}

#[test]
fn deleted_channel_redirect_is_not_a_channel() {
    let page = telegram_page(TME_HOME);
    assert!(page.not_a_channel);
    assert_eq!(page.channel, None);
    assert!(page.posts.is_empty());
    assert_eq!((page.oldest, page.newest), (None, None));
}

#[test]
fn telegram_messages_with_bad_fields_are_skipped_or_kept_with_warnings() {
    let html = r#"<section class="tgme_channel_history">
        <div class="tgme_widget_message" data-post="chan_name/x12"><div class="tgme_widget_message_text js-message_text">bad number</div></div>
        <div class="tgme_widget_message" data-post="/12"><div class="tgme_widget_message_text js-message_text">no channel</div></div>
        <div class="tgme_widget_message" data-post="chan name/7"><div class="tgme_widget_message_text">no time, odd channel</div></div>
        <div class="tgme_widget_message" data-post="chan_name/8"><time datetime="yesterday">x</time></div>
    </section>"#;
    let page = telegram_page(html);
    assert!(!page.not_a_channel);
    assert_eq!(page.channel.as_deref(), Some("chan_name"));
    assert_eq!(
        summary(&page.posts),
        ["7 https://t.me/chan%20name/7 chan name -", "8 https://t.me/chan_name/8 chan_name -"]
    );
    assert_eq!(page.posts[0].html, "no time, odd channel");
    assert_eq!(
        page.warnings,
        [
            r#"message with data-post "chan_name/x12": skipped"#,
            r#"message with data-post "/12": skipped"#,
            r#"message 7: unreadable time """#,
            r#"message 8: unreadable time "yesterday""#,
        ]
    );
}

#[test]
fn telegram_page_survives_garbage_and_cut_pages() {
    for html in [
        "",
        "<<<>>>",
        "\u{0}\u{feff}<div class='tgme_widget_message' data-post>",
        "<time datetime>",
    ] {
        let page = telegram_page(html);
        assert!(page.posts.is_empty(), "{html:?}");
    }
    for fixture in [TME_PAGE1, TME_PAGE2, TME_HOME] {
        for cut in (0..fixture.len()).step_by(211).filter(|cut| fixture.is_char_boundary(*cut)) {
            let page = telegram_page(&fixture[..cut]);
            assert!(page.posts.len() <= 4);
        }
    }
}

#[test]
fn telegram_channel_accepts_every_way_of_writing_a_handle() {
    let cases = [
        ("@usdt_otc_cn", Some("usdt_otc_cn")),
        ("usdt_otc_cn", Some("usdt_otc_cn")),
        ("  USDT_otc_cn  ", Some("USDT_otc_cn")),
        ("t.me/usdt_otc_cn", Some("usdt_otc_cn")),
        ("t.me/s/usdt_otc_cn", Some("usdt_otc_cn")),
        ("https://t.me/usdt_otc_cn", Some("usdt_otc_cn")),
        ("https://t.me/s/usdt_otc_cn?before=1201", Some("usdt_otc_cn")),
        ("https://t.me/usdt_otc_cn/1203", Some("usdt_otc_cn")),
        ("http://www.t.me/usdt_otc_cn/", Some("usdt_otc_cn")),
        ("https://telegram.me/usdt_otc_cn", Some("usdt_otc_cn")),
        ("https://usdt_otc_cn.t.me", Some("usdt_otc_cn")),
        ("tg://resolve?domain=usdt_otc_cn&post=12", Some("usdt_otc_cn")),
        // Not public channel handles.
        ("@abcd", None),
        ("@1abcde", None),
        ("@_abcde", None),
        ("@abc-def", None),
        ("@a23456789012345678901234567890123", None),
        ("https://t.me/joinchat/AAAAAEkJd6j1hx", None),
        ("https://t.me/+AbCdEfGhIjK", None),
        ("https://t.me/", None),
        ("https://t.me/s/", None),
        ("https://example.com/usdt_otc_cn", None),
        ("@频道名字很长的", None),
        ("", None),
        ("@", None),
    ];
    for (spec, expected) in cases {
        assert_eq!(telegram_channel(spec).as_deref(), expected, "{spec:?}");
    }
}

#[test]
fn telegram_url_is_the_preview_page() {
    assert_eq!(telegram_url("usdt_otc_cn", None).as_str(), "https://t.me/s/usdt_otc_cn");
    assert_eq!(
        telegram_url("usdt_otc_cn", Some(1201)).as_str(),
        "https://t.me/s/usdt_otc_cn?before=1201"
    );
    // Whatever it is given, the URL stays on t.me.
    assert_eq!(telegram_url("../evil?x=1#y", None).as_str(), "https://t.me/s/..%2Fevil%3Fx=1%23y");
}

#[test]
fn mastodon_statuses_give_one_post_each_and_reblogs_the_original() {
    let (posts, warnings) = mastodon_statuses(STATUSES, &instance());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        summary(&posts),
        [
            "112345678901234570 https://mastodon.example/@usdt_otc/112345678901234570 @usdt_otc@mastodon.example 2024-05-01T08:20:11Z",
            // A reblog: the reblogged status, from another instance.
            "112340000000000123 https://other.example/@cryptodesk/112340000000000123 @cryptodesk@other.example 2024-04-30T22:10:00Z",
            "112345500000000042 https://mastodon.example/@usdt_otc/112345500000000042 @usdt_otc@mastodon.example 2024-04-30T13:45:30Z",
            // `url` is null: `uri` stands in; +08:00 becomes UTC.
            "112345400000000007 https://mastodon.example/users/usdt_otc/statuses/112345400000000007 @usdt_otc@mastodon.example 2024-04-29T17:02:03Z",
        ]
    );
    let [ad, reblog, note, warned] = posts.as_slice() else {
        panic!("four posts expected, got {}", posts.len());
    };
    assert_contains_all(ad, &["otc_usdt_666", "159 1234 0881", "t.me/usdt_otc_cn"]);
    assert_eq!(
        ad.links,
        [
            "https://mastodon.example/tags/USDT",
            "https://mastodon.example/tags/%E6%89%BF%E5%85%91",
            "https://t.me/usdt_otc_cn",
        ]
    );
    assert_contains_all(reblog, &["0xeeDB3483e3B36B2cf395344D0Fd05A88277fe8C5", "hk_cryptodesk"]);
    assert_eq!(reblog.links, ["https://mastodon.example/@usdt_otc"]);
    assert_eq!(note.title, None);
    assert_eq!(note.links, ["https://example.org/charts/funding?pair=BTCUSDT&tf=1h"]);
    // The content warning is the title.
    assert_eq!(warned.title.as_deref(), Some("OTC 收款地址"));
    assert_contains_all(warned, &["TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"]);
}

#[test]
fn mastodon_bad_input_gives_no_posts_and_a_warning() {
    let cases = [
        ("", "not JSON: EOF while parsing a value at line 1 column 0"),
        ("[{\"id\": \"1\",", "not JSON: EOF while parsing a value at line 1 column 12"),
        (
            "{\"error\":\"Record not found\"}",
            "instance answered with an error: \"Record not found\"",
        ),
        ("{\"id\":\"1\"}", "expected a JSON array of statuses"),
        ("\"<html>\"", "expected a JSON array of statuses"),
    ];
    for (json, warning) in cases {
        let (posts, warnings) = mastodon_statuses(json, &instance());
        assert!(posts.is_empty(), "{json:?}");
        assert_eq!(warnings, [warning], "{json:?}");
    }
}

#[test]
fn mastodon_odd_statuses_cost_only_themselves() {
    let json = r#"[
        {"id": 42, "created_at": "2024-05-01T00:00:00Z", "url": "https://mastodon.example/@a/42",
         "content": "<p>numeric id</p>", "account": {"acct": "a"}},
        {"content": "<p>no id</p>"},
        "not an object",
        {"id": "42", "content": "<p>again</p>"},
        {"id": "43", "created_at": "soon", "url": "javascript:alert(1)", "reblog": null, "content": 7}
    ]"#;
    let (posts, warnings) = mastodon_statuses(json, &instance());
    assert_eq!(
        summary(&posts),
        [
            "42 https://mastodon.example/@a/42 @a@mastodon.example 2024-05-01T00:00:00Z",
            "43 https://mastodon.example/ - -",
        ]
    );
    assert_eq!(posts[1].html, "");
    assert_eq!(
        warnings,
        [
            "status 2 has no id: skipped",
            "status 3 has no id: skipped",
            "status 4: \"42\" again: kept the first",
            "status 5: unreadable created_at Some(\"soon\")",
        ]
    );
}

#[test]
fn mastodon_survives_cut_json() {
    for cut in (0..STATUSES.len()).step_by(97).filter(|cut| STATUSES.is_char_boundary(*cut)) {
        let (posts, warnings) = mastodon_statuses(&STATUSES[..cut], &instance());
        assert!(posts.is_empty() && warnings.len() == 1, "cut at {cut}");
    }
}

#[test]
fn mastodon_account_id_reads_the_lookup() {
    assert_eq!(mastodon_account_id(LOOKUP).as_deref(), Some("109876543210987654"));
    assert_eq!(mastodon_account_id(r#"{"id": 7}"#).as_deref(), Some("7"));
    assert_eq!(mastodon_account_id(r#"{"error":"Record not found"}"#), None);
    assert_eq!(mastodon_account_id(r#"{"id":"../../admin"}"#), None);
    assert_eq!(mastodon_account_id(""), None);
    assert_eq!(mastodon_account_id("[]"), None);
}
