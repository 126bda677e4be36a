//! Secrets kept out of everything flaky stores and shows: values of secret-looking variables
//! and passwords in URLs (in excerpts, messages and reasons), and secret arguments of the
//! command (in its label, the history and replay lines).

use std::borrow::Cow;

use crate::model::{Attempt, Excerpt};

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Values shorter than this are not masked where they appear: a 3-character "secret" would
/// star out ordinary words in every excerpt, and is no secret anyway.
const MIN_SECRET_CHARS: usize = 4;

/// Whether a variable's (or an option's) name says it holds a credential.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    let auth = upper.match_indices("AUTH").any(|(at, _)| {
        let rest = &upper[at + 4..];
        !rest.starts_with("OR")
    });
    auth || [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE",
        "CREDENTIAL",
        // An incoming webhook's URL is its credential (Slack, Discord: the token is in the path).
        "WEBHOOK",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// Replaces known secret values, and the user information of URLs, in text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is masked whole.
    values: Vec<String>,
}

impl Redactor {
    /// The secrets of an environment: the values of secret-looking variables, and the user
    /// information of URL-valued ones (`postgres://app:pw@db/app` gives `app:pw`).
    pub fn new<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut values: Vec<String> = Vec::new();
        for (name, value) in vars {
            if looks_secret(name) && value.chars().count() >= MIN_SECRET_CHARS {
                values.push(value.to_owned());
            }
            for (start, end) in userinfo_spans(value) {
                let info = &value[start..end];
                // The password alone too: a client may log it without the user.
                let password = info.split_once(':').map_or(info, |(_, p)| p);
                for v in [info, password] {
                    if v.chars().count() >= MIN_SECRET_CHARS {
                        values.push(v.to_owned());
                    }
                }
            }
        }
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        Self { values }
    }

    /// The secrets of the environment attempts get: flaky's own and the run's `env`.
    pub fn for_attempts(env: &[(String, String)]) -> Self {
        let own: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self::new(own.iter().chain(env).map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// `text` with every secret value and every URL's user information replaced by `***`.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        let spans = userinfo_spans(&out);
        if spans.is_empty() {
            return out;
        }
        let mut masked = String::with_capacity(out.len());
        let mut at = 0;
        for (start, end) in spans {
            masked.push_str(&out[at..start]);
            masked.push_str(MASK);
            at = end;
        }
        masked.push_str(&out[at..]);
        Cow::Owned(masked)
    }

    fn replace(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.text(text) {
            *text = clean;
        }
    }

    fn excerpt(&self, excerpt: &mut Excerpt) {
        self.replace(&mut excerpt.head);
        self.replace(&mut excerpt.tail);
    }

    /// Masks what an attempt carries from the test: failure messages, output excerpts and
    /// the reason it was set aside.
    pub fn attempt(&self, attempt: &mut Attempt) {
        for test in &mut attempt.tests {
            if let Some(message) = &mut test.message {
                self.replace(message);
            }
        }
        self.excerpt(&mut attempt.stdout);
        self.excerpt(&mut attempt.stderr);
        if let Some(set) = &mut attempt.infrastructure {
            self.replace(&mut set.reason);
        }
    }
}

/// Byte ranges of the user information of every URL in `text` (`app:pw` in
/// `postgres://app:pw@db/app`, `TOKEN` in `https://TOKEN@github.com/o/r`).
fn userinfo_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let start = from + found + 3;
        // A scheme before `://`: letters first, then letters, digits, `+`, `-`, `.`.
        let scheme_ok = text[..from + found]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let authority_end = text[start..]
            .find(|c: char| {
                c == '/'
                    || c == '?'
                    || c == '#'
                    || c.is_whitespace()
                    || c == '"'
                    || c == '\''
                    || c == '<'
                    || c == '>'
            })
            .map_or(text.len(), |i| start + i);
        if scheme_ok
            && let Some(at) = text[start..authority_end].rfind('@')
            && at > 0
            && text[start..start + at] != *MASK
        {
            spans.push((start, start + at));
        }
        from = start;
    }
    spans
}

