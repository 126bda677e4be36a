//! `--post github`, `--post slack` and `--post discord` against loopback servers that check
//! requests the way GitHub's REST API and Slack's and Discord's incoming webhooks define them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use predicates::prelude::*;

use crate::Sandbox;

const TOKEN: &str = "ghs_secret0123456789";

#[derive(Default)]
struct State {
    comments: Vec<(u64, String)>,
    requests: Vec<String>,
    slack: Vec<serde_json::Value>,
}

struct Server {
    url: String,
    state: Arc<Mutex<State>>,
}

/// Method, path, headers (lower-case names) and body.
type Request = (String, String, Vec<(String, String)>, String);

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((
        method,
        path,
        headers,
        String::from_utf8_lossy(&body).into_owned(),
    ))
}

fn respond(stream: &mut TcpStream, status: u16, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// GitHub's issue-comment routes for repository o/r, pull request 7, and a Slack webhook at
/// /services/T/B/X.
fn start() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(Mutex::new(State::default()));
    let st = Arc::clone(&state);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut stream) = stream else { continue };
            let Some((method, path, headers, body)) = read_request(&mut stream) else {
                continue;
            };
            let header = |k: &str| {
                headers
                    .iter()
                    .find(|(h, _)| h == k)
                    .map(|(_, v)| v.as_str())
            };
            let mut s = st.lock().unwrap();
            s.requests.push(format!("{method} {path}"));
            if path.starts_with("/services/") {
                let ok = method == "POST"
                    && header("content-type").is_some_and(|c| c.starts_with("application/json"))
                    && serde_json::from_str::<serde_json::Value>(&body)
                        .is_ok_and(|v| v.get("blocks").is_some());
                if path != "/services/T/B/X" {
                    respond(&mut stream, 404, "no_service");
                } else if ok {
                    s.slack.push(serde_json::from_str(&body).unwrap());
                    respond(&mut stream, 200, "ok");
                } else {
                    respond(&mut stream, 400, "invalid_payload");
                }
                continue;
            }
            if header("user-agent").is_none() {
                respond(&mut stream, 403, r#"{"message":"missing User-Agent"}"#);
                continue;
            }
            if header("authorization") != Some(&format!("Bearer {TOKEN}")) {
                respond(&mut stream, 401, r#"{"message":"Bad credentials"}"#);
                continue;
            }
            if header("accept") != Some("application/vnd.github+json")
                || header("x-github-api-version").is_none()
            {
                respond(
                    &mut stream,
                    415,
                    r#"{"message":"bad Accept or API version"}"#,
                );
                continue;
            }
            let body_text = || {
                serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["body"].as_str().map(str::to_owned))
            };
            match (method.as_str(), path.split('?').next().unwrap_or("")) {
                ("GET", "/repos/o/r/issues/7/comments") => {
                    let list: Vec<serde_json::Value> = s
                        .comments
                        .iter()
                        .map(|(id, b)| serde_json::json!({"id": id, "body": b, "html_url": format!("https://github.example/o/r/pull/7#issuecomment-{id}")}))
                        .collect();
                    respond(
                        &mut stream,
                        200,
                        &serde_json::Value::Array(list).to_string(),
                    );
                }
                ("POST", "/repos/o/r/issues/7/comments") => match body_text() {
                    Some(b) => {
                        let id = 100 + s.comments.len() as u64;
                        s.comments.push((id, b));
                        respond(
                            &mut stream,
                            201,
                            &format!(
                                r#"{{"id":{id},"html_url":"https://github.example/o/r/pull/7#issuecomment-{id}"}}"#
                            ),
                        );
                    }
                    None => respond(&mut stream, 422, r#"{"message":"body is required"}"#),
                },
                ("PATCH", p) if p.starts_with("/repos/o/r/issues/comments/") => {
                    let id: u64 = p.rsplit('/').next().unwrap().parse().unwrap_or(0);
                    match (s.comments.iter().position(|(c, _)| *c == id), body_text()) {
                        (Some(i), Some(b)) => {
                            s.comments[i].1 = b;
                            respond(
                                &mut stream,
                                200,
                                &format!(
                                    r#"{{"id":{id},"html_url":"https://github.example/o/r/pull/7#issuecomment-{id}"}}"#
                                ),
                            );
                        }
                        _ => respond(&mut stream, 404, r#"{"message":"Not Found"}"#),
                    }
                }
                _ => respond(&mut stream, 404, r#"{"message":"Not Found"}"#),
            }
        }
    });
    Server { url, state }
}

