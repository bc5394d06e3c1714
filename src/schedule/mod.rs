//! What to fetch next: URL canonicalisation and scope (`canon.rs`, `scope.rs`), per-host
//! politeness and the robots.txt cache (`politeness.rs`), and the adaptive revisit policy
//! (below). The frontier itself lives on disk behind `store`; the scheduler in `crawl/` is its
//! one owner.

pub mod canon;
pub mod politeness;
pub mod scope;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch: the clock of every due time, sighting and review.
pub fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH);
    since.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The next revisit interval of a page: halved when it changed since the last fetch, doubled
/// when it did not, within the site's bounds.
pub fn next_revisit(
    previous: Option<Duration>,
    changed: bool,
    min: Duration,
    max: Duration,
) -> Duration {
    let base = previous.unwrap_or(min);
    let next = if changed { base / 2 } else { base.saturating_mul(2) };
    next.clamp(min, max.max(min))
}

/// `duration` moved by up to ±10 %, from `seed` (any number that differs between URLs and
/// runs), so a restart does not fire every site or page at once.
pub fn jitter(duration: Duration, seed: u64) -> Duration {
    // A multiplicative hash spreads consecutive seeds over the whole range.
    let spread = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 44; // 0..2^20
    let fraction = spread as f64 / (1u64 << 20) as f64; // 0..1
    duration.mul_f64(0.9 + 0.2 * fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisits_adapt_within_bounds() {
        let (min, max) = (Duration::from_secs(60), Duration::from_secs(600));
        assert_eq!(next_revisit(None, false, min, max), Duration::from_secs(120));
        assert_eq!(next_revisit(Some(Duration::from_secs(400)), false, min, max), max);
        assert_eq!(next_revisit(Some(Duration::from_secs(100)), true, min, max), min);
    }

    #[test]
    fn jitter_stays_within_ten_percent_and_varies() {
        let base = Duration::from_secs(1000);
        let values: Vec<Duration> = (0..50).map(|seed| jitter(base, seed)).collect();
        assert!(
            values
                .iter()
                .all(|d| *d >= Duration::from_secs(900) && *d <= Duration::from_secs(1100))
        );
        assert!(values.iter().any(|d| *d != values[0]));
    }
}
