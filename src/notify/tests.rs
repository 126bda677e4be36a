//! The notify clients against the loopback GitHub, Slack and Discord emulators in `testserver`.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;

use super::discord;
use super::github::{self, next_link};
use super::http::{Http, HttpPolicy, Sleeper, excerpt, requested_wait};
use super::slack::{self, Webhook, redact};
use super::testserver::{
    DISCORD_CHANNEL, DISCORD_ID, DISCORD_TOKEN, DiscordEmulator, Fault, GH_OWNER, GH_REPO,
    GH_TOKEN, GithubEmulator, Response, SLACK_PATH, SLACK_TOKEN_SEGMENT, SlackEmulator,
    discord_rate_limited,
};
use super::*;

const MARKER: &str = "<!-- flaky-report -->";
const REPO: &str = "octo-org/widgets";

/// Small waits and timeouts so the whole file runs in seconds.
fn policy() -> HttpPolicy {
    HttpPolicy {
        max_tries: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_wait: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
    }
}

type Waits = Arc<Mutex<Vec<Duration>>>;

/// Records the waits the client asks for instead of sleeping.
fn recorder() -> (Sleeper, Waits) {
    let waits: Waits = Arc::default();
    let sleeper: Sleeper = Arc::new({
        let waits = waits.clone();
        move |wait: Duration| waits.lock().unwrap().push(wait)
    });
    (sleeper, waits)
}

fn target(url: &str, pr: u64) -> GithubTarget {
    GithubTarget::new(url, Secret::new(GH_TOKEN), REPO, pr).unwrap()
}

fn gh_post_with(
    target: &GithubTarget,
    body: &str,
    policy: HttpPolicy,
) -> (Result<Posted, NotifyError>, Vec<Duration>) {
    let (sleeper, waits) = recorder();
    let mut setup = github::http_setup(target, &policy).unwrap();
    setup.sleeper = sleeper;
    setup.no_proxy = true;
    let http = Http::new(setup).unwrap();
    let result = github::post_with(&http, target, body, MARKER);
    let waits = waits.lock().unwrap().clone();
    (result, waits)
}

fn gh_post(
    gh: &GithubEmulator,
    pr: u64,
    body: &str,
) -> (Result<Posted, NotifyError>, Vec<Duration>) {
    gh_post_with(&target(&gh.url(), pr), body, policy())
}

fn slack_post_with(
    url: &str,
    payload: &str,
    policy: HttpPolicy,
) -> (Result<(), NotifyError>, Vec<Duration>) {
    let (sleeper, waits) = recorder();
    let webhook = match Webhook::parse(url) {
        Ok(webhook) => webhook,
        Err(error) => return (Err(error), Vec::new()),
    };
    let mut setup = slack::http_setup(&webhook, &policy);
    setup.sleeper = sleeper;
    setup.no_proxy = true;
    let http = Http::new(setup).unwrap();
    let result = slack::post_with(&http, &webhook, payload);
    let waits = waits.lock().unwrap().clone();
    (result, waits)
}

fn slack_post(url: &str, payload: &str) -> (Result<(), NotifyError>, Vec<Duration>) {
    slack_post_with(url, payload, policy())
}

fn discord_post_with(
    url: &str,
    payload: &str,
    policy: HttpPolicy,
) -> (Result<DiscordMessage, NotifyError>, Vec<Duration>) {
    let (sleeper, waits) = recorder();
    let webhook = match discord::Webhook::parse(url) {
        Ok(webhook) => webhook,
        Err(error) => return (Err(error), Vec::new()),
    };
    let mut setup = discord::http_setup(&webhook, &policy);
    setup.sleeper = sleeper;
    setup.no_proxy = true;
    let http = Http::new(setup).unwrap();
    let result = discord::post_with(&http, &webhook, payload);
    let waits = waits.lock().unwrap().clone();
    (result, waits)
}

fn discord_post(url: &str, payload: &str) -> (Result<DiscordMessage, NotifyError>, Vec<Duration>) {
    discord_post_with(url, payload, policy())
}

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| vars.get(name).cloned()
}

/// Neither the token nor any part of the webhook's secret shows in the message or the Debug form.
fn assert_no_secret(error: &NotifyError) {
    let display = error.to_string();
    let debug = format!("{error:?}");
    for text in [&display, &debug] {
        for secret in [
            GH_TOKEN,
            SLACK_TOKEN_SEGMENT,
            SLACK_PATH,
            "B0TEST0001",
            DISCORD_TOKEN,
        ] {
            assert!(!text.contains(secret), "{secret:?} leaked into {text}");
        }
    }
}

fn free_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

fn comments_path(pr: u64) -> String {
    format!("/repos/{GH_OWNER}/{GH_REPO}/issues/{pr}/comments")
}

// --- GitHub: the comment is created once, then updated in place -----------------------------

#[test]
fn creates_then_updates_the_same_comment() {
    let gh = GithubEmulator::start();
    gh.add_comments(7, ["LGTM".to_string()]);

    let (first, _) = gh_post(&gh, 7, &format!("{MARKER}\nrun 1: 2 flaky"));
    let first = first.unwrap();
    assert!(matches!(first, Posted::Created { .. }), "{first:?}");
    let (second, _) = gh_post(&gh, 7, &format!("{MARKER}\nrun 2: 1 flaky"));
    let second = second.unwrap();
    assert_eq!(
        second,
        Posted::Updated {
            url: first.url().to_string()
        }
    );

    let comments = gh.comments(7);
    assert_eq!(comments.len(), 2, "{comments:?}");
    assert_eq!(comments[0].body, "LGTM");
    let ours: Vec<_> = comments
        .iter()
        .filter(|c| c.body.contains(MARKER))
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].body, format!("{MARKER}\nrun 2: 1 flaky"));
    assert!(
        first
            .url()
            .ends_with(&format!("/pull/7#issuecomment-{}", ours[0].id))
    );
    let list = format!("GET {}?per_page=100", comments_path(7));
    assert_eq!(
        gh.log(),
        [
            list.clone(),
            format!("POST {}", comments_path(7)),
            list,
            format!(
                "PATCH /repos/{GH_OWNER}/{GH_REPO}/issues/comments/{}",
                ours[0].id
            ),
        ]
    );
    assert!(gh.comments(8).is_empty());
}

#[test]
fn an_identical_body_is_not_sent_again() {
    let gh = GithubEmulator::start();
    let body = format!("{MARKER}\nsame");
    gh_post(&gh, 7, &body).0.unwrap();
    let again = gh_post(&gh, 7, &body).0.unwrap();
    assert!(matches!(again, Posted::Updated { .. }));
    assert_eq!(gh.log().len(), 3, "{:?}", gh.log());
}

#[test]
fn the_marker_is_appended_when_the_body_lacks_it() {
    let gh = GithubEmulator::start();
    gh_post(&gh, 8, "no marker here").0.unwrap();
    gh_post(&gh, 8, "second run").0.unwrap();
    let comments = gh.comments(8);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, format!("second run\n\n{MARKER}"));
}

