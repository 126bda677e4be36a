//! The dashboard's read side: each test's story over the selected runs in one streaming pass,
//! the time spent on failing attempts, the severities per day or run, and the failed tests of
//! the latest runs. Aggregated in SQL or streamed row by row, so a history of a million results
//! is never held in memory: what is kept is bounded by the page's tables.

use std::collections::{HashMap, VecDeque};

use rusqlite::types::Value;
use serde::Serialize;

use super::views::MEASURED;
use super::{Bucket, History, RunFilter, StorageError, TestTotal};

/// A run a test's story points at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunMark {
    pub run_id: String,
    pub started_at_ms: i64,
    pub commit: Option<String>,
}

/// One test over the selected runs, as the dashboard's table shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestStory {
    /// The same sums `flaky history --tests` shows.
    pub total: TestTotal,
    /// Its kind in the latest run it failed in (`flaky`, `order-dependent`, `failing`...).
    pub kind: String,
    /// Its failure rate in each of its latest runs, oldest first.
    pub recent: Vec<f64>,
    pub first_failed: Option<RunMark>,
    pub last_failed: Option<RunMark>,
    /// The run in which it last went from passing every attempt to failing (as `flaky history
    /// --test` finds it).
    pub became_flaky: Option<RunMark>,
    /// It both failed and passed in the latest run that ran it.
    pub flaky_now: bool,
}

/// Every test of the selected runs, summed up; the worst ones in full.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TestStories {
    /// The tests with failures, worst first (most failed attempts, then most runs failed), at
    /// most the number asked for.
    pub worst: Vec<TestStory>,
    /// Tests seen, and those with any failure (`worst` may hold fewer).
    pub tests: u64,
    pub failed_tests: u64,
    /// Tests that both failed and passed in the latest run that ran them.
    pub flaky_now: u64,
    /// Tests that went from passing every attempt of a run to failing in a later one.
    pub became_flaky: u64,
    /// Tests that failed in an earlier run and passed every attempt of the latest one.
    pub became_stable: u64,
}

/// A test's story as its runs stream past, oldest first.
struct Story {
    story: TestStory,
    prev_failed: Option<u64>,
    last_passed: u64,
}

impl Story {
    fn new(id: String, dir: String) -> Self {
        Self {
            story: TestStory {
                total: TestTotal {
                    id,
                    dir,
                    runs_seen: 0,
                    runs_failed: 0,
                    attempts: 0,
                    failed: 0,
                    last_seen_ms: 0,
                    last_failed_ms: None,
                },
                kind: String::new(),
                recent: Vec::new(),
                first_failed: None,
                last_failed: None,
                became_flaky: None,
                flaky_now: false,
            },
            prev_failed: None,
            last_passed: 0,
        }
    }

    fn add(&mut self, row: &Row, recent: &mut VecDeque<f64>, keep: usize) {
        let t = &mut self.story.total;
        t.runs_seen += 1;
        t.attempts += row.runs;
        t.failed += row.failed;
        t.last_seen_ms = t.last_seen_ms.max(row.mark.started_at_ms);
        if recent.len() == keep {
            recent.pop_front();
        }
        recent.push_back(if row.runs == 0 {
            0.0
        } else {
            row.failed as f64 / row.runs as f64
        });
        if row.failed > 0 {
            t.runs_failed += 1;
            t.last_failed_ms = Some(row.mark.started_at_ms);
            self.story.kind.clone_from(&row.kind);
            if self.story.first_failed.is_none() {
                self.story.first_failed = Some(row.mark.clone());
            }
            if self.prev_failed == Some(0) {
                self.story.became_flaky = Some(row.mark.clone());
            }
            self.story.last_failed = Some(row.mark.clone());
        }
        self.prev_failed = Some(row.failed);
        self.last_passed = row.passed;
    }

    /// Worst first, as `flaky history --tests` orders them.
    fn rank(s: &TestStory) -> (std::cmp::Reverse<u64>, std::cmp::Reverse<u64>, &str, &str) {
        (
            std::cmp::Reverse(s.total.failed),
            std::cmp::Reverse(s.total.runs_failed),
            &s.total.id,
            &s.total.dir,
        )
    }
}

struct Row {
    mark: RunMark,
    runs: u64,
    passed: u64,
    failed: u64,
    kind: String,
}

/// The tests of some runs at each severity (the worst each reached), `NONE` to `CRITICAL`.
pub type SeverityCounts = [u64; 5];

/// The selected runs' severities per bucket, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeverityPoint {
    /// A UTC day's number since the epoch, or a run's key.
    pub key: i64,
    /// A run of the bucket (per run: the run).
    pub run_id: String,
    pub counts: SeverityCounts,
}

