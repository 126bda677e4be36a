//! Posting the report where people read it: a pull-request comment on GitHub that updates its own
//! earlier comment, and a Slack or Discord message through an incoming webhook.
//!
//! Blocking on purpose: the CLI posts once, after the run, outside any async runtime. Endpoints come
//! from the usual variables (`GITHUB_API_URL`, `GITHUB_TOKEN`, `GITHUB_REPOSITORY`,
//! `SLACK_WEBHOOK_URL`, `DISCORD_WEBHOOK_URL`), so tests point them at loopback servers. Errors
//! never contain the token or the webhook URL, which are secrets.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

mod discord;
mod github;
pub(crate) mod http;
mod slack;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testserver;

pub use discord::{DISCORD_WEBHOOK_VAR, DiscordMessage, post_discord};
pub use github::{GithubTarget, Posted, post_github, post_github_with};
pub use http::HttpPolicy;
pub use slack::{post_slack, post_slack_with};

/// A value that must not be printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Which service an error comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Github,
    Slack,
    Discord,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Github => "GitHub",
            Service::Slack => "Slack",
            Service::Discord => "Discord",
        })
    }
}

/// Why a comment or message could not be posted. Messages name the variable or answer that was
/// wrong and end with a `hint:`; none contains the token or the webhook URL.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{var} is not set; hint: {hint}")]
    MissingEnv {
        var: &'static str,
        hint: &'static str,
    },

    #[error("{var} is invalid: {reason}; hint: {hint}")]
    InvalidEnv {
        var: &'static str,
        reason: String,
        hint: &'static str,
    },

    #[error(
        "no pull request to comment on: {reason}; hint: pass the PR number (--pr N), or run in a \
         GitHub Actions pull_request or issue_comment workflow"
    )]
    NoPullRequest { reason: String },

    #[error(
        "cannot read the GitHub Actions event file {path} (GITHUB_EVENT_PATH): {reason}; hint: \
         pass the PR number (--pr N) instead"
    )]
    EventFile { path: PathBuf, reason: String },

    #[error(
        "the comment marker is empty, so every comment would match it; hint: pass a hidden marker \
         such as `<!-- flaky-report -->`"
    )]
    EmptyMarker,

    #[error(
        "the PR comment has {chars} characters, more than GitHub's limit of {max}; hint: report \
         fewer tests in the comment"
    )]
    BodyTooLong { chars: usize, max: usize },

    #[error(
        "the Slack payload is not a JSON object: {reason}; hint: this is a bug in flaky, please report it"
    )]
    InvalidPayload { reason: String },

    #[error(
        "SLACK_WEBHOOK_URL is invalid: {reason}; hint: check SLACK_WEBHOOK_URL (https://hooks.slack.com/services/...)"
    )]
    InvalidWebhookUrl { reason: String },

    #[error(
        "{service} answered {method} {url} with {}{}: {excerpt}; hint: {hint}",
        status_text(*.status),
        after_tries(*.tries)
    )]
    Status {
        service: Service,
        method: String,
        url: String,
        status: u16,
        tries: u32,
        excerpt: String,
        hint: String,
    },

    #[error(
        "{service} is rate limiting: {method} {url} answered {}{}: {excerpt}; hint: {hint}",
        status_text(*.status),
        rate_limit_wait(*.tries, *.asked)
    )]
    RateLimited {
        service: Service,
        method: String,
        url: String,
        status: u16,
        tries: u32,
        /// Set when the server asked to wait longer than [`HttpPolicy::max_wait`].
        asked: Option<Duration>,
        excerpt: String,
        hint: String,
    },

    #[error("could not reach {service} ({method} {url}){}: {detail}; hint: {hint}", after_tries(*.tries))]
    Transport {
        service: Service,
        method: String,
        url: String,
        tries: u32,
        detail: String,
        hint: String,
    },

    #[error("{service} sent an unexpected answer to {method} {url}: {detail}; hint: {hint}")]
    InvalidResponse {
        service: Service,
        method: String,
        url: String,
        detail: String,
        hint: String,
    },

    #[error("could not set up the HTTP client: {detail}")]
    Client { detail: String },
}

impl NotifyError {
    /// The HTTP status of the last answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            NotifyError::Status { status, .. } | NotifyError::RateLimited { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// How many requests were made before giving up (0 when none was sent).
    pub fn tries(&self) -> u32 {
        match self {
            NotifyError::Status { tries, .. }
            | NotifyError::RateLimited { tries, .. }
            | NotifyError::Transport { tries, .. } => *tries,
            _ => 0,
        }
    }
}

fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

fn after_tries(tries: u32) -> String {
    if tries > 1 {
        format!(" after {tries} tries")
    } else {
        String::new()
    }
}

fn rate_limit_wait(tries: u32, asked: Option<Duration>) -> String {
    match asked {
        Some(wait) => format!(
            " and asks to wait {} s, longer than flaky waits",
            wait.as_secs()
        ),
        None => after_tries(tries),
    }
}
