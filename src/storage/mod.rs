//! The SQLite history: every run, its plan, seeds, attempts and per-test results.
//!
//! WAL and a busy timeout let concurrent `flaky run`s share one database without losing rows;
//! a database written by a newer flaky is refused; a file that is not a database is reported,
//! never overwritten.

mod dashboard;
mod diagnoses;
mod merged;
mod migrations;
mod views;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior, params};
use serde::Serialize;

use crate::analysis::{RunSummary, Totals};
use crate::model::Attempt;
use crate::vcs::VcsFacts;

pub use dashboard::{RunFailure, RunMark, SeverityCounts, SeverityPoint, TestStories, TestStory};
pub use diagnoses::AttemptTests;
pub use migrations::MIGRATIONS;
pub use views::{Bucket, RunFilter, RunPoint, TestCounts, TestTotal, TimelinePoint, TrendPoint};

/// The schema version this flaky writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot create the directory of the history database {}: {source}; hint: pass --db PATH or set FLAKY_DB", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the history database {}: {cause}; hint: {}", path.display(), advice(cause))]
    Open {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("{} is not a flaky history database (or it is corrupt): {cause}; it was left untouched; hint: move it away, or pass another --db", path.display())]
    NotADatabase {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("{} was written by a newer flaky (schema version {found}, this flaky knows up to {SCHEMA_VERSION}); hint: upgrade flaky, or pass another --db", path.display())]
    TooNew { path: PathBuf, found: u32 },
    #[error("{} is read-only and was written by an older flaky (schema version {found} of {SCHEMA_VERSION}), so it cannot be upgraded to be read; hint: run any flaky command once with write access to it, or pass another --db", path.display())]
    Upgrade { path: PathBuf, found: u32 },
    #[error("cannot write the history database {}: {cause}; hint: {}", path.display(), advice(cause))]
    Write {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("cannot read the history database {}: {cause}", path.display())]
    Read {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("{0}")]
    NoRun(String),
}

/// What to do about a database that cannot be opened or written.
fn advice(cause: &rusqlite::Error) -> &'static str {
    match cause.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => {
            "free space on that disk, or pass --db PATH (or set FLAKY_DB) to a disk with room"
        }
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            "the database's directory must be writable (SQLite keeps -wal and -shm files beside it); pass --db PATH or set FLAKY_DB to a writable place, or --no-history"
        }
        _ => "pass --db PATH or set FLAKY_DB to use another database",
    }
}

/// A run whose process is gone, found by [`History::abandon_dead_runs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abandoned {
    key: i64,
    pub run_id: String,
    /// The process that ran it (its temporary directories carry this number).
    pub pid: u32,
}

/// This machine's name, to tell its runs from those of another sharing the database.
fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

/// When process `pid` started (clock ticks since boot): with the pid, it names one process,
/// never a later one that got the same number.
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (in parentheses, which may hold anything); starttime is
    // field 22 of the whole line, the 20th after the name.
    let rest = stat.rsplit_once(')')?.1;
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// `path` for a `file:` URI: the characters a URI gives meaning to, percent-encoded.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// The default database location: the user data directory's `flaky/history.db`.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "flaky").map(|d| d.data_dir().join("history.db"))
}

/// What is known of a run when it starts.
#[derive(Debug, Clone)]
pub struct RunStart<'a> {
    pub run_id: &'a str,
    pub started_at_ms: i64,
    pub command: &'a [String],
    pub shell: bool,
    pub dir: &'a Path,
    pub runs: u32,
    pub jobs: u32,
    pub seed: u64,
    pub timeout: Duration,
    pub fail_on: Option<&'a str>,
    pub plan_json: String,
    pub vcs: Option<&'a VcsFacts>,
    pub framework: Option<&'a str>,
    pub order_mode: &'a str,
    /// The command as one line, as reports print it.
    pub command_line: &'a str,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Completed,
    Interrupted,
    Terminated,
    Failed,
    /// Every attempt was set aside: nothing was measured.
    NoResults,
    /// Its process is gone without finishing it (SIGKILL, a machine that went down).
    Abandoned,
}

impl RunStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Interrupted => "interrupted",
            Self::Terminated => "terminated",
            Self::Failed => "failed",
            Self::NoResults => "no-results",
            Self::Abandoned => "abandoned",
        }
    }
}

