//! The crawl: wires schedule → fetch → parse → extract → store. The one place (with `web/`)
//! that spawns tasks. One scheduler loop owns the frontier (in the store), the per-host
//! politeness state and the per-site crawl state; fetch tasks do network, parse and extract
//! work and send their results back over one bounded channel; the scheduler commits each result
//! in one store transaction and flushes at commit points, and only then reports findings.

mod social;
mod task;

use crate::config::{Seeds, Site, SourceKind};
use crate::extract::Warninglist;
use crate::fetch::robots::{self, RobotsFetch};
use crate::fetch::{self, guard::Guard, sitemap};
use crate::schedule::now_ms;
use crate::schedule::politeness::{Hosts, ROBOTS_BACKOFF, RobotsState};
use crate::schedule::{self, scope};
use crate::store::{
    self, FindingRecord, PageCommit, PageWork, Queued, SiteState, StoredBody, UrlRecord,
};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use task::{FetchTask, Fetched};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

/// How a crawl runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Crawl each due site to completion and return, instead of running forever.
    pub once: bool,
    /// Crawl only this site.
    pub site: Option<String>,
}

/// Progress of one site, for bars and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteProgress {
    pub site: String,
    pub pages: u64,
    pub queued: u64,
    pub errors: u64,
    /// Findings written and flushed.
    pub findings: u64,
    pub done: bool,
}

/// What a crawl did, per site.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub sites: Vec<SiteProgress>,
}

/// A crawl that could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Fetch(#[from] fetch::Error),
    #[error("no site named '{0}' in the seeds file")]
    UnknownSite(String),
    #[error("a background task failed: {0}")]
    Task(String),
}

/// Results waiting in the channel; small, so fetchers wait for the scheduler (backpressure).
const RESULT_CHANNEL: usize = 64;
/// Due entries read from the store per site per scheduling round: at most this many, and at
/// most [`DUE_PER_SLOT`] per free fetch slot, so that a round that can start two fetches
/// does not decode hundreds of entries, yet entries held back by a busy host can be passed.
const DUE_BATCH: usize = 256;
const DUE_PER_SLOT: usize = 4;
/// Results are committed in batches of up to this many pages (one transaction each)…
const COMMIT_BATCH: usize = 64;
/// …or once the oldest has waited this long, or when nothing else is in flight. Until then
/// their queue entries stay in the in-flight set, so they are not dispatched again.
const COMMIT_WAIT: Duration = Duration::from_millis(10);
/// Flush the store at least this often while results arrive.
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// Or after this many commits, whichever comes first.
const FLUSH_COMMITS: usize = 512;
/// How often a 429/503 is retried before the URL is given up for this crawl.
const MAX_THROTTLE_RETRIES: u32 = 3;
/// On shutdown, how long in-flight fetches may take to finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// How many nested sitemap indexes are followed.
const MAX_SITEMAP_DEPTH: u8 = 2;

