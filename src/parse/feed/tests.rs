//! Feed parsing against the hand-written fixtures in `tests/fixtures/social/` (one per format,
//! each a bridge's flavour), then small inline feeds snapshotted with expect-test for the ways
//! feeds break: broken XML, entity soup, duplicate guids, bad dates, 10,000+ items, garbage.

use expect_test::{Expect, expect};

use super::*;
use crate::parse::test_support::{assert_contains_all, text};

const RSS2: &[u8] = include_bytes!("../../../tests/fixtures/social/rss2.xml");
const ATOM: &[u8] = include_bytes!("../../../tests/fixtures/social/atom.xml");
const JSON_FEED: &[u8] = include_bytes!("../../../tests/fixtures/social/feed.json");

fn url(text: &str) -> Url {
    Url::parse(text).expect("test URLs are valid")
}

/// One line per post field, then the warnings: the shape the inline snapshots compare.
fn render(feed: &Feed) -> String {
    let mut out = format!("title: {:?}\n", feed.title);
    for post in &feed.posts {
        out.push_str(&format!(
            "post {:?} {}\n  author {:?} published {:?} title {:?}\n  text {:?}\n  links {:?}\n",
            post.id,
            post.permalink,
            post.author,
            post.published,
            post.title,
            one_line(&text(post)),
            post.links
        ));
    }
    for warning in &feed.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

#[track_caller]
fn check(feed: &str, expect: &Expect) {
    expect.assert_eq(&render(&parse(feed.as_bytes(), &url("https://feeds.example/feed.xml"))));
}

#[test]
fn rss2_weibo_bridge_gives_one_post_per_item() {
    let feed = parse(RSS2, &url("https://rsshub.app/weibo/user/5823641907"));
    assert_eq!(feed.title.as_deref(), Some("币圈老张的微博"));
    let ids: Vec<&str> = feed.posts.iter().map(|post| post.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "https://weibo.com/5823641907/OaBcD1234",
            "https://weibo.com/5823641907/OaAzY9876",
            "https://weibo.com/5823641907/OaAxW5555",
            // No guid: the link is the id.
            "https://weibo.com/5823641907/OaAwV1111",
        ]
    );
    for post in &feed.posts {
        assert_eq!(post.permalink, post.id);
        assert_eq!(post.author.as_deref(), Some("币圈老张"));
    }
    let [ad, erc20, chatter, rates] = feed.posts.as_slice() else {
        panic!("four posts expected, got {}", feed.posts.len());
    };

    assert_eq!(ad.published.as_deref(), Some("2024-05-01T08:12:45Z"));
    assert!(ad.title.as_deref().is_some_and(|title| title.starts_with("【USDT 大额承兑】")));
    assert_contains_all(
        ad,
        &["zhang_usdt88", "159 1234 0876", "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"],
    );
    // The body kept the first item's content, not the duplicate's.
    assert!(!text(ad).contains("重复推送"));
    assert_eq!(
        ad.links,
        [
            "https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23USDT%E6%89%BF%E5%85%91%23",
            "https://weibo.com/n/%E5%B8%81%E5%9C%88%E8%80%81%E5%BC%A0",
        ]
    );

    // +0800 becomes UTC.
    assert_eq!(erc20.published.as_deref(), Some("2024-04-30T13:40:00Z"));
    assert_contains_all(
        erc20,
        &["0xeeDB3483e3B36B2cf395344D0Fd05A88277fe8C5", "2851736490", "laozhang-otc"],
    );
    assert_eq!(erc20.links, ["https://t.me/laozhang_otc"]);

    // "昨天 14:30" (yesterday) leaked from Weibo: no date, and a warning.
    assert_eq!(chatter.published, None);
    assert_contains_all(chatter, &["不要加杠杆"]);

    // Escaped HTML (no CDATA): decoded once into markup, relative href resolved on the item.
    assert_eq!(rates.title.as_deref(), Some("Daily BTC/USDT spread & rates"));
    assert_eq!(rates.published.as_deref(), Some("2024-04-29T02:00:00Z"));
    assert_contains_all(rates, &["WeChat: zhang_usdt88"]);
    assert_eq!(rates.links, ["https://weibo.com/5823641907/rates"]);

    assert_eq!(
        feed.warnings,
        [
            "item 3: unreadable date \"昨天 14:30\"",
            "item 4: duplicate id \"https://weibo.com/5823641907/OaBcD1234\": kept the first",
        ]
    );
}

