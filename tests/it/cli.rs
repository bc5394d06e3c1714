//! The `otcwatch extract` contract, through the real binary: inputs (file, `-`, no argument),
//! the JSONL fields and their types, the table, `--url`, `--explain` (stderr only, because a
//! scorer parses stdout), the charsets a page may come in, and exit codes with their messages.

use crate::support::{extract_file, extract_stdin, jsonl, kinds_values, run, str_field};
use encoding_rs::GBK;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A plain-text advertisement with an Alipay account, a TRON wallet and a mixed-case ETH
/// address whose EIP-55 checksum is wrong (a rejected candidate for `--explain`).
const AD: &str = "长期收U 出U，汇率7.25，秒结。支付宝：13912340001\n\
    TRC20：TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP\n\
    旧地址 0x11b6532b00aBac0fA316C2CA25ea370a6E64BC53\n";

/// What [`AD`] yields, in document order.
fn ad_findings() -> Vec<(String, String)> {
    [("alipay", "+8613912340001"), ("tron", "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP")]
        .map(|(kind, value)| (kind.to_owned(), value.to_owned()))
        .to_vec()
}

/// A Chinese paragraph long enough for charset detection to recognise GBK without a `<meta>`.
const PARAGRAPH: &str = "本平台长期收购USDT，支持支付宝、微信、银行卡多种方式付款，价格公道，\
    当面交易安全可靠。我们已经在本地经营了五年多，累计为上万名客户提供了快速便捷的兑换服务，\
    从未出现过任何纠纷。如果您有大额需求，请提前联系客服预约时间，我们会安排专人为您办理。\
    小额交易随时可以进行，一般十分钟之内完成到账。";

/// A temporary directory holding the test's input files.
struct Files {
    dir: TempDir,
}

impl Files {
    fn new() -> Files {
        Files { dir: tempfile::tempdir().expect("create a temp dir") }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write a test file");
        path
    }
}

fn encode(encoding: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = encoding.encode(text);
    assert!(!had_errors, "test text must be representable in {}", encoding.name());
    bytes.into_owned()
}

// Inputs.

#[test]
fn file_input() {
    let files = Files::new();
    let path = files.write("ad.txt", AD.as_bytes());
    let findings = extract_file(&path, &[]).findings();
    assert_eq!(kinds_values(&findings), ad_findings());
}

#[test]
fn stdin_input_with_dash_and_without_argument() {
    let with_dash = extract_stdin(AD.as_bytes(), &["-"]);
    let without = extract_stdin(AD.as_bytes(), &[]);
    assert_eq!(kinds_values(&with_dash.findings()), ad_findings());
    assert_eq!(with_dash.stdout, without.stdout);
}

#[test]
fn empty_input_succeeds_with_no_output() {
    let files = Files::new();
    let run = extract_file(&files.write("empty.html", b""), &[]);
    assert_eq!(run.findings(), Vec::<serde_json::Value>::new());
    assert_eq!(run.stdout, "");
    let run = extract_stdin(b"", &[]);
    assert_eq!(run.findings(), Vec::<serde_json::Value>::new());
}

#[test]
fn document_without_identifiers_succeeds() {
    let run = extract_stdin("今日行情：USDT 场外价格 7.25，仅供参考。".as_bytes(), &[]);
    assert_eq!(run.findings(), Vec::<serde_json::Value>::new());
}

// The JSONL contract.

#[test]
fn jsonl_fields_and_types() {
    let findings = extract_stdin(AD.as_bytes(), &[]).findings();
    assert_eq!(findings.len(), 2);
    for finding in &findings {
        check_finding_fields(finding, AD.as_bytes());
    }
    let alipay = &findings[0];
    assert_eq!(alipay["otc"], true);
    assert_eq!(str_field(alipay, "raw"), "13912340001");
    assert!(str_field(alipay, "context").contains("支付宝"), "{alipay}");
    assert!(alipay.get("url").is_none(), "no --url, no url field: {alipay}");
}

#[test]
fn jsonl_is_one_object_per_line() {
    // Two identical identifiers merge into one finding with `occurrences: 2`.
    let text = "收U 出U 支付宝：13912340001，再说一遍 支付宝：13912340001";
    let run = extract_stdin(text.as_bytes(), &[]);
    let findings = jsonl(&run.stdout);
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    assert_eq!(findings[0]["occurrences"], 2);
    assert!(run.stdout.ends_with('\n') && run.stdout.lines().count() == 1);
}