/// Runs the crawl until every due site is done (`once`) or `shutdown` resolves.
pub async fn run(
    seeds: &Seeds,
    db: store::Db,
    options: &Options,
    progress: &(dyn Fn(&SiteProgress) + Sync),
    shutdown: impl Future<Output = ()>,
) -> Result<Report, Error> {
    /* Setup: sites added from the UI join the seeds; the address guard allows exactly the
    seeds' own private addresses. */
    let seeds = &with_added_sites(seeds, &db)?;
    if let Some(name) = options.site.as_ref().filter(|name| seeds.site(name).is_none()) {
        return Err(Error::UnknownSite(name.clone()));
    }
    let mut allowed = Vec::new();
    for site in &seeds.sites {
        allowed.extend(Guard::seed_pairs(&site.url).await);
    }
    let client = fetch::Client::new(&seeds.fetch, Guard::new(allowed))?;
    let agent = agent_token(&seeds.fetch.user_agent);
    let warninglist = Arc::new(Warninglist::embedded());

    /* Channels: one bounded channel carries every task's result back. */
    let (tx, mut rx) = mpsc::channel::<Done>(RESULT_CHANNEL);
    let mut tasks = JoinSet::new();
    let mut sched = Scheduler::new(seeds, db, options)?;

    /* Run until done or shutdown. */
    tokio::pin!(shutdown);
    let mut last_flush = Instant::now();
    loop {
        let now = Instant::now();
        sched.start_due_crawls(options)?;
        let wake = sched.dispatch(now, &client, &agent, &warninglist, &tx, &mut tasks)?;
        if sched.commit_due(now) {
            sched.commit_pending()?;
        }
        if sched.finish_idle_sites()? {
            sched.flush_and_report(progress).await?;
            if options.once && sched.active.is_empty() {
                break;
            }
        }
        let wake = match sched.pending_since {
            Some(since) => Some(wake.map_or(since + COMMIT_WAIT, |at| at.min(since + COMMIT_WAIT))),
            None => wake,
        };
        let sleep_for = wake
            .map_or(Duration::from_secs(1), |at| at.saturating_duration_since(now))
            .max(Duration::from_millis(1));
        tokio::select! {
            biased;
            () = &mut shutdown => {
                tracing::info!("shutdown requested: finishing in-flight fetches");
                break;
            }
            Some(done) = rx.recv() => {
                sched.handle(done, &tx, &client, &mut tasks)?;
                while let Ok(done) = rx.try_recv() {
                    sched.handle(done, &tx, &client, &mut tasks)?;
                }
                // Results are committed together, many to a transaction (`commit_due`).
                if sched.commit_due(Instant::now()) {
                    sched.commit_pending()?;
                }
            }
            () = tokio::time::sleep(sleep_for) => {}
        }
        while tasks.try_join_next().is_some() {}
        if last_flush.elapsed() >= FLUSH_EVERY || sched.unflushed >= FLUSH_COMMITS {
            sched.flush_and_report(progress).await?;
            last_flush = Instant::now();
        }
    }

    /* Drain: let in-flight work finish (bounded), commit it, flush, report. */
    drop(tx);
    let deadline = tokio::time::sleep(DRAIN_TIMEOUT);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            done = rx.recv() => match done {
                Some(done) => sched.handle_final(done)?,
                None => break,
            },
            () = &mut deadline => {
                tracing::warn!(in_flight = tasks.len(), "drain timeout: abandoning in-flight fetches (they stay queued)");
                tasks.abort_all();
                break;
            }
        }
    }
    sched.flush_and_report(progress).await?;
    Ok(Report { sites: sched.progress.values().cloned().collect() })
}

/// The product token of a user agent (`otcwatch/0.1 (…)` → `otcwatch`), matched in robots.txt.
pub fn agent_token(user_agent: &str) -> String {
    user_agent.split(['/', ' ']).next().unwrap_or("otcwatch").to_ascii_lowercase()
}

/// What a task sends back.
#[derive(Debug)]
enum Done {
    /// `previous` is the URL's record as the task started from it.
    Fetched {
        site: String,
        entry: Queued,
        result: Box<Fetched>,
        previous: Option<Box<UrlRecord>>,
    },
    Robots {
        host: String,
        site: String,
        fetch: RobotsFetch,
    },
    Sitemap {
        site: String,
        urls: Vec<Url>,
    },
}

/// One site's crawl in progress.
#[derive(Debug)]
struct Run {
    site: Arc<Site>,
    state: SiteState,
    /// Social sources: the newest post id when this crawl started; older posts are skipped.
    since: Option<u64>,
    dispatched: u64,
    in_flight: usize,
    /// Distinct query strings seen per path in this crawl (calendar/facet traps).
    query_variants: HashMap<String, HashSet<u64>>,
    throttle_retries: HashMap<u64, u32>,
}

struct Scheduler<'a> {
    seeds: &'a Seeds,
    db: store::Db,
    hosts: Hosts,
    active: HashMap<String, Run>,
    /// Queue entries being fetched, by site (their `seq`), so they are not dispatched twice.
    in_flight: HashMap<String, HashSet<u64>>,
    n_in_flight: usize,
    robots_pending: usize,
    /// Sitemap fetches under way: a crawl is not over while its sitemaps may add URLs.
    sitemaps_pending: usize,
    unflushed: usize,
    /// Findings committed but not yet flushed, per site.
    pending_findings: HashMap<String, u64>,
    progress: HashMap<String, SiteProgress>,
    /// Sites whose crawl ended in this run: with `once`, they are not started again.
    finished: HashSet<String>,
    /// Sites with commits since the last flush, whose crawl state is written at the flush.
    dirty_sites: HashSet<String>,
    /// Results waiting for the next batch commit (`commit_pending`).
    pending: Vec<PageWork>,
    /// When the oldest of `pending` arrived.
    pending_since: Option<Instant>,
    /// Queue entries whose fetch is over, to leave the in-flight set once what they changed
    /// is committed (until then the queue still holds them).
    settled: Vec<(String, u64)>,
    /// Unchanged pages whose sightings are touched after the batch commits.
    touches: Vec<(String, String)>,
}

