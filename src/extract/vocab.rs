//! The words that matter around an identifier, found in one pass by one Aho-Corasick
//! automaton: labels that say what an identifier is (`支付宝`, `VX`, `扣扣`…), connectors between a
//! label and its value (`账号`, `ID`, `同号`…), the vocabulary of OTC trading (`收U`, `承兑`,
//! `汇率`…) and the vocabulary of pages that are not advertisements (news, anti-fraud warnings,
//! shops, block explorers, documentation).
//!
//! The lists are data: extend them here, with a test in `extract/tests.rs`. Weights are read by
//! `score.rs`, which explains them.

use super::search;
use aho_corasick::dfa::DFA;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What a label says its value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Label {
    Alipay,
    Wechat,
    Qq,
    Bank,
    Telegram,
    /// A plain phone label ("电话", "tel").
    Phone,
    /// A plain e-mail label ("邮箱").
    Email,
    /// A contact role that is not a trader's account: customer service, press, complaints.
    Service,
    /// A number that is not an account: order, tracking, transaction, ID-card numbers, prices.
    NotAccount,
}

/// What a pattern means. One pattern may mean several things: `客服` is a label (the number is
/// customer service's) and also says the page is a shop's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Term {
    pub(crate) label: Option<Label>,
    /// Glue that may stand between a label and its value (`账号`, `ID`, `同号`).
    pub(crate) connector: bool,
    /// Vocabulary of OTC trading, weight 1 (mere crypto mention) to 4 (unambiguous); 0 if none.
    pub(crate) trade: u8,
    /// Vocabulary of pages that are not advertisements, weight 1 to 4; 0 if none.
    pub(crate) against: u8,
    pub(crate) special: Option<Special>,
}

/// Patterns that the candidate scanners act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    /// `[at]`, `(at)`: an obfuscated `@`.
    EmailAt,
    /// `[dot]`, `(dot)`: an obfuscated `.`.
    EmailDot,
    /// `t.me/`, `telegram.me/`: a Telegram link; the handle follows.
    TgLink,
}

/// One occurrence of a term in the folded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) term: Term,
}

/// Finds every term in `text`, leftmost-longest, keeping only matches that stand on word
/// boundaries where they are made of ASCII letters (so `eth` in `method` is not a hit), and
/// single-character labels only where a value follows at once (`V：abc`, not the `V` of `V 2`).
pub(crate) fn hits(text: &str) -> Vec<Hit> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    search::for_each_match(&VOCABULARY.automaton, bytes, |pattern, start, end| {
        if !on_word_boundaries(bytes, start, end) {
            return;
        }
        let Some(entry) = VOCABULARY.entries.get(pattern) else { return };
        let mut term = entry.term;
        if entry.strict && !value_follows(bytes, end) {
            term.label = None;
        }
        // A label written in letters right after a digit is the inside of a word (the `q` of
        // `…05q6` in a bech32 address), not a label. Trade words may follow digits (`100usdt`).
        let after_digit = start > 0 && bytes[start - 1].is_ascii_digit();
        if after_digit && bytes[start].is_ascii_alphabetic() {
            term.label = None;
        }
        if term != Term::default() {
            out.push(Hit { start, end, term });
        }
    });
    out
}

struct Entry {
    term: Term,
    /// The label is valid only when a value follows directly (a colon, or an ASCII letter or
    /// digit).
    strict: bool,
}

struct Vocabulary {
    automaton: DFA,
    entries: Vec<Entry>,
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let mut merged: BTreeMap<String, Entry> = BTreeMap::new();
    for (pattern, part, strict) in table() {
        let entry = merged
            .entry(pattern.to_ascii_lowercase())
            .or_insert(Entry { term: Term::default(), strict: false });
        let term = &mut entry.term;
        term.label = term.label.or(part.label);
        term.connector |= part.connector;
        term.trade = term.trade.max(part.trade);
        term.against = term.against.max(part.against);
        term.special = term.special.or(part.special);
        entry.strict |= strict;
    }
    // A full DFA: a few hundred KiB built once, and the fastest search (bench/RESULTS.md).
    let automaton =
        search::build(merged.keys()).expect("the vocabulary is a fixed, valid pattern set");
    Vocabulary { automaton, entries: merged.into_values().collect() }
});

