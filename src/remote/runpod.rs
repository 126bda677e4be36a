//! The RunPod Serverless backend: attempts split into shards, each a `/run` job; the client polls
//! `/status`, turns each finished shard's result into the same events as local attempts, retries
//! what is transient (HTTP calls with backoff; a shard whose job brought no result, once, as a
//! new job), explains a queue that does not move, and cancels every job on Ctrl-C. Every shard
//! has a deadline, every wait ends at Ctrl-C, and every answer is read up to a cap.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::{Job, ShardResult, WIRE_VERSION};
use crate::events::RunEvent;
use crate::exec::seed::attempt_seed;
use crate::exec::{Backend, ExecError, ExecPlan, Reporting, StopSignal};
use crate::model::Attempt;
use crate::notify::Secret;
use crate::notify::http::{Call, FailureKind, Http, HttpPolicy, HttpSetup};

/// The hosted API's base URL (the official SDK reads the same variable).
pub const DEFAULT_BASE_URL: &str = "https://api.runpod.ai/v2";
/// RunPod's default number of workers per endpoint: the shard count when `/health` tells none.
const DEFAULT_WORKERS: u32 = 3;
/// The shortest wait between status polls; it grows with the jobs pending, up to `poll_every`.
const FIRST_POLL: Duration = Duration::from_millis(200);
/// How long jobs may sit in the queue before flaky looks at `/health` and says why.
const QUEUE_HINT_AFTER: Duration = Duration::from_secs(60);
/// How long a job may wait in RunPod's queue, by default, before its shard is given up.
pub const DEFAULT_QUEUE_TIMEOUT: Duration = Duration::from_secs(3600);
/// How long past its execution timeout a running job may go unreported before its shard is
/// given up (RunPod itself ends it as TIMED_OUT).
const DEADLINE_GRACE: Duration = Duration::from_secs(60);
/// The longest answer read: RunPod documents 20 MB for a result.
const MAX_ANSWER: u64 = 32 * 1024 * 1024;
/// One request to the API, which answers at once: a hanging one must not hold Ctrl-C up long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A cancellation is tried once, this briefly, all of them at once.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(3);

/// Everything the client needs besides the plan.
#[derive(Debug, Clone)]
pub struct RunpodTarget {
    pub base_url: String,
    pub endpoint: String,
    pub api_key: Secret,
    /// `--shards`: the number of jobs.
    pub shards: Option<u32>,
    /// `--shard-size`: attempts per job.
    pub shard_size: Option<u32>,
    /// What every job carries: repository, commit, directory, command...; `attempts` is set per shard.
    pub job: Job,
    pub poll_every: Duration,
    /// `--queue-timeout`: how long a job may wait in the queue before its shard is given up.
    pub queue_timeout: Duration,
}

/// Splits `attempts` into `shards` contiguous ranges of nearly equal size (disjoint, so every
/// attempt keeps its own index and seed).
pub fn split(attempts: Range<u32>, shards: u32) -> Vec<Range<u32>> {
    let n = attempts.end.saturating_sub(attempts.start);
    let shards = shards.clamp(1, n.max(1));
    (0..shards)
        .map(|i| crate::model::block(attempts.clone(), i, shards))
        .filter(|r| !r.is_empty())
        .collect()
}

/// How many shards: `--shards`, else by `--shard-size`, else one per worker the endpoint has.
pub fn shard_count(
    attempts: u32,
    shards: Option<u32>,
    shard_size: Option<u32>,
    workers: u32,
) -> u32 {
    let count = match (shards, shard_size) {
        (Some(k), _) => k,
        (None, Some(size)) => attempts.div_ceil(size.max(1)),
        (None, None) => workers.max(DEFAULT_WORKERS),
    };
    count.clamp(1, attempts.max(1))
}