#[test]
fn the_marker_on_page_2_of_3_is_updated_and_page_3_never_read() {
    let gh = GithubEmulator::start();
    gh.add_comments(
        7,
        (0..250).map(|i| {
            if i == 150 {
                format!("{MARKER}\nold report")
            } else {
                format!("comment {i} mentions flaky-report but not the marker")
            }
        }),
    );
    let posted = gh_post(&gh, 7, &format!("{MARKER}\nnew report")).0.unwrap();
    assert!(matches!(posted, Posted::Updated { .. }), "{posted:?}");
    let comments = gh.comments(7);
    assert_eq!(comments.len(), 250);
    assert_eq!(comments[150].body, format!("{MARKER}\nnew report"));
    let log = gh.log();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[0], format!("GET {}?per_page=100", comments_path(7)));
    // The Link header's URL is followed as given (GitHub uses /repositories/{id}/...).
    assert!(
        log[1].starts_with("GET /repositories/") && log[1].ends_with("per_page=100&page=2"),
        "{log:?}"
    );
    assert!(log[2].starts_with("PATCH "), "{log:?}");
}

#[test]
fn no_marker_in_3_pages_reads_them_all_then_creates() {
    let gh = GithubEmulator::start();
    gh.add_comments(7, (0..201).map(|i| format!("comment {i}")));
    let posted = gh_post(&gh, 7, &format!("{MARKER}\nreport")).0.unwrap();
    assert!(matches!(posted, Posted::Created { .. }));
    let log = gh.log();
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(log[2].ends_with("page=3"), "{log:?}");
    assert_eq!(gh.comments(7).len(), 202);
}

// --- GitHub: errors that are not retried --------------------------------------------------

#[test]
fn a_wrong_token_is_401_bad_credentials_without_retry() {
    let gh = GithubEmulator::start();
    let target = GithubTarget::new(&gh.url(), Secret::new("ghs_wrong_token_123"), REPO, 7).unwrap();
    let (result, waits) = gh_post_with(&target, MARKER, policy());
    let error = result.unwrap_err();
    assert_eq!(error.status(), Some(401));
    let message = error.to_string();
    assert!(message.contains("401 Unauthorized"), "{message}");
    assert!(message.contains("Bad credentials"), "{message}");
    assert!(
        message.contains("hint: GITHUB_TOKEN was rejected"),
        "{message}"
    );
    assert!(!message.contains("ghs_wrong_token_123"), "{message}");
    assert!(!format!("{error:?}").contains("ghs_wrong_token_123"));
    assert_eq!(gh.log().len(), 1);
    assert!(waits.is_empty());
}

#[test]
fn an_unknown_repository_or_pr_is_404_naming_github_repository() {
    let gh = GithubEmulator::start();
    let elsewhere =
        GithubTarget::new(&gh.url(), Secret::new(GH_TOKEN), "octo-org/gadgets", 7).unwrap();
    let unknown_pr = target(&gh.url(), 99);
    for target in [elsewhere, unknown_pr] {
        let error = gh_post_with(&target, MARKER, policy()).0.unwrap_err();
        assert_eq!(error.status(), Some(404));
        let message = error.to_string();
        assert!(message.contains("404 Not Found: Not Found;"), "{message}");
        assert!(message.contains("check GITHUB_REPOSITORY="), "{message}");
        assert_eq!(error.tries(), 1);
        assert_no_secret(&error);
    }
}

#[test]
fn a_403_without_rate_limit_headers_names_the_permission() {
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new(
        "POST",
        1,
        Response::json(
            403,
            &json!({"message": "Resource not accessible by integration"}),
        ),
    ));
    let error = gh_post(&gh, 7, MARKER).0.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("Resource not accessible by integration"),
        "{message}"
    );
    assert!(
        message.contains("hint: GITHUB_TOKEN needs the pull-requests: write permission"),
        "{message}"
    );
    assert!(gh.comments(7).is_empty());
}

#[test]
fn an_answer_longer_than_the_cap_is_a_clear_error_naming_the_server_and_the_cap() {
    // 64 MiB without a length: read up to the cap, never whole.
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new("GET", 1, Response::flood(64 << 20)));
    let error = gh_post(&gh, 7, MARKER).0.unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("GitHub sent an unexpected answer to GET ")
            && message
                .contains("it answered 200 with a body larger than 4 MiB, the most flaky reads"),
        "{message}"
    );
    assert!(gh.comments(7).is_empty());

    let slack = SlackEmulator::start();
    slack.push_fault(Fault::new("POST", 1, Response::flood(64 << 20)));
    let message = slack_post(&slack.webhook_url(), BLOCKS)
        .0
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("Slack sent an unexpected answer to POST ")
            && message.contains("larger than 4 MiB"),
        "{message}"
    );
}

#[test]
fn a_422_on_post_is_not_retried() {
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new(
        "POST",
        1,
        Response::json(
            422,
            &json!({"message": "Validation Failed", "errors": [{"resource": "IssueComment", "code": "custom", "field": "body", "message": "body is too long (maximum is 65536 characters)"}]}),
        ),
    ));
    let error = gh_post(&gh, 7, MARKER).0.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("Validation Failed (body is too long"),
        "{message}"
    );
    assert_eq!(gh.log().iter().filter(|l| l.starts_with("POST")).count(), 1);
}

#[test]
fn bad_arguments_fail_before_any_request() {
    let gh = GithubEmulator::start();
    let target = target(&gh.url(), 7);
    let (sleeper, _) = recorder();
    let mut setup = github::http_setup(&target, &policy()).unwrap();
    setup.sleeper = sleeper;
    let http = Http::new(setup).unwrap();
    let empty = github::post_with(&http, &target, "body", "").unwrap_err();
    assert!(matches!(empty, NotifyError::EmptyMarker));
    let long = "x".repeat(65_536);
    let too_long = github::post_with(&http, &target, &long, MARKER).unwrap_err();
    assert!(
        too_long
            .to_string()
            .contains("more than GitHub's limit of 65536"),
        "{too_long}"
    );
    assert!(gh.log().is_empty());
}

// --- GitHub: retries ---------------------------------------------------------------------

fn too_many(retry_after: &str) -> Response {
    Response::json(
        429,
        &json!({"message": "API rate limit exceeded for installation ID 4242."}),
    )
    .with_header("Retry-After", retry_after)
}

#[test]
fn a_429_then_success_waits_as_retry_after_says() {
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new("GET", 2, too_many("1")));
    let (result, waits) = gh_post(&gh, 7, MARKER);
    assert!(matches!(result.unwrap(), Posted::Created { .. }));
    assert_eq!(waits, [Duration::from_secs(1); 2]);
    assert_eq!(gh.comments(7).len(), 1);
}

#[test]
fn a_429_storm_beyond_the_retry_budget_is_a_clear_error() {
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new("*", 10, too_many("1")));
    let (result, waits) = gh_post(&gh, 7, MARKER);
    let error = result.unwrap_err();
    assert!(
        matches!(error, NotifyError::RateLimited { tries: 4, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("GitHub is rate limiting: GET http://127.0.0.1:"),
        "{message}"
    );
    assert!(
        message.contains("429 Too Many Requests after 4 tries: API rate limit exceeded"),
        "{message}"
    );
    assert!(
        message.contains("hint: wait for GitHub's rate limit to reset"),
        "{message}"
    );
    assert_eq!(waits.len(), 3);
    assert_eq!(gh.log().len(), 4);
    assert_no_secret(&error);
}

#[test]
fn a_github_403_with_rate_limit_headers_counts_as_429() {
    let gh = GithubEmulator::start();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    gh.push_fault(Fault::new(
        "GET",
        1,
        Response::json(
            403,
            &json!({"message": "API rate limit exceeded for user ID 1."}),
        )
        .with_header("x-ratelimit-limit", "5000")
        .with_header("x-ratelimit-remaining", "0")
        .with_header("x-ratelimit-reset", &(now + 2).to_string()),
    ));
    let (result, waits) = gh_post(&gh, 7, MARKER);
    result.unwrap();
    assert_eq!(waits.len(), 1);
    assert!(
        (Duration::from_secs(1)..=Duration::from_secs(4)).contains(&waits[0]),
        "{waits:?}"
    );
}

#[test]
fn a_wait_longer_than_max_wait_fails_at_once() {
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new("GET", 1, too_many("3600")));
    let (result, waits) = gh_post(&gh, 7, MARKER);
    let error = result.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("asks to wait 3600 s, longer than flaky waits"),
        "{message}"
    );
    assert!(waits.is_empty());
    assert_eq!(gh.log().len(), 1);
}

