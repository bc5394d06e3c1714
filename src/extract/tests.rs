//! Whole-path extraction cases: one document in, the findings out. Each test names the rule it
//! holds; documents are short advertisements and look-alikes written for the rule, not copied
//! from the development corpus.

use super::*;

/// Findings as `kind value otc|-` lines, in document order.
fn lines(doc: &Document) -> Vec<String> {
    findings(doc, &Warninglist::embedded())
        .findings
        .iter()
        .map(|f| format!("{} {} {}", f.kind, f.value, if f.otc { "otc" } else { "-" }))
        .collect()
}

#[track_caller]
fn check_text(text: &str, expect: &[&str]) {
    assert_eq!(lines(&Document::plain(text)), expect, "in {text:?}");
}

#[track_caller]
fn check_html(html: &str, expect: &[&str]) {
    assert_eq!(lines(&Document::parse(html)), expect, "in {html:?}");
}

// Labels decide the kind.

#[test]
fn labelled_mobile_is_an_alipay_account() {
    check_text("收U 出U，支付宝：13912340001，秒结", &["alipay +8613912340001 otc"]);
}

#[test]
fn one_number_with_two_labels_yields_both_kinds() {
    check_text(
        "长期收U，汇率7.2，支付宝微信同号：13912340002",
        &["alipay +8613912340002 otc", "wechat +8613912340002 otc"],
    );
}

#[test]
fn trailing_glued_labels_add_to_a_leading_one() {
    check_text(
        "承兑U，支付宝秒到账：188 0273 5516（支付宝微信同号）",
        &["alipay +8618802735516 otc", "wechat +8618802735516 otc"],
    );
}

#[test]
fn trailing_same_number_label_is_read() {
    check_text(
        "承兑收U 支付宝：15912340003（微信同号）",
        &["alipay +8615912340003 otc", "wechat +8615912340003 otc"],
    );
}

#[test]
fn unlabelled_mobile_is_a_phone() {
    check_text("收U出U 联系 15912340004", &["phone +8615912340004 otc"]);
}

#[test]
fn an_id_that_starts_like_a_label_is_read_whole() {
    check_text("收U 微信号 wx_otc_8899 秒回", &["wechat wx_otc_8899 otc"]);
    check_text("收U 微信：wxid_abc123", &["wechat wxid_abc123 otc"]);
}

#[test]
fn a_link_after_a_label_is_not_read_as_an_id() {
    // An invite link is not a handle, and its scheme is not one either.
    check_text("USDT 承兑 Telegram: https://t.me/joinchat/AAAAAE1234567 群组", &[]);
    check_text("出U 微信: http://weixin.example/qr 扫码", &[]);
    check_text("出U Telegram: https://t.me/otc_bigboss", &["telegram otc_bigboss otc"]);
}

#[test]
fn an_english_word_after_a_payment_method_name_is_not_an_id() {
    check_text("Buying USDT for CNY — Alipay / WeChat Pay, escrow OK", &[]);
    check_text("Selling USDT, pay by WeChat instantly, rate 7.3", &[]);
    // A binding mark or connector word still makes an all-letter word the ID.
    check_text("Selling USDT. WeChat: zhangsanotc", &["wechat zhangsanotc otc"]);
    check_text("Selling USDT. WeChat ID zhangsanotc", &["wechat zhangsanotc otc"]);
    check_text("出U 微信 zhangsanotc", &["wechat zhangsanotc otc"]);
    // An ID with a digit needs no binding mark.
    check_text("Selling USDT, WeChat, hk888otc", &["wechat hk888otc otc"]);
}

#[test]
fn wechat_ids_need_their_label() {
    check_text("出U 秒结 VX：Trader_88a 其他 hello_world1", &["wechat trader_88a otc"]);
    check_text("出U 加微 kx3h1fs07gu 诚信交易", &["wechat kx3h1fs07gu otc"]);
    check_text("收u搬砖 V：abc123x", &["wechat abc123x otc"]);
}