#[test]
fn atom_reddit_feed_gives_one_post_per_entry() {
    let feed = parse(ATOM, &url("https://www.reddit.com/r/CryptoOTC/new/.rss"));
    assert_eq!(feed.title.as_deref(), Some("newest submissions : CryptoOTC"));
    let [wts, wtb, reminder] = feed.posts.as_slice() else {
        panic!("three posts expected, got {}", feed.posts.len());
    };

    assert_eq!(wts.id, "t3_1cho2kq");
    assert_eq!(
        wts.permalink,
        "https://www.reddit.com/r/CryptoOTC/comments/1cho2kq/wts_usdt_for_cny_any_amount/"
    );
    assert_eq!(wts.author.as_deref(), Some("/u/usdt_desk_sh"));
    assert_eq!(wts.published.as_deref(), Some("2024-05-01T11:02:09Z"));
    assert_eq!(wts.title.as_deref(), Some("[WTS] USDT for CNY, any amount"));
    assert_contains_all(
        wts,
        &["usdt_desk_sh", "+86 159 1234 0877", "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"],
    );
    assert_eq!(
        wts.links,
        [
            "https://www.reddit.com/user/usdt_desk_sh",
            "https://www.reddit.com/r/CryptoOTC/comments/1cho2kq/wts_usdt_for_cny_any_amount/",
        ]
    );

    // A relative <link href>, resolved against the feed; +08:00 becomes UTC.
    assert_eq!(wtb.id, "t3_1chn8zt");
    assert_eq!(
        wtb.permalink,
        "https://www.reddit.com/r/CryptoOTC/comments/1chn8zt/wtb_eth_hkd_rmb_cash/"
    );
    assert_eq!(wtb.author.as_deref(), Some("/u/eth_otc_hk"));
    assert_eq!(wtb.published.as_deref(), Some("2024-05-01T10:15:00Z"));
    assert_contains_all(wtb, &["0xeeDB3483e3B36B2cf395344D0Fd05A88277fe8C5", "ethotc_hk"]);

    // No <published>: <updated> stands in.
    assert_eq!(reminder.id, "t3_1chkz01");
    assert_eq!(reminder.author.as_deref(), Some("/u/AutoModerator"));
    assert_eq!(reminder.published.as_deref(), Some("2024-04-29T00:00:12Z"));
    assert_contains_all(reminder, &["never release coins"]);
    assert!(feed.warnings.is_empty(), "{:?}", feed.warnings);
}

#[test]
fn json_feed_gives_one_post_per_item() {
    let feed = parse(JSON_FEED, &url("https://bbs.example-otc.cn/feeds/forum-12.json"));
    assert_eq!(feed.title.as_deref(), Some("币圈交易论坛 · 场外交易 (OTC)"));
    let [sell, buy, rules] = feed.posts.as_slice() else {
        panic!("three posts expected, got {}", feed.posts.len());
    };

    assert_eq!(sell.id, "thread-88231");
    assert_eq!(sell.permalink, "https://bbs.example-otc.cn/thread-88231-1-1.html");
    assert_eq!(sell.author.as_deref(), Some("大海"));
    assert_eq!(sell.published.as_deref(), Some("2024-05-01T08:05:00Z"));
    assert_contains_all(
        sell,
        &["159-1234-0878", "otc_dahai_2024", "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"],
    );
    assert_eq!(
        sell.links,
        [
            "https://bbs.example-otc.cn/space-uid-30417.html",
            "https://bbs.example-otc.cn/forum-12-1.html"
        ]
    );

    // A relative item URL, resolved against the feed; content_text kept as text, escaped.
    assert_eq!(buy.id, "thread-88230");
    assert_eq!(buy.permalink, "https://bbs.example-otc.cn/thread-88230-1-1.html");
    assert_eq!(buy.author.as_deref(), Some("hk_buyer"));
    assert_eq!(buy.published.as_deref(), Some("2024-05-01T07:30:00Z"));
    assert_contains_all(
        buy,
        &[
            "0xeeDB3483e3B36B2cf395344D0Fd05A88277fe8C5",
            "+852 5123 4567",
            "hk_usdt_buyer",
            "<no brokers>",
        ],
    );

    assert_eq!(rules.id, "thread-88229");
    assert_eq!(rules.author.as_deref(), Some("版主"));
    assert_eq!(rules.published, None);
    assert_eq!(feed.warnings, ["item 3: unreadable date \"not a date\""]);
}

