//! Git facts about the directory a run happens in, read with git2: remote, branch, commit, dirty.

use std::path::{Path, PathBuf};

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

/// The directory a project's runs are under: the work tree of the git repository containing
/// `dir`, else `dir` itself.
pub fn project_root(dir: &Path) -> PathBuf {
    Repository::discover(dir)
        .ok()
        .and_then(|r| r.workdir().and_then(|w| w.canonicalize().ok()))
        .unwrap_or_else(|| dir.to_path_buf())
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

    fn git(dir: &Path, args: &[&str], author: &str) -> String {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", author)
            .env(
                "GIT_AUTHOR_EMAIL",
                format!("{}@example.com", author.to_lowercase()),
            )
            .env("GIT_COMMITTER_NAME", author)
            .env("GIT_COMMITTER_EMAIL", "ci@example.com")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    #[test]
    fn commits_between_two_runs_name_authors_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"], "Ada");
        let mut shas = Vec::new();
        for (i, (author, file)) in [
            ("Ada", "a.txt"),
            ("Grace", "src/b.rs"),
            ("Linus", "c.md"),
            ("Grace", "src/b.rs"),
        ]
        .iter()
        .enumerate()
        {
            let path = d.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("{i}")).unwrap();
            git(d, &["add", "-A"], author);
            git(
                d,
                &[
                    "commit",
                    "-q",
                    "-m",
                    &format!("change {i} by {author}\n\nbody"),
                ],
                author,
            );
            shas.push(git(d, &["rev-parse", "HEAD"], author));
        }
        let commits = commits_between(d, &shas[0], &shas[3]).unwrap();
        let summary: Vec<(&str, &str, &str, Vec<String>)> = commits
            .iter()
            .map(|c| {
                (
                    c.sha.as_str(),
                    c.author.as_str(),
                    c.summary.as_str(),
                    c.files.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    shas[3].as_str(),
                    "Grace",
                    "change 3 by Grace",
                    vec!["src/b.rs".to_owned()]
                ),
                (
                    shas[2].as_str(),
                    "Linus",
                    "change 2 by Linus",
                    vec!["c.md".to_owned()]
                ),
                (
                    shas[1].as_str(),
                    "Grace",
                    "change 1 by Grace",
                    vec!["src/b.rs".to_owned()]
                ),
            ]
        );
        assert_eq!(commits[1].email, "linus@example.com");
        assert!(commits[0].time > 1_600_000_000);
        assert!(commits_between(d, &shas[3], &shas[3]).unwrap().is_empty());
        assert!(commits_between(d, "not-a-sha", &shas[3]).is_err());
        let facts = facts(d).unwrap();
        assert_eq!(
            (
                facts.branch.as_deref(),
                facts.commit.as_deref(),
                facts.dirty
            ),
            (Some("main"), Some(shas[3].as_str()), false)
        );
    }
}

/// How many commits and files per commit change detection lists at most.
const MAX_COMMITS: usize = 50;
const MAX_FILES: usize = 30;

/// One commit, for change detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub sha: String,
    pub author: String,
    pub email: String,
    /// Unix seconds.
    pub time: i64,
    pub summary: String,
    pub files: Vec<String>,
}

/// The commits reachable from `to` but not from `from` (newest first, at most 50), with the
/// files each changed, in the repository containing `dir`.
pub fn commits_between(dir: &Path, from: &str, to: &str) -> Result<Vec<CommitInfo>, git2::Error> {
    let repo = Repository::discover(dir)?;
    let mut walk = repo.revwalk()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
    walk.push(git2::Oid::from_str(to)?)?;
    walk.hide(git2::Oid::from_str(from)?)?;
    let mut commits = Vec::new();
    for oid in walk.take(MAX_COMMITS) {
        let commit = repo.find_commit(oid?)?;
        let tree = commit.tree()?;
        let parent_tree = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
        let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)?;
        let files = diff
            .deltas()
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .or_else(|| d.old_file().path())
                    .map(|p| p.display().to_string())
            })
            .take(MAX_FILES)
            .collect();
        let author = commit.author();
        commits.push(CommitInfo {
            sha: commit.id().to_string(),
            author: author.name().unwrap_or("").to_owned(),
            email: author.email().unwrap_or("").to_owned(),
            time: commit.time().seconds(),
            summary: commit.summary().ok().flatten().unwrap_or("").to_owned(),
            files,
        });
    }
    Ok(commits)
}

/// Whether `commit` is reachable from a remote-tracking branch (so a worker can fetch it), and
/// the path of `dir` inside its repository.
pub fn pushed_and_subdir(dir: &Path, commit: &str) -> Result<(bool, PathBuf), git2::Error> {
    let repo = Repository::discover(dir)?;
    let oid = git2::Oid::from_str(commit)?;
    let mut pushed = false;
    for reference in repo.references_glob("refs/remotes/*")? {
        let Some(target) = reference?.target() else {
            continue;
        };
        if target == oid || repo.graph_descendant_of(target, oid)? {
            pushed = true;
            break;
        }
    }
    let workdir = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    let workdir = workdir.canonicalize().unwrap_or(workdir);
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let sub = dir
        .strip_prefix(&workdir)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Ok((pushed, sub))
}