#[test]
fn qq_numbers_need_their_label() {
    check_text("收U 扣扣：91764351 号码 91764352", &["qq 91764351 otc"]);
    check_text("收U 企鹅 7948164349", &["qq 7948164349 otc"]);
}

#[test]
fn qq_group_numbers_are_not_accounts() {
    check_text("收U QQ群：91764351", &[]);
}

#[test]
fn alipay_email_and_user_id() {
    check_text(
        "Buy/Sell USDT OTC. Alipay: Otc.Desk@163.com or Alipay ID 2088102146225135",
        &["alipay otc.desk@163.com otc", "alipay 2088102146225135 otc"],
    );
}

#[test]
fn telegram_handles_links_and_labels() {
    check_text(
        "USDT OTC desk, rates updated hourly. Telegram @OTC_desk88, or t.me/otc_channel9, 飞机：fastu_otc",
        &["telegram otc_desk88 otc", "telegram otc_channel9 otc", "telegram fastu_otc otc"],
    );
}

#[test]
fn telegram_invite_links_are_not_handles() {
    check_text("收U t.me/+AbCdEfGh12 t.me/joinchat/AbCdEf", &[]);
}

// Validation first.

#[test]
fn crypto_addresses_are_checksummed() {
    check_text(
        "OTC sell BTC: 1LUJNo6b33zkeVQ4b7cnxw82YPSkFUefjF typo 1PGiaSJFhkeJLo9HKitf7ZLQDX4W8T7WXP \
         TRC20 USDT TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP bad TQ214deAvySKMr8BStahbWUbjFjp6ssguB",
        &[
            "btc 1LUJNo6b33zkeVQ4b7cnxw82YPSkFUefjF otc",
            "tron TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP otc",
        ],
    );
}

#[test]
fn eth_mixed_case_must_pass_eip55() {
    check_text(
        "OTC buy USDT ERC20: 0xeeDB3483e3B36B2cf395344D0Fd05A88277fe8C5 old 0x11b6532b00aBac0fA316C2CA25ea370a6E64BC53",
        &["eth 0xeedb3483e3b36b2cf395344d0fd05a88277fe8c5 otc"],
    );
}

#[test]
fn bech32_is_lower_cased_and_bech32m_checked() {
    check_text(
        "出U 收BTC: BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4 and bc1p4psz5rgnjeljjyuwxujqdm6cc5w0fpey4d88gzn2g65uuz3dg5nsc4ns74",
        &[
            "btc bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 -",
            "btc bc1p4psz5rgnjeljjyuwxujqdm6cc5w0fpey4d88gzn2g65uuz3dg5nsc4ns74 otc",
        ],
    );
}

#[test]
fn unlabelled_luhn_valid_card_is_reported() {
    check_text("承兑 收U 6259657997787591865", &["bank_card 6259657997787591865 otc"]);
}

#[test]
fn luhn_failing_unionpay_card_only_when_labelled() {
    let doc = Document::plain("承兑收U 银行卡：6214839416316378");
    let extraction = findings(&doc, &Warninglist::embedded());
    let card = &extraction.findings[0];
    assert_eq!((card.kind, card.validation), (Kind::BankCard, Some("luhn_failed")));
    assert!(card.score <= 0.3, "{}", card.score);
    check_text("承兑收U 6214839416316378", &[]);
    check_text("承兑收U 单号 6214839416316379", &[]);
}

#[test]
fn resident_id_is_never_a_card() {
    // 620102198001010754 passes both the GB 11643 check and Luhn.
    check_text("收U 银行卡：620102198001010754", &[]);
}

#[test]
fn order_numbers_timestamps_and_hashes_are_not_identifiers() {
    check_text(
        "收U 订单号：6259657997787591865 时间 1718000000000 哈希 8ee68454a69684f98930a78419651651b28320a3dbf212a4a454f6b9d59d7b43 价格 7.25",
        &[],
    );
}