#[test]
fn a_500_then_success_backs_off_with_jitter() {
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new(
        "GET",
        2,
        Response::json(500, &json!({"message": "Server Error"})),
    ));
    let (result, waits) = gh_post(&gh, 7, MARKER);
    result.unwrap();
    assert_eq!(waits.len(), 2);
    // 10 ms then 20 ms, each jittered to 50–100 %.
    assert!(
        (Duration::from_millis(5)..=Duration::from_millis(10)).contains(&waits[0]),
        "{waits:?}"
    );
    assert!(
        (Duration::from_millis(10)..=Duration::from_millis(20)).contains(&waits[1]),
        "{waits:?}"
    );
    assert_eq!(gh.comments(7).len(), 1);
}

#[test]
fn a_permanent_500_gives_up_after_4_tries() {
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new(
        "*",
        usize::MAX,
        Response::text(500, "<html><body><h1>500</h1> Internal error</body></html>"),
    ));
    let (result, waits) = gh_post(&gh, 7, MARKER);
    let error = result.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("500 Internal Server Error after 4 tries"),
        "{message}"
    );
    assert!(message.contains("githubstatus.com"), "{message}");
    assert_eq!(waits.len(), 3);
    assert!(
        waits[2] <= Duration::from_millis(40),
        "capped at max_delay: {waits:?}"
    );
    assert_eq!(gh.log().len(), 4);
}

#[test]
fn a_post_answered_500_after_creating_is_not_duplicated() {
    let gh = GithubEmulator::start();
    gh.push_fault(
        Fault::new(
            "POST",
            1,
            Response::json(500, &json!({"message": "Server Error"})),
        )
        .applied(),
    );
    let posted = gh_post(&gh, 7, MARKER).0.unwrap();
    assert!(matches!(posted, Posted::Created { .. }));
    assert_eq!(gh.comments(7).len(), 1);
    let log = gh.log();
    assert_eq!(
        log.iter().filter(|l| l.starts_with("POST")).count(),
        1,
        "{log:?}"
    );
    assert_eq!(log.len(), 3, "list, post, list again: {log:?}");
}

#[test]
fn a_post_answered_502_without_creating_is_posted_again_once() {
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new("POST", 1, Response::text(502, "Bad Gateway")));
    let posted = gh_post(&gh, 7, MARKER).0.unwrap();
    assert!(matches!(posted, Posted::Created { .. }));
    assert_eq!(gh.comments(7).len(), 1);
    assert_eq!(gh.log().iter().filter(|l| l.starts_with("POST")).count(), 2);
}

#[test]
fn a_post_that_times_out_after_creating_is_not_duplicated() {
    let gh = GithubEmulator::start();
    let slow = Response::json(201, &json!({})).delayed(Duration::from_millis(2000));
    gh.push_fault(Fault::new("POST", 1, slow).applied());
    let mut policy = policy();
    policy.timeout = Duration::from_millis(600);
    let posted = gh_post_with(&target(&gh.url(), 7), MARKER, policy)
        .0
        .unwrap();
    assert!(matches!(posted, Posted::Created { .. }));
    assert_eq!(gh.comments(7).len(), 1);
    assert_eq!(gh.log().iter().filter(|l| l.starts_with("POST")).count(), 1);
}

#[test]
fn a_post_answered_503_is_retried() {
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new(
        "POST",
        2,
        Response::text(503, "Service Unavailable"),
    ));
    let (result, waits) = gh_post(&gh, 7, MARKER);
    result.unwrap();
    assert_eq!(waits.len(), 2);
    assert_eq!(gh.comments(7).len(), 1);
    assert_eq!(gh.log().iter().filter(|l| l.starts_with("POST")).count(), 3);
}