#[test]
fn span_points_at_the_source_of_html_entities_and_tags() {
    // The number is split by a tag and the label written with a character reference: the
    // span covers the source bytes, `raw` is the visible text.
    let html = "<html><body><p>收U 出U 支付宝&#xFF1A;139<b>1234</b>0001</p></body></html>";
    let findings = extract_stdin(html.as_bytes(), &[]).findings();
    assert_eq!(kinds_values(&findings), [("alipay".to_owned(), "+8613912340001".to_owned())]);
    let span = span(&findings[0]);
    assert_eq!(&html[span], "139<b>1234</b>0001");
    assert_eq!(str_field(&findings[0], "raw"), "13912340001");
}

#[test]
fn url_is_echoed_in_every_finding() {
    let url = "https://example.org/otc?page=2&lang=zh";
    let findings = extract_stdin(AD.as_bytes(), &["--url", url]).findings();
    assert_eq!(findings.len(), 2);
    for finding in &findings {
        assert_eq!(str_field(finding, "url"), url);
    }
}

#[test]
fn table_format_has_a_header_and_one_row_per_finding() {
    let run = extract_stdin(AD.as_bytes(), &["--format", "table"]);
    assert_eq!(run.code(), 0, "{run:#?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["KIND", "VALUE", "OTC", "SCORE", "CONTEXT"]);
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[1].starts_with("alipay") && lines[1].contains("+8613912340001"), "{}", lines[1]);
    assert!(
        lines[2].starts_with("tron") && lines[2].contains("TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP")
    );

    let run = extract_stdin(b"nothing here", &["--format", "table"]);
    assert_eq!(run.code(), 0, "{run:#?}");
    assert!(run.stdout.lines().next().is_some_and(|line| line.starts_with("KIND")));
}

#[test]
fn explain_writes_rejections_to_stderr_only() {
    let plain = extract_stdin(AD.as_bytes(), &[]);
    let explained = extract_stdin(AD.as_bytes(), &["--explain"]);
    // Stdout stays pure JSONL, byte for byte what it is without `--explain`.
    assert_eq!(kinds_values(&explained.findings()), ad_findings());
    assert_eq!(explained.stdout, plain.stdout);
    assert!(!explained.stdout.contains("rejected"));
    assert!(explained.stderr.contains("rejected candidates"), "{}", explained.stderr);
    assert!(
        explained.stderr.contains("0x11b6532b00aBac0fA316C2CA25ea370a6E64BC53"),
        "the bad checksum is explained: {}",
        explained.stderr
    );
    assert!(explained.stderr.contains("eip-55"), "{}", explained.stderr);
}

// Charsets.

#[test]
fn gbk_page_with_meta_charset() {
    let html = "<html><head><meta charset=\"gbk\"><title>收款</title></head>\
        <body><p>收U 出U 秒结 联系方式：微信 otc_trader88</p></body></html>";
    let files = Files::new();
    let path = files.write("gbk.html", &encode(GBK, html));
    let findings = extract_file(&path, &[]).findings();
    assert_eq!(kinds_values(&findings), [("wechat".to_owned(), "otc_trader88".to_owned())]);
    assert!(str_field(&findings[0], "context").contains("微信"), "decoded as GBK: {findings:?}");
}

#[test]
fn gbk_page_without_meta_is_detected() {
    let html =
        format!("<html><body><p>{PARAGRAPH}</p><p>收U 出U 支付宝：13912340001</p></body></html>");
    let findings = extract_stdin(&encode(GBK, &html), &[]).findings();
    assert_eq!(kinds_values(&findings), [("alipay".to_owned(), "+8613912340001".to_owned())]);
    assert!(str_field(&findings[0], "context").contains("支付宝"), "{findings:?}");
}

#[test]
fn utf16le_with_bom() {
    // encoding_rs only decodes UTF-16 (its encoder writes UTF-8), so encode by hand.
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(AD.encode_utf16().flat_map(u16::to_le_bytes));
    let files = Files::new();
    let path = files.write("utf16.txt", &bytes);
    let findings = extract_file(&path, &[]).findings();
    assert_eq!(kinds_values(&findings), ad_findings());
}

// Errors: exit code 2, a message that says what is wrong, nothing on stdout.

#[test]
fn missing_file_is_a_usage_error_naming_the_file() {
    let files = Files::new();
    let missing = files.dir.path().join("no-such-page.html");
    let run = extract_file(&missing, &[]);
    let message = run.usage_error();
    assert!(message.contains("no-such-page.html"), "{message}");
    assert!(message.contains("cannot read"), "{message}");
}

#[test]
fn binary_file_is_a_usage_error() {
    let files = Files::new();
    let path = files.write("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01");
    let run = extract_file(&path, &[]);
    let message = run.usage_error();
    assert!(message.contains("image.png") && message.contains("binary"), "{message}");
    let run = extract_stdin(b"abc\0def", &[]);
    assert!(run.usage_error().contains("stdin"), "{run:#?}");
}

