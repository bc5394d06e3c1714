//! Per-host politeness: a minimum delay between requests (the site's, or robots.txt's
//! Crawl-delay when larger), a cap on requests in flight, back-off after 429/503 and failures,
//! and a robots.txt cache entry with its expiry. Owned by the scheduler; no locks.

use crate::fetch::robots::Robots;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long a fetched robots.txt is trusted.
pub const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long to stay away from a host whose robots.txt answered 5xx or timed out.
pub const ROBOTS_BACKOFF: Duration = Duration::from_secs(600);
/// The longest a server's Retry-After is honoured; beyond this the URL is given up for now.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// What is known of a host's robots.txt.
#[derive(Debug, Clone)]
pub enum RobotsState {
    /// Not asked yet, or being fetched.
    Unknown,
    Pending,
    Known {
        robots: Option<Robots>,
        expires: Instant,
    },
    /// 5xx or unreachable: nothing is fetched from the host until `until`.
    Unavailable {
        until: Instant,
    },
}

/// One host's state.
#[derive(Debug)]
pub struct Host {
    pub robots: RobotsState,
    /// Earliest time of the next request.
    pub next_allowed: Instant,
    pub in_flight: usize,
    /// Minimum gap between requests.
    pub delay: Duration,
    pub max_in_flight: usize,
    /// Consecutive throttles or failures, for exponential back-off.
    pub strikes: u32,
}

/// All hosts.
#[derive(Debug, Default)]
pub struct Hosts {
    hosts: HashMap<String, Host>,
}

impl Hosts {
    /// The host `key` (`scheme://host:port`), created with the site's delay and concurrency.
    pub fn get(&mut self, key: &str, delay: Duration, max_in_flight: usize) -> &mut Host {
        self.hosts.entry(key.to_owned()).or_insert_with(|| Host {
            robots: RobotsState::Unknown,
            next_allowed: Instant::now(),
            in_flight: 0,
            delay,
            max_in_flight,
            strikes: 0,
        })
    }

    pub fn find(&mut self, key: &str) -> Option<&mut Host> {
        self.hosts.get_mut(key)
    }
}

impl Host {
    /// True when a request may start now.
    pub fn ready(&self, now: Instant) -> bool {
        self.in_flight < self.max_in_flight && now >= self.next_allowed
    }

    /// Records the start of a request.
    pub fn start(&mut self, now: Instant) {
        self.in_flight += 1;
        self.next_allowed = now + self.delay;
    }

    /// Records the end of a request; `throttle` is the server's Retry-After (or `Some(ZERO)`
    /// for a 429/503 without one), which backs the host off exponentially.
    pub fn finish(&mut self, now: Instant, throttle: Option<Duration>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match throttle {
            Some(retry_after) => {
                self.strikes = (self.strikes + 1).min(10);
                let backoff = self.delay.max(Duration::from_secs(1)) * 2u32.pow(self.strikes);
                let wait = retry_after.max(backoff).min(MAX_RETRY_AFTER);
                self.next_allowed = self.next_allowed.max(now + wait);
            }
            None => self.strikes = 0,
        }
    }

    /// Adopts a robots.txt, raising the delay to its Crawl-delay.
    pub fn set_robots(&mut self, robots: Option<Robots>, now: Instant) {
        if let Some(delay) = robots.as_ref().and_then(Robots::crawl_delay) {
            self.delay = self.delay.max(delay.min(Duration::from_secs(60)));
        }
        self.robots = RobotsState::Known { robots, expires: now + ROBOTS_TTL };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_and_concurrency_gate_requests() {
        let mut hosts = Hosts::default();
        let host = hosts.get("http://a", Duration::from_millis(100), 1);
        let now = Instant::now();
        assert!(host.ready(now));
        host.start(now);
        assert!(!host.ready(now));
        host.finish(now, None);
        assert!(!host.ready(now), "the delay still runs");
        assert!(host.ready(now + Duration::from_millis(100)));
    }

    #[test]
    fn throttles_back_off_exponentially_and_honour_retry_after() {
        let mut hosts = Hosts::default();
        let host = hosts.get("http://a", Duration::ZERO, 4);
        let now = Instant::now();
        host.start(now);
        host.finish(now, Some(Duration::from_secs(7)));
        assert!(host.next_allowed >= now + Duration::from_secs(7));
        host.start(now);
        host.finish(now, Some(Duration::ZERO));
        assert!(host.next_allowed >= now + Duration::from_secs(4));
        host.start(now);
        host.finish(now, None);
        assert_eq!(host.strikes, 0);
    }
}
