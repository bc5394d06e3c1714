//! `otcwatch review`, `show` and `webhook` through the real binary, on a temp store seeded
//! through `commit_page`: the status contract, the bulk form and its all-or-nothing rule,
//! `KIND:VALUE` normalisation, what `show` prints, and reopening on new evidence.

use crate::support::seed::{self, finding, in_post};
use crate::support::{Run, run};
use otcwatch::extract::Kind;
use otcwatch::store::{Db, Status};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const PHONE: &str = "+8613912340001";
const TRON: &str = "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP";
const POST: &str = "https://social.example/@desk/42";

/// A store holding an advertisement with an Alipay account and a TRON wallet on site `a`,
/// and a post on site `b` with the same TRON wallet; returns the dir and the store's path.
fn seeded() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("db");
    let db = Db::open(&path).expect("open store");
    let ad = vec![finding(Kind::Alipay, PHONE), finding(Kind::Tron, TRON)];
    seed::page(&db, "a", "https://a.example/ad", ad, 1_700_000_000_000);
    let post = vec![in_post(finding(Kind::Tron, TRON), POST, "desk")];
    seed::page(&db, "b", "https://social.example/@desk", post, 1_700_000_100_000);
    (dir, path)
}

fn db_arg(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// Runs `otcwatch args… --db PATH`.
fn otc(path: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut all = args.to_vec();
    all.extend(["--db", db_arg(path)]);
    run(&all, stdin)
}

#[track_caller]
fn ok(run: &Run) -> &str {
    assert_eq!(run.code(), 0, "expected success: {run:#?}");
    &run.stdout
}

fn show_json(path: &Path, target: &str) -> serde_json::Value {
    let run = otc(path, &["show", target, "--format", "json"], None);
    serde_json::from_str(ok(&run)).expect("show --format json prints one JSON object")
}

#[test]
fn review_sets_status_note_and_tags_and_show_prints_the_history() {
    let (_dir, path) = seeded();
    // The value is typed as a person would; it is normalised as extraction stores it.
    let run = otc(
        &path,
        &["review", "alipay:139-1234-0001", "--status", "confirmed", "--note", "paid twice"]
            .into_iter()
            .chain(["--tag", "usdt", "--tag", "ring-7", "--reviewer", "bob"])
            .collect::<Vec<_>>(),
        None,
    );
    assert_eq!(ok(&run), format!("alipay:{PHONE}  new -> confirmed  (cursor 1)\n"));
    let run = otc(
        &path,
        &["review", &format!("alipay:{PHONE}"), "--status", "watchlisted", "--reviewer", "eve"],
        None,
    );
    ok(&run);

    let json = show_json(&path, &format!("alipay:{PHONE}"));
    let account = &json["account"];
    assert_eq!(account["status"], "watchlisted");
    assert_eq!(account["reviewer"], "eve");
    assert_eq!(account["note"], "paid twice");
    assert_eq!(account["tags"], serde_json::json!(["ring-7", "usdt"]));
    let audit = json["audit"].as_array().expect("audit is an array");
    let steps: Vec<(u64, &str, &str, &str)> = audit
        .iter()
        .map(|r| {
            let s = |f: &str| r[f].as_str().expect("string field");
            (r["cursor"].as_u64().expect("cursor"), s("reviewer"), s("before"), s("after"))
        })
        .collect();
    assert_eq!(steps, [(1, "bob", "new", "confirmed"), (2, "eve", "confirmed", "watchlisted")]);
    assert_eq!(
        json["links"],
        serde_json::json!([{
            "kind": "tron", "value": TRON, "places": 1, "example_place": "https://a.example/ad"
        }])
    );
    let sighting = &json["sightings"][0];
    assert_eq!(sighting["url"], "https://a.example/ad");
    let span = sighting["context_span"].as_array().expect("context_span is marked");
    let context = sighting["context"].as_str().expect("context");
    let (start, end) = (span[0].as_u64().unwrap() as usize, span[1].as_u64().unwrap() as usize);
    assert_eq!(&context[start..end], "+8613912340001");

    let text = ok(&otc(&path, &["show", &format!("alipay:{PHONE}")], None)).to_string();
    for expected in [
        format!("alipay:{PHONE}\n"),
        "status     watchlisted (by eve at ".to_string(),
        "tags       ring-7, usdt".to_string(),
        format!("秒结 [[{PHONE}]] 联系我"),
        format!("Links (1)\n  tron:{TRON}  1 place(s), e.g. https://a.example/ad"),
        "new -> confirmed  note: paid twice  tags: usdt, ring-7".to_string(),
        "bob".to_string(),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn show_names_the_post_author_and_both_places_of_a_link() {
    let (_dir, path) = seeded();
    let text = ok(&otc(&path, &["show", &format!("tron:{TRON}")], None)).to_string();
    assert!(text.contains(&format!("  {POST}\n    site b, author desk")), "{text}");
    assert!(text.contains("Sightings (2)"), "{text}");
    assert!(text.contains(&format!("alipay:{PHONE}  1 place(s)")), "{text}");
    assert!(text.contains("Audit (0)"), "{text}");
}

#[test]
fn bulk_review_reads_stdin_and_skips_blanks_and_comments() {
    let (_dir, path) = seeded();
    let input = format!("# from the morning triage\n\nalipay:{PHONE}\n  tron:{TRON}  \n");
    let run = otc(
        &path,
        &["review", "-", "--status", "dismissed", "--reviewer", "ann"],
        Some(input.as_bytes()),
    );
    let lines: Vec<&str> = ok(&run).lines().collect();
    assert_eq!(
        lines,
        [
            format!("alipay:{PHONE}  new -> dismissed  (cursor 1)"),
            format!("tron:{TRON}  new -> dismissed  (cursor 2)")
        ]
    );
    let table = ok(&otc(&path, &["accounts", "--status", "dismissed"], None)).to_string();
    let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows[0][..3], ["KIND", "VALUE", "STATUS"]);
    assert_eq!(rows.len(), 3, "{table}");
    assert!(rows[1..].iter().all(|row| row[2] == "dismissed"), "{table}");
    let none = ok(&otc(&path, &["accounts", "--status", "confirmed"], None)).to_string();
    assert!(none.contains("(no accounts match;"), "{none}");
    let jsonl = ok(&otc(&path, &["accounts", "--format", "jsonl"], None)).to_string();
    assert!(jsonl.lines().all(|line| line.contains(r#""status":"dismissed""#)), "{jsonl}");
}

#[test]
fn a_bad_bulk_line_is_named_and_nothing_is_written() {
    let (_dir, path) = seeded();
    let input = format!("alipay:{PHONE}\n# ok so far\nbitcoin:1abc\ntron:{TRON}\n");
    let run = otc(&path, &["review", "-", "--status", "confirmed"], Some(input.as_bytes()));
    let stderr = run.usage_error();
    assert!(stderr.contains("stdin line 3"), "{stderr}");
    assert!(stderr.contains("unknown kind 'bitcoin'"), "{stderr}");
    assert!(
        stderr.contains("alipay, wechat, qq, phone, email, bank_card, btc, eth, tron, telegram"),
        "{stderr}"
    );

    // A well-formed line naming an account never seen: also nothing written.
    let input = format!("alipay:{PHONE}\nphone:13800138000\n");
    let run = otc(&path, &["review", "-", "--status", "confirmed"], Some(input.as_bytes()));
    let stderr = run.usage_error();
    assert!(stderr.contains("stdin line 2: no account phone:+8613800138000"), "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");

    let db = Db::open(&path).expect("reopen");
    assert_eq!(db.account(Kind::Alipay, PHONE).unwrap().unwrap().status, Status::New);
    assert_eq!(db.watchlist_cursor().unwrap(), 0);
}

#[test]
fn bad_targets_and_statuses_are_usage_errors_that_say_how_to_fix_them() {
    let (_dir, path) = seeded();
    let cases: [(&[&str], &str); 5] = [
        (
            &["review", "alipay", "--status", "confirmed"],
            "is not KIND:VALUE (for example phone:13912340001)",
        ),
        (&["review", "wallet:abc", "--status", "confirmed"], "expected one of alipay, wechat"),
        (&["review", "phone:12345", "--status", "confirmed"], "is not a valid phone"),
        (
            &["review", &format!("tron:{TRON}"), "--status", "approved"],
            "new, confirmed, dismissed, watchlisted",
        ),
        (&["show", "qq:91764351"], "no account qq:91764351; `otcwatch accounts` lists"),
    ];
    for (args, expected) in cases {
        let run = otc(&path, args, None);
        let stderr = run.usage_error();
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let run = otc(
        &path,
        &["review", &format!("tron:{TRON}"), "--status", "confirmed", "--tag", " "],
        None,
    );
    assert!(run.usage_error().contains("invalid review: tag"), "{run:#?}");
}

#[test]
fn the_reviewer_defaults_to_the_user() {
    let (_dir, path) = seeded();
    let target = format!("tron:{TRON}");
    let mut cmd = crate::support::otcwatch();
    cmd.args(["review", &target, "--status", "confirmed", "--db", db_arg(&path)])
        .env("USER", "carol");
    ok(&crate::support::run_cmd(&mut cmd, None));
    let mut cmd = crate::support::otcwatch();
    cmd.args(["review", &target, "--status", "watchlisted", "--db", db_arg(&path)])
        .env_remove("USER");
    ok(&crate::support::run_cmd(&mut cmd, None));
    let json = show_json(&path, &target);
    let reviewers: Vec<&str> =
        json["audit"].as_array().unwrap().iter().map(|r| r["reviewer"].as_str().unwrap()).collect();
    assert_eq!(reviewers, ["carol", "cli"]);
}

#[test]
fn a_dismissed_account_reopens_when_a_new_site_shows_it() {
    let (_dir, path) = seeded();
    let target = format!("alipay:{PHONE}");
    ok(&otc(&path, &["review", &target, "--status", "dismissed", "--reviewer", "bob"], None));
    {
        let db = Db::open(&path).expect("reopen");
        // Seen again on a site it was already on: stays dismissed.
        seed::page(
            &db,
            "a",
            "https://a.example/other",
            vec![finding(Kind::Alipay, PHONE)],
            1_700_000_200_000,
        );
        assert_eq!(db.account(Kind::Alipay, PHONE).unwrap().unwrap().status, Status::Dismissed);
        // On a new site: back to new.
        seed::page(
            &db,
            "c",
            "https://c.example/",
            vec![finding(Kind::Alipay, PHONE)],
            1_700_000_300_000,
        );
    }
    let json = show_json(&path, &target);
    assert_eq!(json["account"]["status"], "new");
    assert_eq!(json["account"]["status_reason"], "new evidence on site c");
    let last = &json["audit"][1];
    assert_eq!(
        (last["reviewer"].as_str(), last["before"].as_str(), last["after"].as_str()),
        (Some("otcwatch"), Some("dismissed"), Some("new"))
    );
    let text = ok(&otc(&path, &["show", &target], None)).to_string();
    assert!(text.contains("reason     new evidence on site c"), "{text}");
}

#[test]
fn webhook_add_list_remove() {
    let (_dir, path) = seeded();
    let run = otc(&path, &["webhook", "add", "hooks.example.org/x", "--secret", "s3cret"], None);
    assert!(run.usage_error().contains("invalid webhook URL"), "{run:#?}");
    let run =
        otc(&path, &["webhook", "add", "http://127.0.0.1:9/hook", "--secret", "s3cret"], None);
    assert_eq!(ok(&run), "added webhook 1 -> http://127.0.0.1:9/hook\n");
    ok(&otc(&path, &["review", &format!("tron:{TRON}"), "--status", "watchlisted"], None));
    let list = ok(&otc(&path, &["webhook", "list"], None)).to_string();
    let row = list.lines().nth(1).expect("one receiver row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        (cells[0], cells[1], cells[3], cells[4]),
        ("1", "yes", "1", "http://127.0.0.1:9/hook"),
        "{list}"
    );
    assert!(!list.contains("s3cret"), "the secret is never printed: {list}");

    let run = otc(&path, &["webhook", "remove", "7"], None);
    assert!(run.usage_error().contains("no webhook receiver with id 7"), "{run:#?}");
    assert_eq!(ok(&otc(&path, &["webhook", "remove", "1"], None)), "removed webhook 1\n");
    let list = ok(&otc(&path, &["webhook", "list"], None)).to_string();
    assert!(list.contains("(no webhooks;"), "{list}");
}
