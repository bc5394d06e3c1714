//! `otcwatch export` through the real binary on a real sled store filled with `Db::commit_page`:
//! each format checked against its specification (CSV through a CSV reader, the STIX 2.1
//! bundle's objects, ids and patterns, the MISP feed's manifest, events and hashes.csv), the
//! filters, the usage errors, and that two exports of the same data are identical.

use crate::support::{Run, jsonl, run};
use md5::{Digest, Md5};
use otcwatch::extract::Kind;
use otcwatch::store::{Db, FindingRecord, PageCommit, PostRef, UrlRecord};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use uuid::Uuid;

/// The first crawl (2025-11-01T12:26:40Z) and the second (2025-11-13T02:13:20Z); `--since` tests split them.
const T1: u64 = 1_762_000_000_000;
const T2: u64 = 1_763_000_000_000;
const BETWEEN: &str = "2025-11-05T00:00:00Z";

const ALIPAY: &str = "+8613912340001";
const PHONE: &str = "+8613912340002";
const TRON: &str = "TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP";
const ETH: &str = "0x52908400098527886E0F7030069857D2E4169EE7";
const BTC: &str = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT";
const CARD: &str = "6222021234567890128";
const CARD_LUHN_FAILED: &str = "6222021234567890123";
const EMAIL: &str = "otc_desk+usdt@qq.com";
/// A value from a hostile page: the quote and the backslash must survive every format.
const WECHAT: &str = r"bad\wx'id";
const TELEGRAM: &str = "otc_seller";
/// Evidence a spreadsheet would run as a formula.
const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"click\") 支付宝：13912340001";

/// Every account the store holds, in the export's (kind, value) order.
const ACCOUNTS: [(Kind, &str); 10] = [
    (Kind::Alipay, ALIPAY),
    (Kind::Wechat, WECHAT),
    (Kind::Phone, PHONE),
    (Kind::Email, EMAIL),
    (Kind::BankCard, CARD_LUHN_FAILED),
    (Kind::BankCard, CARD),
    (Kind::Btc, BTC),
    (Kind::Eth, ETH),
    (Kind::Tron, TRON),
    (Kind::Telegram, TELEGRAM),
];

/// A store on disk, filled and closed, for the binary to export.
struct Store {
    _dir: TempDir,
    db: PathBuf,
}

