//! The history's read side: runs filtered by project, repository, branch, command and age, and
//! the per-test and per-run aggregates `flaky history` shows.
//!
//! A test is an id in the directory its run ran in: the same id in two directories (a command
//! run as the one test in two projects, two packages' `index.test.js`) is two tests.

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::types::Value;
use serde::Serialize;

use super::{History, StorageError};

/// Which runs a view looks at.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Runs in this directory or below it (a project's runs).
    pub under: Option<PathBuf>,
    /// Runs in exactly this directory.
    pub dir: Option<PathBuf>,
    /// Runs whose remote URL contains this.
    pub repo: Option<String>,
    /// Runs on exactly this branch.
    pub branch: Option<String>,
    /// Runs whose command line contains this.
    pub command: Option<String>,
    /// Runs of exactly this command line.
    pub command_line: Option<String>,
    /// Runs that started at or after this time (unix milliseconds).
    pub since_ms: Option<i64>,
}

impl RunFilter {
    /// A WHERE clause over the runs table aliased `r`, and its parameters.
    pub(super) fn clause(&self) -> (String, Vec<Value>) {
        let mut conds = vec!["1 = 1".to_owned()];
        let mut params = Vec::new();
        if let Some(under) = &self.under {
            let dir = under.to_string_lossy();
            let dir = dir.trim_end_matches('/');
            // The directory itself, or a path that starts with it and a slash.
            conds.push("(r.dir = ? OR (r.dir >= ? AND r.dir < ? || char(1114111)))".into());
            params.push(Value::Text(dir.to_owned()));
            params.push(Value::Text(format!("{dir}/")));
            params.push(Value::Text(format!("{dir}/")));
        }
        if let Some(dir) = &self.dir {
            conds.push("r.dir = ?".into());
            params.push(Value::Text(dir.to_string_lossy().into_owned()));
        }
        if let Some(repo) = &self.repo {
            conds.push("instr(coalesce(r.repo, ''), ?) > 0".into());
            params.push(Value::Text(repo.clone()));
        }
        if let Some(branch) = &self.branch {
            conds.push("r.branch = ?".into());
            params.push(Value::Text(branch.clone()));
        }
        if let Some(command) = &self.command {
            conds.push("instr(r.command_line, ?) > 0".into());
            params.push(Value::Text(command.clone()));
        }
        if let Some(line) = &self.command_line {
            conds.push("r.command_line = ?".into());
            params.push(Value::Text(line.clone()));
        }
        if let Some(since) = self.since_ms {
            conds.push("r.started_at >= ?".into());
            params.push(Value::Integer(since));
        }
        (conds.join(" AND "), params)
    }
}

/// One test over all the runs a filter selects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestTotal {
    pub id: String,
    /// The directory its runs ran in.
    pub dir: String,
    /// Runs the test appeared in.
    pub runs_seen: u64,
    /// Runs in which it failed at least once.
    pub runs_failed: u64,
    /// Attempts over all those runs, and the failed ones among them.
    pub attempts: u64,
    pub failed: u64,
    pub last_seen_ms: i64,
    pub last_failed_ms: Option<i64>,
}

/// One run of one test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelinePoint {
    pub run_id: String,
    /// The directory the run ran in.
    pub dir: String,
    pub started_at_ms: i64,
    pub branch: Option<String>,
    pub commit: Option<String>,
    pub runs: u64,
    pub failed: u64,
}

/// A run's test results that failed and passed (flaky, order-dependent, contention, timing
/// out sometimes), as SQL over `run_tests rt`.
const FLAKY: &str = "(rt.failed > 0 AND rt.passed > 0)";

/// Runs that measured something: a run still going, or one whose every attempt was set aside,
/// is no point of a trend.
pub(super) const MEASURED: &str =
    "r.status NOT IN ('running', 'no-results', 'failed', 'abandoned')";

/// The tests of a set of runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TestCounts {
    /// Tests seen.
    pub tests: u64,
    /// Tests that both failed and passed in a run at least once.
    pub flaky: u64,
    /// Tests that failed and were never flaky: they failed every attempt of the runs they failed in.
    pub failing: u64,
    /// Test results: one per test and run.
    pub results: u64,
    /// The sum of those results' failure rates (divide by `results` for the mean).
    pub rate_sum: f64,
}