#[test]
fn slices_of_longer_digit_runs_are_not_phones() {
    check_text("收U 编码 2013912340005123 单 139123400051", &[]);
}

#[test]
fn separated_numbers_that_merge_are_split_back() {
    check_text("收U QQ 91764351 15912340006", &["qq 91764351 otc", "phone +8615912340006 otc"]);
}

// Known non-accounts.

#[test]
fn warninglisted_contracts_are_never_otc() {
    let doc = Document::plain(
        "收U 出U USDT-TRC20 合约 TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t 收款 TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP",
    );
    let extraction = findings(&doc, &Warninglist::embedded());
    let contract = extraction.findings.iter().find(|f| f.value.starts_with("TR7")).unwrap();
    assert!(!contract.otc);
    assert!(contract.warning.as_deref().unwrap().contains("USDT"));
    let wallet = extraction.findings.iter().find(|f| f.value.starts_with("TYo")).unwrap();
    assert!(wallet.otc);
}

#[test]
fn test_cards_are_never_otc() {
    check_text("收U 银行卡 4111 1111 1111 1111", &["bank_card 4111111111111111 -"]);
}

// De-obfuscation.

#[test]
fn full_width_and_zero_width_are_read_through() {
    check_text("出U ＺＦＢ：１８９１９１８９０４８", &["alipay +8618919189048 otc"]);
    check_text("承兑 支付宝：176\u{200b}534\u{feff}226\u{200c}20", &["alipay +8617653422620 otc"]);
}

#[test]
fn separators_inside_numbers_are_read_through() {
    check_text("收U 支付宝 189-8744-1266", &["alipay +8618987441266 otc"]);
    check_text("收U 支付宝 +86 139 6060 3898", &["alipay +8613960603898 otc"]);
    check_text("收U 银行卡：6225 8895 9471 8475 754", &["bank_card 6225889594718475754 otc"]);
}

#[test]
fn chinese_numerals_and_keycaps_are_read() {
    check_text("收U 薇信：一五九一二三四〇〇〇七", &["wechat +8615912340007 otc"]);
    check_text("收U 支付宝 1️⃣5️⃣9️⃣1️⃣2️⃣3️⃣4️⃣0️⃣0️⃣0️⃣8️⃣", &["alipay +8615912340008 otc"]);
}

#[test]
fn obfuscated_emails_are_read() {
    check_text("收U 支付宝 otc888#qq.com", &["alipay otc888@qq.com otc"]);
    check_text("USDT OTC, Alipay: trader [at] 163 [dot] com", &["alipay trader@163.com otc"]);
}

#[test]
fn email_stops_at_cjk_text() {
    check_text("出U联系我12345678@qq.com谢谢", &["email 12345678@qq.com otc"]);
}

#[test]
fn digits_split_across_inline_tags_are_joined() {
    check_html("<p>收U 支付宝 159<b>1234</b><span>0009</span></p>", &["alipay +8615912340009 otc"]);
}

#[test]
fn table_cells_carry_labels_to_their_row() {
    check_html(
        "<h2>今日报价 收U</h2><table><tr><th>币种</th><th>价格</th><th>付款方式</th><th>账号</th></tr>\
         <tr><td>USDT</td><td>6.92</td><td>支付宝</td><td>19952898997</td></tr>\
         <tr><td>USDT</td><td>7.30</td><td>微信</td><td>qy5db2fs1vj5</td></tr></table>",
        &["alipay +8619952898997 otc", "wechat qy5db2fs1vj5 otc"],
    );
}

// Evidence.

#[test]
fn spans_point_at_the_original_characters() {
    let html = "<p>出U ＺＦＢ：１８９<i>１９１</i>８９０４８</p>";
    let doc = Document::parse(html);
    let extraction = findings(&doc, &Warninglist::embedded());
    let finding = &extraction.findings[0];
    assert_eq!(&html[finding.span.clone()], "１８９<i>１９１</i>８９０４８");
    assert_eq!(finding.raw, "１８９１９１８９０４８");
    assert!(finding.context.contains("ＺＦＢ"), "{}", finding.context);
}