#[test]
fn truncated_fixture_is_read_leniently() {
    // Cut inside the third item, after its link: feed-rs gives up, the lenient reader keeps
    // all three.
    let link = b"OaAxW5555</link>";
    let cut = RSS2.windows(link.len()).position(|window| window == link).expect("in the fixture")
        + link.len();
    let feed = parse(&RSS2[..cut], &url("https://rsshub.app/weibo/user/5823641907"));
    assert!(
        feed.warnings[0].starts_with("feed-rs could not parse the feed ("),
        "{:?}",
        feed.warnings
    );
    assert_eq!(feed.title.as_deref(), Some("币圈老张的微博"));
    assert_eq!(feed.posts.len(), 3, "{}", render(&feed));
    assert_eq!(feed.posts[0].published.as_deref(), Some("2024-05-01T08:12:45Z"));
    assert_eq!(feed.posts[0].author.as_deref(), Some("币圈老张"));
    assert_contains_all(
        &feed.posts[0],
        &["zhang_usdt88", "159 1234 0876", "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"],
    );
    assert_contains_all(&feed.posts[1], &["0xeeDB3483e3B36B2cf395344D0Fd05A88277fe8C5"]);
    assert_eq!(feed.posts[2].id, "https://weibo.com/5823641907/OaAxW5555");
    assert_eq!(feed.posts[2].author, None);
    assert!(feed.warnings.contains(&"item 3: unreadable date \"昨天 14:30\"".to_owned()));
}

#[test]
fn every_cut_of_every_fixture_parses_without_panic() {
    let base = url("https://feeds.example/feed");
    for fixture in [RSS2, ATOM, JSON_FEED] {
        for cut in (0..fixture.len()).step_by(61) {
            let feed = parse(&fixture[..cut], &base);
            assert!(feed.posts.len() <= 5);
            let mut mangled = fixture.to_vec();
            mangled[cut] ^= 0x5a;
            parse(&mangled, &base);
        }
    }
}