impl<'a> Scheduler<'a> {
    fn new(seeds: &'a Seeds, db: store::Db, options: &Options) -> Result<Scheduler<'a>, Error> {
        let mut sched = Scheduler {
            seeds,
            db,
            hosts: Hosts::default(),
            active: HashMap::new(),
            in_flight: HashMap::new(),
            n_in_flight: 0,
            robots_pending: 0,
            sitemaps_pending: 0,
            unflushed: 0,
            pending_findings: HashMap::new(),
            progress: HashMap::new(),
            finished: HashSet::new(),
            dirty_sites: HashSet::new(),
            pending: Vec::new(),
            pending_since: None,
            settled: Vec::new(),
            touches: Vec::new(),
        };
        // A crawl that was running when the process died resumes where it stopped.
        for site in sched.selected(options) {
            let Some(state) = sched.db.site(&site.name)? else { continue };
            if state.crawl_started_ms.is_some() && state.crawl_finished_ms.is_none() {
                tracing::info!(site = %site.name, epoch = state.epoch, "resuming an interrupted crawl");
                sched.activate(site.clone(), state);
            }
        }
        Ok(sched)
    }

    fn selected(&self, options: &Options) -> Vec<&'a Site> {
        self.seeds
            .sites
            .iter()
            .filter(|site| {
                !site.paused && options.site.as_ref().is_none_or(|name| *name == site.name)
            })
            .collect()
    }

    fn activate(&mut self, site: Site, state: SiteState) {
        self.progress.insert(
            site.name.clone(),
            SiteProgress {
                site: site.name.clone(),
                pages: state.pages,
                errors: state.errors,
                findings: state.findings,
                ..SiteProgress::default()
            },
        );
        self.active.insert(
            site.name.clone(),
            Run {
                site: Arc::new(site),
                since: state.post_cursor,
                state,
                dispatched: 0,
                in_flight: 0,
                query_variants: HashMap::new(),
                throttle_retries: HashMap::new(),
            },
        );
    }

    /// Starts a new crawl (epoch) of every selected site whose interval has come.
    fn start_due_crawls(&mut self, options: &Options) -> Result<(), Error> {
        let now = now_ms();
        for site in self.selected(options) {
            if self.active.contains_key(&site.name)
                || (options.once && self.finished.contains(&site.name))
            {
                continue;
            }
            let mut state = self
                .db
                .site(&site.name)?
                .unwrap_or_else(|| SiteState { name: site.name.clone(), ..SiteState::default() });
            // Paused from the UI (the seeds file's `paused` is checked in `selected`).
            if state.paused || state.next_crawl_ms.is_some_and(|due| due > now) {
                continue;
            }
            state.epoch += 1;
            state.crawl_started_ms = Some(now);
            state.crawl_finished_ms = None;
            state.pages = 0;
            state.errors = 0;
            state.findings = 0;
            state.post_newest = None;
            let seed = social::start_url(site, state.post_cursor);
            self.db.enqueue(&site.name, state.epoch, seed.as_str(), 0, now)?;
            self.db.put_site(&state)?;
            tracing::info!(site = %site.name, epoch = state.epoch, "crawl started");
            self.activate(site.clone(), state);
        }
        Ok(())
    }