// OTC judgement.

#[test]
fn news_about_crackdowns_is_not_an_advertisement() {
    check_html(
        "<article><h1>Payment app restricts accounts linked to OTC bitcoin trading</h1>\
         <p>The platform said it would block accounts used for over-the-counter trades, police reported.</p>\
         <p>Press enquiries: desk@newswire-daily.com</p></article>",
        &["email desk@newswire-daily.com -"],
    );
}

#[test]
fn anti_fraud_warnings_quoting_scammers_are_not_advertisements() {
    check_text(
        "警惕！反诈提醒：骗子常以“高价收U、支付宝秒结”为诱饵，诈骗分子留下的支付宝 15912340010 已被举报，切勿转账。",
        &["alipay +8615912340010 -"],
    );
}

#[test]
fn shop_customer_service_is_not_an_advertisement() {
    check_text(
        "官方旗舰店 客服电话：15912340011 订单号：8935855741899813 支持支付宝、微信支付。七天无理由退货。",
        &["phone +8615912340011 -"],
    );
}

#[test]
fn block_explorer_addresses_are_not_advertisements() {
    check_html(
        "<title>Block explorer</title><h1>Block 812345</h1><table>\
         <tr><td>8ee68454a69684f98930a78419651651b28320a3dbf212a4a454f6b9d59d7b43</td><td>12YRf7Zd8smN1z4WsKPc6p8YG418mRK2bW</td><td>0.39 BTC</td></tr>\
         <tr><td>1459a5555a635ab218072122735bb4be20180f449128089e568f9d7e991580ca</td><td>12ZKgVhd378h7hgRkgiSnZ3uaneC1fGZTD</td><td>0.97 BTC</td></tr>\
         <tr><td>4642245b21f4feb2a9defece429d4f3f4b2a279aa194f6bd740e426b5edd0ce8</td><td>1CmHBpEgdx4CQm2HzapcLKNH4cgnf83CGS</td><td>0.53 BTC</td></tr>\
         <tr><td>8fe8626a45efef72a6840ef59aa19d554131caf2f75018679f5d5d6d4b63d2f1</td><td>36Ap4f5KGAVbd9PPijCDozk41kkYKDsm4b</td><td>0.53 BTC</td></tr>\
         </table>",
        &[
            "btc 12YRf7Zd8smN1z4WsKPc6p8YG418mRK2bW -",
            "btc 12ZKgVhd378h7hgRkgiSnZ3uaneC1fGZTD -",
            "btc 1CmHBpEgdx4CQm2HzapcLKNH4cgnf83CGS -",
            "btc 36Ap4f5KGAVbd9PPijCDozk41kkYKDsm4b -",
        ],
    );
}

#[test]
fn a_mere_mention_of_crypto_is_not_enough() {
    check_text(
        "我们公司也关注比特币行业动态。装修咨询微信：f814dp_4zgk",
        &["wechat f814dp_4zgk -"],
    );
}

#[test]
fn otc_scores_exceed_non_otc_scores() {
    let ad =
        findings(&Document::plain("收U出U 承兑 支付宝：15912340012"), &Warninglist::embedded());
    let shop = findings(&Document::plain("旗舰店客服电话：15912340012"), &Warninglist::embedded());
    assert!(ad.findings[0].score > 0.5, "{:?}", ad.findings[0]);
    assert!(shop.findings[0].score < ad.findings[0].score / 2.0, "{:?}", shop.findings[0]);
}

#[test]
fn repeated_identifiers_are_reported_once_with_a_count() {
    let doc = Document::plain("收U 支付宝 15912340013\n再说一遍 支付宝 15912340013");
    let extraction = findings(&doc, &Warninglist::embedded());
    assert_eq!(extraction.findings.len(), 1);
    assert_eq!(extraction.findings[0].occurrences, 2);
}