fn on_word_boundaries(bytes: &[u8], start: usize, end: usize) -> bool {
    let letter = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_alphabetic);
    let starts_with_letter = letter(start);
    let ends_with_letter = end > 0 && letter(end - 1);
    let glued_before = starts_with_letter && start > 0 && letter(start - 1);
    let glued_after = ends_with_letter && letter(end);
    !glued_before && !glued_after
}

/// A value follows a single-character label: directly an ASCII letter, digit or `@`, or a
/// colon after optional spaces.
fn value_follows(bytes: &[u8], end: usize) -> bool {
    let rest = bytes.get(end..).unwrap_or_default();
    if rest.first().is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'@') {
        return true;
    }
    let rest = &rest[rest.iter().take_while(|b| **b == b' ').count()..];
    rest.first() == Some(&b':') || rest.starts_with("：".as_bytes())
}

/// The whole vocabulary as (pattern, meaning, strict).
pub(super) fn table() -> Vec<(&'static str, Term, bool)> {
    let mut table = Vec::new();
    let mut add = |patterns: &[&'static str], term: Term, strict: bool| {
        table.extend(patterns.iter().map(|p| (*p, term, strict)));
    };
    let label = |label: Label| Term { label: Some(label), ..Term::default() };
    let special = |special: Special| Term { special: Some(special), ..Term::default() };
    use Label::*;
    add(ALIPAY, label(Alipay), false);
    add(&["支", "吱"], label(Alipay), true);
    add(WECHAT, label(Wechat), false);
    add(&["v", "微", "薇", "威"], label(Wechat), true);
    add(QQ, label(Qq), false);
    add(&["q", "扣"], label(Qq), true);
    add(BANK, label(Bank), false);
    add(&["银行", "卡"], label(Bank), true);
    add(TELEGRAM, label(Telegram), false);
    add(PHONE, label(Phone), false);
    add(EMAIL, label(Email), false);
    add(SERVICE, label(Service), false);
    add(NOT_ACCOUNT, label(NotAccount), false);
    add(CONNECTORS, Term { connector: true, ..Term::default() }, false);
    for (weight, words) in (1..).zip(TRADE) {
        add(words, Term { trade: weight, ..Term::default() }, false);
    }
    for (weight, words) in (1..).zip(AGAINST) {
        add(words, Term { against: weight, ..Term::default() }, false);
    }
    add(
        &["[at]", "(at)", "{at}", "【at】", "（at）", "[艾特]", "艾特"],
        special(Special::EmailAt),
        false,
    );
    add(
        &["[dot]", "(dot)", "{dot}", "【dot】", "（dot）", "[点]"],
        special(Special::EmailDot),
        false,
    );
    add(&["t.me/", "telegram.me/", "telegram.dog/"], special(Special::TgLink), false);
    table
}

const ALIPAY: &[&str] = &[
    "支付宝",
    "支付寶",
    "支付宝号",
    "支付宝账号",
    "zfb",
    "alipay",
    "ali pay",
    "吱付宝",
    "支f宝",
    "支负宝",
    "只付宝",
    "芝付宝",
    "枝付宝",
    "zhifubao",
    "阿里支付",
    "支宝",
    "支付bao",
    "zhi付宝",
];
const WECHAT: &[&str] = &[
    "微信",
    "微信号",
    "微信支付",
    "薇信",
    "威信",
    "维信",
    "徽信",
    "溦信",
    "嶶信",
    "微訊",
    "v信",
    "vx",
    "wx",
    "weixin",
    "wechat",
    "we chat",
    "wechat pay",
    "wechat id",
    "加微",
    "加薇",
    "加v",
    "+v",
    "v❤",
    "v♥",
    "v❤️",
    "微❤",
    "薇❤",
    "vx号",
    "wx号",
    "vx号码",
    "加微信",
    "➕微",
    "+微",
];
const QQ: &[&str] =
    &["qq", "qq号", "qq号码", "扣扣", "企鹅", "🐧", "抠抠", "q号", "扣扣号", "加q", "+q"];