#[test]
fn a_refused_connection_is_retried_then_names_github_api_url() {
    let url = free_port_url();
    let (result, waits) = gh_post_with(&target(&url, 7), MARKER, policy());
    let error = result.unwrap_err();
    assert!(
        matches!(error, NotifyError::Transport { tries: 4, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("could not reach GitHub (GET http://127.0.0.1:"),
        "{message}"
    );
    assert!(
        message.contains(&format!("hint: check GITHUB_API_URL ({url})")),
        "{message}"
    );
    assert_eq!(waits.len(), 3);
    assert_no_secret(&error);
}

#[test]
fn a_pagination_link_to_another_host_is_not_followed() {
    let gh = GithubEmulator::start();
    gh.push_fault(Fault::new(
        "GET",
        1,
        Response::json(200, &json!([]))
            .with_header("Link", "<https://evil.example/steal?page=2>; rel=\"next\""),
    ));
    let error = gh_post(&gh, 7, MARKER).0.unwrap_err();
    let message = error.to_string();
    assert!(message.contains("another host (evil.example)"), "{message}");
    assert_eq!(gh.log().len(), 1);
}

#[test]
fn the_token_never_appears_in_any_error() {
    let gh = GithubEmulator::start();
    let mut errors = Vec::new();
    // A proxy that echoes the request, token included.
    gh.push_fault(Fault::new(
        "GET",
        1,
        Response::text(
            400,
            &format!("bad request, Authorization: Bearer {GH_TOKEN}"),
        ),
    ));
    errors.push(gh_post(&gh, 7, MARKER).0.unwrap_err());
    gh.push_fault(Fault::new("GET", usize::MAX, Response::text(500, GH_TOKEN)));
    errors.push(gh_post(&gh, 7, MARKER).0.unwrap_err());
    let mut quick = policy();
    quick.timeout = Duration::from_millis(500);
    quick.max_tries = 1;
    let slow = GithubEmulator::start();
    slow.push_fault(Fault::new(
        "GET",
        1,
        Response::text(200, "[]").delayed(Duration::from_millis(1500)),
    ));
    errors.push(
        gh_post_with(&target(&slow.url(), 7), MARKER, quick)
            .0
            .unwrap_err(),
    );
    errors.push(
        gh_post_with(&target(&free_port_url(), 7), MARKER, policy())
            .0
            .unwrap_err(),
    );
    let bad = GithubTarget::new(&gh.url(), Secret::new(format!("{GH_TOKEN}\n")), REPO, 7);
    errors.push(bad.unwrap_err());
    let newline = GithubTarget::from_env(
        Some(7),
        &env_of(&[
            ("GITHUB_TOKEN", &format!("{GH_TOKEN}\nx")),
            ("GITHUB_REPOSITORY", REPO),
        ]),
    );
    errors.push(newline.unwrap_err());
    let target = target(&gh.url(), 7);
    assert_eq!(format!("{target:?}").matches(GH_TOKEN).count(), 0);
    assert!(format!("{target:?}").contains("***"));
    assert!(
        errors[2]
            .to_string()
            .contains("did not answer within 500 ms"),
        "{}",
        errors[2]
    );
    for error in &errors {
        assert_no_secret(error);
    }
    assert!(
        errors[0].to_string().contains("Bearer ***"),
        "{}",
        errors[0]
    );
}

// --- GitHub: the target from the environment ------------------------------------------

fn event_file(dir: &tempfile::TempDir, json: serde_json::Value) -> String {
    let path = dir.path().join("event.json");
    std::fs::write(&path, json.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn the_pr_number_comes_from_the_pull_request_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = event_file(
        &dir,
        json!({"action": "synchronize", "number": 42, "pull_request": {"number": 42}}),
    );
    let env = env_of(&[
        ("GITHUB_TOKEN", GH_TOKEN),
        ("GITHUB_REPOSITORY", REPO),
        ("GITHUB_EVENT_PATH", &path),
        ("GITHUB_EVENT_NAME", "pull_request"),
    ]);
    let target = GithubTarget::from_env(None, &env).unwrap();
    assert_eq!(target.pr(), 42);
    assert_eq!(target.repository(), REPO);
    assert_eq!(target.api_url(), "https://api.github.com");
    // An explicit number wins over the event.
    assert_eq!(GithubTarget::from_env(Some(5), &env).unwrap().pr(), 5);
}

#[test]
fn the_pr_number_comes_from_an_issue_comment_on_a_pr_only() {
    let dir = tempfile::tempdir().unwrap();
    let on_pr = event_file(
        &dir,
        json!({"action": "created", "issue": {"number": 17, "pull_request": {"url": "https://api.github.com/repos/o/r/pulls/17"}}, "comment": {"id": 1}}),
    );
    let env = env_of(&[
        ("GITHUB_TOKEN", "t"),
        ("GITHUB_REPOSITORY", REPO),
        ("GITHUB_EVENT_PATH", &on_pr),
    ]);
    assert_eq!(GithubTarget::from_env(None, &env).unwrap().pr(), 17);

    let on_issue = event_file(&dir, json!({"action": "created", "issue": {"number": 18}}));
    let env = env_of(&[
        ("GITHUB_TOKEN", "t"),
        ("GITHUB_REPOSITORY", REPO),
        ("GITHUB_EVENT_PATH", &on_issue),
        ("GITHUB_EVENT_NAME", "issue_comment"),
    ]);
    let error = GithubTarget::from_env(None, &env).unwrap_err().to_string();
    assert!(
        error.contains("the issue_comment event is about issue #18, which is not a pull request"),
        "{error}"
    );

    let push = event_file(&dir, json!({"ref": "refs/heads/main"}));
    let env = env_of(&[
        ("GITHUB_TOKEN", "t"),
        ("GITHUB_REPOSITORY", REPO),
        ("GITHUB_EVENT_PATH", &push),
        ("GITHUB_EVENT_NAME", "push"),
    ]);
    let error = GithubTarget::from_env(None, &env).unwrap_err().to_string();
    assert!(error.contains("the push event in"), "{error}");
    assert!(
        error.contains("hint: pass the PR number (--pr N)"),
        "{error}"
    );
}

/// Variables, the PR flag, and a piece of the expected message.
type EnvCase = (Vec<(&'static str, &'static str)>, Option<u64>, &'static str);

#[test]
fn missing_or_bad_environment_names_the_variable() {
    let cases: Vec<EnvCase> = vec![
        (
            vec![("GITHUB_REPOSITORY", REPO)],
            Some(1),
            "GITHUB_TOKEN is not set; hint: in a workflow",
        ),
        (
            vec![("GITHUB_TOKEN", "  "), ("GITHUB_REPOSITORY", REPO)],
            Some(1),
            "GITHUB_TOKEN is not set",
        ),
        (
            vec![("GITHUB_TOKEN", "t")],
            Some(1),
            "GITHUB_REPOSITORY is not set; hint: set GITHUB_REPOSITORY=owner/name",
        ),
        (
            vec![("GITHUB_TOKEN", "t"), ("GITHUB_REPOSITORY", "widgets")],
            Some(1),
            "GITHUB_REPOSITORY is invalid: \"widgets\" is not owner/name; hint: set GITHUB_REPOSITORY=owner/name",
        ),
        (
            vec![("GITHUB_TOKEN", "t"), ("GITHUB_REPOSITORY", "a/b/c")],
            Some(1),
            "\"a/b/c\" is not owner/name",
        ),
        (
            vec![("GITHUB_TOKEN", "t"), ("GITHUB_REPOSITORY", "../x")],
            Some(1),
            "is not owner/name",
        ),
        (
            vec![("GITHUB_TOKEN", "t"), ("GITHUB_REPOSITORY", REPO)],
            None,
            "no pull request to comment on: no PR number was given and GITHUB_EVENT_PATH is not set",
        ),
        (
            vec![
                ("GITHUB_TOKEN", "t"),
                ("GITHUB_REPOSITORY", REPO),
                ("GITHUB_EVENT_PATH", "/nonexistent/event.json"),
            ],
            None,
            "cannot read the GitHub Actions event file /nonexistent/event.json (GITHUB_EVENT_PATH)",
        ),
        (
            vec![("GITHUB_TOKEN", "t"), ("GITHUB_REPOSITORY", REPO)],
            Some(0),
            "0 is not a pull request number",
        ),
        (
            vec![
                ("GITHUB_TOKEN", "t"),
                ("GITHUB_REPOSITORY", REPO),
                ("GITHUB_API_URL", "http://api.example.com"),
            ],
            Some(1),
            "GITHUB_API_URL is invalid: \"http://api.example.com\" uses plain http",
        ),
        (
            vec![
                ("GITHUB_TOKEN", "t"),
                ("GITHUB_REPOSITORY", REPO),
                ("GITHUB_API_URL", "not a url"),
            ],
            Some(1),
            "GITHUB_API_URL is invalid: \"not a url\" is not a URL",
        ),
        (
            vec![
                ("GITHUB_TOKEN", "t"),
                ("GITHUB_REPOSITORY", REPO),
                ("GITHUB_API_URL", "https://me:pw@ghe.example/api/v3"),
            ],
            Some(1),
            "GITHUB_API_URL is invalid: it contains a user name or password",
        ),
    ];
    for (vars, pr, expected) in cases {
        let error = GithubTarget::from_env(pr, &env_of(&vars))
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{vars:?}: {error}");
        assert!(error.contains("hint: "), "{error}");
        assert!(!error.contains(":pw@"), "{error}");
    }
}

#[test]
fn the_api_url_may_be_enterprise_or_loopback() {
    let env = env_of(&[
        ("GITHUB_TOKEN", "t"),
        ("GITHUB_REPOSITORY", REPO),
        ("GITHUB_API_URL", "https://ghe.example.com/api/v3/"),
    ]);
    assert_eq!(
        GithubTarget::from_env(Some(3), &env).unwrap().api_url(),
        "https://ghe.example.com/api/v3"
    );
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9",
    ] {
        assert!(
            GithubTarget::new(url, Secret::new("t"), REPO, 1).is_ok(),
            "{url}"
        );
    }
}

#[test]
fn the_public_function_posts_through_the_real_client_setup() {
    let gh = GithubEmulator::start();
    let env = env_of(&[
        ("GITHUB_TOKEN", GH_TOKEN),
        ("GITHUB_REPOSITORY", REPO),
        ("GITHUB_API_URL", &gh.url()),
    ]);
    let target = GithubTarget::from_env(Some(8), &env).unwrap();
    let posted = post_github(&target, &format!("{MARKER}\nhello"), MARKER).unwrap();
    assert!(
        posted
            .url()
            .starts_with("https://github.com/octo-org/widgets/pull/8#issuecomment-")
    );
    assert_eq!(gh.comments(8).len(), 1);
}

#[test]
fn the_emulator_rejects_requests_the_real_api_would() {
    let gh = GithubEmulator::start();
    // A client of its own needs the provider flaky's clients install (in a process of its own,
    // as nextest runs each test, no other test has installed it).
    super::http::install_crypto_provider();
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let url = format!("{}{}", gh.url(), comments_path(7));
    let send = |request: reqwest::blocking::RequestBuilder| {
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        (status, response.text().unwrap())
    };
    let good = |request: reqwest::blocking::RequestBuilder| {
        request
            .header("User-Agent", "test")
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .bearer_auth(GH_TOKEN)
    };
    // No User-Agent: GitHub refuses with 403.
    let (status, body) = send(client.get(&url).bearer_auth(GH_TOKEN));
    assert_eq!(status, 403, "{body}");
    let (status, body) = send(client.get(&url).header("User-Agent", "t"));
    assert_eq!(
        (status, body.contains("Requires authentication")),
        (401, true),
        "{body}"
    );
    let (status, body) = send(
        client
            .get(&url)
            .header("User-Agent", "t")
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2021-01-01")
            .bearer_auth(GH_TOKEN),
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("API version 2021-01-01 is not supported."),
        "{body}"
    );
    let (status, _) = send(
        client
            .get(&url)
            .header("User-Agent", "t")
            .bearer_auth(GH_TOKEN),
    );
    assert_eq!(status, 400, "no API version");
    let (status, body) = send(good(client.post(&url)).body("{\"body\": \"x\"}"));
    assert_eq!(status, 415, "no Content-Type: {body}");
    let json_post = |body: &str| {
        send(
            good(client.post(&url))
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
    };
    assert_eq!(json_post("not json").0, 400);
    assert_eq!(json_post("{\"text\": \"x\"}").0, 422);
    assert_eq!(json_post("{\"body\": 1}").0, 422);
    assert_eq!(json_post("{}").0, 422);
    assert!(gh.comments(7).is_empty());
    let (status, _) = json_post("{\"body\": \"fine\"}");
    assert_eq!(status, 201);
    let (status, body) = send(good(client.get(format!("{url}?per_page=100&fields=x"))));
    assert_eq!(status, 400, "{body}");
}

// --- Slack -----------------------------------------------------------------------------

const BLOCKS: &str = r#"{"text":"2 flaky tests","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*2 flaky tests*"}}]}"#;

#[test]
fn slack_ok() {
    let slack = SlackEmulator::start();
    let (result, waits) = slack_post(&slack.webhook_url(), BLOCKS);
    result.unwrap();
    assert!(waits.is_empty());
    assert_eq!(
        slack.messages(),
        [serde_json::from_str::<serde_json::Value>(BLOCKS).unwrap()]
    );
    // And through the public function.
    post_slack(&slack.webhook_url(), r#"{"text":"hi"}"#).unwrap();
    assert_eq!(slack.messages().len(), 2);
}

#[test]
fn slack_invalid_payload_and_blocks_are_400_without_retry() {
    let slack = SlackEmulator::start();
    for (payload, code) in [
        (r#"{"text": 12}"#, "invalid_payload"),
        (r#"{"blocks": [{"text": "no type"}]}"#, "invalid_blocks"),
        (r#"{"unfurl_links": false}"#, "no_text"),
    ] {
        let error = slack_post(&slack.webhook_url(), payload).0.unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "Slack answered POST {}/services/… with 400 Bad Request: {code}; hint: Slack \
                 rejected the message itself",
                slack.url()
            )),
            "{message}"
        );
        assert_no_secret(&error);
    }
    assert_eq!(slack.requests(), 3);
    assert!(slack.messages().is_empty());
}

#[test]
fn slack_unknown_webhook_is_404_no_service() {
    let slack = SlackEmulator::start();
    let url = format!(
        "{}/services/T0TEST0001/B0TEST0001/revokedTOKENabc",
        slack.url()
    );
    let error = slack_post(&url, BLOCKS).0.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("404 Not Found: no_service; hint: check SLACK_WEBHOOK_URL"),
        "{message}"
    );
    assert!(
        !message.contains("revokedTOKENabc") && !format!("{error:?}").contains("revokedTOKENabc")
    );
    assert_no_secret(&error);
}

#[test]
fn slack_archived_channel_and_prohibited_action() {
    let slack = SlackEmulator::start();
    slack.push_fault(Fault::new(
        "POST",
        1,
        Response::text(410, "channel_is_archived"),
    ));
    slack.push_fault(Fault::new(
        "POST",
        1,
        Response::text(403, "action_prohibited"),
    ));
    let archived = slack_post(&slack.webhook_url(), BLOCKS)
        .0
        .unwrap_err()
        .to_string();
    assert!(
        archived.contains("410 Gone: channel_is_archived; hint: the webhook's channel is archived"),
        "{archived}"
    );
    let prohibited = slack_post(&slack.webhook_url(), BLOCKS)
        .0
        .unwrap_err()
        .to_string();
    assert!(
        prohibited.contains("403 Forbidden: action_prohibited; hint: check SLACK_WEBHOOK_URL"),
        "{prohibited}"
    );
    assert_eq!(slack.requests(), 2);
}

#[test]
fn slack_429_then_ok_waits_as_retry_after_says() {
    let slack = SlackEmulator::start();
    slack.push_fault(Fault::new(
        "POST",
        1,
        Response::text(429, "rate_limited").with_header("Retry-After", "1"),
    ));
    let (result, waits) = slack_post(&slack.webhook_url(), BLOCKS);
    result.unwrap();
    assert_eq!(waits, [Duration::from_secs(1)]);
    assert_eq!(slack.messages().len(), 1);
    assert_eq!(slack.requests(), 2);
}

#[test]
fn slack_permanent_500_is_not_resent() {
    let slack = SlackEmulator::start();
    slack.push_fault(Fault::new(
        "*",
        usize::MAX,
        Response::text(500, "internal_error"),
    ));
    let (result, waits) = slack_post(&slack.webhook_url(), BLOCKS);
    let error = result.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("500 Internal Server Error: internal_error"),
        "{message}"
    );
    assert!(
        message.contains("the message may have been posted"),
        "{message}"
    );
    assert!(waits.is_empty());
    assert_eq!(slack.requests(), 1);
    assert_no_secret(&error);
}

#[test]
fn slack_503_is_retried() {
    let slack = SlackEmulator::start();
    slack.push_fault(Fault::new(
        "POST",
        1,
        Response::text(503, "service_unavailable"),
    ));
    let (result, waits) = slack_post(&slack.webhook_url(), BLOCKS);
    result.unwrap();
    assert_eq!(waits.len(), 1);
    assert_eq!(slack.messages().len(), 1);
}

#[test]
fn slack_bad_input_fails_without_a_request_and_without_the_url() {
    let slack = SlackEmulator::start();
    let error = slack_post(&slack.webhook_url(), "{not json").0.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("the Slack payload is not a JSON object"),
        "{error}"
    );
    let error = slack_post(&slack.webhook_url(), "[1]").0.unwrap_err();
    assert!(error.to_string().contains("not an object"), "{error}");
    assert_eq!(slack.requests(), 0);
    let secret = SLACK_TOKEN_SEGMENT;
    for (url, reason) in [
        (format!("hooks.slack.com{SLACK_PATH}"), "it is not a URL"),
        (format!("http://hooks.slack.com{SLACK_PATH}"), "plain http"),
        (
            format!("ftp://hooks.slack.com{SLACK_PATH}"),
            "not an https URL",
        ),
        ("https://hooks.slack.com/".to_string(), "it has no path"),
        (String::new(), "it is empty"),
    ] {
        let error = post_slack(&url, BLOCKS).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("SLACK_WEBHOOK_URL is invalid: "),
            "{message}"
        );
        assert!(message.contains(reason), "{url}: {message}");
        assert!(
            message.contains("hint: check SLACK_WEBHOOK_URL"),
            "{message}"
        );
        assert!(!message.contains(secret) && !format!("{error:?}").contains(secret));
    }
}

#[test]
fn slack_unreachable_shows_host_and_first_segment_only() {
    let url = format!("{}{SLACK_PATH}", free_port_url());
    let (result, waits) = slack_post(&url, BLOCKS);
    let error = result.unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("could not reach Slack (POST http://127.0.0.1:"),
        "{message}"
    );
    assert!(message.contains("/services/…) after 4 tries"), "{message}");
    assert_eq!(waits.len(), 3, "refused connections are safe to retry");
    assert_no_secret(&error);
}

