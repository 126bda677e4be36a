//! Git facts about the directory a run happens in, read with git2: remote, branch, commit, dirty.

use std::path::Path;

use git2::{Repository, StatusOptions};
use serde::{Deserialize, Serialize};

/// What git says about a directory; fields git cannot tell are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VcsFacts {
    /// The `origin` remote's URL (or the first remote's), without any credentials in it.
    pub remote_url: Option<String>,
    /// The checked-out branch; `None` on a detached HEAD.
    pub branch: Option<String>,
    /// The full sha of HEAD; `None` in a repository without commits.
    pub commit: Option<String>,
    /// Whether tracked files are modified or untracked files exist.
    pub dirty: bool,
}

/// Reads the facts of the repository containing `dir`; `None` outside a repository (never an error).
pub fn facts(dir: &Path) -> Option<VcsFacts> {
    let repo = Repository::discover(dir).ok()?;
    let head = repo.head().ok();
    let branch = head
        .as_ref()
        .filter(|h| h.is_branch())
        .and_then(|h| h.shorthand().ok().map(str::to_owned));
    let commit = head
        .as_ref()
        .and_then(|h| h.target())
        .map(|oid| oid.to_string());
    let remote_url = remote_url(&repo);
    let dirty = if repo.is_bare() {
        false
    } else {
        let mut opts = StatusOptions::new();
        opts.include_untracked(true)
            .include_ignored(false)
            .recurse_untracked_dirs(false);
        repo.statuses(Some(&mut opts))
            .map(|s| !s.is_empty())
            .unwrap_or(false)
    };
    Some(VcsFacts {
        remote_url,
        branch,
        commit,
        dirty,
    })
}

fn remote_url(repo: &Repository) -> Option<String> {
    let name = match repo.find_remote("origin") {
        Ok(_) => "origin".to_owned(),
        Err(_) => repo
            .remotes()
            .ok()?
            .iter()
            .flatten()
            .flatten()
            .next()?
            .to_owned(),
    };
    let remote = repo.find_remote(&name).ok()?;
    remote.url().ok().map(strip_credentials)
}

/// Removes `user:password@` from a URL, so a token in a remote URL is never stored or printed.
pub fn strip_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        if let Some((_, host)) = authority.rsplit_once('@') {
            let slash = if rest.contains('/') { "/" } else { "" };
            return format!("{scheme}://{host}{slash}{path}");
        }
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_survive() {
        assert_eq!(
            strip_credentials("https://x-access-token:ghp_secret@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(strip_credentials("https://token@host"), "https://host");
        assert_eq!(
            strip_credentials("https://github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(
            strip_credentials("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
        assert_eq!(strip_credentials("ssh://git@host/o/r"), "ssh://host/o/r");
    }
}
