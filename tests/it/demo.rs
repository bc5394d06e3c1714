//! The bundled demo: its sites crawled into a real store must give the advertisements'
//! accounts as OTC and leave the look-alike pages unflagged; `otcwatch demo --no-serve` runs
//! the whole thing through the binary.

use otcwatch::crawl;
use otcwatch::demo;
use otcwatch::extract::Kind;
use otcwatch::store::{AccountFilter, Db};
use std::time::Duration;

/// Accounts the demo's advertisements offer for OTC trades, by design of the pages.
const ADVERTISED: &[(Kind, &str)] = &[
    // Forum thread 101: full-width digits, a same-number label, a spelled-out QQ number.
    (Kind::Alipay, "+8615988234617"),
    (Kind::Wechat, "+8615988234617"),
    (Kind::BankCard, "6228483743554050759"),
    (Kind::Tron, "THzXmU54NaTZvtiMV2RbMmeCAndhd4RNpY"),
    (Kind::Qq, "2851736490"),
    (Kind::Wechat, "wang_u_otc2026"),
    (Kind::Phone, "+8618620197734"),
    (Kind::Telegram, "wang_usdt_otc"),
    // Forum thread 102, in English: an e-mail written with [at] and [dot].
    (Kind::Alipay, "hkdesk.otc@gmail.com"),
    (Kind::Wechat, "hkdesk_otc88"),
    (Kind::Eth, "0x8ac9dd7759034558e25ca8b4aa66917911ecf8a5"),
    (Kind::Btc, "12YihFVfk5AodYEXQhFZ2c1wHr1grhWmLb"),
    (Kind::Telegram, "hk_otc_desk"),
    // Forum thread 103, served in GBK.
    (Kind::BankCard, "6222022093050675"),
    (Kind::Wechat, "+8617728463051"),
    (Kind::Tron, "TDUpogJuC3eBXBc57YHtp8KnZ95iirVjWg"),
    // The Weibo feed.
    (Kind::Alipay, "+8618802735516"),
    (Kind::Wechat, "+8618802735516"),
    (Kind::Tron, "TYNvMUDeDmPTUexntUBRjCJU1J5U1FPokG"),
    (Kind::BankCard, "6217009602333863"),
    // The Telegram channel.
    (Kind::Wechat, "ajie_usdt_pay"),
    (Kind::Phone, "+8615820473391"),
];

