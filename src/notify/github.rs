//! The pull-request comment: find flaky's earlier comment by its hidden marker and update it, or
//! create one, through the GitHub REST API (issue comments, which PR conversations are).

use std::path::PathBuf;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::Value;

use super::http::{Call, Failure, FailureKind, Http, HttpPolicy, HttpSetup, Reply};
use super::{NotifyError, Secret, Service};

const DEFAULT_API_URL: &str = "https://api.github.com";
const API_VERSION: &str = "2022-11-28";
/// GitHub's limit on a comment body, in characters.
pub(crate) const MAX_COMMENT_CHARS: usize = 65_536;
/// The largest page the list endpoint serves.
const PER_PAGE: u32 = 100;
/// Pages read while looking for the marker (10,000 comments) before creating a new comment.
const MAX_PAGES: usize = 100;

/// Where the comment goes: API, credentials, repository and pull request.
#[derive(Clone, Debug)]
pub struct GithubTarget {
    api_url: String,
    token: Secret,
    repository: String,
    pr: u64,
}

/// What [`post_github`] did, with the comment's web address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Posted {
    Created { url: String },
    Updated { url: String },
}

impl Posted {
    pub fn url(&self) -> &str {
        match self {
            Posted::Created { url } | Posted::Updated { url } => url,
        }
    }
}

impl GithubTarget {
    /// Checks each part: `api_url` an http(s) URL (plain http only on loopback), `token` usable in a
    /// header, `repository` as `owner/name`, `pr` not 0. Errors name the matching variable.
    pub fn new(
        api_url: &str,
        token: Secret,
        repository: &str,
        pr: u64,
    ) -> Result<GithubTarget, NotifyError> {
        let api_url = check_api_url(api_url)?;
        let token = check_token(token)?;
        let repository = check_repository(repository)?;
        if pr == 0 {
            return Err(NotifyError::NoPullRequest {
                reason: "0 is not a pull request number".to_string(),
            });
        }
        Ok(GithubTarget {
            api_url,
            token,
            repository,
            pr,
        })
    }

    /// From the environment: `GITHUB_API_URL` (default `https://api.github.com`), `GITHUB_TOKEN`,
    /// `GITHUB_REPOSITORY`, and the PR number from `pr` or else from the Actions event file at
    /// `GITHUB_EVENT_PATH` (`pull_request.number`, or `issue.number` for comments on a PR).
    /// `env` is injected so tests need no real environment.
    pub fn from_env(
        pr: Option<u64>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<GithubTarget, NotifyError> {
        let var = |name: &str| env(name).filter(|value| !value.trim().is_empty());
        let api_url = var("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_string());
        let api_url = check_api_url(&api_url)?;
        let token = var("GITHUB_TOKEN").ok_or(NotifyError::MissingEnv {
            var: "GITHUB_TOKEN",
            hint: "in a workflow, add `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` and \
                   `permissions: pull-requests: write`",
        })?;
        let token = check_token(Secret::new(token.trim()))?;
        let repository = var("GITHUB_REPOSITORY").ok_or(NotifyError::MissingEnv {
            var: "GITHUB_REPOSITORY",
            hint: "set GITHUB_REPOSITORY=owner/name",
        })?;
        let repository = check_repository(repository.trim())?;
        let pr = match pr {
            Some(pr) => pr,
            None => pr_from_event(&var)?,
        };
        GithubTarget::new(&api_url, token, &repository, pr)
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    pub fn repository(&self) -> &str {
        &self.repository
    }

    pub fn pr(&self) -> u64 {
        self.pr
    }
}

/// Creates the PR comment, or updates the earlier one whose body contains `marker`.
///
/// Lists `GET /repos/{owner}/{repo}/issues/{pr}/comments?per_page=100` (following `Link: rel="next"`),
/// then `PATCH /repos/{owner}/{repo}/issues/comments/{id}` or `POST .../issues/{pr}/comments`. The
/// marker is appended to `body` when missing, so the next run finds the comment. A POST whose
/// outcome is unknown (timeout, 500) is not simply resent: the list is read again first, so a
/// comment created despite the error is not duplicated.
pub fn post_github(target: &GithubTarget, body: &str, marker: &str) -> Result<Posted, NotifyError> {
    post_github_with(target, body, marker, &HttpPolicy::default())
}

/// [`post_github`] with other timeouts or retry budget.
pub fn post_github_with(
    target: &GithubTarget,
    body: &str,
    marker: &str,
    policy: &HttpPolicy,
) -> Result<Posted, NotifyError> {
    let http = Http::new(http_setup(target, policy)?)?;
    post_with(&http, target, body, marker)
}

/// The client settings GitHub needs; tests change the sleeper and proxy use.
pub(crate) fn http_setup(
    target: &GithubTarget,
    policy: &HttpPolicy,
) -> Result<HttpSetup, NotifyError> {
    let mut setup = HttpSetup::new(policy);
    setup
        .headers
        .insert(AUTHORIZATION, auth_header(&target.token)?);
    setup.headers.insert(
        ACCEPT,
        HeaderValue::from_static("application/vnd.github+json"),
    );
    setup.headers.insert(
        HeaderName::from_static("x-github-api-version"),
        HeaderValue::from_static(API_VERSION),
    );
    // GitHub redirects renamed repositories; reqwest drops Authorization across hosts.
    setup.follow_redirects = true;
    setup.secrets = vec![target.token.expose().to_string()];
    Ok(setup)
}

pub(crate) fn post_with(
    http: &Http,
    target: &GithubTarget,
    body: &str,
    marker: &str,
) -> Result<Posted, NotifyError> {
    if marker.is_empty() {
        return Err(NotifyError::EmptyMarker);
    }
    let body = if body.contains(marker) {
        body.to_string()
    } else {
        format!("{body}\n\n{marker}")
    };
    let chars = body.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(NotifyError::BodyTooLong {
            chars,
            max: MAX_COMMENT_CHARS,
        });
    }
    let github = Github { http, target };
    match github.find(marker)? {
        Some(existing) if existing.body.as_deref() == Some(body.as_str()) => Ok(Posted::Updated {
            url: existing.html_url,
        }),
        Some(existing) => github.update(existing.id, &body),
        None => github.create(&body, marker),
    }
}

/// The fields flaky reads from GitHub's issue-comment object.
#[derive(Debug, Deserialize)]
struct Comment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    html_url: String,
}

struct Github<'a> {
    http: &'a Http,
    target: &'a GithubTarget,
}