impl Store {
    fn filled() -> Store {
        let dir = tempfile::tempdir().expect("create a temp dir");
        let db_path = dir.path().join("db");
        let db = Db::open(&db_path).expect("open the store");
        let forum = "https://forum.example/t/1";
        commit(
            &db,
            "forum",
            forum,
            T1,
            vec![
                finding(Kind::Alipay, ALIPAY, 0.91, FORMULA),
                finding(Kind::Phone, PHONE, 0.62, "客服电话 +86 139 1234 0002"),
                finding(Kind::Tron, TRON, 0.88, "TRC20 收U TYoAuKaSEyGnbMTo2UzQdXor2e2AHzJUtP"),
                finding(Kind::Eth, ETH, 0.75, "ERC20 0x52908400098527886E0F7030069857D2E4169EE7"),
            ],
        );
        let blog = "https://blog.example/p/2";
        commit(
            &db,
            "blog",
            blog,
            T2,
            vec![
                finding(Kind::Alipay, ALIPAY, 0.8, "出U 支付宝 13912340001"),
                finding(Kind::Email, EMAIL, 0.5, "mail otc_desk+usdt@qq.com"),
                finding(Kind::Wechat, WECHAT, 0.7, r"微信 bad\wx'id"),
                finding(Kind::BankCard, CARD, 0.9, "银行卡 6222 0212 3456 7890 128"),
                finding(Kind::BankCard, CARD_LUHN_FAILED, 0.3, "银联卡 6222021234567890123"),
                finding(Kind::Btc, BTC, 0.7, "BTC 1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
            ],
        );
        let mut post = finding(Kind::Telegram, TELEGRAM, 0.85, "联系 @otc_seller 收U");
        post.post = Some(PostRef {
            permalink: "https://t.me/otcchan/42".to_string(),
            author: Some("otcchan".to_string()),
            posted: Some("2025-11-01T08:00:00Z".to_string()),
            text: "联系 @otc_seller 收U".to_string(),
        });
        commit(&db, "tg", "https://t.me/s/otcchan", T1, vec![post]);
        db.flush().expect("flush the store");
        Store { _dir: dir, db: db_path }
    }

    /// Runs `otcwatch export --db DB args…`.
    fn export(&self, args: &[&str]) -> Run {
        let db = self.db.to_str().expect("temp paths are UTF-8");
        let mut all = vec!["export", "--db", db];
        all.extend_from_slice(args);
        run(&all, None)
    }

    /// Runs an export that must succeed and returns its standard output.
    #[track_caller]
    fn stdout(&self, args: &[&str]) -> String {
        let run = self.export(args);
        assert_eq!(run.code(), 0, "{run:#?}");
        run.stdout
    }
}

fn finding(kind: Kind, value: &str, score: f32, context: &str) -> FindingRecord {
    FindingRecord {
        kind,
        value: value.to_string(),
        raw: value.to_string(),
        otc: true,
        score,
        context: context.to_string(),
        span: (3, 3 + value.len()),
        validation: (value == CARD_LUHN_FAILED).then(|| "luhn_failed".to_string()),
        warning: None,
        post: None,
    }
}

/// Queues `url` on `site` and commits a fetch of it with `findings`, as the crawler does.
fn commit(db: &Db, site: &str, url: &str, at_ms: u64, findings: Vec<FindingRecord>) {
    db.enqueue(site, 1, url, 0, at_ms).expect("queue the page");
    let due = db.due(site, at_ms, 10).expect("read the queue");
    let queued = due.into_iter().find(|q| q.url == url).expect("the page is due");
    let body = findings.iter().map(|f| f.context.as_str()).collect::<Vec<_>>().join("\n");
    db.commit_page(PageCommit {
        queued,
        record: UrlRecord { status: Some(200), ..UrlRecord::default() },
        body: Some(body.into_bytes()),
        findings,
        fetched_ms: at_ms,
        final_url: url.to_string(),
    })
    .expect("commit the page");
}

fn values(lines: &[Value]) -> Vec<(String, String)> {
    lines.iter().map(|l| (str_of(&l["kind"]).to_owned(), str_of(&l["value"]).to_owned())).collect()
}

#[track_caller]
fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}"))
}

fn expected(filter: impl Fn(Kind, &str) -> bool) -> Vec<(String, String)> {
    ACCOUNTS
        .iter()
        .filter(|(kind, value)| filter(*kind, value))
        .map(|(kind, value)| (kind.as_str().to_owned(), (*value).to_owned()))
        .collect()
}

// CSV.

#[test]
fn csv_round_trips_and_neutralises_formulas() {
    let store = Store::filled();
    let out = store.stdout(&["--format", "csv"]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    // A contract: spreadsheets and scripts address columns by these names and positions.
    let contract = "kind,value,status,otc,score,first_seen,last_seen,sightings,sites,places,\
                    best_place,best_context";
    assert_eq!(header.join(","), contract);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), ACCOUNTS.len());
    for (row, (kind, value)) in rows.iter().zip(ACCOUNTS) {
        assert_eq!(&row[0], kind.as_str());
        // Values starting with `+` are neutralised; the rest, quotes and backslashes
        // included, come back exactly.
        let want = if value.starts_with('+') { format!("'{value}") } else { value.to_owned() };
        assert_eq!(row[1], want, "{row:?}");
        assert_eq!(&row[2], "new");
        assert!(row[5].ends_with('Z') && row[6].ends_with('Z'), "{row:?}");
    }
    let alipay = &rows[0];
    assert_eq!(&alipay[7], "2", "two sightings: {alipay:?}");
    assert_eq!(&alipay[8], "blog forum");
    assert_eq!(&alipay[10], "https://forum.example/t/1", "the best sighting: {alipay:?}");
    assert_eq!(alipay[11], format!("'{FORMULA}"), "the formula context is neutralised");
    // No cell a spreadsheet would run.
    for cell in rows.iter().flat_map(|row| row.iter()) {
        assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
    }
}