    /// Starts every fetch that politeness allows now; returns when to look again.
    fn dispatch(
        &mut self,
        now: Instant,
        client: &fetch::Client,
        agent: &str,
        warninglist: &Arc<Warninglist>,
        tx: &mpsc::Sender<Done>,
        tasks: &mut JoinSet<()>,
    ) -> Result<Option<Instant>, Error> {
        let mut wake: Option<Instant> = None;
        let mut soon = |at: Instant| wake = Some(wake.map_or(at, |w: Instant| w.min(at)));
        let names: Vec<String> = self.active.keys().cloned().collect();
        for name in names {
            if self.n_in_flight >= self.seeds.global_concurrency {
                break;
            }
            let Some(run) = self.active.get(&name) else { continue };
            if run.dispatched >= run.site.max_pages || run.state.paused {
                continue;
            }
            let free = self.seeds.global_concurrency.saturating_sub(self.n_in_flight);
            let limit = (free * DUE_PER_SLOT).clamp(1, DUE_BATCH);
            let none = HashSet::new();
            let skip = self.in_flight.get(&name).unwrap_or(&none);
            let due = self.db.due_skipping(&name, now_ms(), limit, skip)?;
            // Wake for entries that fall due later (retries). Entries due now but held back by
            // concurrency wake the loop when a result comes in, and by a host's delay through
            // `soon(host.next_allowed)` below: waking for them now would spin.
            if let Some(next) = self.db.next_due(&name)?.filter(|next| *next > now_ms()) {
                soon(now + Duration::from_millis(next - now_ms().min(next)));
            }
            for entry in due {
                if self.n_in_flight >= self.seeds.global_concurrency {
                    break;
                }
                let Some(run) = self.active.get_mut(&name) else { break };
                if entry.epoch != run.state.epoch {
                    // Left over from an earlier crawl.
                    self.db.remove_queued(std::slice::from_ref(&entry))?;
                    continue;
                }
                if run.dispatched >= run.site.max_pages {
                    break;
                }
                let Ok(url) = Url::parse(&entry.url) else {
                    self.db.remove_queued(std::slice::from_ref(&entry))?;
                    continue;
                };
                let host_key = host_key(&url);
                let host = self.hosts.get(&host_key, run.site.delay, run.site.concurrency_per_host);
                match &host.robots {
                    RobotsState::Unknown => {
                        host.robots = RobotsState::Pending;
                        self.robots_pending += 1;
                        let (tx, client, agent, site) =
                            (tx.clone(), client.clone(), agent.to_owned(), name.clone());
                        let origin = origin(&url);
                        tasks.spawn(async move {
                            let fetch = robots::fetch(&client, &origin, &agent).await;
                            let _ = tx.send(Done::Robots { host: host_key, site, fetch }).await;
                        });
                        continue;
                    }
                    RobotsState::Pending => continue,
                    RobotsState::Unavailable { until } if *until > now => {
                        soon(*until);
                        continue;
                    }
                    RobotsState::Known { robots: Some(robots), .. } if !robots.allowed(&url) => {
                        let record = UrlRecord {
                            site: name.clone(),
                            failure: Some("disallowed by robots.txt".to_owned()),
                            ..self.db.url(&entry.url)?.unwrap_or_default()
                        };
                        self.commit(
                            &name,
                            entry,
                            record,
                            None,
                            Vec::new(),
                            url.as_str(),
                            Vec::new(),
                        );
                        continue;
                    }
                    RobotsState::Known { expires, .. } if *expires <= now => {
                        host.robots = RobotsState::Unknown;
                        continue;
                    }
                    _ => {}
                }
                if !host.ready(now) {
                    if host.in_flight < host.max_in_flight {
                        soon(host.next_allowed);
                    }
                    continue;
                }
                host.start(now);
                run.dispatched += 1;
                run.in_flight += 1;
                self.n_in_flight += 1;
                self.in_flight.entry(name.clone()).or_default().insert(entry.seq);
                let previous = self.db.url(&entry.url)?;
                let task = FetchTask {
                    client: client.clone(),
                    db: self.db.clone(),
                    warninglist: Arc::clone(warninglist),
                    url,
                    previous: previous.clone(),
                    site: Arc::clone(&run.site),
                    since: run.since,
                };
                let (tx, site) = (tx.clone(), name.clone());
                tasks.spawn(async move {
                    let result = Box::new(task.run().await);
                    let previous = previous.map(Box::new);
                    let _ = tx.send(Done::Fetched { site, entry, result, previous }).await;
                });
            }
        }
        Ok(wake)
    }

    /// Ends the crawl of every active site with nothing due, nothing in flight and nothing
    /// queued for later in this epoch; returns whether any ended.
    fn finish_idle_sites(&mut self) -> Result<bool, Error> {
        // Queue lengths are read below: what is waiting to be committed must be in them.
        if self.active.values().any(|run| run.in_flight == 0) {
            self.commit_pending()?;
        }
        let mut finished = Vec::new();
        for (name, run) in &self.active {
            let capped = run.dispatched >= run.site.max_pages;
            if run.in_flight > 0 || self.robots_pending > 0 || self.sitemaps_pending > 0 {
                continue;
            }
            // A site paused from the UI ends its crawl here; what is left queued is dropped.
            if capped || run.state.paused || self.db.queue_len(name)? == 0 {
                finished.push(name.clone());
            }
        }
        for name in &finished {
            let Some(mut run) = self.active.remove(name) else { continue };
            self.finished.insert(name.clone());
            let now = now_ms();
            run.state.crawl_finished_ms = Some(now);
            let interval = schedule::jitter(run.site.interval, now ^ u64::from(run.state.epoch));
            run.state.next_crawl_ms = Some(now + interval.as_millis() as u64);
            run.state.findings += self.pending_findings.get(name).copied().unwrap_or(0);
            run.state.post_cursor = run.state.post_cursor.max(run.state.post_newest.take());
            self.save_state(&mut run.state)?;
            clear_queue(&self.db, name)?;
            tracing::info!(site = %name, pages = run.state.pages, errors = run.state.errors, findings = run.state.findings, "crawl finished");
            if let Some(progress) = self.progress.get_mut(name) {
                progress.pages = run.state.pages;
                progress.errors = run.state.errors;
                progress.done = true;
            }
        }
        Ok(!finished.is_empty())
    }

