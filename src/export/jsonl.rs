//! JSONL: one JSON object per line, one line per account, with every sighting's evidence.
//! For scripts: values are exactly as stored (no CSV neutralisation), times are RFC 3339 UTC.

use super::{Entry, place, rfc3339_ms, round_score};
use crate::store::Sighting;
use serde_json::{Value, json};
use std::io::{self, Write};

/// Writes one line per entry.
pub fn write<W: Write>(mut out: W, entries: &[Entry]) -> io::Result<()> {
    for entry in entries {
        serde_json::to_writer(&mut out, &line(entry))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The object of one line: the account's summary and `sightings`, its evidence.
pub fn line(entry: &Entry) -> Value {
    let account = &entry.account;
    json!({
        "kind": account.kind,
        "value": account.value,
        "status": account.status.to_string(),
        "otc": account.otc,
        "score": round_score(account.score),
        "first_seen": rfc3339_ms(account.first_seen_ms),
        "last_seen": rfc3339_ms(account.last_seen_ms),
        "sighting_count": account.sightings,
        "sites": account.sites,
        "sightings": entry.sightings.iter().map(sighting).collect::<Vec<_>>(),
    })
}

fn sighting(sighting: &Sighting) -> Value {
    let post = sighting.post.as_ref();
    json!({
        "place": place(sighting),
        "url": sighting.url,
        "site": sighting.site,
        "author": post.and_then(|post| post.author.as_deref()),
        "posted": post.and_then(|post| post.posted.as_deref()),
        "raw": sighting.raw,
        "context": sighting.context,
        "span": [sighting.span.0, sighting.span.1],
        "otc": sighting.otc,
        "score": round_score(sighting.score),
        "first_seen": rfc3339_ms(sighting.first_seen_ms),
        "last_seen": rfc3339_ms(sighting.last_seen_ms),
        "page": sighting.page_hash,
        "validation": sighting.validation,
        "warning": sighting.warning,
    })
}