impl Github<'_> {
    fn url(&self, path: &str) -> Result<Url, NotifyError> {
        let text = format!("{}{path}", self.target.api_url);
        Url::parse(&text).map_err(|error| NotifyError::InvalidEnv {
            var: "GITHUB_API_URL",
            reason: format!("{text} is not a URL: {error}"),
            hint: "set GITHUB_API_URL to the REST API root, such as https://api.github.com",
        })
    }

    fn call(&self, method: Method, url: Url, body: Option<String>) -> Call {
        Call {
            method,
            shown_url: url.to_string(),
            url,
            body,
        }
    }

    /// The first comment whose body contains `marker`, reading page after page.
    fn find(&self, marker: &str) -> Result<Option<Comment>, NotifyError> {
        let t = self.target;
        let first = format!(
            "/repos/{}/issues/{}/comments?per_page={PER_PAGE}",
            t.repository, t.pr
        );
        let mut url = self.url(&first)?;
        for _ in 0..MAX_PAGES {
            let call = self.call(Method::GET, url, None);
            let reply = self
                .http
                .send(&call, self.http.policy.max_tries)
                .map_err(|failure| self.fail(failure))?;
            let comments: Vec<Comment> = self.parse(&call, &reply, "a JSON array of comments")?;
            if let Some(found) = comments
                .into_iter()
                .find(|c| c.body.as_deref().is_some_and(|b| b.contains(marker)))
            {
                return Ok(Some(found));
            }
            let Some(next) = next_link(&reply.headers) else {
                return Ok(None);
            };
            url = self.same_origin(&call, &next)?;
        }
        Ok(None)
    }

    /// A pagination link, only if it stays on the API's host: the token goes with it.
    fn same_origin(&self, call: &Call, next: &str) -> Result<Url, NotifyError> {
        let invalid = |detail: String| NotifyError::InvalidResponse {
            service: Service::Github,
            method: call.method.to_string(),
            url: call.shown_url.clone(),
            detail,
            hint: format!(
                "check GITHUB_API_URL ({}) points at the GitHub REST API",
                self.target.api_url
            ),
        };
        let next_url = Url::parse(next).map_err(|error| {
            invalid(format!("the Link header's next page is not a URL: {error}"))
        })?;
        if next_url.origin() != call.url.origin() {
            return Err(invalid(format!(
                "the Link header's next page is on another host ({}); flaky does not send \
                 GITHUB_TOKEN there",
                next_url.host_str().unwrap_or("?")
            )));
        }
        Ok(next_url)
    }

    fn update(&self, id: u64, body: &str) -> Result<Posted, NotifyError> {
        let t = self.target;
        let url = self.url(&format!("/repos/{}/issues/comments/{id}", t.repository))?;
        let call = self.call(Method::PATCH, url, Some(comment_json(body)));
        let reply = self
            .http
            .send(&call, self.http.policy.max_tries)
            .map_err(|failure| self.fail(failure))?;
        let comment: Comment = self.parse(&call, &reply, "the updated comment")?;
        Ok(Posted::Updated {
            url: comment.html_url,
        })
    }

    fn create(&self, body: &str, marker: &str) -> Result<Posted, NotifyError> {
        let t = self.target;
        let url = self.url(&format!("/repos/{}/issues/{}/comments", t.repository, t.pr))?;
        let budget = self.http.policy.max_tries.max(1);
        let mut used = 0;
        loop {
            let call = self.call(Method::POST, url.clone(), Some(comment_json(body)));
            match self.http.send(&call, budget - used) {
                Ok(reply) => {
                    let comment: Comment = self.parse(&call, &reply, "the created comment")?;
                    return Ok(Posted::Created {
                        url: comment.html_url,
                    });
                }
                Err(mut failure) => {
                    used += failure.tries;
                    failure.tries = used;
                    if !failure.post_outcome_unknown() || used >= budget {
                        return Err(self.fail(failure));
                    }
                    // The comment may exist although no answer said so: look before posting again.
                    self.http.sleep(self.http.backoff(used));
                    if let Some(found) = self.find(marker)? {
                        return Ok(Posted::Created {
                            url: found.html_url,
                        });
                    }
                }
            }
        }
    }

    fn parse<T: for<'de> Deserialize<'de>>(
        &self,
        call: &Call,
        reply: &Reply,
        what: &str,
    ) -> Result<T, NotifyError> {
        serde_json::from_str(&reply.body).map_err(|error| NotifyError::InvalidResponse {
            service: Service::Github,
            method: call.method.to_string(),
            url: call.shown_url.clone(),
            detail: format!("expected {what}: {error}"),
            hint: format!(
                "check GITHUB_API_URL ({}) points at the GitHub REST API",
                self.target.api_url
            ),
        })
    }

    fn fail(&self, failure: Failure) -> NotifyError {
        let hint = self.hint(&failure);
        failure.into_error(Service::Github, hint)
    }

    fn hint(&self, failure: &Failure) -> String {
        let t = self.target;
        match (&failure.kind, failure.status()) {
            (
                FailureKind::Transport {
                    timeout: true,
                    connect: false,
                    ..
                },
                _,
            ) => format!(
                "GitHub did not answer within {}; retry later{}",
                crate::render::duration_text(self.http.policy.timeout),
                if failure.method == Method::POST {
                    " (the comment may have been posted)"
                } else {
                    ""
                }
            ),
            (FailureKind::Transport { .. }, _) => format!(
                "check GITHUB_API_URL ({}) and that this machine can reach it",
                t.api_url
            ),
            (FailureKind::RateLimited { .. }, _) => "wait for GitHub's rate limit to reset \
                 (x-ratelimit-reset), or post less often with this token"
                .to_string(),
            (_, Some(401)) => "GITHUB_TOKEN was rejected: check that it holds a valid, unexpired \
                 token (in a workflow: `GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`)"
                .to_string(),
            (_, Some(403)) => "GITHUB_TOKEN needs the pull-requests: write permission (workflow \
                 `permissions: pull-requests: write`); tokens of pull requests from forks are \
                 read-only"
                .to_string(),
            (_, Some(404)) => format!(
                "check GITHUB_REPOSITORY={} (owner/name) and the PR number {}; GitHub also \
                 answers 404 when GITHUB_TOKEN cannot see the repository",
                t.repository, t.pr
            ),
            (_, Some(410)) => format!(
                "GitHub says it is gone: check the PR number {} of {}",
                t.pr, t.repository
            ),
            (_, Some(422)) => format!(
                "GitHub rejected the comment; a body must have at most {MAX_COMMENT_CHARS} \
                 characters"
            ),
            (_, Some(status)) if status >= 500 => {
                "GitHub had a server error; retry later (https://www.githubstatus.com)".to_string()
            }
            _ => format!(
                "check GITHUB_API_URL ({}) points at the GitHub REST API",
                t.api_url
            ),
        }
    }
}

