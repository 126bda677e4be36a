//! The Slack message: one POST of a Block Kit payload to an incoming webhook. The webhook URL is a
//! secret (whoever has it can post), so messages show only its host and first path segment.

use reqwest::{Method, Url};

use super::http::is_loopback;
use super::http::{Call, Failure, Http, HttpPolicy, HttpSetup, webhook_hint};
use super::{NotifyError, Service};

/// POSTs a Block Kit payload (already JSON text) to an incoming-webhook URL (`SLACK_WEBHOOK_URL`,
/// read by the caller). Retried on 429 (after `Retry-After`), 503 and refused connections only:
/// a resent message after an unclear failure would show twice in the channel.
pub fn post_slack(webhook_url: &str, payload_json: &str) -> Result<(), NotifyError> {
    post_slack_with(webhook_url, payload_json, &HttpPolicy::default())
}

/// [`post_slack`] with other timeouts or retry budget.
pub fn post_slack_with(
    webhook_url: &str,
    payload_json: &str,
    policy: &HttpPolicy,
) -> Result<(), NotifyError> {
    let webhook = Webhook::parse(webhook_url)?;
    check_payload(payload_json)?;
    let http = Http::new(http_setup(&webhook, policy))?;
    post_with(&http, &webhook, payload_json)
}

/// A checked webhook URL, with what may be shown of it.
pub(crate) struct Webhook {
    url: Url,
    shown: String,
    secrets: Vec<String>,
}

impl Webhook {
    pub(crate) fn parse(text: &str) -> Result<Webhook, NotifyError> {
        let invalid = |reason: &str| NotifyError::InvalidWebhookUrl {
            reason: reason.to_string(),
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(invalid("it is empty"));
        }
        // The parse error never contains the input, so it is safe to show.
        let url = Url::parse(text).map_err(|error| NotifyError::InvalidWebhookUrl {
            reason: format!("it is not a URL ({error})"),
        })?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(invalid("it uses plain http; Slack webhooks are https")),
            _ => return Err(invalid("it is not an https URL")),
        }
        if url.host_str().is_none() {
            return Err(invalid("it has no host"));
        }
        if url.path_segments().is_none_or(|mut s| s.all(str::is_empty)) {
            return Err(invalid(
                "it has no path (a webhook URL looks like https://hooks.slack.com/services/T…/B…/…)",
            ));
        }
        let mut secrets = vec![text.to_string(), url.as_str().to_string()];
        if url.path().len() > 1 {
            secrets.push(url.path().to_string());
        }
        // The segments after the first carry the webhook's token.
        secrets.extend(
            url.path_segments()
                .into_iter()
                .flatten()
                .skip(1)
                .filter(|segment| segment.len() >= 4)
                .map(str::to_string),
        );
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
}

/// `https://hooks.slack.com/services/…`: scheme, host, port and first path segment only.
pub(crate) fn redact(url: &Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or("?"));
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    let mut segments = url.path_segments().into_iter().flatten();
    if let Some(first) = segments.next() {
        shown.push('/');
        shown.push_str(first);
        if segments.next().is_some() || url.query().is_some() {
            shown.push_str("/…");
        }
    }
    shown
}

fn check_payload(payload_json: &str) -> Result<(), NotifyError> {
    match serde_json::from_str::<serde_json::Value>(payload_json) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err(NotifyError::InvalidPayload {
            reason: "it is JSON, but not an object".to_string(),
        }),
        Err(error) => Err(NotifyError::InvalidPayload {
            reason: error.to_string(),
        }),
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
) -> Result<(), NotifyError> {
    check_payload(payload_json)?;
    let call = Call {
        method: Method::POST,
        url: webhook.url.clone(),
        shown_url: webhook.shown.clone(),
        body: Some(payload_json.to_string()),
    };
    match http.send(&call, http.policy.max_tries) {
        Ok(_) => Ok(()),
        Err(failure) => {
            let hint = hint(http, webhook, &failure);
            Err(failure.into_error(Service::Slack, hint))
        }
    }
}

fn hint(http: &Http, webhook: &Webhook, failure: &Failure) -> String {
    webhook_hint(
        http,
        failure,
        ("Slack", "SLACK_WEBHOOK_URL", &webhook.shown),
        "Slack allows about one webhook message per second; retry later",
        |status| {
            let hint = match status {
                403 => {
                    "check SLACK_WEBHOOK_URL: Slack refused the post (posting to the channel may be restricted, or the webhook revoked)"
                }
                404 => {
                    "check SLACK_WEBHOOK_URL: no webhook exists at that address (removed, or mistyped)"
                }
                410 => {
                    "the webhook's channel is archived: unarchive it, or create a webhook for another channel and update SLACK_WEBHOOK_URL"
                }
                _ => return None,
            };
            Some(hint.to_owned())
        },
    )
}