    /// Stores a finished crawl's state, keeping what an admin set meanwhile (`paused`, a
    /// re-crawl request) rather than the state read when the crawl started.
    fn save_state(&self, state: &mut SiteState) -> Result<(), Error> {
        if let Some(stored) = self.db.site(&state.name)? {
            state.paused = stored.paused;
            let requested = stored.next_crawl_ms.filter(|at| {
                state.crawl_started_ms.is_some_and(|started| *at > started)
                    && state.next_crawl_ms.is_some_and(|next| *at < next)
            });
            if requested.is_some() {
                state.next_crawl_ms = requested;
            }
        }
        self.db.put_site(state)?;
        Ok(())
    }

    /// Commits one task's result.
    fn handle(
        &mut self,
        done: Done,
        tx: &mpsc::Sender<Done>,
        client: &fetch::Client,
        tasks: &mut JoinSet<()>,
    ) -> Result<(), Error> {
        match done {
            Done::Robots { host, site, fetch } => {
                self.robots_pending = self.robots_pending.saturating_sub(1);
                let now = Instant::now();
                let Some(state) = self.hosts.find(&host) else { return Ok(()) };
                match fetch {
                    RobotsFetch::Rules(robots) => {
                        let sitemaps = robots.sitemaps();
                        state.set_robots(Some(robots), now);
                        for sitemap_url in sitemaps {
                            self.sitemaps_pending += 1;
                            spawn_sitemap(tasks, tx, client, site.clone(), sitemap_url, 0);
                        }
                    }
                    RobotsFetch::AllowAll => state.set_robots(None, now),
                    RobotsFetch::Unavailable(failure) => {
                        tracing::warn!(host = %host, error = %failure.message, "robots.txt unavailable: backing off");
                        state.robots = RobotsState::Unavailable { until: now + ROBOTS_BACKOFF };
                    }
                }
            }
            Done::Sitemap { site, urls } => {
                self.sitemaps_pending = self.sitemaps_pending.saturating_sub(1);
                if let Some(run) = self.active.get_mut(&site) {
                    let links = in_scope(run, urls);
                    let (name, epoch) = (site.clone(), run.state.epoch);
                    self.db.enqueue_many(
                        &name,
                        epoch,
                        &links.into_iter().map(|u| (u, 1)).collect::<Vec<_>>(),
                        now_ms(),
                    )?;
                }
            }
            Done::Fetched { site, entry, result, previous } => {
                self.fetched(site, entry, *result, previous)?;
            }
        }
        Ok(())
    }

    /// On shutdown: commit what finished, without scheduling anything new.
    fn handle_final(&mut self, done: Done) -> Result<(), Error> {
        if let Done::Fetched { site, entry, result, previous } = done {
            self.fetched(site, entry, *result, previous)?;
        }
        Ok(())
    }