// JSONL.

#[test]
fn jsonl_is_one_account_per_line_with_its_sightings() {
    let store = Store::filled();
    let lines = jsonl(&store.stdout(&["--format", "jsonl"]));
    assert_eq!(values(&lines), expected(|_, _| true));
    let alipay = &lines[0];
    assert_eq!(alipay["sighting_count"], 2);
    let places: Vec<&str> =
        alipay["sightings"].as_array().unwrap().iter().map(|s| str_of(&s["place"])).collect();
    assert_eq!(places, ["https://blog.example/p/2", "https://forum.example/t/1"]);
    let telegram = lines.last().unwrap();
    let sighting = &telegram["sightings"][0];
    assert_eq!(sighting["place"], "https://t.me/otcchan/42");
    assert_eq!(sighting["site"], "tg");
    assert_eq!(sighting["author"], "otcchan");
    assert_eq!(sighting["posted"], "2025-11-01T08:00:00Z");
    assert_eq!(sighting["context"], "联系 @otc_seller 收U");
    assert_eq!(sighting["span"], serde_json::json!([3, 3 + TELEGRAM.len()]));
}

// STIX 2.1.

/// Checks every object of the bundle against the properties STIX 2.1 requires of its type,
/// and returns the objects by id.
fn check_bundle(bundle: &Value) -> BTreeMap<String, Value> {
    assert_eq!(bundle["type"], "bundle");
    check_id(bundle, "bundle");
    assert!(bundle.get("spec_version").is_none(), "a 2.1 bundle has no spec_version");
    let mut by_id = BTreeMap::new();
    for object in bundle["objects"].as_array().expect("objects is an array") {
        let kind = str_of(&object["type"]);
        assert_eq!(object["spec_version"], "2.1", "{object}");
        let uuid = check_id(object, kind);
        let required: &[&str] = match kind {
            "identity" => &["created", "modified", "name"],
            "extension-definition" => &[
                "created",
                "modified",
                "created_by_ref",
                "name",
                "schema",
                "version",
                "extension_types",
            ],
            "indicator" => &["created", "modified", "pattern", "pattern_type", "valid_from"],
            "observed-data" => &[
                "created",
                "modified",
                "first_observed",
                "last_observed",
                "number_observed",
                "object_refs",
            ],
            "relationship" => {
                &["created", "modified", "relationship_type", "source_ref", "target_ref"]
            }
            "email-addr" => &["value"],
            "user-account" => &["account_type", "account_login"],
            "phone-number" | "bank-card" => &["number", "extensions"],
            "cryptocurrency-wallet" => &["address", "extensions"],
            other => panic!("unexpected object type {other}"),
        };
        for property in required {
            assert!(object.get(*property).is_some(), "{kind} without {property}: {object}");
        }
        for property in ["created", "modified"] {
            if let Some(time) = object.get(property) {
                check_timestamp(str_of(time), true);
            }
        }
        for property in ["valid_from", "first_observed", "last_observed"] {
            if let Some(time) = object.get(property) {
                check_timestamp(str_of(time), false);
            }
        }
        if is_sco(kind) {
            assert_eq!(uuid.get_version_num(), 5, "SCO ids are UUIDv5: {object}");
            assert_eq!(uuid, sco_uuid(object), "the id of the contributing properties: {object}");
        }
        let id = str_of(&object["id"]).to_owned();
        assert!(by_id.insert(id.clone(), object.clone()).is_none(), "duplicate id {id}");
    }
    by_id
}