#[test]
fn slack_timeout_is_not_resent() {
    let slack = SlackEmulator::start();
    slack.push_fault(
        Fault::new(
            "POST",
            1,
            Response::text(200, "ok").delayed(Duration::from_millis(1500)),
        )
        .applied(),
    );
    let mut policy = policy();
    policy.timeout = Duration::from_millis(500);
    let error = slack_post_with(&slack.webhook_url(), BLOCKS, policy)
        .0
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("did not answer within 500 ms; the message may have been posted"),
        "{error}"
    );
    assert_eq!(slack.requests(), 1);
    assert_eq!(slack.messages().len(), 1);
    assert_no_secret(&error);
}

// --- Discord ---------------------------------------------------------------------------

const DISCORD_PAYLOAD: &str = r#"{"username":"flaky","content":"**2 flaky tests**","embeds":[{"title":"Run","description":"2 of 40 runs failed","color":14889265,"fields":[{"name":"Command","value":"`pytest`","inline":false}],"timestamp":"2023-11-14T22:13:20Z"}],"allowed_mentions":{"parse":[]}}"#;

/// The path and query every post goes to: the pinned API version, and `wait=true`.
fn discord_target() -> String {
    format!("/api/v10/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}?wait=true")
}

#[test]
fn discord_posts_to_the_pinned_version_with_wait_and_gets_the_message_back() {
    let discord = DiscordEmulator::start();
    let (result, waits) = discord_post(&discord.webhook_url(), DISCORD_PAYLOAD);
    let message = result.unwrap();
    assert_eq!(message.channel_id, DISCORD_CHANNEL);
    assert!(
        message.id.bytes().all(|b| b.is_ascii_digit()),
        "{message:?}"
    );
    assert!(waits.is_empty());
    assert_eq!(
        discord.messages(),
        [serde_json::from_str::<serde_json::Value>(DISCORD_PAYLOAD).unwrap()]
    );
    assert_eq!(discord.targets(), [discord_target()]);
    // And through the public function.
    let second = post_discord(&discord.webhook_url(), r#"{"content":"hi"}"#).unwrap();
    assert_ne!(second.id, message.id);
    assert_eq!(discord.messages().len(), 2);
}

#[test]
fn discord_keeps_an_explicit_version_and_the_thread() {
    let discord = DiscordEmulator::start();
    let url = format!(
        "{}/api/v9/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}/?thread_id=42&wait=false",
        discord.url()
    );
    discord_post(&url, DISCORD_PAYLOAD).0.unwrap();
    assert_eq!(
        discord.targets(),
        [format!(
            "/api/v9/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}?thread_id=42&wait=true"
        )]
    );
    let webhook = discord::Webhook::parse(&url).unwrap();
    assert_eq!(webhook.shown(), format!("{}/api/…", discord.url()));
    let webhook = discord::Webhook::parse(&format!(
        "https://discord.com/api/webhooks/1/{DISCORD_TOKEN}"
    ))
    .unwrap();
    assert_eq!(
        webhook.url().as_str(),
        format!("https://discord.com/api/v10/webhooks/1/{DISCORD_TOKEN}?wait=true")
    );
    assert_eq!(webhook.shown(), "https://discord.com/api/…");
}

#[test]
fn discord_429_then_ok_waits_as_discord_asks() {
    // `Retry-After` (whole seconds, rounded up) wins; without it `X-RateLimit-Reset-After`,
    // then the body's `retry_after`, both with decimals.
    let only_body = Response::json(
        429,
        &json!({"message": "You are being rate limited.", "retry_after": 0.5, "global": false}),
    );
    let only_reset_after = only_body
        .clone()
        .with_header("X-RateLimit-Reset-After", "0.250");
    for (response, wait) in [
        (discord_rate_limited(0.5), Duration::from_secs(1)),
        (only_reset_after, Duration::from_millis(250)),
        (only_body, Duration::from_millis(500)),
    ] {
        let discord = DiscordEmulator::start();
        discord.push_fault(Fault::new("POST", 1, response));
        let (result, waits) = discord_post(&discord.webhook_url(), DISCORD_PAYLOAD);
        result.unwrap();
        assert_eq!(waits, [wait]);
        assert_eq!(discord.requests(), 2);
        assert_eq!(discord.messages().len(), 1);
    }
}

#[test]
fn discord_rate_limited_on_every_try_or_for_too_long_is_a_clear_error() {
    let discord = DiscordEmulator::start();
    discord.rate_limit(usize::MAX, 0.5);
    let (result, waits) = discord_post(&discord.webhook_url(), DISCORD_PAYLOAD);
    let error = result.unwrap_err();
    let message = error.to_string();
    assert_eq!(
        message,
        format!(
            "Discord is rate limiting: POST {}/api/… answered 429 Too Many Requests after 4 \
             tries: You are being rate limited.; hint: Discord limits how often a webhook may \
             post; retry later",
            discord.url()
        )
    );
    assert_eq!(waits, [Duration::from_secs(1); 3]);
    assert_eq!((error.status(), error.tries()), (Some(429), 4));
    assert_no_secret(&error);

    let discord = DiscordEmulator::start();
    discord.rate_limit(1, 120.0);
    let (result, waits) = discord_post(&discord.webhook_url(), DISCORD_PAYLOAD);
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("asks to wait 120 s, longer than flaky waits"),
        "{message}"
    );
    assert!(waits.is_empty());
    assert_eq!(discord.requests(), 1);
}