/// The command with the values of secret options masked, for labels, the history and replay
/// lines (the attempts run the command as given): `--token=...`, `--password ...`,
/// `mysql -p...`.
pub fn masked_command(command: &[String], shell: bool) -> Vec<String> {
    if shell {
        // One line as the user wrote it: words are what spaces separate.
        return command
            .iter()
            .map(|line| {
                let words: Vec<String> = line.split(' ').map(str::to_owned).collect();
                masked_words(&words).join(" ")
            })
            .collect();
    }
    masked_words(command)
}

fn masked_words(words: &[String]) -> Vec<String> {
    let program = words
        .first()
        .map(|p| p.rsplit('/').next().unwrap_or(p).to_owned())
        .unwrap_or_default();
    let mysql_like = matches!(
        program.as_str(),
        "mysql" | "mysqldump" | "mysqladmin" | "mariadb" | "mariadb-dump"
    );
    let mut out = Vec::with_capacity(words.len());
    let mut mask_next = false;
    for word in words {
        if mask_next {
            out.push(MASK.to_owned());
            mask_next = false;
            continue;
        }
        let flag = word.trim_start_matches('-');
        let is_option = word.starts_with("--") && !flag.is_empty();
        match flag.split_once('=') {
            Some((name, value)) if is_option && looks_secret(name) && !value.is_empty() => {
                out.push(format!("--{name}={MASK}"));
            }
            None if is_option && looks_secret(flag) => {
                out.push(word.clone());
                mask_next = true;
            }
            _ if mysql_like
                && word.len() > 2
                && word.starts_with("-p")
                && !word.starts_with("--") =>
            {
                out.push(format!("-p{MASK}"));
            }
            _ => out.push(Redactor::default().text(word).into_owned()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn secret_names() {
        for name in [
            "GITHUB_TOKEN",
            "SLACK_WEBHOOK_URL",
            "DISCORD_WEBHOOK_URL",
            "db-password",
            "RUNPOD_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "AUTH",
            "OAUTH_CLIENT",
            "x-auth-token",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "AUTHOR",
            "GIT_AUTHOR_NAME",
            "PATH",
            "HOME",
            "sort-key",
            "LANG",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }

    #[test]
    fn values_and_url_passwords_are_masked() {
        let r = Redactor::new([
            ("GITHUB_TOKEN", "ghp_abcdef123456"),
            ("DATABASE_URL", "postgres://app:pw-in-url@db:5432/app"),
            ("SHORT_SECRET", "abc"),
            ("HOME", "/home/me"),
        ]);
        let text = "env: GITHUB_TOKEN=ghp_abcdef123456 HOME=/home/me\n\
                    connecting to postgres://app:pw-in-url@db:5432/app\n\
                    auth failed for password pw-in-url, abc is fine";
        let masked = r.text(text);
        assert_eq!(
            masked,
            "env: GITHUB_TOKEN=*** HOME=/home/me\n\
             connecting to postgres://***@db:5432/app\n\
             auth failed for password ***, abc is fine"
        );
    }

    #[test]
    fn user_information_of_any_url_is_masked() {
        let r = Redactor::default();
        assert_eq!(
            r.text("git clone https://x-access-token:t0k@github.com/o/r.git and https://github.com/o/r, mailto a@b"),
            "git clone https://***@github.com/o/r.git and https://github.com/o/r, mailto a@b"
        );
        assert_eq!(
            r.text("https://TOKEN@host/p?q=a@b"),
            "https://***@host/p?q=a@b"
        );
        assert_eq!(r.text("no url :// @ here"), "no url :// @ here");
        assert_eq!(r.text("https://***@host"), "https://***@host");
    }

    #[test]
    fn secret_options_of_the_command_are_masked() {
        assert_eq!(
            masked_command(
                &words("pytest --token=abc123 --api-key k -p no:cacheprovider --author=me tests/"),
                false
            ),
            words("pytest --token=*** --api-key *** -p no:cacheprovider --author=me tests/")
        );
        assert_eq!(
            masked_command(&words("mysql -uroot -phunter2 -e select"), false),
            words("mysql -uroot -p*** -e select")
        );
        assert_eq!(
            masked_command(
                &["DB=postgres://u:p@h/d pytest --password secret".to_owned()],
                true
            ),
            vec!["DB=postgres://***@h/d pytest --password ***".to_owned()]
        );
    }
}
