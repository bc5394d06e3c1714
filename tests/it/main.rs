//! Integration tests, in one binary (`autotests = false` and one `[[test]]` in Cargo.toml), so
//! the crate links once and `cargo test` is the whole gate. Each module is one boundary; the
//! unit tests live next to the code in `src/`.

// Shared helpers: the `otcwatch` command with a hang guard, stdin, JSONL parsing.
mod support;

// The `extract` command through the real binary: output contract, charsets and exit codes.
mod cli;
// HTTP against in-test sites on 127.0.0.0/8: limits, redirects, the address guard, robots, sitemaps.
mod fetch;
// Properties of bytes → text → document → findings, generated with proptest.
mod extract_props;
// Tidy checks over the source tree: module docs, where dependencies may appear, file sizes.
mod tidy;
// The crawl engine end to end: in-test sites, a temp sled store, `crawl::run`.
mod crawl;
// kill -9 mid-crawl and resume, through the real binary.
mod resume;
mod social;
mod demo;
// Review, show and webhook commands through the real binary, on a seeded temp store.
mod review;
// Webhook delivery from the outbox to an in-test receiver that is down, then up.
mod webhook;
// `otcwatch export` on a filled store: CSV, JSONL, STIX 2.1 and MISP checked against their specs.
mod export;
// The web server over HTTP: auth on every route, roles, sessions, the API, OpenAPI, metrics.
mod api;
// `serve`, `token` and `webhook` through the real binary: tokens, Ctrl-C, delivery.
mod serve;
// The HTML pages over HTTP: roles, CSRF, admin site actions, filters, static files.
mod ui_pages;
// The web UI in headless Chromium: login, filter, review, XSS from crawled text, CSRF.
mod browser;