fn comment_json(body: &str) -> String {
    serde_json::json!({ "body": body }).to_string()
}

/// The `rel="next"` target of the `Link` headers, if any.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|link| {
            let mut parts = link.split(';');
            let target = parts.next()?.trim();
            let target = target.strip_prefix('<')?.strip_suffix('>')?;
            let is_next = parts.any(|param| {
                let Some((key, value)) = param.split_once('=') else {
                    return false;
                };
                key.trim().eq_ignore_ascii_case("rel")
                    && value
                        .trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|rel| rel.eq_ignore_ascii_case("next"))
            });
            is_next.then(|| target.to_string())
        })
}

fn auth_header(token: &Secret) -> Result<HeaderValue, NotifyError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        NotifyError::InvalidEnv {
            var: "GITHUB_TOKEN",
            reason: "it contains characters that cannot be sent in an HTTP header".to_string(),
            hint: "copy the token again, without line breaks or other characters around it",
        }
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn check_token(token: Secret) -> Result<Secret, NotifyError> {
    if token.expose().trim().is_empty() {
        return Err(NotifyError::MissingEnv {
            var: "GITHUB_TOKEN",
            hint: "in a workflow, add `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` and \
                   `permissions: pull-requests: write`",
        });
    }
    auth_header(&token)?;
    Ok(token)
}

