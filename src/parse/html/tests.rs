//! Tests of the HTML scanner: visible text, breaks, dropped content, spans.

use super::*;

#[track_caller]
fn check(html: &str, expect_text: &str) {
    let doc = parse(html);
    assert_eq!(doc.text, expect_text, "input: {html:?}");
    assert_map_in_bounds(html, &doc);
}

/// Checks that the text range of the first `word` in the text maps to `expect_src`.
#[track_caller]
fn check_span(html: &str, word: &str, expect_src: &str) {
    let doc = parse(html);
    let start = doc.text.find(word).unwrap_or_else(|| panic!("{word:?} not in {:?}", doc.text));
    let span = doc.map.span(start..start + word.len());
    assert_eq!(&html[span], expect_src, "text: {:?}", doc.text);
}

/// Every range between char boundaries of the text maps to char boundaries of the source.
#[track_caller]
fn assert_map_in_bounds(source: &str, doc: &Document) {
    let boundaries: Vec<usize> =
        doc.text.char_indices().map(|(at, _)| at).chain([doc.text.len()]).collect();
    for pair in boundaries.windows(2) {
        let span = doc.map.span(pair[0]..pair[1]);
        assert!(span.start <= span.end && span.end <= source.len(), "{span:?} for {source:?}");
        assert!(source.get(span.clone()).is_some(), "{span:?} splits a char of {source:?}");
    }
    if let (Some(&first), Some(&last)) = (boundaries.first(), boundaries.last()) {
        let span = doc.map.span(first..last);
        assert!(span.end <= source.len(), "{span:?} for {source:?}");
    }
}

#[test]
fn sniffs_html() {
    for html in ["<!DOCTYPE html>", "<html lang=zh>", "x <P>y", "<br/>", "<a href=x>", "<DIV>"] {
        assert!(looks_like_html(html), "{html:?}");
    }
    for text in ["a < b > c", "<password>", "<abc>", "plain text", "", "<pre-x>"] {
        assert!(!looks_like_html(text), "{text:?}");
    }
    assert!(!looks_like_html(&format!("{}<div>", "中".repeat(400))));
}

#[test]
fn text_runs_and_whitespace() {
    check("  hello \n\t world  ", "hello world");
    check("<p>  a  b  </p>", "a b");
    check("a<span> </span>b", "a b");
    check("a <b> </b> b", "a b");
    // Non-ASCII whitespace and zero-width characters are left for a later stage.
    check("a\u{3000}b\u{200b}c\u{a0}d", "a\u{3000}b\u{200b}c\u{a0}d");
    check("138 <b>1234</b>", "138 1234");
}

#[test]
fn character_references() {
    check("&amp;&lt;&gt;&quot;&apos;&AMP;", "&<>\"'&");
    check("&copy;&reg;&middot;&bull;&hellip;&mdash;&ndash;", "©®·•…—–");
    check("&lsquo;&rsquo;&ldquo;&rdquo;&laquo;&raquo;&times;", "‘’“”«»×");
    check("&yen;&euro;&pound;&cent;&sect;&deg;&plusmn;", "¥€£¢§°±");
    check(
        "a&zwj;b&zwnj;c&shy;d&ensp;e&emsp;f&thinsp;g",
        "a\u{200d}b\u{200c}c\u{ad}d\u{2002}e\u{2003}f\u{2009}g",
    );
    check("&#65;&#x4e2d;&#X4E2D;&#25991", "A中中文");
    check("&#0;&#xD800;&#x110000;&#99999999999999;&#150;", "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}–");
    check("&foo; &amp &ampx &#; &#x; & &&", "&foo; & &ampx &#; &#x; & &&");
    check("a&nbsp;b&nbsp;&nbsp; c&#32;&#10;d", "a b c d");
    check("<td>&nbsp;</td>x", "x");
}

#[test]
fn reference_span_covers_the_reference() {
    check_span("a&amp;b", "&", "&amp;");
    check_span("a&amp;b", "a&b", "a&amp;b");
    check_span("<p>微信&#xff1a;abc</p>", "：", "&#xff1a;");
}

#[test]
fn blocks_break_lines() {
    check("<div>a</div><div>b</div>", "a\nb");
    check("<p>a<br>b<BR/>c</br>d</p>", "a\nb\nc\nd");
    check("<div><div><p> x </p></div></div>\n\n<p>y</p>", "x\ny");
    check("<h1>Title</h1>text<hr>more", "Title\ntext\nmore");
    check("<ul><li>one</li> <li>two</li></ul>", "one\ntwo");
    check("<select><option>a<option>b</select>", "a\nb");
}

