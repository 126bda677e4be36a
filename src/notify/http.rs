//! The HTTP plumbing shared by the GitHub, Slack and Discord clients: one blocking reqwest client
//! per post, and the retry rules (which answers are retried, how long to wait, which methods may be
//! resent).

use std::hash::{BuildHasher, RandomState};
use std::io::Read;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use reqwest::blocking::Client;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

use super::{NotifyError, Service};

/// Body excerpts in error messages are cut to this many characters.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// The largest answer body read by default: GitHub's, Slack's and Discord's answers are a few KiB.
pub(crate) const MAX_BODY: u64 = 4 * 1024 * 1024;

/// Timeouts and retry budget of the GitHub, Slack and Discord clients.
///
/// The defaults suit CI: connect within 10 s, a whole request within 30 s, at most 4 tries,
/// exponential backoff from 1 s, and no wait longer than 30 s even when the server asks for more
/// (then the post fails at once with the wait the server asked for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpPolicy {
    /// Tries per request, the first one included.
    pub max_tries: u32,
    /// Backoff before the second try; doubled for each later one, then jittered to 50–100 %.
    pub base_delay: Duration,
    /// Upper bound of one backoff wait.
    pub max_delay: Duration,
    /// Longest wait flaky accepts from `Retry-After`, `x-ratelimit-reset(-after)` or a body's
    /// `retry_after`.
    pub max_wait: Duration,
    /// Establishing the TCP and TLS connection.
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub timeout: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            max_tries: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
            max_wait: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Waits between tries; tests swap it for one that records the waits instead of sleeping.
pub(crate) type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;

/// Everything needed to build an [`Http`]; the service modules fill it, tests adjust it.
pub(crate) struct HttpSetup {
    pub policy: HttpPolicy,
    /// Sent with every request (authorization, accept, API version).
    pub headers: HeaderMap,
    pub follow_redirects: bool,
    /// Strings that must never reach an error message (token, webhook URL and path).
    pub secrets: Vec<String>,
    pub sleeper: Sleeper,
    /// Ignore `HTTPS_PROXY` and friends (tests talk to loopback servers).
    pub no_proxy: bool,
    /// Answers with a longer body are an error, found while reading (never held in memory).
    pub max_body: u64,
    /// When it says so, no further try is made (the user pressed Ctrl-C).
    pub interrupted: Interrupted,
}

/// Asked before each retry.
pub(crate) type Interrupted = Arc<dyn Fn() -> bool + Send + Sync>;

impl HttpSetup {
    pub(crate) fn new(policy: &HttpPolicy) -> Self {
        HttpSetup {
            policy: policy.clone(),
            headers: HeaderMap::new(),
            follow_redirects: false,
            secrets: Vec::new(),
            sleeper: Arc::new(std::thread::sleep),
            no_proxy: false,
            max_body: MAX_BODY,
            interrupted: Arc::new(|| false),
        }
    }
}

pub(crate) struct Http {
    client: Client,
    pub(crate) policy: HttpPolicy,
    sleeper: Sleeper,
    secrets: Vec<String>,
    max_body: u64,
    interrupted: Interrupted,
}

/// One request to make, possibly several times.
pub(crate) struct Call {
    pub method: Method,
    pub url: reqwest::Url,
    /// What error messages show instead of `url` (the webhook URL is a secret).
    pub shown_url: String,
    /// JSON text, sent with `Content-Type: application/json`.
    pub body: Option<String>,
}

/// A complete answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

/// Why a call ended without a 2xx answer, with what it takes to explain it.
#[derive(Debug)]
pub(crate) struct Failure {
    pub method: Method,
    pub shown_url: String,
    pub tries: u32,
    pub kind: FailureKind,
}