#[test]
fn rejected_candidates_say_why() {
    let doc = Document::plain("收U 1PGiaSJFhkeJLo9HKitf7ZLQDX4W8T7WXP 订单号：6259657997787591865");
    let extraction = findings(&doc, &Warninglist::embedded());
    assert!(extraction.findings.is_empty());
    let reasons: Vec<&str> = extraction.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert!(reasons.iter().any(|r| r.contains("checksum")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("order")), "{reasons:?}");
}

#[test]
fn trailing_label_chains_are_read() {
    check_text(
        "Buy/sell USDT OTC, contact +86 159 1234 0014 (WeChat/Alipay)",
        &["alipay +8615912340014 otc", "wechat +8615912340014 otc"],
    );
}

#[test]
fn column_headers_label_their_cells() {
    check_html(
        "<h2>收U 报价</h2><table><tr><th>微信</th><th>支付宝</th><th>汇率</th></tr>\
         <tr><td>trader_abc1</td><td>15912340015</td><td>7.21</td></tr>\
         <tr><td>trader_abc2</td><td>15912340016</td><td>7.22</td></tr></table>",
        &["alipay +8615912340015 otc", "alipay +8615912340016 otc"],
    );
}

#[test]
fn unlabelled_visa_numbers_need_card_grouping() {
    // 4539578763621486 passes Luhn; bare it is as likely an order number.
    check_text("收U 编号4539578763621486", &[]);
    check_text("收U 4539578763621486", &[]);
    check_text("收U 4539 5787 6362 1486", &["bank_card 4539578763621486 otc"]);
    check_text("收U 银行卡 4539578763621486", &["bank_card 4539578763621486 otc"]);
}

#[test]
fn scammer_blacklists_are_not_advertisements() {
    check_text(
        "【骗子曝光】黑名单：此人以收U为名骗钱，支付宝 15912340017，大家避雷！",
        &["alipay +8615912340017 -"],
    );
}

#[test]
fn ads_that_keep_scammers_away_are_still_ads() {
    check_text("长期收U出U 汇率7.3 骗子勿扰 支付宝：15912340018", &["alipay +8615912340018 otc"]);
}

#[test]
fn wechat_public_accounts_and_groups_are_not_accounts() {
    check_text("收U 微信公众号：usdt_news01 微信群：15912340019", &[]);
}

// Regressions from the crawl benchmark's ground truth (bench/crawl.sh).

#[test]
fn letters_inside_an_address_are_not_labels() {
    check_text(
        "出U 收BTC: bc1qul7e2mzhwl8hegvhvpxvh5uu7hcyjswcta05q6",
        &["btc bc1qul7e2mzhwl8hegvhvpxvh5uu7hcyjswcta05q6 otc"],
    );
}

#[test]
fn the_nearest_label_wins_over_an_order_label_a_line_before() {
    check_text("收U出U 请在 order 备注\n联系电话：15912340020", &["phone +8615912340020 otc"]);
}

#[test]
fn a_huge_one_line_table_of_short_numbers_yields_nothing() {
    // 20,000 tab-separated numbers on one line: every candidate once looked for its row's
    // header across the whole line. Bounded windows keep this a linear scan.
    let line: String = (0..20_000).map(|i| format!("{}\t", 10_000_000 + i)).collect();
    let doc = Document::plain(&format!("收U\n{line}"));
    let extraction = findings(&doc, &Warninglist::embedded());
    assert!(extraction.findings.is_empty());
}

// Evidence.