#[test]
fn discord_invalid_bodies_are_400_naming_what_discord_said_without_retry() {
    let discord = DiscordEmulator::start();
    let long_title = json!({"embeds": [{"title": "t".repeat(257)}]}).to_string();
    let fields: Vec<serde_json::Value> = (0..26)
        .map(|i| json!({"name": format!("f{i}"), "value": ""}))
        .collect();
    let many_fields = json!({"embeds": [{"fields": fields}]}).to_string();
    let big: Vec<serde_json::Value> = (0..2)
        .map(|_| json!({"description": "d".repeat(3001)}))
        .collect();
    let too_big = json!({"embeds": big}).to_string();
    for (payload, said) in [
        (
            long_title.as_str(),
            "Invalid Form Body (embeds.0.title: Must be 256 or fewer in length.)",
        ),
        (many_fields.as_str(), "Invalid Form Body (embeds.0.fields."),
        (
            too_big.as_str(),
            "Invalid Form Body (embeds: Embed size exceeds maximum size of 6000)",
        ),
        (r#"{"content": " "}"#, "Cannot send an empty message"),
        (
            &json!({"content": "x".repeat(2001)}).to_string(),
            "Invalid Form Body (content: Must be 2000 or fewer in length.)",
        ),
        ("{not json", "The request body contains invalid JSON."),
    ] {
        let error = discord_post(&discord.webhook_url(), payload).0.unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "Discord answered POST {}/api/… with 400 Bad Request: {said}",
                discord.url()
            )),
            "{message}"
        );
        assert!(
            message.contains("; hint: Discord rejected the message itself"),
            "{message}"
        );
        assert_no_secret(&error);
    }
    assert_eq!(discord.requests(), 6, "none is retried");
    assert!(discord.messages().is_empty());
}