#[derive(Debug)]
pub(crate) enum FailureKind {
    /// A final answer that is not 2xx, or the last of several retried ones.
    Status { status: u16, excerpt: String },
    /// Rate limited on every try, or asked to wait longer than `max_wait` (`asked`).
    RateLimited {
        status: u16,
        excerpt: String,
        asked: Option<Duration>,
    },
    /// No answer. `connect`: the connection was never made, so the request had no effect.
    Transport {
        connect: bool,
        timeout: bool,
        detail: String,
    },
    /// An answer (`status`) whose body is longer than `limit` bytes: not read, not retried.
    TooLarge { status: u16, limit: u64 },
}

/// Why one try brought no complete answer.
enum TryError {
    Http(reqwest::Error),
    /// The body broke off while it was read.
    Read(std::io::Error),
    TooLarge {
        status: u16,
    },
}

impl Failure {
    /// Whether a POST may have taken effect although no success came back: a dropped connection
    /// or timeout after sending, or a gateway error.
    pub(crate) fn post_outcome_unknown(&self) -> bool {
        match &self.kind {
            FailureKind::Status { status, .. } => matches!(status, 500 | 502 | 504),
            FailureKind::RateLimited { .. } => false,
            FailureKind::Transport { connect, .. } => !connect,
            // A 2xx with a body too long to read: the request may have taken effect.
            FailureKind::TooLarge { status, .. } => (200..300).contains(status),
        }
    }

    pub(crate) fn status(&self) -> Option<u16> {
        match &self.kind {
            FailureKind::Status { status, .. } | FailureKind::RateLimited { status, .. } => {
                Some(*status)
            }
            FailureKind::Transport { .. } | FailureKind::TooLarge { .. } => None,
        }
    }

    /// The error the user sees; `hint` says what to check.
    pub(crate) fn into_error(self, service: Service, hint: String) -> NotifyError {
        let method = self.method.to_string();
        let url = self.shown_url;
        let tries = self.tries;
        match self.kind {
            FailureKind::Status { status, excerpt } => NotifyError::Status {
                service,
                method,
                url,
                status,
                tries,
                excerpt,
                hint,
            },
            FailureKind::RateLimited {
                status,
                excerpt,
                asked,
            } => NotifyError::RateLimited {
                service,
                method,
                url,
                status,
                tries,
                asked,
                excerpt,
                hint,
            },
            FailureKind::Transport { detail, .. } => NotifyError::Transport {
                service,
                method,
                url,
                tries,
                detail,
                hint,
            },
            kind @ FailureKind::TooLarge { .. } => NotifyError::InvalidResponse {
                service,
                method,
                url,
                detail: kind.too_large_text(),
                hint,
            },
        }
    }
}

impl FailureKind {
    /// "it answered 200 with a body larger than 4 MiB, the most flaky reads" (for `TooLarge`).
    pub(crate) fn too_large_text(&self) -> String {
        match self {
            FailureKind::TooLarge { status, limit } => format!(
                "it answered {status} with a body larger than {} MiB, the most flaky reads",
                limit / (1024 * 1024)
            ),
            _ => String::new(),
        }
    }
}

/// What to do after one try.
enum Step {
    Done(Reply),
    /// Try again after `wait` (the server's, else backoff); `failure` is the error if no try is left.
    Retry {
        wait: Option<Duration>,
        failure: FailureKind,
    },
    Stop(FailureKind),
}

static CRYPTO: Once = Once::new();