fn is_sco(kind: &str) -> bool {
    matches!(
        kind,
        "email-addr" | "user-account" | "phone-number" | "bank-card" | "cryptocurrency-wallet"
    )
}

/// `type--uuid`, with an RFC 4122 UUID; returns the UUID.
#[track_caller]
fn check_id(object: &Value, kind: &str) -> Uuid {
    let id = str_of(&object["id"]);
    let uuid = id
        .strip_prefix(&format!("{kind}--"))
        .unwrap_or_else(|| panic!("id {id} does not start with {kind}--"));
    let uuid = Uuid::parse_str(uuid).unwrap_or_else(|e| panic!("id {id}: {e}"));
    assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{id}");
    assert_eq!(uuid.hyphenated().to_string(), id[kind.len() + 2..], "lower-case hyphenated {id}");
    uuid
}

/// RFC 3339 in UTC (`Z`); `millis` requires exactly millisecond precision (created/modified).
#[track_caller]
fn check_timestamp(time: &str, millis: bool) {
    let parsed = chrono::DateTime::parse_from_rfc3339(time)
        .unwrap_or_else(|e| panic!("{time} is not RFC 3339: {e}"));
    assert!(time.ends_with('Z') && parsed.offset().local_minus_utc() == 0, "{time} is not UTC");
    if millis {
        let fraction = time.rsplit_once('.').map(|(_, f)| f.trim_end_matches('Z'));
        assert_eq!(fraction.map(str::len), Some(3), "{time} lacks millisecond precision");
    }
}

/// The spec's SCO id: UUIDv5 in the STIX namespace of the canonical JSON (sorted keys, no
/// whitespace) of the ID contributing properties.
fn sco_uuid(object: &Value) -> Uuid {
    let contributing: &[&str] = match str_of(&object["type"]) {
        "email-addr" => &["value"],
        "user-account" => &["account_login", "account_type"],
        "phone-number" | "bank-card" => &["number"],
        _ => &["address"],
    };
    let fields: Vec<String> = contributing
        .iter()
        .map(|name| format!("{}:{}", Value::from(*name), Value::from(str_of(&object[*name]))))
        .collect();
    let canonical = format!("{{{}}}", fields.join(","));
    let namespace = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);
    Uuid::new_v5(&namespace, canonical.as_bytes())
}

/// One comparison of a pattern: object type, property path and the literal's decoded value.
type Comparison = (String, String, String);