#[test]
fn inline_tags_join_words() {
    check("138<b>1234</b>5678", "13812345678");
    check("<SPAN>a</SPAN><font color=red>b</font><wbr>c<unknown-tag>d</unknown-tag>", "abcd");
    check_span("138<b>1234</b>5678", "13812345678", "138<b>1234</b>5678");
    check_span("x 138<i>12</i>34 y", "8123", "8<i>12</i>3");
}

#[test]
fn table_cells_are_tab_separated() {
    check("<table><tr><td>支付宝</td><td>189</td></tr></table>", "支付宝\t189");
    check(
        "<table>\n<tr>\n <th> 户名 </th>\n <th>账号</th>\n</tr>\n<tr><td>张三</td> <td>62220</td></tr></table>",
        "户名\t账号\n张三\t62220",
    );
    check("<tr><td></td><td>a</td></tr>", "a");
}

#[test]
fn dropped_content() {
    check("<div>a<script>var s = '</div>'; if (a<b) {}</script>b</div>", "ab");
    check("a<style>p { color: red }</style>b<noscript>c</noscript>d", "abd");
    check("a<template><p>t</p><template>u</template>v</template>b", "ab");
    check("a<svg><text>t</text><svg/><g>u</g></svg>b<svg/>c", "abc");
    check("a<iframe src=x>i</iframe>b<object>o<object>p</object>q</object>c", "abc");
    check("a<!-- c --><!DOCTYPE html><?xml version='1.0'?><![CDATA[x]]>b<!---->c<!-->d", "abcd");
    check("<SCRIPT type=text/javascript>x</ScRiPt >y", "y");
    check("a<script>no end", "a");
}

#[test]
fn head_content_is_dropped_except_title() {
    check(
        "<html><head><meta charset=utf-8><title> Shop &amp; Co </title>\
         <link href=/s.css rel=stylesheet>stray<style>x</style></head><body>hi</body></html>",
        "Shop & Co\nhi",
    );
    check("<head><title>T</title><div>body text</div>", "T\nbody text");
    check("<head><title></title></head><p>x</p>", "x");
    check("<title>T</title><head><meta>stray</head>x", "T\nx");
}

#[test]
fn hidden_elements_are_dropped() {
    check("138<span style=\"display:none\">9</span>12345678", "13812345678");
    check("138<span STYLE='color:red; DISPLAY : NONE'>9</span>1234", "1381234");
    check("1<b style=\"visibility: hidden\">9</b>2<i hidden>9</i>3", "123");
    check("a<div hidden><div>x</div><div>y</div></div>b", "ab");
    check("a<div style='display:none'><div><div>x</div></div>y</div>c", "ac");
    check("a<img hidden src=x>b<br hidden>c<input type=hidden value=1>d", "abcd");
    check("a<div hidden><script>'</div>'</script>x</div>b", "ab");
    check("a<span hidden>never closed</body>b", "ab");
    check("a<p hidden>x<span>y<div>b</div>", "a\nb");
    check("a<p hidden>x<br>y<p>b", "a\nb");
    check("a<span style='display:block'>b</span>", "ab");
}

#[test]
fn title_is_the_first_line() {
    let html = "<body><p>x</p><title>T &amp; U</title><p>y</p></body>";
    let doc = parse(html);
    assert_eq!(doc.text, "T & U\nx\ny");
    assert_eq!(doc.title(), "T & U");
    assert_eq!(&html[doc.map.span(doc.title.clone().unwrap())], "T &amp; U");
    check_span(html, "y", "y");
    let doc = parse("<title>Only</title>");
    assert_eq!((doc.text.as_str(), doc.title), ("Only", Some(0..4)));
    assert_eq!(parse("<p>no title</p>").title, None);
    check("<title>a</title><p>b</p><title>c</title>", "a\nb\nc");
}

#[test]
fn links_are_collected() {
    let doc = parse(
        "<link rel=icon href='/f.ico'><a href=\"/a?x=1&amp;y=2\">l</a><A HREF= /b >m</A>\
         <a name=x>n</a><div hidden><a href=/c>c</a></div>",
    );
    assert_eq!(doc.links, ["/f.ico", "/a?x=1&y=2", "/b", "/c"]);
    assert_eq!(doc.text, "lmn");
}