#[test]
fn discord_wrong_or_deleted_webhooks_say_so() {
    let discord = DiscordEmulator::start();
    let unknown = format!("{}/api/webhooks/42/{DISCORD_TOKEN}", discord.url());
    let wrong_token = format!(
        "{}/api/webhooks/{DISCORD_ID}/n0tTheR1ghtT0ken",
        discord.url()
    );
    for (url, said) in [
        (unknown, "404 Not Found: Unknown Webhook"),
        (wrong_token, "401 Unauthorized: Invalid Webhook Token"),
    ] {
        let error = discord_post(&url, DISCORD_PAYLOAD).0.unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(&format!(
                "{said}; hint: check DISCORD_WEBHOOK_URL: the webhook is wrong or was deleted"
            )),
            "{message}"
        );
        assert!(
            !message.contains("n0tTheR1ghtT0ken")
                && !format!("{error:?}").contains("n0tTheR1ghtT0ken")
        );
        assert_no_secret(&error);
    }
    let forbidden = discord_error_once(403, r#"{"message": "Missing Access", "code": 50001}"#);
    assert!(
        forbidden.contains("403 Forbidden: Missing Access; hint: check DISCORD_WEBHOOK_URL"),
        "{forbidden}"
    );
    assert_eq!(discord.requests(), 2);
}

/// The error of a post answered `status` with `body` once.
fn discord_error_once(status: u16, body: &str) -> String {
    let discord = DiscordEmulator::start();
    discord.push_fault(Fault::new(
        "POST",
        1,
        Response::json(status, &serde_json::from_str(body).unwrap()),
    ));
    let error = discord_post(&discord.webhook_url(), DISCORD_PAYLOAD)
        .0
        .unwrap_err();
    assert_no_secret(&error);
    error.to_string()
}

#[test]
fn discord_server_errors_resend_only_what_cannot_have_been_posted() {
    let discord = DiscordEmulator::start();
    discord.push_fault(
        Fault::new(
            "POST",
            1,
            Response::json(
                500,
                &json!({"message": "500: Internal Server Error", "code": 0}),
            ),
        )
        .applied(),
    );
    let (result, waits) = discord_post(&discord.webhook_url(), DISCORD_PAYLOAD);
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("500 Internal Server Error: 500: Internal Server Error; hint: Discord had a server error; retry later (the message may have been posted)"),
        "{message}"
    );
    assert!(waits.is_empty());
    assert_eq!((discord.requests(), discord.messages().len()), (1, 1));

    let discord = DiscordEmulator::start();
    discord.push_fault(Fault::new(
        "POST",
        1,
        Response::text(503, "upstream connect error"),
    ));
    let (result, waits) = discord_post(&discord.webhook_url(), DISCORD_PAYLOAD);
    result.unwrap();
    assert_eq!(waits.len(), 1);
    assert_eq!((discord.requests(), discord.messages().len()), (2, 1));
}

#[test]
fn discord_answers_without_the_message_are_not_taken_for_success() {
    let discord = DiscordEmulator::start();
    discord.push_fault(Fault::new("POST", 1, Response::text(200, "ok")));
    let error = discord_post(&discord.webhook_url(), DISCORD_PAYLOAD)
        .0
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "Discord sent an unexpected answer to POST {0}/api/…: it answered 200 without the \
             message it stored; hint: check that DISCORD_WEBHOOK_URL ({0}/api/…) is a Discord \
             webhook; the message may have been posted",
            discord.url()
        )
    );
    assert_no_secret(&error);
}

#[test]
fn discord_timeouts_are_not_resent_and_unreachable_hosts_are_named_without_the_token() {
    let discord = DiscordEmulator::start();
    discord.push_fault(
        Fault::new(
            "POST",
            1,
            Response::text(200, "").delayed(Duration::from_millis(1500)),
        )
        .applied(),
    );
    let mut short = policy();
    short.timeout = Duration::from_millis(500);
    let error = discord_post_with(&discord.webhook_url(), DISCORD_PAYLOAD, short)
        .0
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Discord did not answer within 500 ms; the message may have been posted"),
        "{error}"
    );
    assert_eq!((discord.requests(), discord.messages().len()), (1, 1));
    assert_no_secret(&error);

    let url = format!(
        "{}/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}",
        free_port_url()
    );
    let (result, waits) = discord_post(&url, DISCORD_PAYLOAD);
    let error = result.unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("could not reach Discord (POST http://127.0.0.1:"),
        "{message}"
    );
    assert!(message.contains("/api/…) after 4 tries"), "{message}");
    assert!(
        message.contains("hint: check DISCORD_WEBHOOK_URL (http://127.0.0.1:"),
        "{message}"
    );
    assert_eq!(waits.len(), 3, "refused connections are safe to retry");
    assert_no_secret(&error);
}

#[test]
fn discord_bad_urls_fail_without_a_request_and_without_the_token() {
    let discord = DiscordEmulator::start();
    let path = format!("/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}");
    for (url, reason) in [
        (String::new(), "it is empty"),
        (format!("discord.com{path}"), "it is not a URL"),
        (format!("http://discord.com{path}"), "plain http"),
        (format!("ftp://discord.com{path}"), "not an https URL"),
        (
            "https://discord.com/api/webhooks/".to_string(),
            "does not end in /webhooks/ID/TOKEN",
        ),
        (
            format!("https://discord.com/api/webhooks/{DISCORD_ID}"),
            "does not end in /webhooks/ID/TOKEN",
        ),
        (
            format!("https://discord.com/api/webhooks/abc/{DISCORD_TOKEN}"),
            "is not a number",
        ),
        (
            format!("https://discord.com{path}/slack"),
            "ends in /slack, Discord's Slack-compatible endpoint",
        ),
        (
            format!("https://discord.com{path}/extra/more"),
            "does not end in /webhooks/ID/TOKEN",
        ),
        (
            format!("https://discord.com/channels/{DISCORD_ID}/{DISCORD_TOKEN}"),
            "no /webhooks/ID/TOKEN",
        ),
    ] {
        let error = post_discord(&url, DISCORD_PAYLOAD).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("DISCORD_WEBHOOK_URL is invalid: "),
            "{message}"
        );
        assert!(message.contains(reason), "{url}: {message}");
        assert!(
            message.contains("hint: copy the webhook's URL from Discord"),
            "{message}"
        );
        assert_no_secret(&error);
    }
    assert_eq!(discord.requests(), 0);
}