    #[expect(
        clippy::needless_pass_by_value,
        reason = "the site name is moved into maps on some paths"
    )]
    fn fetched(
        &mut self,
        site: String,
        entry: Queued,
        result: Fetched,
        previous: Option<Box<UrlRecord>>,
    ) -> Result<(), Error> {
        // The entry stays in the in-flight set until its result is committed (`settled`).
        self.settled.push((site.clone(), entry.seq));
        self.n_in_flight = self.n_in_flight.saturating_sub(1);
        let Ok(url) = Url::parse(&entry.url) else { return Ok(()) };
        let throttle = match &result {
            Fetched::Failed { failure } if failure.kind == fetch::FailureKind::Throttled => {
                Some(failure.retry_after.unwrap_or(Duration::ZERO))
            }
            _ => None,
        };
        if let Some(host) = self.hosts.find(&host_key(&url)) {
            host.finish(Instant::now(), throttle);
        }
        let Some(run) = self.active.get_mut(&site) else { return Ok(()) };
        run.in_flight = run.in_flight.saturating_sub(1);
        // The record the fetch started from: only this fetch's commit changes it.
        let mut record = previous.map(|record| *record).unwrap_or_default();
        record.site = site.clone();
        record.depth = entry.depth;
        record.fetches += 1;
        record.fetched_ms = Some(now_ms());
        let final_url;
        match result {
            Fetched::Page {
                final_url: page_url,
                status,
                validators,
                body,
                links,
                next,
                newest,
                findings,
            } => {
                let changed = record.content_hash.as_deref() != Some(body.hash.as_str());
                record.revisit_ms = Some(revisit_ms(&record, changed, &run.site));
                record.status = Some(status);
                record.etag = validators.etag;
                record.last_modified = validators.last_modified;
                record.failure = None;
                record.failures = 0;
                if changed {
                    record.changes += 1;
                }
                record.content_hash = Some(body.hash.clone());
                run.state.pages += 1;
                run.state.post_newest = run.state.post_newest.max(newest);
                let mut queue = self.follow(&site, entry.depth, links);
                queue.extend(self.follow_pages(&site, entry.depth, next));
                final_url = page_url.to_string();
                let findings = findings.unwrap_or_default();
                let body = changed.then_some(body);
                self.commit(&site, entry, record, body, findings, &final_url, queue);
                if !changed {
                    self.touches.push((site.clone(), final_url.clone()));
                }
            }
            Fetched::NotModified { links } => {
                record.status = Some(304);
                record.failure = None;
                record.revisit_ms = Some(revisit_ms(&record, false, &run.site));
                run.state.pages += 1;
                let queue = self.follow(&site, entry.depth, links);
                final_url = entry.url.clone();
                self.commit(&site, entry, record, None, Vec::new(), &final_url, queue);
                self.touches.push((site.clone(), final_url.clone()));
            }
            Fetched::NotDue { links, fetched_ms } => {
                run.state.pages += 1;
                let queue = self.follow(&site, entry.depth, links);
                let commit = PageCommit {
                    final_url: entry.url.clone(),
                    queued: entry,
                    record,
                    body: None,
                    findings: Vec::new(),
                    // Not fetched now: the record keeps its fetch time, so the revisit
                    // interval runs from the real fetch.
                    fetched_ms,
                };
                self.commit_page(commit, queue, None);
            }
            Fetched::Skipped { reason } => {
                record.failure = Some(reason);
                final_url = entry.url.clone();
                self.commit(&site, entry, record, None, Vec::new(), &final_url, Vec::new());
            }
            Fetched::Failed { failure } => {
                let retries = run.throttle_retries.entry(entry.seq).or_insert(0);
                if failure.kind == fetch::FailureKind::Throttled && *retries < MAX_THROTTLE_RETRIES
                {
                    *retries += 1;
                    run.dispatched = run.dispatched.saturating_sub(1);
                    let wait = failure
                        .retry_after
                        .unwrap_or(Duration::from_secs(1))
                        .min(schedule::politeness::MAX_RETRY_AFTER);
                    tracing::info!(url = %entry.url, wait_ms = wait.as_millis() as u64, "throttled: retrying later");
                    self.db.requeue(&entry, now_ms() + wait.as_millis() as u64)?;
                    return Ok(());
                }
                tracing::warn!(url = %entry.url, kind = ?failure.kind, error = %failure.message, "fetch failed");
                run.state.errors += 1;
                record.failures += 1;
                record.failure = Some(format!("{:?}: {}", failure.kind, failure.message));
                final_url = entry.url.clone();
                self.commit(&site, entry, record, None, Vec::new(), &final_url, Vec::new());
            }
        }
        Ok(())
    }

    /// A page's links that are in scope and within depth, to queue with its commit.
    fn follow(&mut self, site: &str, depth: u16, links: Vec<Url>) -> Vec<(String, u16)> {
        let Some(run) = self.active.get_mut(site) else { return Vec::new() };
        if depth >= run.site.max_depth {
            return Vec::new();
        }
        in_scope(run, links).into_iter().map(|url| (url, depth + 1)).collect()
    }

    /// The next page of a social source, to queue with its commit. Scope rules are for links
    /// found on pages; these URLs are made by the crawler itself, and `max_pages` bounds them.
    fn follow_pages(&self, site: &str, depth: u16, next: Vec<Url>) -> Vec<(String, u16)> {
        match self.active.get(site) {
            Some(run) if run.site.kind != SourceKind::Web => {
                next.into_iter().map(|url| (url.to_string(), depth.saturating_add(1))).collect()
            }
            _ => Vec::new(),
        }
    }

    #[expect(clippy::too_many_arguments, reason = "the parts of one commit, named at the call")]
    fn commit(
        &mut self,
        site: &str,
        entry: Queued,
        record: UrlRecord,
        body: Option<StoredBody>,
        findings: Vec<FindingRecord>,
        final_url: &str,
        links: Vec<(String, u16)>,
    ) {
        debug_assert_eq!(entry.site, site);
        let final_url = final_url.to_owned();
        let commit = PageCommit {
            queued: entry,
            record,
            body: None,
            findings,
            fetched_ms: now_ms(),
            final_url,
        };
        self.commit_page(commit, links, body);
    }

    /// Adds one result (its body already stored, and the links it queues) to the batch of the
    /// next commit.
    fn commit_page(
        &mut self,
        commit: PageCommit,
        links: Vec<(String, u16)>,
        stored_body: Option<StoredBody>,
    ) {
        // Feeds and social pages hold a window of posts, and only new posts are extracted: an
        // older identifier leaving the window is not a change on the page.
        let track_changes =
            self.active.get(&commit.queued.site).is_none_or(|run| run.site.kind == SourceKind::Web);
        // Not dispatched again while it waits (robots refusals commit without a fetch).
        let (site, seq) = (commit.queued.site.clone(), commit.queued.seq);
        self.in_flight.entry(site.clone()).or_default().insert(seq);
        self.settled.push((site, seq));
        self.pending_since.get_or_insert_with(Instant::now);
        self.pending.push(PageWork {
            commit,
            links,
            links_due_ms: now_ms(),
            stored_body,
            track_changes,
        });
    }

    /// Commits the batch of results in one store transaction and counts their findings for
    /// the next flush. Called before anything reads what the batch changes (queue lengths,
    /// due entries) and before every flush.
    fn commit_pending(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            self.release_settled();
            return Ok(());
        }
        self.pending_since = None;
        let batch = std::mem::take(&mut self.pending);
        let places: Vec<(String, String, u64)> = batch
            .iter()
            .map(|w| {
                let c = &w.commit;
                (c.queued.site.clone(), c.final_url.clone(), c.findings.len() as u64)
            })
            .collect();
        let changes = self.db.commit_pages(batch)?;
        self.release_settled();
        for ((site, url, n_findings), change) in places.iter().zip(&changes) {
            for (kind, value) in &change.appeared {
                tracing::debug!(site, url, %kind, value, "identifier appeared");
            }
            for (kind, value) in &change.disappeared {
                tracing::info!(site, url, %kind, value, "identifier disappeared");
            }
            *self.pending_findings.entry(site.clone()).or_default() += n_findings;
            if !self.dirty_sites.contains(site) {
                self.dirty_sites.insert(site.clone());
            }
        }
        self.unflushed += places.len();
        for (site, url) in std::mem::take(&mut self.touches) {
            self.db.touch_unchanged(&site, &url, now_ms())?;
        }
        Ok(())
    }

    /// Whether to commit the pending results now: a full batch, one that has waited
    /// [`COMMIT_WAIT`], or nothing in flight that could join it.
    fn commit_due(&self, now: Instant) -> bool {
        self.pending.len() >= COMMIT_BATCH
            || self.n_in_flight == 0
            || self.pending_since.is_some_and(|since| now.duration_since(since) >= COMMIT_WAIT)
    }

    /// Lets settled entries be dispatched again (a requeued one keeps its `seq`): their
    /// results are committed, so the queue no longer holds the others.
    fn release_settled(&mut self) {
        for (site, seq) in self.settled.drain(..) {
            if let Some(seqs) = self.in_flight.get_mut(&site) {
                seqs.remove(&seq);
            }
        }
    }

    /// Flushes the store, then reports what is now durable.
    async fn flush_and_report(
        &mut self,
        progress: &(dyn Fn(&SiteProgress) + Sync),
    ) -> Result<(), Error> {
        self.commit_pending()?;
        // The crawl state of each site that committed since the last flush, written once per
        // flush rather than once per page: it is durable at the same moment either way.
        let names: Vec<String> = self.active.keys().cloned().collect();
        for name in names {
            let dirty = self.dirty_sites.remove(&name);
            let Some(run) = self.active.get_mut(&name) else { continue };
            // A pause set from the UI stops dispatching now and ends the crawl once nothing
            // is in flight (`finish_idle_sites`).
            let stored = self.db.site(&name)?;
            let stored_paused = stored.as_ref().is_some_and(|stored| stored.paused);
            if stored_paused && !run.state.paused {
                tracing::info!(site = %name, "paused from the UI: ending the crawl");
            }
            run.state.paused = stored_paused;
            // A re-crawl asked for during this crawl is kept for when it ends (`save_state`).
            let started = run.state.crawl_started_ms.unwrap_or(0);
            if let Some(requested) = stored.and_then(|s| s.next_crawl_ms).filter(|at| *at > started)
            {
                run.state.next_crawl_ms = Some(requested);
            }
            if dirty {
                self.db.put_site(&run.state)?;
            }
        }
        self.dirty_sites.clear();
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|join| Error::Task(join.to_string()))??;
        self.unflushed = 0;
        for (site, count) in self.pending_findings.drain() {
            if let Some(p) = self.progress.get_mut(&site) {
                p.findings += count;
            }
            if let Some(run) = self.active.get_mut(&site) {
                run.state.findings += count;
            }
        }
        for (name, p) in self.progress.iter_mut() {
            if let Some(run) = self.active.get(name) {
                p.pages = run.state.pages;
                p.errors = run.state.errors;
            }
            p.queued = self.db.queue_len(name)?;
            progress(p);
        }
        Ok(())
    }
}

