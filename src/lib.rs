//! otcwatch: crawl listed sites and social posts, extract the payment identifiers that are
//! advertised for OTC crypto trades, keep each with its evidence, and serve them for review.
//!
//! # Layout
//!
//! ```text
//! schedule ─► fetch ─► parse ─► extract ─► store ─► web / export
//!    ▲                   │
//!    └──── new links ────┘        (wired together in `crawl`)
//! ```
//!
//! Modules are declared in pipeline (reading) order. `parse` and `extract` are synchronous,
//! do no IO and never fail: malformed input is data, not an error.

pub mod config;
pub mod schedule;
pub mod fetch;
pub mod parse;
pub mod extract;
pub mod store;
pub mod notify;
pub mod crawl;
pub mod web;
pub mod cli;