#[test]
fn contact_links_put_their_target_in_the_text() {
    let html = "<a href=\"https://t.me/otcdesk\">Contact</a>";
    check(html, "https://t.me/otcdesk Contact");
    check_span(html, "https://t.me/otcdesk", "https://t.me/otcdesk");
    check("<a href='mailto:otc@example.com'>Mail</a>", "otc@example.com Mail");
    check_span("<a href='MAILTO:otc@example.com'>Mail</a>", "otc@", "otc@");
    check("call<a href=tel:+8613812345678></a>.", "call+8613812345678 .");
    check(
        "<a href='tg://x'>a</a> <a href='https://TELEGRAM.me/x'>b</a>",
        "a https://TELEGRAM.me/x b",
    );
    check("<a href='https://forgot.me/x'>c</a>", "c");
    check_span("<a href='tel:138&#49;'>x</a>", "1381", "tel:138&#49;");
    check("<a href=' tel:+86 138\n\n1234 '>x</a>", "+86 138 1234 x");
    check("<a href='tel:+86&#10;138'>x</a>", "+86 138 x");
}

#[test]
fn unterminated_constructs_run_to_the_end() {
    check("a<!-- b <p>c", "a");
    check("a<![CDATA[b", "a");
    check("a<div class='x>b", "a");
    check("a<div", "a");
    check("a</div", "a");
    check("a<!doctype", "a");
}

#[test]
fn malformed_input_is_text() {
    check("a < b and c > d", "a < b and c > d");
    check("x<", "x<");
    check("x</", "x</");
    check("</>a<>b</ x>c<3", "a<>bc<3");
    check("<<<p>>>", "<<\n>>");
    check("<div title='a>b'>c</div>", "c");
    check("<p =x>a</p>", "a");
}

#[test]
fn malformed_inputs_never_panic() {
    let cases = [
        "<",
        "&",
        "&#",
        "&#x",
        "<a",
        "<a href",
        "<a href=",
        "<a href='",
        "<a href='tel:",
        "<!",
        "<!-",
        "<!--",
        "<!---",
        "<?",
        "</",
        "</a",
        "<title>",
        "<title>x",
        "<script>",
        "<textarea>a&amp;",
        "<svg><svg/>",
        "<div hidden>",
        "<td>",
        "&nbsp",
        "&#xFFFFFFFFFF",
        "中<b>文",
        "中&amp文",
        "<a href='t.me/&#",
        "<meta charset=<<",
        "\u{3000}<p>\u{3000}",
    ];
    for case in cases {
        for input in [case.to_owned(), format!("x{case}y"), case.repeat(3)] {
            assert_map_in_bounds(&input, &parse(&input));
        }
    }
}

#[test]
fn pathological_inputs_are_linear() {
    for unit in ["<", "&", "<!--", "<a ", "&#1", "<div hidden>", "</", "<p>", "&amp;"] {
        let input = unit.repeat(2_000_000 / unit.len());
        let doc = parse(&input);
        assert!(doc.text.len() <= input.len() * 2);
    }
}

#[test]
fn random_input_maps_within_bounds() {
    const PIECES: [&str; 32] = [
        "<",
        ">",
        "&",
        "amp;",
        "#x4e2d;",
        "<p>",
        "</p>",
        "<td>",
        "<tr>",
        "<b>",
        "</b>",
        "<!--",
        "-->",
        "\"",
        "'",
        "=",
        "中",
        "é",
        " ",
        "\n",
        "<script>",
        "</script>",
        "<span style='display:none'>",
        "</span>",
        "<title>",
        "</title>",
        "<a href='tel:1",
        "<div hidden>",
        "</div>",
        "&nbsp;",
        "\u{200b}",
        "x",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..2000 {
        let len = next() % 40;
        let input: String = (0..len).map(|_| PIECES[(next() % 32) as usize]).collect();
        let doc = parse(&input);
        assert_map_in_bounds(&input, &doc);
        let text = doc.text.as_str();
        assert_eq!(text.trim_ascii(), text, "{input:?}");
        for bad in ["\n\n", "  ", " \n", "\n ", "\t\n", "\n\t", "\r"] {
            assert!(!text.contains(bad), "{bad:?} in {text:?} from {input:?}");
        }
    }
}