/// reqwest is built with `rustls-no-provider`: the process-wide rustls provider must be ring.
pub(crate) fn install_crypto_provider() {
    CRYPTO.call_once(|| {
        // An error means a provider is installed already, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Http {
    pub(crate) fn new(setup: HttpSetup) -> Result<Http, NotifyError> {
        install_crypto_provider();
        let mut builder = Client::builder()
            .user_agent(concat!("flaky/", env!("CARGO_PKG_VERSION")))
            .default_headers(setup.headers)
            .connect_timeout(setup.policy.connect_timeout)
            .timeout(setup.policy.timeout)
            .redirect(if setup.follow_redirects {
                reqwest::redirect::Policy::limited(5)
            } else {
                reqwest::redirect::Policy::none()
            });
        if setup.no_proxy {
            builder = builder.no_proxy();
        }
        let secrets: Vec<String> = setup
            .secrets
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let client = builder.build().map_err(|e| NotifyError::Client {
            detail: describe(e, &secrets),
        })?;
        Ok(Http {
            client,
            policy: setup.policy,
            sleeper: setup.sleeper,
            secrets,
            max_body: setup.max_body,
            interrupted: setup.interrupted,
        })
    }

    pub(crate) fn sleep(&self, wait: Duration) {
        (self.sleeper)(wait);
    }

    /// Sends `call` until it succeeds, fails for good, or `max_tries` tries are spent.
    ///
    /// GET, PATCH and PUT are retried on 429, 5xx gateway errors and any transport error. POST is
    /// resent only when it cannot have taken effect: 429, 503, or a connection never made.
    pub(crate) fn send(&self, call: &Call, max_tries: u32) -> Result<Reply, Failure> {
        let idempotent = call.method != Method::POST;
        let max_tries = max_tries.max(1);
        let mut tries = 0;
        loop {
            tries += 1;
            match self.classify(idempotent, self.send_once(call)) {
                Step::Done(reply) => return Ok(reply),
                Step::Retry { wait, .. } if tries < max_tries && !(self.interrupted)() => {
                    self.sleep(wait.unwrap_or_else(|| self.backoff(tries)));
                }
                Step::Retry { failure: kind, .. } | Step::Stop(kind) => {
                    return Err(Failure {
                        method: call.method.clone(),
                        shown_url: call.shown_url.clone(),
                        tries,
                        kind,
                    });
                }
            }
        }
    }

    fn send_once(&self, call: &Call) -> Result<Reply, TryError> {
        let mut request = self.client.request(call.method.clone(), call.url.clone());
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.clone());
        }
        let response = request.send().map_err(TryError::Http)?;
        let status = response.status().as_u16();
        if response.content_length().is_some_and(|n| n > self.max_body) {
            return Err(TryError::TooLarge { status });
        }
        let headers = response.headers().clone();
        // Read up to one byte more than allowed: a body that reaches it is too long, whatever
        // the server announced (or did not).
        let mut bytes = Vec::new();
        response
            .take(self.max_body + 1)
            .read_to_end(&mut bytes)
            .map_err(TryError::Read)?;
        if bytes.len() as u64 > self.max_body {
            return Err(TryError::TooLarge { status });
        }
        Ok(Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    fn classify(&self, idempotent: bool, outcome: Result<Reply, TryError>) -> Step {
        let reply = match outcome {
            Ok(reply) if (200..300).contains(&reply.status) => return Step::Done(reply),
            Ok(reply) => reply,
            Err(TryError::TooLarge { status }) => {
                return Step::Stop(FailureKind::TooLarge {
                    status,
                    limit: self.max_body,
                });
            }
            Err(TryError::Read(error)) => {
                let kind = FailureKind::Transport {
                    connect: false,
                    timeout: error.kind() == std::io::ErrorKind::TimedOut,
                    detail: scrub(&format!("the answer broke off: {error}"), &self.secrets),
                };
                return if idempotent {
                    Step::Retry {
                        wait: None,
                        failure: kind,
                    }
                } else {
                    Step::Stop(kind)
                };
            }
            Err(TryError::Http(error)) => {
                let connect = error.is_connect();
                let timeout = error.is_timeout();
                let kind = FailureKind::Transport {
                    connect,
                    timeout,
                    detail: describe(error, &self.secrets),
                };
                return if connect || idempotent {
                    Step::Retry {
                        wait: None,
                        failure: kind,
                    }
                } else {
                    Step::Stop(kind)
                };
            }
        };
        let status = reply.status;
        let excerpt = excerpt(&reply.body, &self.secrets);
        if is_rate_limited(&reply) {
            let asked = requested_wait(&reply.headers, SystemTime::now())
                .or_else(|| body_wait(&reply.body));
            return match asked {
                Some(wait) if wait > self.policy.max_wait => Step::Stop(FailureKind::RateLimited {
                    status,
                    excerpt,
                    asked: Some(wait),
                }),
                wait => Step::Retry {
                    wait,
                    failure: FailureKind::RateLimited {
                        status,
                        excerpt,
                        asked: None,
                    },
                },
            };
        }
        let retry = match status {
            503 => true,
            500 | 502 | 504 => idempotent,
            _ => false,
        };
        let kind = FailureKind::Status { status, excerpt };
        if retry {
            let wait = requested_wait(&reply.headers, SystemTime::now())
                .filter(|wait| *wait <= self.policy.max_wait);
            Step::Retry {
                wait,
                failure: kind,
            }
        } else {
            Step::Stop(kind)
        }
    }

    /// Wait before try `tries + 1`: `base * 2^(tries-1)`, capped, jittered to 50–100 %.
    pub(crate) fn backoff(&self, tries: u32) -> Duration {
        let doubling = 2u32.saturating_pow(tries.saturating_sub(1));
        let full = self
            .policy
            .base_delay
            .saturating_mul(doubling)
            .min(self.policy.max_delay);
        full.mul_f64(0.5 + 0.5 * random_fraction())
    }
}

/// A number in [0, 1) that differs between calls; good enough to spread retries.
fn random_fraction() -> f64 {
    let bits = RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// 429, or GitHub's 403 that carries rate-limit headers.
fn is_rate_limited(reply: &Reply) -> bool {
    reply.status == 429
        || (reply.status == 403
            && (header_str(&reply.headers, "x-ratelimit-remaining") == Some("0")
                || reply.headers.contains_key(RETRY_AFTER)
                || reply.body.contains("secondary rate limit")))
}

/// The wait the server asks for: `Retry-After` seconds, else Discord's
/// `x-ratelimit-reset-after` (seconds, with decimals), else GitHub's `x-ratelimit-reset` (epoch
/// seconds) when `x-ratelimit-remaining` is 0.
pub(crate) fn requested_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    for name in ["retry-after", "x-ratelimit-reset-after"] {
        if let Some(wait) = header_str(headers, name).and_then(seconds) {
            return Some(wait);
        }
    }
    if header_str(headers, "x-ratelimit-remaining") == Some("0") {
        let reset: u64 = header_str(headers, "x-ratelimit-reset")?
            .trim()
            .parse()
            .ok()?;
        let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
        // One second more: the reset time is truncated to whole seconds.
        return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
    }
    None
}

/// The wait a rate-limit answer's body asks for, when no header does: Discord's `retry_after`
/// (seconds, with decimals), or GitHub's secondary limits ("wait at least one minute").
fn body_wait(body: &str) -> Option<Duration> {
    if body.contains("secondary rate limit") {
        return Some(Duration::from_secs(60));
    }
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    Duration::try_from_secs_f64(value.get("retry_after")?.as_f64()?).ok()
}

/// `"2"` or `"0.25"` seconds; nothing for a negative, endless or unreadable number.
fn seconds(text: &str) -> Option<Duration> {
    Duration::try_from_secs_f64(text.trim().parse().ok()?).ok()
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether requests to `url` may carry `credential`: https, or plain http to a loopback address
/// (where tests run their servers); elsewhere plain http would send it in clear. The reason when
/// not, with the URL as `shown`.
pub(crate) fn check_transport(
    url: &reqwest::Url,
    shown: &str,
    credential: &str,
) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(format!(
            "{shown} uses plain http, which would send {credential} unencrypted"
        )),
        other => Err(format!("{shown} has the scheme {other:?}, not https")),
    }
}

/// Whether `url` points at this machine (`localhost`, 127.0.0.0/8, `::1`).
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A transport error's cause chain, without the URL reqwest puts in it.
fn describe(error: reqwest::Error, secrets: &[String]) -> String {
    let error = error.without_url();
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    scrub(&parts.join(": "), secrets)
}

/// Replaces every secret in `text` with `***`.
pub(crate) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), "***");
        }
    }
    text
}

