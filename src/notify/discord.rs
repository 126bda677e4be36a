//! The Discord message: one POST of an execute-webhook payload to an incoming webhook, with
//! `?wait=true` so that Discord checks and stores the message before it answers (and answers
//! with it) instead of accepting it blind. The webhook URL is a secret (its last segment is the
//! token that lets anyone post), so messages show only its host and first path segment.
//!
//! Webhook URLs as Discord hands them out carry no API version, and unversioned calls get
//! Discord's oldest one, whose rate-limit answers count milliseconds and whose form errors are
//! shaped otherwise. flaky pins the version, as it pins GitHub's.

use reqwest::{Method, Url};

use super::http::{Call, Failure, Http, HttpPolicy, HttpSetup, is_loopback, webhook_hint};
use super::slack::redact;
use super::{NotifyError, Service};

/// The variable that holds the webhook URL.
pub const DISCORD_WEBHOOK_VAR: &str = "DISCORD_WEBHOOK_URL";

/// The API version unversioned webhook URLs are sent to.
const API_VERSION: &str = "v10";

const URL_HINT: &str = "copy the webhook's URL from Discord (Edit Channel → Integrations → \
     Webhooks → Copy Webhook URL); it looks like https://discord.com/api/webhooks/ID/TOKEN";

/// The message Discord stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscordMessage {
    pub id: String,
    pub channel_id: String,
}

/// POSTs an execute-webhook payload (already JSON text) to a webhook URL
/// (`DISCORD_WEBHOOK_URL`, read by the caller) and returns the message Discord stored. Retried
/// on 429 (after the wait Discord asks for), 503 and refused connections only: a resent message
/// after an unclear failure would show twice in the channel.
pub fn post_discord(webhook_url: &str, payload_json: &str) -> Result<DiscordMessage, NotifyError> {
    let webhook = Webhook::parse(webhook_url)?;
    let http = Http::new(http_setup(&webhook, &HttpPolicy::default()))?;
    post_with(&http, &webhook, payload_json)
}

/// A checked webhook URL, versioned and with `wait=true`, with what may be shown of it.
pub(crate) struct Webhook {
    url: Url,
    shown: String,
    secrets: Vec<String>,
}

impl Webhook {
    /// Reads `https://discord.com/api[/vN]/webhooks/ID/TOKEN[?thread_id=…]`; any host, so a
    /// proxy or a test server may stand in for Discord.
    pub(crate) fn parse(text: &str) -> Result<Webhook, NotifyError> {
        let invalid = |reason: &str| NotifyError::InvalidEnv {
            var: DISCORD_WEBHOOK_VAR,
            reason: reason.to_string(),
            hint: URL_HINT,
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(invalid("it is empty"));
        }
        // The parse error never contains the input, so it is safe to show.
        let mut url =
            Url::parse(text).map_err(|error| invalid(&format!("it is not a URL ({error})")))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(invalid("it uses plain http; Discord webhooks are https")),
            _ => return Err(invalid("it is not an https URL")),
        }
        if url.host_str().is_none() {
            return Err(invalid("it has no host"));
        }
        let segments: Vec<String> = url
            .path_segments()
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let Some(at) = segments.iter().rposition(|s| s == "webhooks") else {
            return Err(invalid(
                "it is not a webhook URL (no /webhooks/ID/TOKEN in its path)",
            ));
        };
        let (before, after) = (&segments[..at], &segments[at + 1..]);
        let token = match after {
            [id, token] if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => token,
            [_, _] => return Err(invalid("its webhook id (after /webhooks/) is not a number")),
            [_, _, tail] if tail == "slack" || tail == "github" => {
                let service = if tail == "slack" { "Slack" } else { "GitHub" };
                return Err(invalid(&format!(
                    "it ends in /{tail}, Discord's {service}-compatible endpoint; flaky sends \
                     Discord's own messages, so leave /{tail} out"
                )));
            }
            _ => {
                return Err(invalid(
                    "its path does not end in /webhooks/ID/TOKEN (the id and the token, and \
                     nothing after them)",
                ));
            }
        };
        let mut secrets = vec![
            text.to_string(),
            url.as_str().to_string(),
            url.path().to_string(),
            token.clone(),
        ];
        // Discord's own form of the path: no empty segment, and a version after `api`.
        let mut path: Vec<&str> = before.iter().map(String::as_str).collect();
        if path.last() == Some(&"api") {
            path.push(API_VERSION);
        }
        path.push("webhooks");
        path.extend(after.iter().map(String::as_str));
        url.set_path(&format!("/{}", path.join("/")));
        // Other parameters (`thread_id`, to post in a thread) are kept.
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(key, _)| key != "wait")
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("wait", "true");
        secrets.push(url.as_str().to_string());
        secrets.push(url.path().to_string());
        Ok(Webhook {
            shown: redact(&url),
            url,
            secrets,
        })
    }

    /// The part of the URL that may be printed.
    #[cfg(test)]
    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    /// The URL the message is posted to.
    #[cfg(test)]
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }
}

pub(crate) fn http_setup(webhook: &Webhook, policy: &HttpPolicy) -> HttpSetup {
    let mut setup = HttpSetup::new(policy);
    // A redirect would resend the message somewhere else: none is followed.
    setup.follow_redirects = false;
    setup.secrets = webhook.secrets.clone();
    setup
}

pub(crate) fn post_with(
    http: &Http,
    webhook: &Webhook,
    payload_json: &str,
) -> Result<DiscordMessage, NotifyError> {
    let call = Call {
        method: Method::POST,
        url: webhook.url.clone(),
        shown_url: webhook.shown.clone(),
        body: Some(payload_json.to_string()),
    };
    let reply = match http.send(&call, http.policy.max_tries) {
        Ok(reply) => reply,
        Err(failure) => {
            let hint = hint(http, webhook, &failure);
            return Err(failure.into_error(Service::Discord, hint));
        }
    };
    // With `wait=true` Discord answers 200 with the message; anything else is not Discord.
    let message = serde_json::from_str::<serde_json::Value>(&reply.body).ok();
    let field = |key: &str| {
        message
            .as_ref()
            .and_then(|m| m.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    match (field("id"), field("channel_id")) {
        (Some(id), Some(channel_id)) => Ok(DiscordMessage { id, channel_id }),
        _ => Err(NotifyError::InvalidResponse {
            service: Service::Discord,
            method: call.method.to_string(),
            url: call.shown_url,
            detail: format!("it answered {} without the message it stored", reply.status),
            hint: format!(
                "check that {DISCORD_WEBHOOK_VAR} ({}) is a Discord webhook; the message may \
                 have been posted",
                webhook.shown
            ),
        }),
    }
}

fn hint(http: &Http, webhook: &Webhook, failure: &Failure) -> String {
    webhook_hint(
        http,
        failure,
        ("Discord", DISCORD_WEBHOOK_VAR, &webhook.shown),
        "Discord limits how often a webhook may post; retry later",
        |status| {
            matches!(status, 401 | 403 | 404).then(|| {
                format!(
                    "check {DISCORD_WEBHOOK_VAR}: the webhook is wrong or was deleted ({URL_HINT})"
                )
            })
        },
    )
}