/// A stored run, as `flaky history` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub run_id: String,
    pub started_at_ms: i64,
    pub duration_ms: i64,
    pub status: String,
    pub command: Vec<String>,
    pub runs: u32,
    pub seed: u64,
    pub framework: Option<String>,
    pub totals: Totals,
    pub tests: u64,
    pub flaky_tests: u64,
    pub worst: Option<String>,
    pub exit_code: Option<i64>,
    pub repo: Option<String>,
    pub branch: Option<String>,
    pub commit: Option<String>,
    pub dirty: Option<bool>,
}

/// An open history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

/// The database key of a stored run.
#[derive(Debug, Clone, Copy)]
pub struct RunKey(i64);

impl History {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StorageError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StorageError::Open {
            path: path.to_path_buf(),
            cause: source,
        })?;
        let mut history = Self {
            conn,
            path: path.to_path_buf(),
        };
        match history.prepare() {
            Ok(None) => Ok(history),
            Ok(Some(found)) => Err(StorageError::TooNew {
                path: path.to_path_buf(),
                found,
            }),
            Err(source) => Err(history.classify(source)),
        }
    }

    /// An empty history in memory, for a command that only reads one when none exists yet
    /// (it must not create the file).
    pub fn empty() -> Result<Self, StorageError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|cause| StorageError::Open {
            path: path.clone(),
            cause,
        })?;
        let mut history = Self { conn, path };
        history
            .prepare()
            .map_err(|source| history.classify(source))?;
        Ok(history)
    }

    /// Opens the database at `path` for a command that only reads it: as [`History::open`]
    /// when it can be written, else read-only (a database on a read-only disk, or owned by
    /// another user, can still be read).
    pub fn open_for_reading(path: &Path) -> Result<Self, StorageError> {
        match Self::open(path) {
            Err(StorageError::Open { .. } | StorageError::Write { .. }) if path.is_file() => {
                Self::open_read_only(path)
            }
            other => other,
        }
    }

    fn open_read_only(path: &Path) -> Result<Self, StorageError> {
        // `mode=ro` still needs the -shm file of a WAL database, which a read-only directory
        // cannot get: then `immutable=1`, which reads the file as it is (nobody can be writing
        // it where we cannot).
        let mut last = None;
        for how in ["mode=ro", "immutable=1"] {
            let uri = format!("file:{}?{how}", uri_path(path));
            let opened = Connection::open_with_flags(
                &uri,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .and_then(|conn| {
                conn.busy_timeout(BUSY_TIMEOUT)?;
                let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                conn.query_row("SELECT count(*) FROM runs", [], |r| r.get::<_, i64>(0))?;
                Ok((conn, version))
            });
            match opened {
                Ok((conn, version)) if version == SCHEMA_VERSION => {
                    return Ok(Self {
                        conn,
                        path: path.to_path_buf(),
                    });
                }
                Ok((_, version)) if version > SCHEMA_VERSION => {
                    return Err(StorageError::TooNew {
                        path: path.to_path_buf(),
                        found: version,
                    });
                }
                Ok((_, version)) => {
                    return Err(StorageError::Upgrade {
                        path: path.to_path_buf(),
                        found: version,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        let history = Self {
            conn: Connection::open_in_memory().map_err(|cause| StorageError::Open {
                path: path.to_path_buf(),
                cause,
            })?,
            path: path.to_path_buf(),
        };
        Err(history.classify(last.expect("tried at least once")))
    }

    /// Marks `abandoned` the runs of this host still `running` whose process is gone (killed
    /// with SIGKILL, a machine that went down) and returns them, for their leftovers to be
    /// cleaned up. A run of another host, or of an older flaky that did not store its process,
    /// is left as it is.
    pub fn abandon_dead_runs(&mut self) -> Result<Vec<Abandoned>, StorageError> {
        let Some(host) = host_name() else {
            return Ok(Vec::new());
        };
        let candidates: Vec<Abandoned> = self.read(|| {
            let mut stmt = self.conn.prepare(
                "SELECT id, run_id, pid, pid_start FROM runs
                 WHERE status = 'running' AND host = ?1 AND pid IS NOT NULL",
            )?;
            let rows = stmt.query_map([&host], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            })?;
            let mut dead = Vec::new();
            for row in rows {
                let (id, run_id, pid, started) = row?;
                let alive = process_start(pid).map(|t| t as i64) == started && started.is_some();
                if !alive {
                    dead.push(Abandoned {
                        key: id,
                        run_id,
                        pid,
                    });
                }
            }
            Ok(dead)
        })?;
        for run in &candidates {
            self.conn
                .execute(
                    "UPDATE runs SET status = 'abandoned' WHERE id = ?1 AND status = 'running'",
                    [run.key],
                )
                .map_err(|source| self.classify(source))?;
        }
        Ok(candidates)
    }

    fn classify(&self, source: rusqlite::Error) -> StorageError {
        let path = self.path.clone();
        match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StorageError::NotADatabase {
                    path,
                    cause: source,
                }
            }
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
                StorageError::Open {
                    path,
                    cause: source,
                }
            }
            _ => StorageError::Write {
                path,
                cause: source,
            },
        }
    }

    /// Sets the connection up and migrates; `Some(version)` when the schema is newer than ours.
    fn prepare(&mut self) -> Result<Option<u32>, rusqlite::Error> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // Reading the version first also detects a file that is not a database.
        let version: u32 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Ok(Some(version));
        }
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        if version < SCHEMA_VERSION {
            // IMMEDIATE: two processes migrating at once take turns instead of both failing.
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let version: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", i as u32 + 1)?;
            }
            tx.commit()?;
        }
        Ok(None)
    }

    /// Stores the start of a run, so an interrupted run is still on record.
    pub fn begin_run(&mut self, run: &RunStart<'_>) -> Result<RunKey, StorageError> {
        let command = serde_json::to_string(run.command).unwrap_or_default();
        self.conn
            .execute(
                "INSERT INTO runs (run_id, started_at, status, command, shell, dir, runs, jobs, seed, timeout_ms,
                                   fail_on, plan, repo, branch, commit_sha, dirty, framework, order_mode, command_line,
                                   host, pid, pid_start)
                 VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                         ?19, ?20, ?21)",
                params![
                    run.run_id,
                    run.started_at_ms,
                    command,
                    run.shell,
                    run.dir.to_string_lossy(),
                    run.runs,
                    run.jobs,
                    run.seed as i64,
                    run.timeout.as_millis() as i64,
                    run.fail_on,
                    run.plan_json,
                    run.vcs.and_then(|v| v.remote_url.as_deref()),
                    run.vcs.and_then(|v| v.branch.as_deref()),
                    run.vcs.and_then(|v| v.commit.as_deref()),
                    run.vcs.map(|v| v.dirty),
                    run.framework,
                    run.order_mode,
                    run.command_line,
                    host_name(),
                    std::process::id(),
                    process_start(std::process::id()).map(|t| t as i64),
                ],
            )
            .map_err(|source| self.classify(source))?;
        Ok(RunKey(self.conn.last_insert_rowid()))
    }

    /// Stores a batch of finished attempts and their test results in one transaction.
    /// Output excerpts are kept for attempts that did not pass.
    pub fn record_attempts(
        &mut self,
        run: RunKey,
        attempts: &[Attempt],
    ) -> Result<(), StorageError> {
        self.write_attempts(run, attempts)
            .map_err(|source| self.classify(source))
    }

    fn write_attempts(&mut self, run: RunKey, attempts: &[Attempt]) -> Result<(), rusqlite::Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut attempt_stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO attempts (run, idx, seed, outcome, exit_code, signal, duration_ms, stdout, stderr,
                                                  order_seed, infrastructure)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            let mut test_stmt = tx.prepare_cached(
                "INSERT INTO tests (name) VALUES (?1) ON CONFLICT (name) DO UPDATE SET name = name RETURNING id",
            )?;
            let mut result_stmt = tx.prepare_cached(
                "INSERT INTO results (run, attempt, test, outcome, duration_ms, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for a in attempts {
                let keep = a.outcome().is_failure();
                attempt_stmt.execute(params![
                    run.0,
                    a.index,
                    a.seed as i64,
                    a.outcome().as_str(),
                    a.exit.code(),
                    a.exit.signal(),
                    a.duration.as_millis() as i64,
                    keep.then(|| a.stdout.text()),
                    keep.then(|| a.stderr.text()),
                    a.order_seed.map(|s| s as i64),
                    a.infrastructure
                        .as_ref()
                        .map(|s| format!("{}: {}", s.rule.as_str(), s.reason)),
                ])?;
                for t in &a.tests {
                    let test: i64 = test_stmt.query_row([&t.id], |r| r.get(0))?;
                    result_stmt.execute(params![
                        run.0,
                        a.index,
                        test,
                        t.outcome.as_str(),
                        t.duration.as_millis() as i64,
                        t.message
                    ])?;
                }
            }
        }
        tx.commit()
    }

    /// Stores how the run ended and its per-test verdicts.
    pub fn finish_run(
        &mut self,
        run: RunKey,
        status: RunStatus,
        duration: Duration,
        summary: &RunSummary,
        exit_code: i32,
        report_json: Option<&str>,
    ) -> Result<(), StorageError> {
        self.write_finish(run, status, duration, summary, exit_code, report_json)
            .map_err(|source| self.classify(source))
    }

    fn write_finish(
        &mut self,
        run: RunKey,
        status: RunStatus,
        duration: Duration,
        summary: &RunSummary,
        exit_code: i32,
        report_json: Option<&str>,
    ) -> Result<(), rusqlite::Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let t = summary.totals;
        tx.execute(
            "UPDATE runs SET status = ?2, duration_ms = ?3, attempts = ?4, runs = max(runs, ?4), passed = ?5, failed = ?6, timed_out = ?7,
                             errors = ?8, worst = ?9, exit_code = ?10, infrastructure = ?11, report = ?12
             WHERE id = ?1",
            params![
                run.0,
                status.as_str(),
                duration.as_millis() as i64,
                t.attempts as i64,
                t.passed as i64,
                t.failed as i64,
                t.timed_out as i64,
                t.errors as i64,
                summary.worst().as_str(),
                exit_code,
                t.infrastructure as i64,
                report_json,
            ],
        )?;
        {
            let mut test_stmt = tx.prepare_cached(
                "INSERT INTO tests (name) VALUES (?1) ON CONFLICT (name) DO UPDATE SET name = name RETURNING id",
            )?;
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO run_tests (run, test, runs, passed, failed, timed_out, errors, failure_rate,
                                                   ci_low, ci_high, severity, kind, shuffled_runs, shuffled_failed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
            let mut sig_stmt = tx.prepare_cached(
                "INSERT INTO signatures (run, test, signature, count, example, first_attempt)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for s in &summary.tests {
                let test: i64 = test_stmt.query_row([&s.id], |r| r.get(0))?;
                stmt.execute(params![
                    run.0,
                    test,
                    s.runs as i64,
                    s.passed as i64,
                    s.failed as i64,
                    s.timed_out as i64,
                    s.errors as i64,
                    s.failure_rate,
                    s.ci_low,
                    s.ci_high,
                    s.severity.as_str(),
                    s.kind.as_str(),
                    s.shuffled.runs as i64,
                    s.shuffled.failed as i64,
                ])?;
                for sig in &s.signatures {
                    sig_stmt.execute(params![
                        run.0,
                        test,
                        sig.signature,
                        sig.count as i64,
                        sig.example,
                        sig.first_attempt
                    ])?;
                }
            }
        }
        tx.commit()
    }

    /// The stored JSON report of a run: the one whose id starts with `run` (it must be the only
    /// one), or the newest run with a report.
    pub fn report_json(&self, run: Option<&str>) -> Result<String, StorageError> {
        let read = || -> Result<Vec<(String, Option<String>)>, rusqlite::Error> {
            match run {
                Some(prefix) => {
                    let mut stmt = self.conn.prepare(
                        "SELECT run_id, report FROM runs WHERE run_id >= ?1 AND run_id < ?1 || char(1114111) LIMIT 2",
                    )?;
                    let rows = stmt.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    rows.collect()
                }
                None => {
                    let mut stmt = self.conn.prepare(
                        "SELECT run_id, report FROM runs WHERE report IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1",
                    )?;
                    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    rows.collect()
                }
            }
        };
        let rows = read().map_err(|source| StorageError::Read {
            path: self.path.clone(),
            cause: source,
        })?;
        match (run, rows.as_slice()) {
            (None, []) => Err(StorageError::NoRun(format!(
                "no run stored in {} yet; hint: `flaky run` stores one",
                self.path.display()
            ))),
            (Some(p), []) => Err(StorageError::NoRun(format!(
                "no stored run has an id starting with `{p}`; hint: `flaky history` lists them"
            ))),
            (Some(p), [_, _, ..]) => Err(StorageError::NoRun(format!(
                "several runs have an id starting with `{p}`; hint: give more of it"
            ))),
            (_, [(id, None), ..]) => Err(StorageError::NoRun(format!(
                "run {id} has no stored report (it was cut off before it ended)"
            ))),
            (_, [(_, Some(json)), ..]) => Ok(json.clone()),
        }
    }

    /// The newest run with a stored report in `dir` or below it, if any.
    pub fn latest_run_under(&self, dir: &Path) -> Result<Option<String>, StorageError> {
        let filter = RunFilter {
            under: Some(dir.to_path_buf()),
            ..RunFilter::default()
        };
        let (clause, params) = filter.clause();
        let sql = format!(
            "SELECT r.run_id FROM runs r WHERE r.report IS NOT NULL AND {clause} ORDER BY r.started_at DESC, r.id DESC LIMIT 1"
        );
        let read = || -> Result<Option<String>, rusqlite::Error> {
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query_map(rusqlite::params_from_iter(params), |r| r.get(0))?;
            rows.next().transpose()
        };
        read().map_err(|source| StorageError::Read {
            path: self.path.clone(),
            cause: source,
        })
    }

    /// The newest runs first.
    pub fn list_runs(&self, filter: &RunFilter, limit: u32) -> Result<Vec<RunRow>, StorageError> {
        self.read_runs(filter, limit)
            .map_err(|source| StorageError::Read {
                path: self.path.clone(),
                cause: source,
            })
    }

    fn read_runs(&self, filter: &RunFilter, limit: u32) -> Result<Vec<RunRow>, rusqlite::Error> {
        let (clause, mut params) = filter.clause();
        params.push(rusqlite::types::Value::Integer(i64::from(limit)));
        let mut stmt = self.conn.prepare(&format!(
            "SELECT r.run_id, r.started_at, r.duration_ms, r.status, r.command, r.runs, r.seed, r.attempts, r.passed,
                    r.failed, r.timed_out, r.errors, r.worst, r.exit_code, r.repo, r.branch, r.commit_sha, r.dirty,
                    r.infrastructure, r.framework,
                    (SELECT count(*) FROM run_tests t WHERE t.run = r.id),
                    (SELECT count(*) FROM run_tests t WHERE t.run = r.id AND t.failed > 0)
             FROM runs r WHERE {clause} ORDER BY r.started_at DESC, r.id DESC LIMIT ?"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
            let command: String = r.get(4)?;
            Ok(RunRow {
                run_id: r.get(0)?,
                started_at_ms: r.get(1)?,
                duration_ms: r.get(2)?,
                status: r.get(3)?,
                command: serde_json::from_str(&command).unwrap_or_else(|_| vec![command]),
                runs: r.get(5)?,
                seed: r.get::<_, i64>(6)? as u64,
                totals: Totals {
                    attempts: r.get::<_, i64>(7)? as u64,
                    passed: r.get::<_, i64>(8)? as u64,
                    failed: r.get::<_, i64>(9)? as u64,
                    timed_out: r.get::<_, i64>(10)? as u64,
                    errors: r.get::<_, i64>(11)? as u64,
                    infrastructure: r.get::<_, i64>(18)? as u64,
                    ..Totals::default()
                },
                framework: r.get(19)?,
                worst: r.get(12)?,
                exit_code: r.get(13)?,
                repo: r.get(14)?,
                branch: r.get(15)?,
                commit: r.get(16)?,
                dirty: r.get(17)?,
                tests: r.get::<_, i64>(20)? as u64,
                flaky_tests: r.get::<_, i64>(21)? as u64,
            })
        })?;
        rows.collect()
    }
}