#[derive(Debug, Deserialize)]
struct Submitted {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Status {
    status: String,
    #[serde(default)]
    output: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
struct Health {
    #[serde(default)]
    workers: serde_json::Map<String, serde_json::Value>,
}

impl Health {
    fn workers(&self) -> u32 {
        self.workers
            .values()
            .filter_map(serde_json::Value::as_u64)
            .sum::<u64>() as u32
    }
}

pub struct RunpodBackend {
    target: RunpodTarget,
}

impl RunpodBackend {
    pub fn new(target: RunpodTarget) -> Self {
        Self { target }
    }
}

impl Backend for RunpodBackend {
    async fn execute(
        &self,
        plan: &ExecPlan,
        events: mpsc::UnboundedSender<RunEvent>,
        stop: StopSignal,
    ) -> Result<(), ExecError> {
        let target = self.target.clone();
        let plan = plan.clone();
        // The HTTP client is blocking: the whole conversation runs on a blocking thread.
        tokio::task::spawn_blocking(move || {
            Client::new(&target, &stop)?.run(&target, &plan, &events, &stop)
        })
        .await
        .unwrap_or_else(|e| Err(ExecError::Remote(format!("the RunPod client stopped: {e}"))))
    }
}

struct Client {
    http: Http,
    /// For cancellations: one short try each, also after Ctrl-C.
    cancel_http: Http,
    base: String,
    /// The run's base seed: what each attempt's seed must derive from.
    seed: u64,
}

/// One job in flight.
struct Shard {
    id: String,
    attempts: Range<u32>,
    since: Instant,
    /// When RunPod first said the job runs.
    started: Option<Instant>,
    /// The job's `executionTimeout`.
    execution: Duration,
    /// The status RunPod gave last.
    status: Option<String>,
    /// What went wrong asking for the status since the last good answer.
    trouble: Option<String>,
    /// Whether the user was told about `trouble` already.
    told: bool,
    /// Why the shard's first job gave no result, when this is its second.
    first_try: Option<String>,
}

impl Shard {
    /// When the shard is given up: its queue timeout while it waits, its execution timeout (and
    /// a grace) once it runs.
    fn deadline(&self, queue_timeout: Duration) -> Instant {
        match self.started {
            None => self.since + queue_timeout,
            Some(started) => started + self.execution + DEADLINE_GRACE,
        }
    }

    /// Why the shard was given up at its deadline.
    fn overdue(&self, queue_timeout: Duration) -> String {
        let id = &self.id;
        let waited = crate::render::duration_text(self.since.elapsed());
        match (&self.trouble, self.started) {
            (Some(trouble), _) => format!("job {id}: {trouble}; given up after {waited}"),
            (None, None) => format!(
                "job {id} was still {} after {} (--queue-timeout); hint: check the endpoint's workers and max workers",
                self.status.as_deref().unwrap_or("IN_QUEUE"),
                crate::render::duration_text(queue_timeout)
            ),
            (None, Some(_)) => format!(
                "job {id} ran past its execution timeout ({}) without RunPod ending it",
                crate::render::duration_text(self.execution)
            ),
        }
    }
}

/// Why a call brought no usable answer.
#[derive(Debug)]
struct CallError {
    /// The last answer's status, when there was one.
    status: Option<u16>,
    what: String,
    /// An answer longer than any of RunPod's: the run cannot go on with this server.
    too_large: bool,
}

impl Client {
    fn new(target: &RunpodTarget, stop: &StopSignal) -> Result<Self, ExecError> {
        let policy = HttpPolicy {
            timeout: REQUEST_TIMEOUT,
            ..HttpPolicy::default()
        };
        let setup = |policy: &HttpPolicy| -> Result<HttpSetup, ExecError> {
            let mut setup = HttpSetup::new(policy);
            let auth = HeaderValue::from_str(&format!("Bearer {}", target.api_key.expose()))
                .map_err(|_| {
                    ExecError::Remote(
                        "RUNPOD_API_KEY holds characters a header cannot carry".into(),
                    )
                })?;
            setup.headers.insert(AUTHORIZATION, auth);
            setup.secrets.push(target.api_key.expose().to_owned());
            setup.no_proxy = reqwest::Url::parse(&target.base_url)
                .is_ok_and(|u| crate::notify::http::is_loopback(&u));
            setup.max_body = MAX_ANSWER;
            Ok(setup)
        };
        let mut main = setup(&policy)?;
        // Retries and their waits end at Ctrl-C.
        let waits = stop.clone();
        main.sleeper = Arc::new(move |wait| nap(Instant::now() + wait, &waits));
        let interrupted = stop.clone();
        main.interrupted = Arc::new(move || interrupted.is_draining());
        let cancel = setup(&HttpPolicy {
            max_tries: 1,
            connect_timeout: CANCEL_TIMEOUT,
            timeout: CANCEL_TIMEOUT,
            ..HttpPolicy::default()
        })?;
        let http = |setup| Http::new(setup).map_err(|e| ExecError::Remote(e.to_string()));
        Ok(Self {
            http: http(main)?,
            cancel_http: http(cancel)?,
            base: format!(
                "{}/{}",
                target.base_url.trim_end_matches('/'),
                target.endpoint
            ),
            seed: target.job.seed,
        })
    }

    fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<serde_json::Value, CallError> {
        self.call_with(&self.http, method, path, body)
    }

    fn call_with(
        &self,
        http: &Http,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<serde_json::Value, CallError> {
        let url = format!("{}{path}", self.base);
        let error = |status, what| CallError {
            status,
            what,
            too_large: false,
        };
        let parsed =
            reqwest::Url::parse(&url).map_err(|e| error(None, format!("bad URL {url}: {e}")))?;
        let call = Call {
            method,
            url: parsed,
            shown_url: url,
            body,
        };
        match http.send(&call, http.policy.max_tries) {
            Ok(reply) => serde_json::from_str(&reply.body).map_err(|e| {
                error(
                    Some(reply.status),
                    format!(
                        "RunPod answered {} {} with {} and something that is not JSON ({e})",
                        call.method, call.shown_url, reply.status
                    ),
                )
            }),
            Err(f) => {
                let status = f.status();
                let what = match &f.kind {
                    FailureKind::Status { status, excerpt }
                    | FailureKind::RateLimited {
                        status, excerpt, ..
                    } => {
                        format!(
                            "HTTP {status} from {} {} after {} tries: {excerpt}",
                            call.method, call.shown_url, f.tries
                        )
                    }
                    FailureKind::Transport { detail, .. } => format!(
                        "{} {} failed after {} tries: {detail}",
                        call.method, call.shown_url, f.tries
                    ),
                    kind @ FailureKind::TooLarge { .. } => {
                        return Err(CallError {
                            status,
                            what: format!(
                                "RunPod's answer to {} {} is too long: {}; hint: check RUNPOD_ENDPOINT_BASE_URL points at RunPod's API",
                                call.method,
                                call.shown_url,
                                kind.too_large_text()
                            ),
                            too_large: true,
                        });
                    }
                };
                Err(error(status, what))
            }
        }
    }

    /// A failure of the whole run, with what to check.
    fn fatal(e: CallError) -> ExecError {
        let hint = match e.status {
            _ if e.too_large => "",
            Some(401) => "; hint: RunPod refused the API key: check RUNPOD_API_KEY",
            Some(404) => {
                "; hint: no such endpoint: check --endpoint (or RUNPOD_ENDPOINT_ID) and RUNPOD_ENDPOINT_BASE_URL"
            }
            Some(429) => "; hint: RunPod kept rate-limiting; try fewer shards (--shards)",
            _ => "",
        };
        ExecError::Remote(format!("{}{hint}", e.what))
    }

    fn health(&self) -> Option<Health> {
        self.call(Method::GET, "/health", None)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
    }

    fn run(
        &self,
        target: &RunpodTarget,
        plan: &ExecPlan,
        events: &mpsc::UnboundedSender<RunEvent>,
        stop: &StopSignal,
    ) -> Result<(), ExecError> {
        let n = plan.attempts.end - plan.attempts.start;
        let health = self.health();
        let workers = health.as_ref().map_or(0, Health::workers);
        if health.is_some() && workers == 0 {
            let _ = events.send(RunEvent::Notice(format!(
                "endpoint {} has no worker running: the jobs wait until RunPod starts one (a cold start can take minutes)",
                target.endpoint
            )));
        }
        let ranges = split(
            plan.attempts.clone(),
            shard_count(n, target.shards, target.shard_size, workers),
        );
        let mut pending: Vec<Shard> = Vec::new();
        for range in ranges {
            if stop.is_draining() {
                break;
            }
            match self.submit(target, &range) {
                Ok(shard) => pending.push(shard),
                Err(e) => {
                    // Nothing can run: take back what was submitted.
                    self.cancel_all(&pending, events);
                    return Err(e);
                }
            }
        }

        let mut seen: HashSet<u32> = HashSet::new();
        let mut hinted = false;
        let mut poll = FIRST_POLL;
        while !pending.is_empty() {
            // Stopped, or drained because every verdict is settled: the rest is not needed.
            if stop.is_draining() {
                self.cancel_all(&pending, events);
                return Ok(());
            }
            let mut still = Vec::new();
            let mut round = std::mem::take(&mut pending).into_iter();
            while let Some(mut shard) = round.next() {
                if stop.is_draining() {
                    still.push(shard);
                    still.extend(round);
                    break;
                }
                let ended = match self.call(Method::GET, &format!("/status/{}", shard.id), None) {
                    Ok(v) => match serde_json::from_value::<Status>(v) {
                        Ok(s) => {
                            shard.trouble = None;
                            if shard.started.is_none() && !matches!(s.status.as_str(), "IN_QUEUE") {
                                shard.started = Some(Instant::now());
                            }
                            shard.status = Some(s.status.clone());
                            self.settle(&shard, s, &mut seen, events)
                        }
                        Err(e) => {
                            shard.trouble = Some(format!("unreadable status: {e}"));
                            None
                        }
                    },
                    Err(e) if e.status == Some(404) => Some(Err(format!(
                        "job {} expired: RunPod no longer has it (results are kept 30 minutes after they finish)",
                        shard.id
                    ))),
                    Err(e) if e.status == Some(401) || e.too_large => {
                        still.push(shard);
                        still.extend(round);
                        self.cancel_all(&still, events);
                        return Err(Self::fatal(e));
                    }
                    // Trouble that outlasted the retries: ask again next round, until the deadline.
                    Err(e) => {
                        shard.trouble = Some(match e.status {
                            Some(s) if (200..300).contains(&s) => {
                                format!("unreadable status: {}", e.what)
                            }
                            Some(_) => format!("server errors: {}", e.what),
                            None => format!("no answer: {}", e.what),
                        });
                        None
                    }
                };
                let ended = match ended {
                    None if Instant::now() >= shard.deadline(target.queue_timeout) => {
                        // Given up: it must not run on, or deliver later (a first try is
                        // cancelled when it is resubmitted).
                        if shard.first_try.is_some() {
                            let _ = self.cancel(&shard);
                        }
                        Some(Err(shard.overdue(target.queue_timeout)))
                    }
                    other => other,
                };
                if ended.is_none()
                    && !shard.told
                    && let Some(trouble) = &shard.trouble
                {
                    shard.told = true;
                    let left = shard
                        .deadline(target.queue_timeout)
                        .saturating_duration_since(Instant::now());
                    let _ = events.send(RunEvent::Notice(format!(
                        "job {}: {trouble}; flaky keeps asking for up to {} more (the shard's deadline)",
                        shard.id,
                        crate::render::duration_text(left)
                    )));
                }
                match ended {
                    None => still.push(shard),
                    Some(Ok(())) => {}
                    Some(Err(why)) => still.extend(self.resubmit(target, shard, why, stop, events)),
                }
            }
            pending = still;
            let queued = |s: &Shard| {
                s.status.as_deref() == Some("IN_QUEUE")
                    && s.trouble.is_none()
                    && s.since.elapsed() > QUEUE_HINT_AFTER
            };
            if !hinted && !pending.is_empty() && pending.iter().all(queued) {
                hinted = true;
                if let Some(h) = self.health() {
                    let msg = if h.workers() == 0 {
                        format!(
                            "{} jobs have waited over {} and endpoint {} has no worker (idle endpoints scale down to 0): check its max workers, the account balance, and that the image starts",
                            pending.len(),
                            crate::render::duration_text(QUEUE_HINT_AFTER),
                            target.endpoint
                        )
                    } else {
                        format!(
                            "{} jobs are still queued behind other work on endpoint {}",
                            pending.len(),
                            target.endpoint
                        )
                    };
                    let _ = events.send(RunEvent::Notice(msg));
                }
            }
            // Few jobs are asked often, so a finished shard is noticed at once; many jobs less
            // often, to stay far below RunPod's 2000 /status calls per 10 s.
            let until = Instant::now() + poll;
            poll = (FIRST_POLL + Duration::from_millis(25) * pending.len() as u32)
                .min(target.poll_every);
            if !pending.is_empty() {
                nap(until, stop);
            }
        }
        Ok(())
    }

    /// Submits the job of the attempts `range`.
    fn submit(&self, target: &RunpodTarget, range: &Range<u32>) -> Result<Shard, ExecError> {
        let mut job = target.job.clone();
        job.attempts = [range.start, range.end];
        // A worker runs `jobs` attempts at once: the shard takes about this long, plus set-up.
        let waves = u64::from((range.end - range.start).div_ceil(job.jobs.max(1)));
        let execution = job
            .timeout_ms
            .saturating_mul(waves)
            .saturating_add(15 * 60 * 1000);
        let body = serde_json::json!({ "input": job, "policy": { "executionTimeout": execution, "ttl": 24 * 3600 * 1000 } });
        let answer = self
            .call(Method::POST, "/run", Some(body.to_string()))
            .map_err(Self::fatal)?;
        let id = serde_json::from_value::<Submitted>(answer)
            .map(|s| s.id)
            .map_err(|e| {
                ExecError::Remote(format!("RunPod's answer to /run has no job id: {e}"))
            })?;
        Ok(Shard {
            id,
            attempts: range.clone(),
            since: Instant::now(),
            started: None,
            execution: Duration::from_millis(execution),
            status: None,
            trouble: None,
            told: false,
            first_try: None,
        })
    }

    /// A shard whose job ended without a result, for a reason that is not its tests (the
    /// worker failed, timed out, was stopped by the platform, or sent nothing readable): its
    /// attempts, with the same indexes and so the same seeds, go in a new job, once. The shard
    /// is lost (a [`RunEvent::ShardFailed`]) when that job fails too, when it cannot be
    /// submitted, or when the run no longer needs it.
    fn resubmit(
        &self,
        target: &RunpodTarget,
        shard: Shard,
        why: String,
        stop: &StopSignal,
        events: &mpsc::UnboundedSender<RunEvent>,
    ) -> Option<Shard> {
        let lost = |message: String| {
            let _ = events.send(RunEvent::ShardFailed {
                attempts: shard.attempts.clone(),
                message,
            });
            None
        };
        if let Some(first) = &shard.first_try {
            return lost(format!("{why} (resubmitted once; the first try: {first})"));
        }
        if stop.is_draining() {
            return lost(why);
        }
        // The first job is given up: should it still be running (an unreadable status) or
        // deliver later, it runs no longer, and its result is never read.
        let _ = self.cancel(&shard);
        match self.submit(target, &shard.attempts) {
            Ok(next) => {
                let _ = events.send(RunEvent::ShardRetried {
                    attempts: shard.attempts.clone(),
                    message: format!(
                        "{why}; resubmitted once as job {}, with the same attempts and seeds",
                        next.id
                    ),
                });
                Some(Shard {
                    first_try: Some(why),
                    ..next
                })
            }
            Err(e) => lost(format!("{why}; resubmitting it failed: {e}")),
        }
    }

    /// `None` while the job runs; `Some(Ok)` once its attempts were sent; `Some(Err)` for a shard error.
    fn settle(
        &self,
        shard: &Shard,
        s: Status,
        seen: &mut HashSet<u32>,
        events: &mpsc::UnboundedSender<RunEvent>,
    ) -> Option<Result<(), String>> {
        let id = &shard.id;
        match s.status.as_str() {
            "COMPLETED" => {
                let Some(output) = s.output.filter(|o| !o.is_null()) else {
                    return Some(Err(format!(
                        "job {id} completed without a result (a result near RunPod's 20 MB limit is dropped at upload)"
                    )));
                };
                if let Some(e) = output.get("error") {
                    return Some(Err(format!(
                        "job {id} failed on the worker: {}",
                        error_text(e)
                    )));
                }
                let result: ShardResult = match serde_json::from_value(output) {
                    Ok(r) => r,
                    Err(e) => {
                        return Some(Err(format!(
                            "job {id} completed with a result flaky cannot read ({e}); hint: the worker image and this flaky may differ in version"
                        )));
                    }
                };
                if result.schema_version != WIRE_VERSION {
                    return Some(Err(format!(
                        "job {id}: the worker speaks result version {}, this flaky {WIRE_VERSION}; hint: rebuild the worker image",
                        result.schema_version
                    )));
                }
                let attempts = match result.into_attempts() {
                    Ok(a) => a,
                    Err(e) => return Some(Err(format!("job {id}: {e}"))),
                };
                if let Err(e) = check_against_plan(&attempts, &shard.attempts, self.seed) {
                    return Some(Err(format!(
                        "job {id} sent results that do not match its shard: {e}"
                    )));
                }
                for a in attempts {
                    // A platform retry can deliver a shard twice; each attempt counts once.
                    if seen.insert(a.index) {
                        let _ = events.send(RunEvent::AttemptStarted { index: a.index });
                        let _ = events.send(RunEvent::AttemptFinished(Box::new(a)));
                    }
                }
                Some(Ok(()))
            }
            "FAILED" => Some(Err(format!(
                "job {id} failed: {}",
                s.error
                    .as_ref()
                    .map_or_else(|| "no error message".to_owned(), error_text)
            ))),
            "TIMED_OUT" => Some(Err(format!(
                "job {id} timed out on RunPod (its executionTimeout passed)"
            ))),
            "CANCELLED" => Some(Err(format!("job {id} was cancelled on RunPod"))),
            _ => None,
        }
    }

    /// Cancels a shard's job: one short try.
    fn cancel(&self, shard: &Shard) -> Result<serde_json::Value, CallError> {
        self.call_with(
            &self.cancel_http,
            Method::POST,
            &format!("/cancel/{}", shard.id),
            None,
        )
    }

    /// Cancels every job at once, each with one short try: Ctrl-C must end the run quickly
    /// even when the API hangs. Says how many could not be cancelled.
    fn cancel_all(&self, shards: &[Shard], events: &mpsc::UnboundedSender<RunEvent>) {
        let failed: Vec<String> = std::thread::scope(|scope| {
            let calls: Vec<_> = shards
                .iter()
                .map(|s| scope.spawn(move || self.cancel(s).err().map(|e| e.what)))
                .collect();
            calls
                .into_iter()
                .filter_map(|c| c.join().ok().flatten())
                .collect()
        });
        if let Some(first) = failed.first() {
            let _ = events.send(RunEvent::Notice(format!(
                "{} of {} RunPod jobs could not be cancelled ({first}); hint: cancel them in RunPod's console, or they run until their executionTimeout",
                failed.len(),
                shards.len()
            )));
        }
    }
}

/// Waits until `until`, or less when the run is stopped.
fn nap(until: Instant, stop: &StopSignal) {
    while !stop.is_draining() {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
}

/// Whether a worker's attempts are exactly its shard's: each index of `range` once, each with
/// the seed flaky planned for it.
fn check_against_plan(
    attempts: &[Attempt],
    range: &Range<u32>,
    base_seed: u64,
) -> Result<(), String> {
    let mut indexes = HashSet::new();
    for a in attempts {
        if !range.contains(&a.index) {
            return Err(format!(
                "attempt {} is not one of {}..{}",
                a.index, range.start, range.end
            ));
        }
        if !indexes.insert(a.index) {
            return Err(format!("attempt {} comes twice", a.index));
        }
        let planned = attempt_seed(base_seed, a.index);
        if a.seed != planned || a.order_seed.is_some_and(|o| o != planned) {
            return Err(format!(
                "attempt {} ran with seed {}, but its seed is {planned}",
                a.index, a.seed
            ));
        }
    }
    if indexes.len() != range.len() {
        return Err(format!(
            "{} of its {} attempts are missing",
            range.len() - indexes.len(),
            range.len()
        ));
    }
    Ok(())
}

/// The message of a RunPod error: the SDK sends a JSON string with `error_message`; a handler that
/// returned `{"error": ...}` sends the message itself.
fn error_text(e: &serde_json::Value) -> String {
    let text = match e {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let parsed: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("error_message").or_else(|| v.get("error")))
        .and_then(serde_json::Value::as_str)
        .map_or(text.clone(), str::to_owned);
    message
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(500)
        .collect()
}

/// The job every shard of a plan starts from.
pub fn job_template(
    plan: &ExecPlan,
    run_id: &str,
    repository: String,
    commit: String,
    dir: String,
    command: Vec<String>,
    shell: bool,
) -> Job {
    let (framework, tests) = match &plan.reporting {
        Reporting::Framework { framework, select } => {
            (Some(framework.name().to_owned()), select.clone())
        }
        _ => (None, None),
    };
    Job {
        schema_version: WIRE_VERSION,
        run_id: run_id.to_owned(),
        repository,
        commit,
        dir,
        command,
        shell,
        framework,
        order: Some(plan.order),
        attempts: [plan.attempts.start, plan.attempts.end],
        seed: plan.base_seed,
        jobs: plan.jobs,
        timeout_ms: plan.timeout.as_millis() as u64,
        tests,
        env: plan.env.iter().cloned().collect(),
        install: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_contiguous_and_cover_every_attempt() {
        assert_eq!(split(0..10, 3), [0..4, 4..7, 7..10]);
        assert_eq!(split(5..7, 5), [5..6, 6..7]);
        assert_eq!(split(0..400, 4), [0..100, 100..200, 200..300, 300..400]);
        for n in 1..50u32 {
            for k in 1..12 {
                let parts = split(0..n, k);
                assert_eq!(parts.iter().map(|r| r.len()).sum::<usize>(), n as usize);
                assert!(parts.windows(2).all(|w| w[0].end == w[1].start));
            }
        }
    }

    #[test]
    fn shard_counts() {
        assert_eq!(shard_count(400, Some(8), None, 0), 8);
        assert_eq!(shard_count(400, None, Some(50), 0), 8);
        assert_eq!(shard_count(401, None, Some(50), 0), 9);
        assert_eq!(shard_count(400, None, None, 5), 5);
        assert_eq!(shard_count(400, None, None, 0), 3);
        assert_eq!(shard_count(2, Some(8), None, 0), 2);
    }

    #[test]
    fn a_result_must_hold_each_attempt_of_its_shard_once_with_its_planned_seed() {
        let attempt = |index: u32, seed: u64| Attempt {
            index,
            seed,
            order_seed: None,
            infrastructure: None,
            alone: false,
            exit: crate::model::Exit::Code(0),
            duration: Duration::ZERO,
            tests: Vec::new(),
            stdout: crate::model::Excerpt::default(),
            stderr: crate::model::Excerpt::default(),
        };
        let planned = |i| attempt(i, attempt_seed(7, i));
        assert_eq!(
            check_against_plan(&[planned(3), planned(4)], &(3..5), 7),
            Ok(())
        );
        for (attempts, why) in [
            (vec![planned(3)], "1 of its 2 attempts are missing"),
            (vec![planned(3), planned(3)], "attempt 3 comes twice"),
            (vec![planned(3), planned(5)], "attempt 5 is not one of 3..5"),
            (
                vec![planned(3), attempt(4, 1)],
                "attempt 4 ran with seed 1, but its seed is ",
            ),
            (
                vec![
                    planned(3),
                    Attempt {
                        order_seed: Some(2),
                        ..planned(4)
                    },
                ],
                "attempt 4 ran with seed",
            ),
        ] {
            let error = check_against_plan(&attempts, &(3..5), 7).unwrap_err();
            assert!(error.starts_with(why), "{why:?}: {error}");
        }
    }

    #[test]
    fn error_messages_come_out_of_the_sdk_blob() {
        let blob = serde_json::json!(
            "{\"error_type\": \"<class 'RuntimeError'>\", \"error_message\": \"clone failed\", \"error_traceback\": \"Traceback...\"}"
        );
        assert_eq!(error_text(&blob), "clone failed");
        assert_eq!(error_text(&serde_json::json!("plain words")), "plain words");
        assert_eq!(
            error_text(&serde_json::json!({"error": "bad job: x"})),
            "bad job: x"
        );
    }
}