fn github_env(cmd: &mut assert_cmd::Command, server: &Server, token: &str) {
    cmd.env("GITHUB_API_URL", &server.url)
        .env("GITHUB_TOKEN", token)
        .env("GITHUB_REPOSITORY", "o/r");
}

#[test]
fn run_posts_the_pr_comment_then_updates_the_same_one() {
    let s = Sandbox::new();
    let server = start();
    for n in ["4", "8"] {
        let mut cmd = s.flaky();
        github_env(&mut cmd, &server, TOKEN);
        let out = cmd
            .args([
                "run",
                "-n",
                n,
                "--post",
                "github",
                "--pr",
                "7",
                "--report",
                "markdown",
                "--report-output",
                "c.md",
                "--",
                "sh",
                "-c",
                "[ $FLAKY_ATTEMPT -ne 1 ]",
            ])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(!all.contains(TOKEN), "the token was printed: {all}");
        assert!(all.contains("pull request #7"), "{all}");
    }
    let state = server.state.lock().unwrap();
    assert_eq!(
        state.comments.len(),
        1,
        "the second run updates the first comment: {:?}",
        state.requests
    );
    assert!(state.comments[0].1.starts_with("<!-- flaky-report -->"));
    assert!(
        state.comments[0].1.contains("**8 attempts**"),
        "{}",
        state.comments[0].1
    );
    assert!(
        state
            .requests
            .iter()
            .any(|r| r.starts_with("PATCH /repos/o/r/issues/comments/100")),
        "{:?}",
        state.requests
    );
    let md = std::fs::read_to_string(s.path().join("c.md")).unwrap();
    assert!(md.contains("<!-- flaky-report -->"));
}

#[test]
fn a_rejected_token_is_a_clear_error_and_the_run_is_kept() {
    let s = Sandbox::new();
    let server = start();
    let mut cmd = s.flaky();
    github_env(&mut cmd, &server, "wrong-token-value");
    let out = cmd
        .args([
            "run", "-n", "2", "--post", "github", "--pr", "7", "--", "true",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("401") && stderr.contains("Bad credentials") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-token-value"), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 attempts of true"),
        "the measurement is still printed"
    );
    s.flaky()
        .args(["report", "--format", "json"])
        .assert()
        .code(0);

    let mut cmd = s.flaky();
    cmd.env_remove("GITHUB_TOKEN")
        .env("GITHUB_REPOSITORY", "o/r")
        .env("GITHUB_API_URL", &server.url);
    cmd.args(["report", "--post", "github", "--pr", "7"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("GITHUB_TOKEN"));
}

#[test]
fn slack_gets_block_kit_and_a_wrong_webhook_is_a_clear_error() {
    let s = Sandbox::new();
    let server = start();
    s.flaky()
        .args(["run", "-n", "3", "-q", "--fail-on", "none", "--", "true"])
        .assert()
        .code(0);
    s.flaky()
        .args(["report", "--post", "slack"])
        .env(
            "SLACK_WEBHOOK_URL",
            format!("{}/services/T/B/X", server.url),
        )
        .assert()
        .code(0)
        .stderr(predicate::str::contains("posted the report to Slack"));
    assert_eq!(server.state.lock().unwrap().slack.len(), 1);
    let out = s
        .flaky()
        .args(["report", "--post", "slack"])
        .env(
            "SLACK_WEBHOOK_URL",
            format!("{}/services/T/B/WRONGSECRET", server.url),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("404") && stderr.contains("no_service") && !stderr.contains("WRONGSECRET"),
        "{stderr}"
    );
    s.flaky()
        .args(["report", "--post", "slack"])
        .env_remove("SLACK_WEBHOOK_URL")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SLACK_WEBHOOK_URL"));
}

/// A Discord webhook at /api/webhooks/42/DISCORD_TOKEN: `flaky` posts to API v10 with
/// `wait=true` and gets the stored message back; any other id or token is Discord's 404.
/// What the loopback webhook received: each request's path and query, and its JSON body.
type Posts = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

fn start_discord() -> (String, Posts) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let posts = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&posts);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut stream) = stream else { continue };
            let Some((method, target, headers, body)) = read_request(&mut stream) else {
                continue;
            };
            let json = headers
                .iter()
                .any(|(k, v)| k == "content-type" && v.starts_with("application/json"));
            let message = serde_json::from_str::<serde_json::Value>(&body).ok();
            let path = target.split('?').next().unwrap_or("");
            if path != format!("/api/v10/webhooks/42/{DISCORD_TOKEN}") {
                respond(
                    &mut stream,
                    404,
                    r#"{"message": "Unknown Webhook", "code": 10015}"#,
                );
            } else if let (true, "POST", Some(message)) = (json, method.as_str(), message) {
                seen.lock().unwrap().push((target.clone(), message));
                respond(
                    &mut stream,
                    200,
                    r#"{"id": "1200000000000000001", "channel_id": "1122334455667788990", "type": 0}"#,
                );
            } else {
                respond(
                    &mut stream,
                    400,
                    r#"{"message": "Cannot send an empty message", "code": 50006}"#,
                );
            }
        }
    });
    (url, posts)
}