/// A test that failed in one of the latest runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunFailure {
    pub test: String,
    pub runs: u64,
    pub failed: u64,
    pub kind: String,
    pub severity: String,
}

impl History {
    /// Each test of the selected runs, in one pass over its results per run, oldest first;
    /// the `limit` worst in full with their rates in their `recent` latest runs.
    pub fn test_stories(
        &self,
        filter: &RunFilter,
        limit: usize,
        recent: usize,
    ) -> Result<TestStories, StorageError> {
        let (clause, params) = filter.clause();
        let sql = format!(
            "SELECT t.name, r.dir, r.run_id, r.started_at, r.commit_sha, rt.runs, rt.passed, rt.failed, rt.kind
             FROM run_tests rt JOIN runs r ON r.id = rt.run JOIN tests t ON t.id = rt.test
             WHERE {clause}
             ORDER BY rt.test, r.dir, r.started_at, r.id"
        );
        let mut out = TestStories::default();
        let mut worst: Vec<TestStory> = Vec::new();
        let mut current: Option<Story> = None;
        let mut rates: VecDeque<f64> = VecDeque::with_capacity(recent);
        let mut finish = |story: Story, rates: &mut VecDeque<f64>, out: &mut TestStories| {
            let mut s = story.story;
            s.flaky_now = story.prev_failed.is_some_and(|f| f > 0) && story.last_passed > 0;
            out.tests += 1;
            out.flaky_now += u64::from(s.flaky_now);
            out.became_flaky += u64::from(s.became_flaky.is_some());
            out.became_stable += u64::from(s.total.failed > 0 && story.prev_failed == Some(0));
            if s.total.failed > 0 {
                out.failed_tests += 1;
                s.recent = rates.drain(..).collect();
                worst.push(s);
                // Sorted and cut now and then: memory stays bounded by the limit.
                if worst.len() >= 2 * limit.max(1) {
                    worst.sort_by(|a, b| Story::rank(a).cmp(&Story::rank(b)));
                    worst.truncate(limit);
                }
            }
            rates.clear();
        };
        self.read(|| {
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
            while let Some(r) = rows.next()? {
                let (name, dir): (String, String) = (r.get(0)?, r.get(1)?);
                let row = Row {
                    mark: RunMark {
                        run_id: r.get(2)?,
                        started_at_ms: r.get(3)?,
                        commit: r.get(4)?,
                    },
                    runs: r.get::<_, i64>(5)? as u64,
                    passed: r.get::<_, i64>(6)? as u64,
                    failed: r.get::<_, i64>(7)? as u64,
                    kind: r.get(8)?,
                };
                let same = current
                    .as_ref()
                    .is_some_and(|c| c.story.total.id == name && c.story.total.dir == dir);
                if !same {
                    if let Some(done) = current.take() {
                        finish(done, &mut rates, &mut out);
                    }
                    current = Some(Story::new(name, dir));
                }
                if let Some(c) = current.as_mut() {
                    c.add(&row, &mut rates, recent);
                }
            }
            Ok(())
        })?;
        if let Some(done) = current.take() {
            finish(done, &mut rates, &mut out);
        }
        worst.sort_by(|a, b| Story::rank(a).cmp(&Story::rank(b)));
        worst.truncate(limit);
        out.worst = worst;
        Ok(out)
    }

    /// The selected runs' attempts that did not pass: how many, and their summed duration in
    /// milliseconds (what the failures cost in CI time).
    pub fn failing_attempt_time(&self, filter: &RunFilter) -> Result<(u64, u64), StorageError> {
        let (clause, params) = filter.clause();
        let sql = format!(
            "SELECT count(*), coalesce(sum(a.duration_ms), 0) FROM attempts a JOIN runs r ON r.id = a.run
             WHERE {clause} AND a.outcome NOT IN ('pass', 'skip')"
        );
        self.read(|| {
            self.conn
                .query_row(&sql, rusqlite::params_from_iter(params), |r| {
                    Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
                })
        })
    }

    /// How many attempts the selected runs made.
    pub fn count_attempts(&self, filter: &RunFilter) -> Result<u64, StorageError> {
        let (clause, params) = filter.clause();
        let sql = format!("SELECT coalesce(sum(r.attempts), 0) FROM runs r WHERE {clause}");
        self.read(|| {
            self.conn
                .query_row(&sql, rusqlite::params_from_iter(params), |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| n as u64)
        })
    }

