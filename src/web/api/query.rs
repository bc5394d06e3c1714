//! The query string of `GET /api/v1/accounts`: filters, sort and page, each parameter checked
//! with a 400 that names it and says what it takes; and the filters and sort the store's
//! `AccountFilter` does not do itself.

use super::{MAX_LIMIT, parse_kind};
use crate::store::{Account, AccountFilter, Status};
use crate::web::ApiError;
use std::time::UNIX_EPOCH;

/// The filters, sort and page of `GET /api/v1/accounts`.
#[derive(Debug, Default)]
pub(super) struct ListQuery {
    pub(super) filter: AccountFilter,
    pub(super) first_seen: (Option<u64>, Option<u64>),
    pub(super) last_seen: (Option<u64>, Option<u64>),
    pub(super) sort: Sort,
    pub(super) descending: bool,
    pub(super) limit: usize,
    pub(super) offset: usize,
}

#[derive(Debug, Default, Clone, Copy)]
pub(super) enum Sort {
    #[default]
    Value,
    Score,
    FirstSeen,
    LastSeen,
    Sightings,
}

/// The query parameters `GET /api/v1/accounts` takes.
const LIST_PARAMS: &str = "kind, status, site, min_score, q, otc, first_seen_after, \
     first_seen_before, last_seen_after, last_seen_before, sort, limit, offset";

/// Parses the query string of `GET /api/v1/accounts`; every problem is a 400 saying which
/// parameter and what it takes.
pub(super) fn parse(raw: &str) -> Result<ListQuery, ApiError> {
    let mut query = ListQuery { limit: 100, ..ListQuery::default() };
    for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let value = value.into_owned();
        match &*name {
            "kind" => query.filter.kind = Some(parse_kind(&value)?),
            "status" => {
                let status = value.parse::<Status>().map_err(|error| {
                    ApiError::bad_request(error.to_string(), "use one of the statuses listed")
                })?;
                query.filter.status = Some(status);
            }
            "site" => query.filter.site = Some(value),
            "q" => query.filter.text = Some(value),
            "min_score" => {
                let score = value.parse::<f32>().ok().filter(|s| (0.0..=1.0).contains(s));
                query.filter.min_score = Some(score.ok_or_else(|| {
                    bad_param("min_score", &value, "a number from 0 to 1, such as 0.5")
                })?);
            }
            "otc" => {
                query.filter.otc_only = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad_param("otc", &value, "true or false")),
                }
            }
            "first_seen_after" => query.first_seen.0 = Some(parse_time(&name, &value)?),
            "first_seen_before" => query.first_seen.1 = Some(parse_time(&name, &value)?),
            "last_seen_after" => query.last_seen.0 = Some(parse_time(&name, &value)?),
            "last_seen_before" => query.last_seen.1 = Some(parse_time(&name, &value)?),
            "sort" => {
                let (descending, key) = match value.strip_prefix('-') {
                    Some(key) => (true, key),
                    None => (false, value.as_str()),
                };
                query.descending = descending;
                query.sort = match key {
                    "value" => Sort::Value,
                    "score" => Sort::Score,
                    "first_seen" => Sort::FirstSeen,
                    "last_seen" => Sort::LastSeen,
                    "sightings" => Sort::Sightings,
                    _ => {
                        return Err(bad_param(
                            "sort",
                            &value,
                            "value, score, first_seen, last_seen or sightings, with a leading \
                             `-` for descending",
                        ));
                    }
                };
            }
            "limit" => {
                let limit = value.parse::<usize>().ok().filter(|n| (1..=MAX_LIMIT).contains(n));
                query.limit = limit.ok_or_else(|| {
                    bad_param("limit", &value, &format!("a whole number from 1 to {MAX_LIMIT}"))
                })?;
            }
            "offset" => {
                query.offset = value
                    .parse()
                    .map_err(|_| bad_param("offset", &value, "a whole number, 0 or more"))?;
            }
            other => {
                return Err(ApiError::bad_request(
                    format!("unknown query parameter {other:?}"),
                    format!("the parameters are {LIST_PARAMS}"),
                ));
            }
        }
    }
    Ok(query)
}

pub(super) fn bad_param(name: &str, value: &str, expected: &str) -> ApiError {
    ApiError::bad_request(format!("bad {name} {value:?}"), format!("{name} takes {expected}"))
}

/// An RFC 3339 time as ms since the epoch.
fn parse_time(name: &str, value: &str) -> Result<u64, ApiError> {
    let time = humantime::parse_rfc3339_weak(value)
        .map_err(|_| bad_param(name, value, "an RFC 3339 time, such as 2026-01-31T08:00:00Z"))?;
    let ms = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    Ok(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// The filters [`AccountFilter`] does not do itself.
pub(super) fn keep(query: &ListQuery, account: &Account) -> bool {
    let within = |ms: u64, (after, before): (Option<u64>, Option<u64>)| {
        after.is_none_or(|after| ms >= after) && before.is_none_or(|before| ms < before)
    };
    within(account.first_seen_ms, query.first_seen) && within(account.last_seen_ms, query.last_seen)
}

pub(super) fn sort(accounts: &mut [Account], key: Sort, descending: bool) {
    // Accounts arrive ordered by (kind, value); a stable sort keeps that as the tie-break.
    match key {
        Sort::Value => accounts.sort_by(|a, b| a.value.cmp(&b.value)),
        Sort::Score => accounts.sort_by(|a, b| a.score.total_cmp(&b.score)),
        Sort::FirstSeen => accounts.sort_by_key(|a| a.first_seen_ms),
        Sort::LastSeen => accounts.sort_by_key(|a| a.last_seen_ms),
        Sort::Sightings => accounts.sort_by_key(|a| a.sightings),
    }
    if descending {
        accounts.reverse();
    }
}