const DISCORD_TOKEN: &str = "dW3bh00kT0kenThatMustNeverBePrinted";

#[test]
fn discord_gets_embeds_without_mentions_and_a_wrong_webhook_is_a_clear_error() {
    let s = Sandbox::new();
    let (url, posts) = start_discord();
    let out = s
        .flaky()
        .args([
            "run",
            "-n",
            "3",
            "--post",
            "discord",
            "--",
            "sh",
            "-c",
            "[ $FLAKY_ATTEMPT -ne 1 ]",
        ])
        .env(
            "DISCORD_WEBHOOK_URL",
            format!("{url}/api/webhooks/42/{DISCORD_TOKEN}"),
        )
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("posted the report to Discord (message 1200000000000000001 in channel 1122334455667788990)"),
        "{all}"
    );
    assert!(!all.contains(DISCORD_TOKEN), "the token was printed: {all}");
    {
        let posts = posts.lock().unwrap();
        assert_eq!(posts.len(), 1);
        let (target, message) = &posts[0];
        assert_eq!(
            target,
            &format!("/api/v10/webhooks/42/{DISCORD_TOKEN}?wait=true")
        );
        assert_eq!(message["username"], "flaky");
        assert_eq!(
            message["allowed_mentions"],
            serde_json::json!({"parse": []})
        );
        assert!(
            message["content"]
                .as_str()
                .unwrap()
                .contains("flaky: 1 flaky test"),
            "{message}"
        );
        assert!(!message["embeds"].as_array().unwrap().is_empty());
    }

    let out = s
        .flaky()
        .args(["report", "--post", "discord"])
        .env(
            "DISCORD_WEBHOOK_URL",
            format!("{url}/api/webhooks/42/WRONGSECRET"),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("404 Not Found: Unknown Webhook")
            && stderr.contains("hint: check DISCORD_WEBHOOK_URL")
            && !stderr.contains("WRONGSECRET"),
        "{stderr}"
    );
    s.flaky()
        .args(["report", "--post", "discord"])
        .env(
            "DISCORD_WEBHOOK_URL",
            format!("{url}/channels/42/WRONGSECRET"),
        )
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("DISCORD_WEBHOOK_URL is invalid")
                .and(predicate::str::contains("WRONGSECRET").not()),
        );
    s.flaky()
        .args(["report", "--post", "discord"])
        .env_remove("DISCORD_WEBHOOK_URL")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("hint: set DISCORD_WEBHOOK_URL"));
    assert_eq!(posts.lock().unwrap().len(), 1);
}