fn check_repository(repository: &str) -> Result<String, NotifyError> {
    let valid_part = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match repository.split_once('/') {
        Some((owner, name)) if valid_part(owner) && valid_part(name) => Ok(repository.to_string()),
        _ => Err(NotifyError::InvalidEnv {
            var: "GITHUB_REPOSITORY",
            reason: format!(
                "{:?} is not owner/name",
                super::http::truncate(repository, 80)
            ),
            hint: "set GITHUB_REPOSITORY=owner/name",
        }),
    }
}

/// The API root without a trailing slash. Plain http is accepted only on loopback, where tests
/// run their servers: elsewhere it would send the token in clear.
fn check_api_url(text: &str) -> Result<String, NotifyError> {
    const HINT: &str = "set GITHUB_API_URL to the REST API root, such as https://api.github.com \
                        (GitHub Enterprise: https://HOST/api/v3)";
    let invalid = |reason: String| NotifyError::InvalidEnv {
        var: "GITHUB_API_URL",
        reason,
        hint: HINT,
    };
    let text = text.trim();
    // A URL with user info may carry a password: never repeat it.
    let shown = if text.contains('@') {
        "the value".to_string()
    } else {
        format!("{:?}", super::http::truncate(text, 100))
    };
    let url =
        Url::parse(text).map_err(|error| invalid(format!("{shown} is not a URL ({error})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it contains a user name or password; the token belongs in GITHUB_TOKEN".to_string(),
        ));
    }
    super::http::check_transport(&url, &shown, "GITHUB_TOKEN").map_err(invalid)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(format!("{shown} has a query or fragment")));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn pr_from_event(var: &dyn Fn(&str) -> Option<String>) -> Result<u64, NotifyError> {
    let Some(path) = var("GITHUB_EVENT_PATH") else {
        return Err(NotifyError::NoPullRequest {
            reason: "no PR number was given and GITHUB_EVENT_PATH is not set".to_string(),
        });
    };
    let path = PathBuf::from(path);
    let text = std::fs::read_to_string(&path).map_err(|error| NotifyError::EventFile {
        path: path.clone(),
        reason: error.to_string(),
    })?;
    let event: Value = serde_json::from_str(&text).map_err(|error| NotifyError::EventFile {
        path: path.clone(),
        reason: format!("not valid JSON ({error})"),
    })?;
    let name = var("GITHUB_EVENT_NAME").unwrap_or_else(|| "workflow".to_string());
    if let Some(number) = event
        .pointer("/pull_request/number")
        .and_then(Value::as_u64)
    {
        return Ok(number);
    }
    if let Some(issue) = event.get("issue") {
        let number = issue.get("number").and_then(Value::as_u64);
        let is_pr = issue.get("pull_request").is_some_and(|pr| !pr.is_null());
        match number {
            Some(number) if is_pr => return Ok(number),
            Some(number) => {
                return Err(NotifyError::NoPullRequest {
                    reason: format!(
                        "the {name} event is about issue #{number}, which is not a pull request"
                    ),
                });
            }
            None => {}
        }
    }
    Err(NotifyError::NoPullRequest {
        reason: format!(
            "the {name} event in {} has no pull_request.number or issue.number",
            path.display()
        ),
    })
}