/// Parses the STIX patterns this exporter emits — one observation expression of comparison
/// expressions joined by AND or OR: `[type:path = 'literal' AND …]`, where a literal is
/// quoted with `'` and escapes `'` and `\` with `\` — and checks the rule that comparisons
/// joined by AND share one object type.
fn parse_pattern(pattern: &str) -> Result<Vec<Comparison>, String> {
    let inner = pattern
        .strip_prefix('[')
        .and_then(|p| p.strip_suffix(']'))
        .ok_or("not one observation expression in [ ]")?;
    let mut rest = inner;
    let mut comparisons = Vec::new();
    let mut joined_by_and = false;
    loop {
        let (path, after) = rest.split_once(' ').ok_or("no operator after the object path")?;
        let (object_type, property) = path.split_once(':').ok_or("object path without ':'")?;
        let type_ok = object_type.len() >= 3
            && object_type.split('-').all(|p| {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if !type_ok {
            return Err(format!("bad object type {object_type:?}"));
        }
        let path_ok = property.split('.').all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
        if !path_ok {
            return Err(format!("bad property path {property:?}"));
        }
        let after = after
            .strip_prefix("= ")
            .or_else(|| after.strip_prefix("!= "))
            .ok_or("operator is not = or !=")?;
        let mut chars = after.strip_prefix('\'').ok_or("literal does not open with '")?.chars();
        let mut value = String::new();
        loop {
            match chars.next().ok_or("unterminated literal")? {
                '\'' => break,
                '\\' => match chars.next() {
                    Some(c @ ('\'' | '\\')) => value.push(c),
                    other => return Err(format!("bad escape \\{other:?}")),
                },
                c => value.push(c),
            }
        }
        comparisons.push((object_type.to_owned(), property.to_owned(), value));
        rest = chars.as_str();
        if rest.is_empty() {
            break;
        }
        if let Some(next) = rest.strip_prefix(" AND ") {
            joined_by_and = true;
            rest = next;
        } else if let Some(next) = rest.strip_prefix(" OR ") {
            rest = next;
        } else {
            return Err(format!("expected AND or OR at {rest:?}"));
        }
    }
    let types: BTreeSet<&str> = comparisons.iter().map(|(t, _, _)| t.as_str()).collect();
    if joined_by_and && types.len() > 1 {
        return Err("comparisons joined by AND name different object types".into());
    }
    Ok(comparisons)
}

#[test]
fn the_pattern_checker_rejects_what_stix_does_not_allow() {
    let ok = parse_pattern(
        r"[user-account:account_login = 'o\'b\\x' AND user-account:account_type = 'qq']",
    );
    assert_eq!(ok.unwrap()[0].2, r"o'b\x");
    for bad in [
        "[email-addr:value = 'o'brien']",
        "[email-addr:value = 'a\\b']",
        "email-addr:value = 'a'",
        "[Email:value = 'a']",
        "[email-addr:value == 'a']",
        "[email-addr:value = 'a' AND user-account:account_login = 'b']",
        "[email-addr:value = 'a]",
    ] {
        assert!(parse_pattern(bad).is_err(), "accepted {bad}");
    }
}

#[test]
fn stix_bundle_follows_the_spec() {
    let store = Store::filled();
    let bundle: Value = serde_json::from_str(&store.stdout(&["--format", "stix"])).unwrap();
    let objects = check_bundle(&bundle);
    let count = |kind: &str| objects.values().filter(|o| o["type"] == kind).count();
    assert_eq!(count("indicator"), ACCOUNTS.len());
    assert_eq!(count("observed-data"), ACCOUNTS.len());
    assert_eq!(count("relationship"), ACCOUNTS.len());
    assert_eq!(count("email-addr"), 1);
    assert_eq!(count("user-account"), 3);
    assert_eq!(count("cryptocurrency-wallet"), 3);
    let extension = objects.values().find(|o| o["type"] == "extension-definition").unwrap();
    assert_eq!(extension["extension_types"], serde_json::json!(["new-sco"]));
    assert!(objects.contains_key(str_of(&extension["created_by_ref"])));

    let mut exported = Vec::new();
    for indicator in objects.values().filter(|o| o["type"] == "indicator") {
        assert_eq!(indicator["pattern_type"], "stix");
        let confidence = indicator["confidence"].as_u64().unwrap();
        assert!(confidence <= 100, "{indicator}");
        let comparisons = parse_pattern(str_of(&indicator["pattern"]))
            .unwrap_or_else(|e| panic!("{e}: {}", indicator["pattern"]));
        // The relationship leads to the observed data, and that to the observable the
        // pattern matches.
        let relationship = objects
            .values()
            .find(|o| o["type"] == "relationship" && o["source_ref"] == indicator["id"])
            .unwrap_or_else(|| panic!("no relationship from {}", indicator["id"]));
        assert_eq!(relationship["relationship_type"], "based-on");
        let observed = &objects[str_of(&relationship["target_ref"])];
        let sco = &objects[str_of(&observed["object_refs"][0])];
        for (object_type, property, value) in &comparisons {
            assert_eq!(sco["type"], *object_type, "{indicator}");
            assert_eq!(sco[property.as_str()], *value, "{indicator}");
        }
        if let Some(extensions) = sco.get("extensions") {
            let (id, extension) = extensions.as_object().unwrap().iter().next().unwrap();
            assert_eq!(objects[id]["type"], "extension-definition");
            assert_eq!(extension["extension_type"], "new-sco");
        }
        let value = comparisons.iter().find(|(_, p, _)| p != "account_type").unwrap();
        exported.push(value.2.clone());
    }
    let mut want: Vec<String> = ACCOUNTS.iter().map(|(_, v)| (*v).to_owned()).collect();
    want.sort();
    exported.sort();
    assert_eq!(exported, want, "one indicator per account, the value in its pattern");
    // The ids other producers give the same observables (the OASIS Python library, stix2
    // 3.0.2: `stix2.EmailAddress(value=…).id`, `stix2.UserAccount(…).id`).
    for id in [
        "email-addr--38541448-5116-58f5-b1bb-aa3bcb2319bb",
        "user-account--fde0d0dc-62cb-5bef-85be-8f6f2dd4d04b",
    ] {
        assert!(objects.contains_key(id), "no {id}");
    }
    // The quote and the backslash went through the pattern escaping.
    let wechat = objects.values().find(|o| o["name"] == format!("WeChat ID {WECHAT}")).unwrap();
    assert!(str_of(&wechat["pattern"]).contains(r"'bad\\wx\'id'"), "{wechat}");
}

// MISP.

#[test]
fn misp_feed_follows_the_feed_format() {
    let store = Store::filled();
    let out = tempfile::tempdir().unwrap();
    let feed = out.path().join("feed");
    let run = store.export(&["--format", "misp", "--out", feed.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "{run:#?}");
    let manifest: Value = read_json(&feed.join("manifest.json"));
    let manifest = manifest.as_object().unwrap();
    let files: BTreeSet<String> = std::fs::read_dir(&feed)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json") && name != "manifest.json")
        .collect();
    let keys: BTreeSet<String> = manifest.keys().map(|k| format!("{k}.json")).collect();
    assert_eq!(files, keys, "one event file per manifest entry");
    assert_eq!(manifest.len(), 3, "one event per site");

    let mut hashes = Vec::new();
    let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (uuid, summary) in manifest {
        let event = read_json(&feed.join(format!("{uuid}.json")));
        let event = &event["Event"];
        assert_eq!(event["uuid"], *uuid);
        assert_eq!(Uuid::parse_str(uuid).unwrap().get_version_num(), 5);
        for key in ["info", "date", "timestamp", "analysis", "threat_level_id", "Orgc", "Tag"] {
            assert_eq!(summary[key], event[key], "manifest {key} of {uuid}");
        }
        assert!(str_of(&event["info"]).starts_with("otcwatch: payment accounts advertised on "));
        assert!(chrono::NaiveDate::parse_from_str(str_of(&event["date"]), "%Y-%m-%d").is_ok());
        assert!(str_of(&event["timestamp"]).parse::<u64>().is_ok());
        assert!(event["Orgc"]["name"].is_string() && event["Orgc"]["uuid"].is_string());
        for attribute in event["Attribute"].as_array().unwrap() {
            check_attribute(attribute);
            hashes.push(format!("{},{uuid}", md5_hex(str_of(&attribute["value"]))));
            let entry = (str_of(&attribute["type"]).into(), str_of(&attribute["category"]).into());
            seen.insert(str_of(&attribute["value"]).into(), entry);
        }
        for object in event["Object"].as_array().unwrap() {
            assert_eq!(object["name"], "coin-address");
            assert_eq!(object["template_uuid"], "d0e6997e-78da-4815-a6a1-cfc1c1cb8a46");
            let attributes = object["Attribute"].as_array().unwrap();
            let relation = |name: &str| {
                attributes.iter().find(|a| a["object_relation"] == name).unwrap().clone()
            };
            let address = relation("address-crypto");
            check_attribute(&address);
            assert_eq!(address["type"], "text");
            let symbol = relation("symbol");
            let want = if str_of(&address["value"]) == ETH { "ETH" } else { "TRX" };
            assert_eq!(symbol["value"], want);
            for attribute in attributes {
                hashes.push(format!("{},{uuid}", md5_hex(str_of(&attribute["value"]))));
            }
            seen.insert(str_of(&address["value"]).into(), ("coin-address".into(), String::new()));
        }
    }
    let fraud = |t: &str| (t.to_owned(), "Financial fraud".to_owned());
    let want: BTreeMap<String, (String, String)> = [
        (ALIPAY, fraud("text")),
        (WECHAT, fraud("text")),
        (TELEGRAM, fraud("text")),
        (PHONE, fraud("phone-number")),
        (EMAIL, ("email".to_owned(), "Social network".to_owned())),
        (CARD, fraud("cc-number")),
        (CARD_LUHN_FAILED, fraud("bank-account-nr")),
        (BTC, fraud("btc")),
        (ETH, ("coin-address".to_owned(), String::new())),
        (TRON, ("coin-address".to_owned(), String::new())),
    ]
    .into_iter()
    .map(|(value, entry)| (value.to_owned(), entry))
    .collect();
    assert_eq!(seen, want);

    let lines: Vec<String> = std::fs::read_to_string(feed.join("hashes.csv"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    hashes.sort();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(sorted, hashes, "hashes.csv: md5 of every attribute value, with its event");
}

#[track_caller]
fn check_attribute(attribute: &Value) {
    for key in ["uuid", "type", "category", "value", "timestamp", "comment"] {
        assert!(attribute[key].is_string(), "attribute without {key}: {attribute}");
    }
    assert!(attribute["to_ids"].is_boolean());
    let uuid = Uuid::parse_str(str_of(&attribute["uuid"])).expect("attribute uuid");
    assert_eq!(uuid.get_version_num(), 5);
    assert_eq!(attribute["to_ids"], false, "unreviewed accounts are not for detection");
}

fn md5_hex(value: &str) -> String {
    format!("{:x}", Md5::digest(value.as_bytes()))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// Filters, errors, determinism.

#[test]
fn filters_select_by_kind_status_and_last_sighting() {
    let store = Store::filled();
    let select = |args: &[&str]| {
        let mut all = vec!["--format", "jsonl"];
        all.extend_from_slice(args);
        values(&jsonl(&store.stdout(&all)))
    };
    assert_eq!(select(&["--kind", "bank_card"]), expected(|kind, _| kind == Kind::BankCard));
    assert_eq!(select(&["--status", "new"]), expected(|_, _| true));
    assert_eq!(select(&["--status", "watchlisted"]), expected(|_, _| false));
    // The blog was crawled at T2, the forum and the channel at T1: the alipay account was on
    // both, so its last sighting is at T2.
    let on_blog = [ALIPAY, EMAIL, WECHAT, CARD, CARD_LUHN_FAILED, BTC];
    let since = expected(|_, value| on_blog.contains(&value));
    assert_eq!(select(&["--since", BETWEEN]), since);
    assert_eq!(select(&["--since", "2025-11-05T08:00:00+08:00"]), since, "an offset is honoured");
    assert_eq!(
        select(&["--since", BETWEEN, "--kind", "alipay"]),
        expected(|k, _| k == Kind::Alipay)
    );
    assert_eq!(select(&["--since", "2025-11-13T02:13:20.001Z"]), expected(|_, _| false));
    assert_eq!(select(&["--since", "2025-11-13T02:13:20Z"]), since, "at the time is kept");
}

#[test]
fn bad_flags_exit_2_and_say_what_is_valid() {
    let store = Store::filled();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file.csv");
    std::fs::write(&file, "x").unwrap();
    let dir_path = dir.path().to_str().unwrap();
    let cases: [(&[&str], &[&str]); 6] = [
        (&["--format", "csv", "--status", "approved"], &["approved", "watchlisted", "confirmed"]),
        (&["--format", "csv", "--kind", "iban"], &["iban", "alipay", "bank_card"]),
        (&["--format", "csv", "--since", "yesterday"], &["RFC 3339", "2026-11-01T00:00:00Z"]),
        (&["--format", "xml"], &["csv", "jsonl", "stix", "misp"]),
        (&["--format", "misp"], &["--out DIR"]),
        (&["--format", "stix", "--out", dir_path], &["is a folder"]),
    ];
    for (args, says) in cases {
        let run = store.export(args);
        let stderr = run.usage_error();
        for word in says {
            assert!(stderr.contains(word), "{args:?}: {word:?} not in {stderr}");
        }
    }
    let run = store.export(&["--format", "misp", "--out", file.to_str().unwrap()]);
    assert!(run.usage_error().contains("is a file"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x", "nothing written");
}

#[test]
fn two_exports_of_the_same_data_are_identical() {
    let store = Store::filled();
    for format in ["csv", "jsonl", "stix"] {
        let first = store.stdout(&["--format", format]);
        assert!(first.len() > 100, "{format}: {first}");
        assert_eq!(first, store.stdout(&["--format", format]), "{format}");
    }
    let out = tempfile::tempdir().unwrap();
    let (a, b) = (out.path().join("a"), out.path().join("b"));
    for dir in [&a, &b] {
        let run = store.export(&["--format", "misp", "--out", dir.to_str().unwrap()]);
        assert_eq!(run.code(), 0, "{run:#?}");
    }
    let names = |dir: &Path| {
        let mut names: Vec<_> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        names
    };
    assert_eq!(names(&a), names(&b));
    assert_eq!(names(&a).len(), 5, "three events, the manifest and hashes.csv");
    for name in names(&a) {
        assert_eq!(std::fs::read(a.join(&name)).unwrap(), std::fs::read(b.join(&name)).unwrap());
    }
}

#[test]
fn exports_never_read_page_bodies() {
    let store = Store::filled();
    let before: Vec<String> =
        ["csv", "jsonl", "stix"].iter().map(|f| store.stdout(&["--format", f])).collect();
    // Every stored body becomes garbage: reading one would fail the export.
    let mut corrupted = 0;
    let mut dirs = vec![store.db.join("bodies")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("list the bodies") {
            let path = entry.expect("a body entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                std::fs::write(&path, b"not lz4").expect("corrupt a body");
                corrupted += 1;
            }
        }
    }
    assert!(corrupted >= 1, "the bodies are in segment files");
    let after: Vec<String> =
        ["csv", "jsonl", "stix"].iter().map(|f| store.stdout(&["--format", f])).collect();
    assert_eq!(before, after);
}

#[test]
fn an_empty_store_exports_empty_files_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    drop(Db::open(&db).unwrap());
    let export = |args: &[&str]| {
        let mut all = vec!["export", "--db", db.to_str().unwrap()];
        all.extend_from_slice(args);
        let run = run(&all, None);
        assert_eq!(run.code(), 0, "{run:#?}");
        run.stdout
    };
    assert_eq!(export(&["--format", "csv"]).lines().count(), 1, "the header alone");
    assert_eq!(export(&["--format", "jsonl"]), "");
    let bundle: Value = serde_json::from_str(&export(&["--format", "stix"])).unwrap();
    let objects = check_bundle(&bundle);
    let types: BTreeSet<&str> = objects.values().map(|o| str_of(&o["type"])).collect();
    assert_eq!(types, BTreeSet::from(["identity", "extension-definition"]));
    let feed = dir.path().join("feed");
    export(&["--format", "misp", "--out", feed.to_str().unwrap()]);
    assert_eq!(read_json(&feed.join("manifest.json")), serde_json::json!({}));
    assert_eq!(std::fs::read_to_string(feed.join("hashes.csv")).unwrap(), "");
}

#[test]
fn out_writes_the_same_bytes_to_a_file() {
    let store = Store::filled();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    let run = store.export(&["--format", "stix", "--out", path.to_str().unwrap()]);
    assert_eq!((run.code(), run.stdout.as_str()), (0, ""), "{run:#?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), store.stdout(&["--format", "stix"]));
}