/// A short, one-line account of an error body: GitHub's `message` (and its `errors`), else the
/// text itself; secrets removed; at most [`EXCERPT_CHARS`] characters.
pub(crate) fn excerpt(body: &str, secrets: &[String]) -> String {
    let text = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| json_message(&value))
        .unwrap_or_else(|| body.to_string());
    let text = scrub(&text, secrets);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return "(empty body)".to_string();
    }
    truncate(&line, EXCERPT_CHARS)
}

fn json_message(value: &serde_json::Value) -> Option<String> {
    let mut message = value.get("message")?.as_str()?.to_string();
    let mut details: Vec<String> = value
        .get("errors")
        .and_then(|errors| errors.as_array())
        .into_iter()
        .flatten()
        .filter_map(|error| match error {
            serde_json::Value::String(text) => Some(text.clone()),
            _ => error
                .get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
                .or_else(|| {
                    let code = error.get("code")?.as_str()?;
                    let field = error.get("field").and_then(|f| f.as_str()).unwrap_or("?");
                    Some(format!("{field}: {code}"))
                }),
        })
        .collect();
    if let Some(tree) = value.get("errors").filter(|errors| errors.is_object()) {
        form_errors(tree, &mut Vec::new(), &mut details);
    }
    if !details.is_empty() {
        message = format!("{message} ({})", details.join("; "));
    }
    Some(message)
}