/// The context as first written: characters collected either side, then whitespace collapsed.
fn context_by_chars(text: &str, range: Range<usize>) -> String {
    let before: Vec<char> = text[..range.start].chars().rev().take(CONTEXT_CHARS).collect();
    let after = text[range.end..].chars().take(CONTEXT_CHARS);
    let snippet: String =
        before.into_iter().rev().chain(text[range].chars()).chain(after).collect();
    snippet.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn context_is_forty_characters_either_side_on_one_line() {
    let text =
        "  前言\n\n一二三 alpha\tbeta  支付宝：１３８\u{200b}１２３４５６７８ 秒结  \n 汇率 好 "
            .repeat(3);
    for start in text.char_indices().map(|(i, _)| i) {
        for end in text[start..].char_indices().map(|(i, _)| start + i).take(12) {
            assert_eq!(context(&text, start..end), context_by_chars(&text, start..end));
        }
    }
    assert_eq!(context("a  b\n138 c", 5..8), "a b 138 c");
}

// Ads in their own words: warnings about imitators, promises, the dealer's own service desk.

#[test]
fn ads_that_warn_of_imitators_or_promise_no_freezing_are_ads() {
    check_text("出U 认准本人，谨防假冒 支付宝：15987650001", &["alipay +8615987650001 otc"]);
    check_text("收U 不冻卡 秒到 微信：trader_77x", &["wechat trader_77x otc"]);
    check_text("收U 支付宝：15987650002，其他都是骗子", &["alipay +8615987650002 otc"]);
    check_text("出U 支付宝：15987650003 有问题联系客服", &["alipay +8615987650003 otc"]);
    check_text("U商 客服微信：desk_9988", &["wechat desk_9988 otc"]);
}

#[test]
fn warnings_that_quote_ad_words_stay_warnings() {
    check_text(
        "警方提醒：谨防假冒客服诈骗，骗子自称不冻卡、其他都是骗子，受害人被骗。涉案微信：fake_1234",
        &["wechat fake_1234 -"],
    );
    check_text("商城 包邮 七天无理由 客服微信：shop_abc123", &["wechat shop_abc123 -"]);
    check_text("收U 客服电话：15987650004", &["phone +8615987650004 -"]);
    check_text("出U 售后 客服微信：shop_abc124", &["wechat shop_abc124 -"]);
}

// Labels that end in a symbol, carry an index, or are written in Traditional characters.

#[test]
fn emoji_labels_name_their_values() {
    check_text("出U 承兑 V❤：kx7ab12c", &["wechat kx7ab12c otc"]);
    check_text("出U 承兑 薇❤ kx7ab12d", &["wechat kx7ab12d otc"]);
    check_text("收U 🐧：98641891", &["qq 98641891 otc"]);
    check_text("收U ✈️：fast_otc88", &["telegram fast_otc88 otc"]);
    // A symbol that is no label is still glue: a QQ number needs its label.
    check_text("收U ❤：98641891 ⭐ abcd1234", &[]);
}

#[test]
fn numbered_labels_keep_their_kind() {
    check_text(
        "出U 支付宝1：15987650011 支付宝(2)：15987650012 微信③：wx_rot_77",
        &["alipay +8615987650011 otc", "alipay +8615987650012 otc", "wechat wx_rot_77 otc"],
    );
    check_text("收U 收款卡2：6217001234567890122", &["bank_card 6217001234567890122 otc"]);
    // An index without a label labels nothing; an order number's index keeps it an order's.
    check_text("收U 2：15987650013", &["phone +8615987650013 otc"]);
    check_text("收U 订单号1：15987650014", &[]);
}

#[test]
fn traditional_labels_and_connectors_are_read() {
    check_text("收U出U 微信號：trade_tw88", &["wechat trade_tw88 otc"]);
    check_text("收U出U 支付寶帳號：15987650021", &["alipay +8615987650021 otc"]);
    check_text("出幣 聯繫電話：15987650022 匯率好", &["phone +8615987650022 otc"]);
    check_text(
        "新聞：警方查處詐騙團夥，冒充場外交易，受害人被騙。微信號：scam_tw12",
        &["wechat scam_tw12 -"],
    );
}

#[test]
fn an_id_before_its_bracketed_label_is_read() {
    check_text(
        "收U出U 秒结 zk88trade（微信） @otc_desk9",
        &["wechat zk88trade otc", "telegram otc_desk9 otc"],
    );
    check_text("出U usdt_king8 [TG]", &["telegram usdt_king8 otc"]);
    // A plain word before a label is prose, not an ID.
    check_text("USDT OTC: contact me (WeChat) or 出U abcdefgh（微信）", &[]);
    check_text("出U 客户端 win10（微信电脑版）", &[]);
}

#[test]
fn a_number_before_a_phone_does_not_hide_its_trailing_label() {
    check_text("收U 7.25 15987650031 微信同号", &["wechat +8615987650031 otc"]);
    // The leading label names the first number of a run, the trailing one the last.
    check_text(
        "收U 支付宝：15987650032 15987650033（微信）",
        &["alipay +8615987650032 otc", "wechat +8615987650033 otc"],
    );
}

#[test]
fn an_authors_contact_under_an_article_is_not_an_advertisement() {
    check_text(
        "USDT 汇率走势分析 本文作者：李四，微信：writer_88，转载请注明出处。今日场外汇率 7.31，分析师认为仍将震荡。",
        &["wechat writer_88 -"],
    );
    // An ad that talks about the rate's trend is still an ad.
    check_text("今日汇率走势 7.31 收U出U 微信：desk_8821", &["wechat desk_8821 otc"]);
}

// Lists, tickers and documentation are not advertisements.

#[test]
fn amounts_in_a_coin_do_not_add_up_to_an_advertisement() {
    check_text(
        "Top holders\n1. TBap3SFKMkafdTqTvitX2MhBUdnTLVa2FL 639,379,089 USDT\n\
         2. TRKTZhg8kfW6iMcYbYi2Hg5MxsEYGXPmpY 400,236,040 USDT\n\
         3. TH3t8VKXPyRYzYio8p4Ne8pFUqLET4gqNc 12,000,000 USDT",
        &[
            "tron TBap3SFKMkafdTqTvitX2MhBUdnTLVa2FL -",
            "tron TRKTZhg8kfW6iMcYbYi2Hg5MxsEYGXPmpY -",
            "tron TH3t8VKXPyRYzYio8p4Ne8pFUqLET4gqNc -",
        ],
    );
    check_text("BTC/USDT 最新价 67000 24h成交量 15987650041 USDT", &[]);
    // One trade word of weight is still an ad.
    check_text(
        "收U 500 USDT起 TBap3SFKMkafdTqTvitX2MhBUdnTLVa2FL",
        &["tron TBap3SFKMkafdTqTvitX2MhBUdnTLVa2FL otc"],
    );
    // An amount after a buy or sell verb is an offer, not a list entry.
    check_text("收 5000 USDT 支付宝：13812345679", &["alipay +8613812345679 otc"]);
    check_text("sell 1,000 USDT, WeChat: desk_8821", &["wechat desk_8821 otc"]);
}

#[test]
fn example_addresses_in_documentation_are_not_advertisements() {
    check_text(
        "本平台支持 OTC 场外交易。示例：ERC20 地址格式如 0xbe71f71038e95117227f71Ce521164851748bf90",
        &["eth 0xbe71f71038e95117227f71ce521164851748bf90 -"],
    );
    check_text(
        "OTC desk API. Deposit to a TRC20 address, e.g. TBap3SFKMkafdTqTvitX2MhBUdnTLVa2FL",
        &["tron TBap3SFKMkafdTqTvitX2MhBUdnTLVa2FL -"],
    );
    // An example word further back, or before a payment label, vetoes nothing.
    check_text("收U 例如 支付宝：15987650051", &["alipay +8615987650051 otc"]);
}

// Obfuscations.

#[test]
fn emoji_separators_spaced_labels_and_ideographic_dots_are_read_through() {
    check_text("收U 支付宝：159🔸8765🔸0061", &["alipay +8615987650061 otc"]);
    check_text("收U 支 付 宝：15987650062", &["alipay +8615987650062 otc"]);
    check_text("收U 邮箱：otc888@qq。com", &["email otc888@qq.com otc"]);
    // `。` ends a sentence anywhere else.
    check_text("收U 邮箱：otc888@qq。下次见", &[]);
}