#[test]
fn broken_xml_keeps_the_readable_items() {
    check(
        r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>OTC board</title>
<item><title>Selling USDT</title><link>https://forum.example/t/1</link>
<description>WeChat otc_a1b2c3 <br> unclosed & raw ampersand</description>
<pubDate>Wed, 01 May 2024 08:00:00 +0000</pubDate></item>
<item><title>Buying</title><link>/t/2</link><guid>t-2</guid>
<description><![CDATA[<p>TRC20 TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP</p>]]></description>
<item><title>Third, never closed</title><link>https://forum.example/t/3</link>
"#,
        &expect![[r#"
            title: Some("OTC board")
            post "https://forum.example/t/1" https://forum.example/t/1
              author None published Some("2024-05-01T08:00:00Z") title Some("Selling USDT")
              text "WeChat otc_a1b2c3 unclosed & raw ampersand"
              links []
            post "t-2" https://feeds.example/t/2
              author None published None title Some("Buying")
              text "TRC20 TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"
              links []
            post "https://forum.example/t/3" https://forum.example/t/3
              author None published None title Some("Third, never closed")
              text ""
              links []
            warning: feed-rs could not parse the feed (unable to parse XML: Parser error: ill-formed document: entity or character reference not closed: `;` not found before end of input); read 3 items leniently
        "#]],
    );
}

#[test]
fn html_entity_soup_reaches_the_text() {
    // Undeclared HTML entities, double escaping and numeric references in one feed.
    check(
        r#"<rss version="2.0"><channel><title>Soup &amp; more</title>
<item><guid>s-1</guid><link>https://forum.example/s/1</link>
<title>USDT&nbsp;承兑 &mdash; 24h</title>
<description>&lt;p&gt;微信&amp;nbsp;otc_soup_88&amp;#65306;159&amp;#32;1234&amp;#32;0882 &amp;amp; &#x54;YoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP&lt;/p&gt;</description>
</item></channel></rss>"#,
        &expect![[r#"
            title: Some("Soup & more")
            post "s-1" https://forum.example/s/1
              author None published None title Some("USDT 承兑 — 24h")
              text "微信 otc_soup_88：159 1234 0882 & TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"
              links []
        "#]],
    );
}

#[test]
fn duplicate_guids_keep_the_first_and_items_without_id_or_link_are_skipped() {
    check(
        r#"<rss version="2.0"><channel><title>Dups</title>
<item><guid>a</guid><link>https://forum.example/a</link><description>first a</description></item>
<item><guid>a</guid><link>https://forum.example/a-again</link><description>second a</description></item>
<item><title>no id, no link</title><description>orphan</description></item>
<item><guid>https://forum.example/b</guid><description>guid is a URL</description></item>
<item><guid>tag:forum.example,2024:c</guid><description>guid only</description></item>
</channel></rss>"#,
        &expect![[r#"
            title: Some("Dups")
            post "a" https://forum.example/a
              author None published None title None
              text "first a"
              links []
            post "https://forum.example/b" https://forum.example/b
              author None published None title None
              text "guid is a URL"
              links []
            post "tag:forum.example,2024:c" https://feeds.example/feed.xml
              author None published None title None
              text "guid only"
              links []
            warning: item 2: duplicate id "a": kept the first
            warning: item 3 has neither id nor link: skipped
        "#]],
    );
}

#[test]
fn ten_thousand_items_are_bounded() {
    let n_items = MAX_ITEMS + 50;
    let mut xml = String::from(r#"<rss version="2.0"><channel><title>Big</title>"#);
    for idx in 0..n_items {
        xml.push_str(&format!(
            "<item><guid>g{idx}</guid><link>https://forum.example/{idx}</link>\
             <description>post {idx}</description></item>"
        ));
    }
    let base = url("https://feeds.example/big.xml");
    let closed = format!("{xml}</channel></rss>");
    for (label, bytes) in [("well-formed", closed.as_bytes()), ("unclosed", xml.as_bytes())] {
        let feed = parse(bytes, &base);
        assert_eq!(feed.posts.len(), MAX_ITEMS, "{label}");
        assert_eq!(feed.posts.last().map(|post| post.id.as_str()), Some("g9999"), "{label}");
        assert!(
            feed.warnings.iter().any(|warning| warning
                .starts_with(&format!("feed has {n_items} items; kept the first {MAX_ITEMS}"))),
            "{label}: {:?}",
            feed.warnings
        );
    }
}

#[test]
fn warnings_are_capped() {
    let mut xml = String::from(r#"<rss version="2.0"><channel>"#);
    for _ in 0..500 {
        xml.push_str("<item><guid>same</guid></item>");
    }
    xml.push_str("</channel></rss>");
    let feed = parse(xml.as_bytes(), &url("https://feeds.example/"));
    assert_eq!(feed.posts.len(), 1);
    assert_eq!(feed.warnings.len(), MAX_WARNINGS + 1);
    assert_eq!(feed.warnings.last().map(String::as_str), Some("… and 399 more warnings"));
}

#[test]
fn empty_and_garbage_input_give_no_posts_and_a_warning() {
    let base = url("https://feeds.example/feed");
    let inputs: &[&[u8]] = &[
        b"",
        b" \n\t ",
        b"\x00\xff\xfe garbage \x80",
        b"<html><body><p>Not a feed</p></body></html>",
        b"{}",
        b"{\"items\": 7}",
        b"{ not json",
        b"null",
        b"<rss><channel><item>",
        b"<<<<>>>>&&&&;;;;",
        "<item>微信".as_bytes(),
    ];
    for input in inputs {
        let feed = parse(input, &base);
        assert!(feed.posts.is_empty(), "{input:?}: {}", render(&feed));
        assert!(!feed.warnings.is_empty(), "{input:?}");
    }
}

#[test]
fn byte_order_marks_are_read_past() {
    let base = url("https://feeds.example/feed");
    let json = [b"\xEF\xBB\xBF".as_slice(), JSON_FEED].concat();
    assert_eq!(parse(&json, &base).posts.len(), 3);
    let xml = [b"\xEF\xBB\xBF".as_slice(), RSS2].concat();
    assert_eq!(parse(&xml, &base).posts.len(), 4);
}

#[test]
fn gb18030_feed_reads_like_its_utf8_twin() {
    let base = url("https://rsshub.app/weibo/user/5823641907");
    let utf8 = std::str::from_utf8(RSS2).expect("the fixture is UTF-8");
    let declared = utf8.replacen(r#"encoding="UTF-8""#, r#"encoding="GB18030""#, 1);
    let (gb18030, _, _) = encoding_rs::GB18030.encode(&declared);
    assert_eq!(parse(&gb18030, &base), parse(RSS2, &base));
    // Broken as well: the lenient reader decodes by the prolog too.
    let cut = gb18030.len() - "</channel></rss>".len() - 10;
    let feed = parse(&gb18030[..cut], &base);
    assert_contains_all(&feed.posts[0], &["微信：zhang_usdt88"]);
}

#[test]
fn json_feed_with_odd_types_is_read_leniently() {
    // Numeric ids (common in the wild) make feed-rs reject the whole feed.
    check(
        r#"{"version":"https://jsonfeed.org/version/1.1","title":"Numbers",
            "authors":[{"name":"Forum bot"}],
            "items":[{"id":1001,"url":"https://forum.example/1001","content_text":"WeChat otc_num_1","date_published":"2024-05-01T12:00:00+02:00"},
                     {"id":1002,"content_html":"<p>no url</p>"},
                     "not an object"]}"#,
        &expect![[r#"
            title: Some("Numbers")
            post "1001" https://forum.example/1001
              author Some("Forum bot") published Some("2024-05-01T10:00:00Z") title None
              text "WeChat otc_num_1"
              links []
            post "1002" https://feeds.example/feed.xml
              author Some("Forum bot") published None title None
              text "no url"
              links []
            warning: feed-rs could not parse the feed (unable to parse JSON: invalid type: integer `1001`, expected a string at line 3 column 32); read 3 items leniently
            warning: item 3 has neither id nor link: skipped
        "#]],
    );
}

#[track_caller]
fn check_date(input: &str, expect: &Expect) {
    expect.assert_eq(&format!("{:?}", utc_timestamp(input)));
}

#[test]
fn dates_normalise_to_utc() {
    check_date("2024-05-01T08:12:45Z", &expect![[r#"Some("2024-05-01T08:12:45Z")"#]]);
    check_date("2024-05-01T08:12:45.123456+08:00", &expect![[r#"Some("2024-05-01T00:12:45Z")"#]]);
    check_date("2024-05-01 00:30:00-0130", &expect![[r#"Some("2024-05-01T02:00:00Z")"#]]);
    check_date("2024-01-01T00:30:00+01:00", &expect![[r#"Some("2023-12-31T23:30:00Z")"#]]);
    check_date("2024-02-29T12:00Z", &expect![[r#"Some("2024-02-29T12:00:00Z")"#]]);
    check_date("1969-12-31T23:59:59Z", &expect![[r#"Some("1969-12-31T23:59:59Z")"#]]);
    check_date("Wed, 01 May 2024 08:12:45 GMT", &expect![[r#"Some("2024-05-01T08:12:45Z")"#]]);
    check_date("1 May 24 08:12 -0700", &expect![[r#"Some("2024-05-01T15:12:00Z")"#]]);
    check_date("Thu, 02 May 2024 01:00:00 PDT", &expect![[r#"Some("2024-05-02T08:00:00Z")"#]]);
    check_date("2023-02-29T00:00:00Z", &expect![["None"]]);
    check_date("2024-05-01T24:00:00Z", &expect![["None"]]);
    check_date("2024-05-01T08:12:45", &expect![["None"]]);
    check_date("Wed, 01 May 2024 08:12:45 CCT", &expect![["None"]]);
    check_date("昨天 14:30", &expect![["None"]]);
    check_date("", &expect![["None"]]);
}

#[test]
fn pathological_input_stays_linear() {
    // Each of these would be quadratic with a naive scan; in a debug build they take
    // milliseconds when linear and minutes when not.
    let base = url("https://feeds.example/feed");
    let ampersands =
        format!("<rss><channel><item><guid>a</guid><description>{}", "&".repeat(200_000));
    let opens = format!("<rss><channel><item><guid>a</guid>{}", "<".repeat(200_000));
    let items = "<item>".repeat(30_000);
    let links = format!("<rss><channel><item><guid>a</guid>{}", "<link>".repeat(100_000));
    for input in [ampersands, opens, items, links] {
        let feed = parse(input.as_bytes(), &base);
        assert!(feed.posts.len() <= 1);
    }
}