/// The links of `run`'s crawl that are in scope, as strings, with the query-variant trap guard.
fn in_scope(run: &mut Run, links: Vec<Url>) -> Vec<String> {
    let mut out = Vec::new();
    for url in links {
        if scope::check(&run.site, &url).is_err() {
            continue;
        }
        if let Some(query) = url.query() {
            let variants = run.query_variants.entry(url.path().to_owned()).or_default();
            let hash = blake3::hash(query.as_bytes());
            let short = u64::from_le_bytes(hash.as_bytes()[..8].try_into().unwrap_or_default());
            if !variants.contains(&short) {
                if variants.len() >= run.site.max_query_variants {
                    continue;
                }
                variants.insert(short);
            }
        }
        out.push(url.to_string());
    }
    out
}

fn spawn_sitemap(
    tasks: &mut JoinSet<()>,
    tx: &mpsc::Sender<Done>,
    client: &fetch::Client,
    site: String,
    url: Url,
    depth: u8,
) {
    let (tx, client) = (tx.clone(), client.clone());
    tasks.spawn(async move {
        let mut urls = Vec::new();
        let mut pending = vec![(url, depth)];
        while let Some((url, depth)) = pending.pop() {
            let Ok((status, _, body)) = client.get_bytes(&url, 50 << 20).await else { continue };
            if !(200..300).contains(&status) {
                continue;
            }
            let map = sitemap::parse(&body);
            urls.extend(map.urls);
            if depth < MAX_SITEMAP_DEPTH {
                pending.extend(map.sitemaps.into_iter().take(100).map(|u| (u, depth + 1)));
            }
        }
        let _ = tx.send(Done::Sitemap { site, urls }).await;
    });
}