const BANK: &[&str] = &[
    "银行卡",
    "银行卡号",
    "卡号",
    "银行账号",
    "银行帐号",
    "银行账户",
    "收款卡",
    "储蓄卡",
    "借记卡",
    "银联",
    "银联卡",
    "工行",
    "建行",
    "农行",
    "中行",
    "招行",
    "交行",
    "邮储",
    "工商银行",
    "建设银行",
    "农业银行",
    "中国银行",
    "招商银行",
    "交通银行",
    "邮政储蓄",
    "邮储银行",
    "民生银行",
    "兴业银行",
    "浦发银行",
    "中信银行",
    "光大银行",
    "平安银行",
    "华夏银行",
    "广发银行",
    "农商银行",
    "信用社",
    "bank card",
    "card no",
    "card number",
    "bank account",
    "debit card",
    "unionpay",
    "银行卡账号",
    "对公账户",
    "收款账户",
];
const TELEGRAM: &[&str] = &[
    "tg",
    "telegram",
    "飞机",
    "纸飞机",
    "电报",
    "飞机号",
    "电报号",
    "tg号",
    "小飞机",
    "飞机联系",
    "✈",
    "✈️",
];
const PHONE: &[&str] = &[
    "电话",
    "手机",
    "手机号",
    "手机号码",
    "联系电话",
    "tel",
    "phone",
    "mobile",
    "call",
    "联系方式",
    "whatsapp",
];
const EMAIL: &[&str] = &["邮箱", "email", "e-mail", "mail", "电子邮件", "邮件"];
const SERVICE: &[&str] = &[
    "客服",
    "客服电话",
    "客服热线",
    "售后",
    "售后电话",
    "投诉",
    "投诉电话",
    "举报",
    "举报电话",
    "热线",
    "服务热线",
    "hotline",
    "customer service",
    "support",
    "press",
    "media",
    "enquiries",
    "inquiries",
    "媒体",
    "招聘",
    "报警",
    "反诈",
    "官方客服",
    "前台",
    "门店",
    "店铺",
    "预约",
];
const NOT_ACCOUNT: &[&str] = &[
    "订单号",
    "单号",
    "订单",
    "物流单号",
    "运单号",
    "快递单号",
    "交易号",
    "流水号",
    "编号",
    "身份证",
    "身份证号",
    "工号",
    "合同号",
    "发票",
    "批号",
    "型号",
    "邮编",
    "区号",
    "密码",
    "验证码",
    "序列号",
    "交易哈希",
    "哈希",
    "合约",
    "合约地址",
    "order",
    "order no",
    "order id",
    "tracking",
    "tracking no",
    "txid",
    "tx",
    "hash",
    "tx hash",
    "transaction id",
    "contract",
    "serial",
    "invoice",
    "价格",
    "金额",
    "余额",
    "数量",
    "amount",
    "price",
    "balance",
    "qq群",
    "群号",
    "群",
    "邀请码",
    "推荐码",
    "code",
    "微信群",
    "公众号",
    "微信公众号",
    "视频号",
    "抖音号",
    "快手号",
    "车牌",
    "车牌号",
    "房号",
    "学号",
    "会员号",
    "卡密",
];
/// English connector words are not in the automaton: they are among the commonest words of
/// English text, and every match costs. `english_connector_*` look for them only where a
/// label walk needs them.
const ENGLISH_CONNECTORS: &[&str] = &[
    "id", "no", "number", "acc", "account", "is", "me", "add", "on", "via", "to", "or", "and",
    "contact", "at",
];