/// How a trend groups runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// The runs of one UTC day.
    Day,
    /// Each run alone.
    Run,
}

impl Bucket {
    /// The bucket of a run in `runs r`, as SQL.
    pub(super) const fn key(self) -> &'static str {
        match self {
            Self::Day => "r.started_at / 86400000",
            Self::Run => "r.id",
        }
    }
}

/// The runs of one bucket of a trend, and their tests.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    /// The bucket's first run.
    pub run_id: String,
    pub started_at_ms: i64,
    pub runs: u64,
    pub attempts: u64,
    pub tests: TestCounts,
}

/// One run, summed over its tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunPoint {
    pub run_id: String,
    pub started_at_ms: i64,
    pub attempts: u64,
    pub tests: u64,
    /// Tests that failed at least once in it (flaky or failing), as the reports' trend shows.
    pub flaky_tests: u64,
    /// The sum of its tests' failure rates (divide by `tests` for the mean).
    pub rate_sum: f64,
}

impl History {
    pub(super) fn read<T>(
        &self,
        f: impl FnOnce() -> Result<T, rusqlite::Error>,
    ) -> Result<T, StorageError> {
        f().map_err(|source| StorageError::Read {
            path: self.path.clone(),
            cause: source,
        })
    }

    /// Tests with failures in the selected runs (and how many tests had none), worst first:
    /// most failed attempts, then most runs failed.
    pub fn test_totals(
        &self,
        filter: &RunFilter,
        limit: u32,
    ) -> Result<(Vec<TestTotal>, u64), StorageError> {
        let (clause, mut params) = filter.clause();
        // `runs r CROSS JOIN run_tests rt`, as in `test_counts`; the names only for the groups.
        let sql = format!(
            "SELECT t.name, g.dir, g.seen, g.runs_failed, g.attempts, g.failed, g.last_seen, g.last_failed
             FROM (SELECT rt.test, r.dir, count(*) AS seen, sum(rt.failed > 0) AS runs_failed,
                          sum(rt.runs) AS attempts, sum(rt.failed) AS failed, max(r.started_at) AS last_seen,
                          max(CASE WHEN rt.failed > 0 THEN r.started_at END) AS last_failed
                   FROM runs r CROSS JOIN run_tests rt ON rt.run = r.id
                   WHERE {clause}
                   GROUP BY rt.test, r.dir) g
             JOIN tests t ON t.id = g.test
             ORDER BY g.failed = 0, g.failed DESC, g.runs_failed DESC, t.name, g.dir"
        );
        self.read(|| {
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(params.drain(..)), |r| {
                Ok(TestTotal {
                    id: r.get(0)?,
                    dir: r.get(1)?,
                    runs_seen: r.get::<_, i64>(2)? as u64,
                    runs_failed: r.get::<_, i64>(3)? as u64,
                    attempts: r.get::<_, i64>(4)? as u64,
                    failed: r.get::<_, i64>(5)? as u64,
                    last_seen_ms: r.get(6)?,
                    last_failed_ms: r.get(7)?,
                })
            })?;
            let mut flaky = Vec::new();
            let mut stable = 0;
            for row in rows {
                let row = row?;
                if row.failed == 0 {
                    stable += 1;
                } else if flaky.len() < limit as usize {
                    flaky.push(row);
                }
            }
            Ok((flaky, stable))
        })
    }

    /// One test's runs, oldest first, in every directory it ran in.
    pub fn test_timeline(
        &self,
        id: &str,
        filter: &RunFilter,
    ) -> Result<Vec<TimelinePoint>, StorageError> {
        let (clause, params) = filter.clause();
        let sql = format!(
            "SELECT r.run_id, r.dir, r.started_at, r.branch, r.commit_sha, rt.runs, rt.failed
             FROM tests t JOIN run_tests rt ON rt.test = t.id JOIN runs r ON r.id = rt.run
             WHERE t.name = ? AND {clause}
             ORDER BY r.started_at, r.id"
        );
        let mut all = vec![Value::Text(id.to_owned())];
        all.extend(params);
        self.read(|| {
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(all), |r| {
                Ok(TimelinePoint {
                    run_id: r.get(0)?,
                    dir: r.get(1)?,
                    started_at_ms: r.get(2)?,
                    branch: r.get(3)?,
                    commit: r.get(4)?,
                    runs: r.get::<_, i64>(5)? as u64,
                    failed: r.get::<_, i64>(6)? as u64,
                })
            })?;
            rows.collect()
        })
    }

    /// How many runs a filter selects.
    pub fn count_runs(&self, filter: &RunFilter) -> Result<u64, StorageError> {
        let (clause, params) = filter.clause();
        let sql = format!("SELECT count(*) FROM runs r WHERE {clause}");
        self.read(|| {
            self.conn
                .query_row(&sql, rusqlite::params_from_iter(params), |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| n as u64)
        })
    }

    /// Test ids that contain `fragment`, for a helpful error when `--test` matches nothing.
    pub fn similar_tests(&self, fragment: &str) -> Result<Vec<String>, StorageError> {
        self.read(|| {
            let mut stmt = self.conn.prepare(
                "SELECT name FROM tests WHERE instr(name, ?1) > 0 ORDER BY name LIMIT 5",
            )?;
            let rows = stmt.query_map([fragment], |r| r.get(0))?;
            rows.collect()
        })
    }

    /// Every selected run that measured something, with its per-test sums, oldest first.
    pub fn run_points(&self, filter: &RunFilter) -> Result<Vec<RunPoint>, StorageError> {
        let (clause, params) = filter.clause();
        let sql = format!(
            "SELECT r.run_id, r.started_at, r.attempts,
                    (SELECT count(*) FROM run_tests rt WHERE rt.run = r.id),
                    (SELECT count(*) FROM run_tests rt WHERE rt.run = r.id AND rt.failed > 0),
                    (SELECT coalesce(sum(rt.failure_rate), 0) FROM run_tests rt WHERE rt.run = r.id)
             FROM runs r WHERE {clause} AND {MEASURED}
               AND EXISTS (SELECT 1 FROM run_tests rt WHERE rt.run = r.id)
             ORDER BY r.started_at, r.id"
        );
        self.read(|| {
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
                Ok(RunPoint {
                    run_id: r.get(0)?,
                    started_at_ms: r.get(1)?,
                    attempts: r.get::<_, i64>(2)? as u64,
                    tests: r.get::<_, i64>(3)? as u64,
                    flaky_tests: r.get::<_, i64>(4)? as u64,
                    rate_sum: r.get(5)?,
                })
            })?;
            rows.collect()
        })
    }

    /// The selected runs that measured something, grouped by `bucket`, oldest first, with
    /// their tests; and the tests of all of them.
    pub fn trend(
        &self,
        filter: &RunFilter,
        bucket: Bucket,
    ) -> Result<(Vec<TrendPoint>, TestCounts), StorageError> {
        let (mut tests, all) = self.test_counts(filter, bucket)?;
        let (clause, params) = filter.clause();
        let key = bucket.key();
        let sql = format!(
            "SELECT {key}, r.run_id, r.started_at, r.attempts FROM runs r
             WHERE {clause} AND {MEASURED} AND EXISTS (SELECT 1 FROM run_tests rt WHERE rt.run = r.id)
             ORDER BY r.started_at, r.id"
        );
        let runs: Vec<(i64, String, i64, i64)> = self.read(|| {
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.collect()
        })?;
        let mut points: Vec<(i64, TrendPoint)> = Vec::new();
        for (key, run_id, started_at_ms, attempts) in runs {
            match points.last_mut() {
                Some((last, p)) if *last == key => {
                    p.runs += 1;
                    p.attempts += attempts as u64;
                }
                _ => points.push((
                    key,
                    TrendPoint {
                        run_id,
                        started_at_ms,
                        runs: 1,
                        attempts: attempts as u64,
                        tests: tests.remove(&key).unwrap_or_default(),
                    },
                )),
            }
        }
        Ok((points.into_iter().map(|(_, p)| p).collect(), all))
    }

    /// The tests of the selected runs that measured something, per bucket, and over them all.
    fn test_counts(
        &self,
        filter: &RunFilter,
        bucket: Bucket,
    ) -> Result<(HashMap<i64, TestCounts>, TestCounts), StorageError> {
        let (clause, params) = filter.clause();
        // Per test and directory, so a test counts once per bucket however many runs it was in;
        // a run holds each test once, so per run every row is one already, and grouping them
        // anyway took SQLite 80 of the 225 ms of `history --trend --per run` (10,000 runs).
        let key = bucket.key();
        let (columns, group) = match bucket {
            Bucket::Run => (
                format!("{key}, rt.test, r.dir, {FLAKY}, rt.failed > 0, 1, rt.failure_rate"),
                "",
            ),
            Bucket::Day => (
                format!(
                    "{key}, rt.test, r.dir, max({FLAKY}), max(rt.failed > 0), count(*), sum(rt.failure_rate)"
                ),
                "GROUP BY 1, rt.test, r.dir",
            ),
        };
        // `CROSS JOIN` keeps the runs outer (SQLite's way to fix the join order): without
        // statistics the planner scans `run_tests` by its `(test, run)` index and looks every row
        // up in the table for its counts, which took 2-3 times the CPU of reading the selected
        // runs' rows in the table's own `(run, test)` order (10,000 runs of 10 tests: 170-290
        // against 70-100 ms for `history --tests` and `--trend`).
        let sql = format!(
            "SELECT {columns} FROM runs r CROSS JOIN run_tests rt ON rt.run = r.id
             WHERE {clause} AND {MEASURED} {group}"
        );
        let mut buckets: HashMap<i64, TestCounts> = HashMap::new();
        let mut all = TestCounts::default();
        // Each test of the whole selection: whether it was flaky, whether it failed.
        let mut tests: HashMap<(i64, String), (bool, bool)> = HashMap::new();
        self.read(|| {
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
            while let Some(r) = rows.next()? {
                let (flaky, failed): (bool, bool) = (r.get(3)?, r.get(4)?);
                let (results, rate_sum) = (r.get::<_, i64>(5)? as u64, r.get::<_, f64>(6)?);
                let b = buckets.entry(r.get(0)?).or_default();
                b.tests += 1;
                b.flaky += u64::from(flaky);
                b.failing += u64::from(failed && !flaky);
                b.results += results;
                b.rate_sum += rate_sum;
                all.results += results;
                all.rate_sum += rate_sum;
                let seen = tests.entry((r.get(1)?, r.get(2)?)).or_default();
                *seen = (seen.0 || flaky, seen.1 || failed);
            }
            Ok(())
        })?;
        all.tests = tests.len() as u64;
        all.flaky = tests.values().filter(|(flaky, _)| *flaky).count() as u64;
        all.failing = tests.values().filter(|&&(f, failed)| failed && !f).count() as u64;
        Ok((buckets, all))
    }
}