/// `seeds` plus the sites added from the UI (`Db::added_sites`) that the seeds file does not
/// name, each as a `web` site with the built-in defaults. They are read when a crawl run
/// starts.
fn with_added_sites(seeds: &Seeds, db: &store::Db) -> Result<Seeds, Error> {
    let mut seeds = seeds.clone();
    for added in db.added_sites()? {
        if seeds.site(&added.name).is_some() {
            continue;
        }
        match Url::parse(&added.url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                tracing::info!(site = %added.name, url = %url, by = %added.added_by, "crawling a site added from the UI");
                seeds.sites.push(Site::new(&added.name, url));
            }
            _ => {
                tracing::warn!(site = %added.name, url = %added.url, "a site added from the UI has an unusable URL: skipped")
            }
        }
    }
    Ok(seeds)
}

/// Drops what is left in a site's queue when its crawl ends (a `max_pages` cap).
fn clear_queue(db: &store::Db, site: &str) -> Result<(), Error> {
    loop {
        let left = db.due(site, u64::MAX, 4096)?;
        if left.is_empty() {
            return Ok(());
        }
        db.remove_queued(&left)?;
    }
}

/// The page's next revisit interval, in milliseconds, from its last one and whether it changed.
fn revisit_ms(record: &UrlRecord, changed: bool, site: &Site) -> u64 {
    let previous = record.revisit_ms.map(Duration::from_millis);
    let next = schedule::next_revisit(previous, changed, site.min_revisit, site.max_revisit);
    next.as_millis() as u64
}

fn host_key(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

fn origin(url: &Url) -> Url {
    let mut origin = url.clone();
    origin.set_path("/");
    origin.set_query(None);
    origin.set_fragment(None);
    origin
}