/// The start of an English connector word that ends exactly at `pos` (`ID` in `WeChat ID: x`).
pub(crate) fn english_connector_ending_at(text: &str, pos: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let start = pos - bytes[..pos].iter().rev().take_while(|b| b.is_ascii_alphabetic()).count();
    if start == pos || start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
        return None;
    }
    let word = &text[start..pos];
    ENGLISH_CONNECTORS.iter().any(|c| c.eq_ignore_ascii_case(word)).then_some(start)
}

/// The end of an English connector word that starts exactly at `pos`.
pub(crate) fn english_connector_starting_at(text: &str, pos: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let end = pos + bytes[pos..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if end == pos
        || pos > 0 && bytes[pos - 1].is_ascii_alphanumeric()
        || bytes.get(end).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let word = &text[pos..end];
    ENGLISH_CONNECTORS.iter().any(|c| c.eq_ignore_ascii_case(word)).then_some(end)
}

const CONNECTORS: &[&str] = &[
    "号",
    "账号",
    "帐号",
    "账户",
    "帐户",
    "号码",
    "是",
    "为",
    "加",
    "搜",
    "同号",
    "收款",
    "和",
    "与",
    "及",
    "或",
    "联系",
    "请加",
    "私聊",
    "详询",
    "咨询",
    "户名",
    "账户名",
    "收款码",
    "扫码",
    "@",
    "添加",
    "加我",
    "联系我",
    "找我",
    "搜索",
    "号是",
    "直接加",
    "备注",
    "实名",
    "认证",
];

/// Trade vocabulary by weight: index 0 is weight 1.
const TRADE: [&[&str]; 4] = [
    &[
        "btc",
        "eth",
        "bitcoin",
        "比特币",
        "以太坊",
        "crypto",
        "加密货币",
        "虚拟币",
        "数字货币",
        "币",
        "tron",
        "波场",
        "钱包",
        "wallet",
        "deposit",
        "cash",
        "现金",
        "ethereum",
    ],
    &[
        "usdt",
        "trc20",
        "erc20",
        "trc-20",
        "erc-20",
        "泰达币",
        "泰达",
        "tether",
        "交易",
        "出售",
        "收购",
        "回收",
        "兑换",
        "buy",
        "sell",
        "selling",
        "buying",
        "诚信交易",
        "担保",
        "走量",
        "收款地址",
        "payment",
        "pay",
    ],
    &[
        "汇率",
        "匯率",
        "秒结",
        "日结",
        "秒到",
        "量大从优",
        "价格优惠",
        "exchange rate",
        "rate",
        "rates",
        "best price",
        "best rate",
        "large volume",
        "卡商",
        "跑量",
        "we buy",
        "we sell",
        "大额",
        "小额",
        "代收",
        "代付",
        "价格美丽",
        "现结",
        "实时到账",
        "当面交易",
        "安全快捷",
        "骗子勿扰",
        "非诚勿扰",
        "骗子滚",
    ],
    &[
        "收u",
        "出u",
        "收币",
        "出币",
        "收幣",
        "出幣",
        "承兑",
        "承兌",
        "场外",
        "場外",
        "币商",
        "幣商",
        "搬砖",
        "搬磚",
        "跑分",
        "u商",
        "收usdt",
        "出usdt",
        "买u",
        "卖u",
        "買u",
        "賣u",
        "otc",
        "场外交易",
        "兑换usdt",
        "usdt兑换",
        "换u",
        "回收u",
        "高价收u",
        "p2p",
        "c2c",
        "no kyc",
        "instant release",
        "buy usdt",
        "sell usdt",
        "buy btc",
        "sell btc",
        "buying usdt",
        "selling usdt",
        "selling btc",
        "buying btc",
        "cash for crypto",
        "crypto for cash",
        "usdt for cash",
        "buy/sell",
        "buy and sell",
        "出售usdt",
        "收购usdt",
        "承兑商",
        "u兑",
        "收泰达币",
        "出泰达币",
        "收比特币",
        "出比特币",
    ],
];

/// Against vocabulary by weight: index 0 is weight 1.
const AGAINST: [&[&str]; 4] = [
    &["block", "example", "sample", "示例", "例如", "e.g.", "demo", "test", "测试"],
    &[
        "said",
        "statement",
        "announced",
        "news",
        "新闻",
        "据悉",
        "日电",
        "通报",
        "监管",
        "央行",
        "regulator",
        "regulators",
        "authorities",
        "restricts",
        "will block",
        "court",
        "法院",
        "商城",
        "购物",
        "包邮",
        "发货",
        "快递",
        "物流",
        "退货",
        "退款",
        "shipping",
        "refund",
        "balance",
        "testnet",
        "documentation",
        "文档",
        "for example",
    ],
    &[
        "报道",
        "记者",
        "查处",
        "打击",
        "整治",
        "警方",
        "公安",
        "判决",
        "判处",
        "涉案",
        "犯罪",
        "嫌疑人",
        "press",
        "reported",
        "according to",
        "crackdown",
        "police",
        "arrested",
        "journalist",
        "旗舰店",
        "官方",
        "七天无理由",
        "block explorer",
        "explorer",
        "txid",
        "tx hash",
        "transaction hash",
        "confirmations",
        "block height",
        "区块",
        "区块高度",
        "交易哈希",
        "确认数",
        "customer service",
        "售后",
        "客服",
    ],
    &[
        "反诈",
        "防骗",
        "诈骗",
        "警惕",
        "谨防",
        "提醒",
        "曝光",
        "受害",
        "上当",
        "切勿",
        "不要相信",
        "骗局",
        "被骗",
        "假冒",
        "scam",
        "scammer",
        "scammers",
        "fraud",
        "warning",
        "beware",
        "victim",
        "do not send",
        "phishing",
        "impersonat",
        "反电诈",
        "电信诈骗",
        "洗钱",
        "money laundering",
        "骗子",
        "黑名单",
        "避雷",
        "踩雷",
        "拉黑",
        "blacklist",
        "防诈",
        "揭露",
        "冻结",
        "涉诈",
    ],
];

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<(&str, Term)> {
        hits(text).into_iter().map(|hit| (&text[hit.start..hit.end], hit.term)).collect()
    }

    fn labels(text: &str) -> Vec<(&str, Label)> {
        hits(text)
            .into_iter()
            .filter_map(|hit| Some((&text[hit.start..hit.end], hit.term.label?)))
            .collect()
    }

    #[test]
    fn labels_are_found_case_insensitively() {
        assert_eq!(labels("ZFB:1"), [("ZFB", Label::Alipay)]);
        assert_eq!(labels("WeChat ID: abc"), [("WeChat ID", Label::Wechat)]);
    }

    #[test]
    fn ascii_words_need_word_boundaries() {
        assert!(terms("method hotcake").is_empty(), "{:?}", terms("method hotcake"));
        assert_eq!(terms("eth, otc")[1].1.trade, 4);
    }

    #[test]
    fn single_character_labels_need_a_value_next() {
        assert_eq!(labels("V: abc"), [("V", Label::Wechat)]);
        assert_eq!(labels("V：abc"), [("V", Label::Wechat)]);
        assert_eq!(labels("Vabc1"), []);
        assert_eq!(labels("ERC20 V 2"), []);
        assert_eq!(labels("微博"), []);
    }

    #[test]
    fn longest_label_wins() {
        assert_eq!(labels("微信号：abc"), [("微信号", Label::Wechat)]);
        assert_eq!(labels("物流单号：1"), [("物流单号", Label::NotAccount)]);
    }

    #[test]
    fn a_word_can_be_a_label_and_vocabulary() {
        let hit = hits("客服电话")[0];
        assert_eq!(hit.term.label, Some(Label::Service));
        let hit = hits("客服")[0];
        assert_eq!((hit.term.label, hit.term.against), (Some(Label::Service), 3));
    }
}
