//! Numbered schema migrations, applied in order; `PRAGMA user_version` holds the last applied.

/// Migration `i` (0-based) brings the schema from version `i` to `i + 1`. Never edit a released
/// migration: add a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: runs, attempts, tests, per-attempt results and per-run verdicts.
    r"
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL UNIQUE,
    started_at  INTEGER NOT NULL,          -- unix milliseconds
    duration_ms INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL,             -- running, completed, interrupted, terminated, failed, no-results, abandoned
    command     TEXT NOT NULL,             -- JSON array of the user's argv (one string with --shell)
    shell       INTEGER NOT NULL,
    dir         TEXT NOT NULL,
    runs        INTEGER NOT NULL,          -- attempts planned
    jobs        INTEGER NOT NULL,
    seed        INTEGER NOT NULL,          -- base seed, u64 stored bit for bit
    timeout_ms  INTEGER NOT NULL,
    fail_on     TEXT,
    plan        TEXT NOT NULL,             -- JSON: thresholds, env keys, ignore patterns, config file
    repo        TEXT,
    branch      TEXT,
    commit_sha  TEXT,
    dirty       INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    passed      INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    timed_out   INTEGER NOT NULL DEFAULT 0,
    errors      INTEGER NOT NULL DEFAULT 0,
    worst       TEXT,
    exit_code   INTEGER
);
CREATE INDEX runs_started_at ON runs (started_at);

CREATE TABLE attempts (
    run         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    exit_code   INTEGER,
    signal      INTEGER,
    duration_ms INTEGER NOT NULL,
    stdout      TEXT,                      -- bounded excerpts, kept for failed attempts only
    stderr      TEXT,
    PRIMARY KEY (run, idx)
) WITHOUT ROWID;

CREATE TABLE tests (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE results (
    run         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    test        INTEGER NOT NULL REFERENCES tests (id),
    outcome     TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    message     TEXT
);
CREATE INDEX results_run_test ON results (run, test);
CREATE INDEX results_test_run ON results (test, run);

CREATE TABLE run_tests (
    run          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    test         INTEGER NOT NULL REFERENCES tests (id),
    runs         INTEGER NOT NULL,
    passed       INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    timed_out    INTEGER NOT NULL,
    errors       INTEGER NOT NULL,
    failure_rate REAL NOT NULL,
    ci_low       REAL NOT NULL,
    ci_high      REAL NOT NULL,
    severity     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    PRIMARY KEY (run, test)
) WITHOUT ROWID;
CREATE INDEX run_tests_test ON run_tests (test, run);
",
    // 2: frameworks, order modes, infrastructure attempts and failure signatures.
    r"
ALTER TABLE runs ADD COLUMN framework TEXT;
ALTER TABLE runs ADD COLUMN order_mode TEXT;
ALTER TABLE runs ADD COLUMN infrastructure INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN order_seed INTEGER;
ALTER TABLE attempts ADD COLUMN infrastructure TEXT;
ALTER TABLE run_tests ADD COLUMN shuffled_runs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_tests ADD COLUMN shuffled_failed INTEGER NOT NULL DEFAULT 0;

CREATE TABLE signatures (
    run           INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    test          INTEGER NOT NULL REFERENCES tests (id),
    signature     TEXT NOT NULL,
    count         INTEGER NOT NULL,
    example       TEXT NOT NULL,
    first_attempt INTEGER NOT NULL
);
CREATE INDEX signatures_run_test ON signatures (run, test);
",
    // 3: the rendered JSON report of each run, which `flaky report` renders again in any format.
    r"
ALTER TABLE runs ADD COLUMN report TEXT;
-- The command as one line, for `flaky history --command` (the JSON array is awkward to match).
ALTER TABLE runs ADD COLUMN command_line TEXT NOT NULL DEFAULT '';
UPDATE runs SET command_line = (SELECT group_concat(value, ' ') FROM json_each(runs.command));
CREATE INDEX runs_branch ON runs (branch, started_at);
",
    // 4: which process runs a run, so a run whose process is gone can be told `abandoned`.
    r"
ALTER TABLE runs ADD COLUMN host TEXT;
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN pid_start INTEGER; -- the process's start time (clock ticks since boot)
",
    // 5: the diagnoses `flaky diagnose` made of a run's tests (the document is JSON).
    r"
CREATE TABLE diagnoses (
    run          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    test         TEXT NOT NULL,
    diagnosed_at INTEGER NOT NULL,         -- unix milliseconds
    cause        TEXT NOT NULL,
    proven       INTEGER NOT NULL,
    diagnosis    TEXT NOT NULL
);
CREATE INDEX diagnoses_run ON diagnoses (run);
CREATE INDEX diagnoses_test ON diagnoses (test, diagnosed_at);
",
];