/// Discord's form errors, a tree of the request's keys with `_errors` at the leaves
/// (`{"embeds": {"0": {"title": {"_errors": [{"message": "Must be 256 or fewer in length."}]}}}}`),
/// as `embeds.0.title: Must be 256 or fewer in length.`
fn form_errors<'v>(tree: &'v serde_json::Value, path: &mut Vec<&'v str>, out: &mut Vec<String>) {
    let Some(object) = tree.as_object() else {
        return;
    };
    for (key, value) in object {
        if key == "_errors" {
            let at = if path.is_empty() {
                "(body)".to_string()
            } else {
                path.join(".")
            };
            for error in value.as_array().into_iter().flatten() {
                if let Some(text) = ["message", "code"]
                    .iter()
                    .find_map(|k| error.get(*k).and_then(|v| v.as_str()))
                {
                    out.push(format!("{at}: {text}"));
                }
            }
        } else {
            path.push(key);
            form_errors(value, path, out);
            path.pop();
        }
    }
}

/// At most `max` characters, the last one `…` when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The hint for a post to an incoming webhook that failed: `name` the service (Slack, Discord),
/// `var` the variable with the webhook's URL, shown as `shown`; `own` gives the service's own
/// hint for a status first, `rate_limited` the one for its rate limit.
pub(super) fn webhook_hint(
    http: &Http,
    failure: &Failure,
    (name, var, shown): (&str, &str, &str),
    rate_limited: &str,
    own: impl Fn(u16) -> Option<String>,
) -> String {
    match (&failure.kind, failure.status()) {
        (
            FailureKind::Transport {
                timeout: true,
                connect: false,
                ..
            },
            _,
        ) => format!(
            "{name} did not answer within {}; the message may have been posted",
            crate::render::duration_text(http.policy.timeout)
        ),
        (FailureKind::Transport { .. }, _) => {
            format!("check {var} ({shown}) and that this machine can reach it")
        }
        (FailureKind::RateLimited { .. }, _) => rate_limited.to_owned(),
        (_, Some(status)) if own(status).is_some() => own(status).unwrap_or_default(),
        (_, Some(400)) => format!(
            "{name} rejected the message itself; this is likely a bug in flaky's {name} message, please report it with the error above"
        ),
        (_, Some(status)) if status >= 500 => {
            format!("{name} had a server error; retry later (the message may have been posted)")
        }
        _ => format!("check {var} ({shown})"),
    }
}