#[test]
fn the_discord_emulator_speaks_the_protocol() {
    let discord = DiscordEmulator::start();
    super::http::install_crypto_provider();
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let send = |request: reqwest::blocking::RequestBuilder| {
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        (status, response.text().unwrap())
    };
    let post = |query: &str, body: &str| {
        send(
            client
                .post(format!("{}{query}", discord.webhook_url()))
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
    };
    // Without wait, 204 and no body; with it, 200 and the message.
    assert_eq!(post("", r#"{"content": "a"}"#), (204, String::new()));
    let (status, body) = post("?wait=true", r#"{"content": "b", "username": "flaky"}"#);
    assert_eq!(status, 200, "{body}");
    let message: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(message["content"], "b");
    assert_eq!(message["author"]["username"], "flaky");
    assert_eq!(message["webhook_id"], DISCORD_ID);
    let (status, body) = post("", r#"{"content": "c", "username": "my Discord bot"}"#);
    assert_eq!(status, 400);
    assert!(
        body.contains(r#"Username cannot contain \"discord\""#),
        "{body}"
    );
    let (status, body) = post(
        "",
        r#"{"content": "d", "allowed_mentions": {"parse": ["all"]}}"#,
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(
        "",
        r#"{"embeds": [{"color": 16777216, "timestamp": "yesterday"}]}"#,
    );
    assert_eq!(status, 400);
    assert!(
        body.contains("embeds") && body.contains("color") && body.contains("timestamp"),
        "{body}"
    );
    let (status, _) = send(client.get(discord.webhook_url()));
    assert_eq!(status, 405);
    let (status, _) = send(client.post(format!("{}/api/webhooks", discord.url())));
    assert_eq!(status, 404);
    assert_eq!(discord.messages().len(), 2);
}

// --- Small pieces ----------------------------------------------------------------------

#[test]
fn secrets_print_as_stars() {
    let secret = Secret::new("hunter2");
    assert_eq!(format!("{secret} {secret:?}"), "*** ***");
    assert_eq!(secret.expose(), "hunter2");
}

#[test]
fn webhook_urls_are_redacted_to_host_and_first_segment() {
    let url = reqwest::Url::parse("https://hooks.slack.com/services/T1/B2/abc").unwrap();
    assert_eq!(redact(&url), "https://hooks.slack.com/services/…");
    let url = reqwest::Url::parse("http://127.0.0.1:4000/hook").unwrap();
    assert_eq!(redact(&url), "http://127.0.0.1:4000/hook");
    let url = reqwest::Url::parse("http://127.0.0.1:4000/hook?token=abc").unwrap();
    assert_eq!(redact(&url), "http://127.0.0.1:4000/hook/…");
    let webhook = Webhook::parse(&format!("https://hooks.slack.com{SLACK_PATH}")).unwrap();
    assert_eq!(webhook.shown(), "https://hooks.slack.com/services/…");
}

#[test]
fn link_headers_yield_the_next_page() {
    let mut headers = HeaderMap::new();
    headers.insert(
        "link",
        HeaderValue::from_static(
            "<https://api.github.com/repositories/1/issues/7/comments?page=1>; rel=\"prev\", \
             <https://api.github.com/repositories/1/issues/7/comments?page=3>; rel=\"next\", \
             <https://api.github.com/repositories/1/issues/7/comments?page=9>; rel=\"last\"",
        ),
    );
    assert_eq!(
        next_link(&headers).as_deref(),
        Some("https://api.github.com/repositories/1/issues/7/comments?page=3")
    );
    headers.insert(
        "link",
        HeaderValue::from_static("<https://x/a?page=9>; rel=\"last\""),
    );
    assert_eq!(next_link(&headers), None);
    assert_eq!(next_link(&HeaderMap::new()), None);
}

#[test]
fn excerpts_are_short_single_lines_without_secrets() {
    let long = "x".repeat(1000);
    let cut = excerpt(&long, &[]);
    assert_eq!(cut.chars().count(), 200);
    assert!(cut.ends_with('…'));
    assert_eq!(excerpt("{\"message\":\"Not Found\"}", &[]), "Not Found");
    assert_eq!(excerpt("  a\n\n b  ", &[]), "a b");
    assert_eq!(excerpt("", &[]), "(empty body)");
    assert_eq!(
        excerpt("token abc123 here", &["abc123".to_string()]),
        "token *** here"
    );
    let many = format!("{{\"message\":\"{}\"}}", "é".repeat(500));
    assert_eq!(excerpt(&many, &[]).chars().count(), 200);
    // Discord's form errors: a tree of keys with `_errors` at the leaves.
    let form = json!({
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]},
            "embeds": {"0": {"fields": {"3": {"value": {"_errors": [{"code": "BASE_TYPE_REQUIRED"}]}}}}},
        },
    });
    assert_eq!(
        excerpt(&form.to_string(), &[]),
        "Invalid Form Body (content: Must be 2000 or fewer in length.; embeds.0.fields.3.value: \
         BASE_TYPE_REQUIRED)"
    );
    assert_eq!(
        excerpt(r#"{"message": "Unknown Webhook", "code": 10015}"#, &[]),
        "Unknown Webhook"
    );
}

#[test]
fn requested_waits_read_retry_after_or_the_rate_limit_reset() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
    let mut headers = HeaderMap::new();
    assert_eq!(requested_wait(&headers, now), None);
    headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    headers.insert("x-ratelimit-reset", HeaderValue::from_static("1010"));
    assert_eq!(requested_wait(&headers, now), Some(Duration::from_secs(11)));
    headers.insert("retry-after", HeaderValue::from_static("7"));
    assert_eq!(requested_wait(&headers, now), Some(Duration::from_secs(7)));
    headers.insert("x-ratelimit-remaining", HeaderValue::from_static("12"));
    headers.remove("retry-after");
    assert_eq!(requested_wait(&headers, now), None);
    // Discord's: seconds with decimals, in either header.
    headers.insert("x-ratelimit-reset-after", HeaderValue::from_static("64.57"));
    assert_eq!(
        requested_wait(&headers, now),
        Some(Duration::from_millis(64_570))
    );
    headers.insert("retry-after", HeaderValue::from_static("0.5"));
    assert_eq!(
        requested_wait(&headers, now),
        Some(Duration::from_millis(500))
    );
    for nonsense in ["-1", "inf", "NaN", "soon"] {
        headers.insert("retry-after", HeaderValue::from_static(nonsense));
        headers.insert(
            "x-ratelimit-reset-after",
            HeaderValue::from_static(nonsense),
        );
        assert_eq!(requested_wait(&headers, now), None, "{nonsense}");
    }
}