#[test]
fn broken_warninglist_is_a_usage_error_naming_the_problem() {
    let files = Files::new();
    let input = AD.as_bytes();

    let path = files.write("syntax.toml", b"[[entry]]\nkind = \"tron\"\nvalue = [\n");
    let message =
        extract_stdin(input, &["--warninglist", path_str(&path)]).usage_error().to_owned();
    assert!(message.contains("syntax.toml") && message.contains("not valid"), "{message}");

    let path = files.write(
        "kind.toml",
        b"[[entry]]\nkind = \"iban\"\nvalue = \"x\"\nreason = \"an unknown kind\"\n",
    );
    let message =
        extract_stdin(input, &["--warninglist", path_str(&path)]).usage_error().to_owned();
    assert!(message.contains("kind.toml") && message.contains("iban"), "{message}");

    let missing = files.dir.path().join("absent.toml");
    let message =
        extract_stdin(input, &["--warninglist", path_str(&missing)]).usage_error().to_owned();
    assert!(message.contains("absent.toml") && message.contains("cannot read"), "{message}");
}

#[test]
fn warninglist_file_vetoes_a_listed_value() {
    let files = Files::new();
    let path = files.write(
        "ours.toml",
        "[[entry]]\nkind = \"tron\"\nvalue = \"TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP\"\n\
         reason = \"our own hot wallet\"\n"
            .as_bytes(),
    );
    let findings = extract_stdin(AD.as_bytes(), &["--warninglist", path_str(&path)]).findings();
    assert_eq!(kinds_values(&findings), ad_findings());
    let tron = &findings[1];
    assert_eq!(str_field(tron, "warning"), "our own hot wallet");
    assert_eq!(tron["otc"], false);
    assert!(findings[0].get("warning").is_none());
}

#[test]
fn unknown_format_is_a_usage_error() {
    let run = extract_stdin(AD.as_bytes(), &["--format", "xml"]);
    let message = run.usage_error();
    assert!(message.contains("xml") && message.contains("--format"), "{message}");
    assert!(message.contains("jsonl") && message.contains("table"), "lists the choices: {message}");
}

#[test]
fn unknown_subcommand_and_flag_are_usage_errors() {
    assert!(run(&["scan"], None).usage_error().contains("scan"));
    assert!(run(&["extract", "--bogus"], Some(b"")).usage_error().contains("--bogus"));
}

/// Checks the fields and types of one JSONL finding read from the UTF-8 document `source`.
#[track_caller]
fn check_finding_fields(finding: &serde_json::Value, source: &[u8]) {
    const FIELDS: [&str; 12] = [
        "kind",
        "value",
        "raw",
        "otc",
        "score",
        "context",
        "span",
        "reasons",
        "occurrences",
        "validation",
        "warning",
        "url",
    ];
    let object = finding.as_object().expect("a finding is an object");
    for key in object.keys() {
        assert!(FIELDS.contains(&key.as_str()), "unexpected field `{key}` in {finding}");
    }
    let kind = str_field(finding, "kind");
    assert!(kind.parse::<otcwatch::extract::Kind>().is_ok(), "unknown kind in {finding}");
    assert!(!str_field(finding, "value").is_empty(), "{finding}");
    assert!(!str_field(finding, "raw").is_empty(), "{finding}");
    str_field(finding, "context");
    assert!(finding["otc"].is_boolean(), "{finding}");
    let score = finding["score"].as_f64().expect("score is a number");
    assert!((0.0..=1.0).contains(&score), "score out of 0..=1 in {finding}");
    let occurrences = finding["occurrences"].as_u64().expect("occurrences is a number");
    assert!(occurrences >= 1, "{finding}");
    let reasons = finding["reasons"].as_array().expect("reasons is an array");
    assert!(reasons.iter().all(serde_json::Value::is_string), "{finding}");
    for optional in ["validation", "warning", "url"] {
        if let Some(value) = finding.get(optional) {
            assert!(value.is_string(), "`{optional}` is a string when present: {finding}");
        }
    }
    let span = span(finding);
    assert!(span.start < span.end && span.end <= source.len(), "span outside the file: {finding}");
    // A plain-text document's span holds exactly the raw identifier.
    assert_eq!(&source[span], str_field(finding, "raw").as_bytes(), "{finding}");
}

/// The `span` of a finding, as `{"start": …, "end": …}`.
#[track_caller]
fn span(finding: &serde_json::Value) -> std::ops::Range<usize> {
    let bound = |name: &str| {
        let value =
            finding["span"][name].as_u64().unwrap_or_else(|| panic!("span.{name} in {finding}"));
        usize::try_from(value).expect("span fits in usize")
    };
    bound("start")..bound("end")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}