impl History {
    /// The newest run `filter` selects before `before_ms` in which every one of `tests` ran and
    /// none failed, with its commit: where "changes since the last stable run" start.
    pub fn last_stable_run(
        &self,
        filter: &RunFilter,
        before_ms: i64,
        tests: &[String],
    ) -> Result<Option<(String, String)>, StorageError> {
        if tests.is_empty() {
            return Ok(None);
        }
        let marks = vec!["?"; tests.len()].join(", ");
        let (clause, mut params) = filter.clause();
        let sql = format!(
            "SELECT r.run_id, r.commit_sha FROM runs r
             WHERE {clause} AND r.started_at < ? AND r.commit_sha IS NOT NULL AND r.status = 'completed'
               AND (SELECT count(*) FROM run_tests rt JOIN tests t ON t.id = rt.test
                    WHERE rt.run = r.id AND rt.failed = 0 AND rt.runs > 0 AND t.name IN ({marks})) = ?
             ORDER BY r.started_at DESC, r.id DESC LIMIT 1"
        );
        params.push(Value::Integer(before_ms));
        params.extend(tests.iter().map(|t| Value::Text(t.clone())));
        params.push(Value::Integer(tests.len() as i64));
        self.read(|| {
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
            match rows.next()? {
                Some(r) => Ok(Some((r.get(0)?, r.get(1)?))),
                None => Ok(None),
            }
        })
    }
}