/// Identifiers on look-alike pages (a fraud report, a shop's contact page, a contract list, a
/// moderator's warning) that must not be flagged as OTC.
const NOT_OTC: &[(Kind, &str)] = &[
    (Kind::Phone, "+8613916572248"),
    (Kind::Qq, "800812345"),
    (Kind::Email, "service@shuma-mall.example.com"),
    (Kind::Email, "news@lianwen.example.org"),
    (Kind::Email, "support@example.com"),
    (Kind::Eth, "0xdac17f958d2ee523a2206206994597c13d831ec7"),
    (Kind::Tron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
    (Kind::Btc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_finds_the_advertised_accounts_and_not_the_look_alikes() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sites = demo::serve_sites(listener).unwrap();
    let seeds = demo::seeds(sites.addr).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let options = crawl::Options { once: true, site: None };
    let run = crawl::run(&seeds, db.clone(), &options, &|_| {}, std::future::pending());
    let report = tokio::time::timeout(Duration::from_secs(60), run).await.unwrap().unwrap();
    for site in &report.sites {
        assert_eq!(site.errors, 0, "{report:?}");
    }

    let mut missing = Vec::new();
    for (kind, value) in ADVERTISED {
        match db.account(*kind, value).unwrap() {
            Some(account) if account.otc => {}
            other => missing.push(format!("{kind}:{value} → {other:?}")),
        }
    }
    assert!(missing.is_empty(), "advertised accounts not found as OTC:\n{}", missing.join("\n"));
    for (kind, value) in NOT_OTC {
        let account = db.account(*kind, value).unwrap();
        assert!(account.as_ref().is_none_or(|a| !a.otc), "{kind}:{value} flagged: {account:?}");
    }
    // Nothing flagged that the pages do not advertise (the demo is also a precision check).
    let flagged =
        db.accounts(&AccountFilter { otc_only: true, ..AccountFilter::default() }).unwrap();
    let unexpected: Vec<String> = flagged
        .iter()
        .filter(|a| !ADVERTISED.contains(&(a.kind, a.value.as_str())))
        .map(|a| format!("{}:{}", a.kind, a.value))
        .collect();
    // The channel's other posts (a wallet, a QQ number, a customer-service handle) are judged
    // on their own short text; they may or may not be flagged, and nothing else may be.
    let judged_alone = [
        "eth:0xbd996c2d9b8c67264ca44508c370dc16e6169b43",
        "qq:3120457789",
        "btc:1P5wqnyjqBWKyH1XS8jVsbqM3543uA3iE",
        "telegram:ajie_otc_kefu",
    ];
    let unexpected: Vec<&String> =
        unexpected.iter().filter(|u| !judged_alone.contains(&u.as_str())).collect();
    assert!(unexpected.is_empty(), "flagged but not advertised: {unexpected:?}");

    // The GBK thread was decoded: its evidence reads as Chinese.
    let card = db.sightings(Kind::BankCard, "6222022093050675").unwrap();
    assert!(card[0].context.contains("工行卡"), "{card:?}");
    // The feed item with script in its title and author keeps them as text.
    let card = db.sightings(Kind::BankCard, "6217009602333863").unwrap();
    let post = card[0].post.as_ref().unwrap();
    assert!(post.author.as_deref().is_some_and(|a| a.contains("onerror")), "{post:?}");
}

#[test]
fn demo_no_serve_crawls_into_its_directory_and_replaces_only_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let data_arg = data.to_str().unwrap();
    let run = crate::support::run(&["demo", "--no-serve", "--data", data_arg], None);
    assert_eq!(run.code(), 0, "{run:#?}");
    assert!(run.stdout.contains("advertised for OTC trades"), "{run:#?}");
    // A second demo replaces the first.
    let again = crate::support::run(&["demo", "--no-serve", "--data", data_arg], None);
    assert_eq!(again.code(), 0, "{again:#?}");
    // A directory the demo did not make is refused, and left alone.
    let other = dir.path().join("mine");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "mine").unwrap();
    let refused =
        crate::support::run(&["demo", "--no-serve", "--data", other.to_str().unwrap()], None);
    assert!(refused.usage_error().contains("was not made by `otcwatch demo`"));
    assert!(other.join("keep.txt").exists());
}

/// `otcwatch demo` (serving): the printed password logs in to the printed URL, and the UI
/// lists the demo's findings. The process is killed at the end; its data is in a temp dir.
#[test]
fn demo_serves_the_ui_with_a_printed_admin_password() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let mut child = crate::support::otcwatch()
        .args(["demo", "--listen", "127.0.0.1:0", "--data", data.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Read the lines on a thread so that a silent child cannot hang the test.
    let (tx, rx) = std::sync::mpsc::sync_channel::<String>(64);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (mut password, mut url) = (None, None);
    while url.is_none() {
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("demo prints its URL");
        if let Some(rest) = line.strip_prefix("password") {
            password = rest.split_whitespace().next().map(str::to_owned);
        }
        if let Some(rest) = line.strip_prefix("listening on ") {
            url = Some(rest.trim().to_owned());
        }
    }
    let (password, url) = (password.expect("a password line"), url.unwrap());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listed = runtime.block_on(async {
        let client =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        // The login form first: its CSRF token comes in a cookie and a hidden field.
        let form = client.get(format!("{url}/login")).send().await.unwrap();
        let form_cookie = form.headers()["set-cookie"].to_str().unwrap();
        let form_cookie = form_cookie.split(';').next().unwrap().to_owned();
        let html = form.text().await.unwrap();
        let token = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap();
        let login = client
            .post(format!("{url}/login"))
            .header("cookie", form_cookie)
            .form(&[("csrf", token), ("user", "admin"), ("password", password.as_str())])
            .send()
            .await
            .unwrap();
        assert!(login.status().is_redirection(), "a good login redirects: {login:?}");
        let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap();
        let page = client.get(format!("{url}/accounts")).header("cookie", cookie).send();
        page.await.unwrap().text().await.unwrap()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(listed.contains("hkdesk_otc88"), "the accounts page lists the demo's findings");
}