    /// Per bucket of the selected runs that measured something (as [`History::trend`] groups
    /// them), how many tests reached each severity at worst.
    pub fn severities(
        &self,
        filter: &RunFilter,
        bucket: Bucket,
    ) -> Result<Vec<SeverityPoint>, StorageError> {
        let (clause, params) = filter.clause();
        let key = bucket.key();
        // `CROSS JOIN` keeps the runs outer, as `History::trend` does (twice as fast).
        let sql = format!(
            "SELECT k, min(first), sev, count(*) FROM (
                 SELECT {key} AS k, min(r.run_id) AS first,
                        max(CASE rt.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3
                            WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END) AS sev
                 FROM runs r CROSS JOIN run_tests rt ON rt.run = r.id
                 WHERE {clause} AND {MEASURED}
                 GROUP BY 1, rt.test, r.dir)
             GROUP BY k, sev ORDER BY k"
        );
        let mut points: Vec<SeverityPoint> = Vec::new();
        self.read(|| {
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
            while let Some(r) = rows.next()? {
                let key: i64 = r.get(0)?;
                let run_id: String = r.get(1)?;
                let sev = r.get::<_, i64>(2)?.clamp(0, 4) as usize;
                let n = r.get::<_, i64>(3)? as u64;
                match points.last_mut() {
                    Some(p) if p.key == key => {
                        p.counts[sev] += n;
                        if run_id < p.run_id {
                            p.run_id = run_id;
                        }
                    }
                    _ => {
                        let mut counts = [0; 5];
                        counts[sev] = n;
                        points.push(SeverityPoint {
                            key,
                            run_id,
                            counts,
                        });
                    }
                }
            }
            Ok(())
        })?;
        Ok(points)
    }

    /// The tests that failed in each of the `runs` (ids), worst first, at most `per_run` of
    /// each, with how many failed in all.
    pub fn run_failures(
        &self,
        runs: &[String],
        per_run: usize,
    ) -> Result<HashMap<String, (Vec<RunFailure>, u64)>, StorageError> {
        let mut out: HashMap<String, (Vec<RunFailure>, u64)> = HashMap::new();
        // SQLite takes 32,766 parameters at most: a few hundred runs at a time.
        for chunk in runs.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT run_id, name, runs, failed, kind, severity, total FROM (
                     SELECT r.run_id, t.name, rt.runs, rt.failed, rt.kind, rt.severity,
                            row_number() OVER (PARTITION BY rt.run ORDER BY rt.failed DESC, t.name) AS n,
                            count(*) OVER (PARTITION BY rt.run) AS total
                     FROM runs r JOIN run_tests rt ON rt.run = r.id JOIN tests t ON t.id = rt.test
                     WHERE r.run_id IN ({marks}) AND rt.failed > 0)
                 WHERE n <= ? ORDER BY run_id, n"
            );
            let mut params: Vec<Value> = chunk.iter().map(|r| Value::Text(r.clone())).collect();
            params.push(Value::Integer(per_run as i64));
            self.read(|| {
                let mut stmt = self.conn.prepare(&sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
                while let Some(r) = rows.next()? {
                    let entry = out.entry(r.get(0)?).or_default();
                    entry.1 = r.get::<_, i64>(6)? as u64;
                    entry.0.push(RunFailure {
                        test: r.get(1)?,
                        runs: r.get::<_, i64>(2)? as u64,
                        failed: r.get::<_, i64>(3)? as u64,
                        kind: r.get(4)?,
                        severity: r.get(5)?,
                    });
                }
                Ok(())
            })?;
        }
        Ok(out)
    }

    /// The first likely cause (as `flaky scan` found it when the run ran) of each test, from
    /// the stored reports of the `newest` latest selected runs: the newest wins. Only those
    /// reports are parsed, so a long history costs no more than a short one.
    pub fn stored_causes(
        &self,
        filter: &RunFilter,
        newest: u32,
    ) -> Result<HashMap<String, crate::scan::Cause>, StorageError> {
        let (clause, mut params) = filter.clause();
        params.push(Value::Integer(i64::from(newest)));
        let sql = format!(
            "SELECT lc.value ->> '$.test', lc.value -> '$.causes[0]'
             FROM (SELECT r.report, r.started_at, r.id FROM runs r
                   WHERE {clause} AND r.report IS NOT NULL
                   ORDER BY r.started_at DESC, r.id DESC LIMIT ?) AS s,
                  json_each(s.report, '$.likely_causes') AS lc
             WHERE lc.value -> '$.causes[0]' IS NOT NULL
             ORDER BY s.started_at DESC, s.id DESC"
        );
        let mut out = HashMap::new();
        self.read(|| {
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
            while let Some(r) = rows.next()? {
                let (test, cause): (String, String) = (r.get(0)?, r.get(1)?);
                // A cause a newer flaky stored in a shape this one cannot read is left out.
                if let Ok(cause) = serde_json::from_str(&cause) {
                    out.entry(test).or_insert(cause);
                }
            }
            Ok(())
        })?;
        Ok(out)
    }
}
