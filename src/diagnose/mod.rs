//! `flaky diagnose`: the reasoning behind the experiments, apart from running them.
//!
//! A diagnosis asks one question at a time, each answered by an experiment that changes one
//! thing about how the test runs (its seed, its company, its order, copies of it, the load, the
//! time zone, the locale, the network), cheapest first, and stops as soon as a cause is proven.
//! This module holds what is pure: the documents a diagnosis produces, how many runs each
//! question needs for its error rate, the verdict of each experiment, the minimising search for
//! a polluter, and the fix each cause suggests. `commands::diagnose` runs the experiments.

mod search;

use serde::{Deserialize, Serialize};

pub use search::{Search, minimise};

use crate::analysis::fisher_more;

/// Bumped on any change that could break a script reading the JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// The error rate each experiment's verdict is held to.
pub const ALPHA: f64 = 0.05;

/// Why a test is flaky, as the experiments showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// It fails for some seeds on every replay and never for others.
    Random,
    /// It fails when another test (the polluter) runs before it in the same process.
    Order,
    /// It passes only when another test (the state-setter) ran before it.
    Brittle,
    /// It fails only while copies of it run at once (a shared file, port, database or cache).
    Contention,
    /// It fails more often when the machine is busy (sleeps, timeouts, elapsed-time thresholds).
    Timing,
    /// Its outcome changes with the time zone.
    TimeZone,
    /// Its outcome changes with the locale.
    Locale,
    /// Its outcome changes without a network.
    Network,
    /// It fails alone, at its own rate, and nothing outside it changes that: the cause is in the
    /// test or the code it calls (an unseeded random source, threads, hash order).
    Inside,
    /// It fails in the suite and never alone, and no order of the tests before it reproduced that.
    SuiteDependent,
    /// No experiment made it fail.
    NotReproduced,
    /// The budget ran out before any experiment could tell.
    Undetermined,
}

impl Cause {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Order => "order",
            Self::Brittle => "brittle",
            Self::Contention => "contention",
            Self::Timing => "timing",
            Self::TimeZone => "time-zone",
            Self::Locale => "locale",
            Self::Network => "network",
            Self::Inside => "inside",
            Self::SuiteDependent => "suite-dependent",
            Self::NotReproduced => "not-reproduced",
            Self::Undetermined => "undetermined",
        }
    }

    /// The scan's categories whose findings explain this cause.
    pub const fn categories(self) -> &'static [&'static str] {
        match self {
            Self::Random => &["random"],
            Self::Order | Self::Brittle | Self::SuiteDependent => {
                &["global-state", "shared-fixture", "filesystem"]
            }
            Self::Contention => &["filesystem", "network", "subprocess"],
            Self::Timing => &["sleep", "async-race", "clock"],
            Self::TimeZone | Self::Locale => &["clock"],
            Self::Network => &["network"],
            Self::Inside => &["random", "async-race", "unordered", "clock", "sleep"],
            Self::NotReproduced | Self::Undetermined => &[],
        }
    }
}

/// What an experiment changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The test alone, replaying the seeds of attempts where it failed and where it passed.
    Seed,
    /// The test alone, one attempt at a time, with new seeds.
    Alone,
    /// The tests that ran before it in a failing attempt, then fewer of them.
    Polluter,
    /// The tests that ran before it in a passing attempt, then fewer of them.
    StateSetter,
    /// Other tests between the polluter and the test.
    Cleaner,
    /// Copies of the test at once.
    Contention,
    /// The test alone on one CPU kept busy by flaky.
    Load,
    TimeZone,
    Locale,
    Network,
}

impl Step {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Seed => "seed",
            Self::Alone => "alone",
            Self::Polluter => "polluter",
            Self::StateSetter => "state-setter",
            Self::Cleaner => "cleaner",
            Self::Contention => "contention",
            Self::Load => "load",
            Self::TimeZone => "time-zone",
            Self::Locale => "locale",
            Self::Network => "network",
        }
    }
}

/// One experiment and what it showed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    pub step: Step,
    /// What ran, in words ("alone, -j 1, 12 new seeds").
    pub setup: String,
    /// Attempts run, and how many of them the test failed.
    pub runs: u32,
    pub failed: u32,
    /// The chance of a difference at least this large from the baseline if the change did
    /// nothing (Fisher's exact test), where the experiment compares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// What it showed, in words.
    pub finding: String,
}

/// A smell `flaky scan` found in the test (or what it calls), set against the proven cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticEvidence {
    pub category: String,
    pub file: String,
    pub line: u32,
    pub message: String,
    /// Whether the smell explains the proven cause; one that does not is lower confidence,
    /// never the cause.
    pub agrees: bool,
}

/// Why one test is flaky: the cause, the experiments that showed it, the repro and the fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub test: String,
    pub cause: Cause,
    /// Whether an experiment proved the cause (at the error rate [`ALPHA`]); otherwise it is
    /// what is left once the experiments that ran ruled the others out.
    pub proven: bool,
    /// The cause and its evidence in one sentence.
    pub summary: String,
    pub experiments: Vec<Experiment>,
    /// Seeds (attempt seeds of the run) that failed on every replay, and that passed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failing_seeds: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passing_seeds: Vec<u64>,
    /// The tests that must run before it for it to fail (nearly always one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub polluters: Vec<String>,
    /// The tests that must run before it for it to pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_setters: Vec<String>,
    /// Tests that, run between the polluter and it, make it pass again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cleaners: Vec<String>,
    /// The shell line that shows the cause (it fails, or for a brittle test, it fails alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repro: Option<String>,
    pub fix: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<StaticEvidence>,
    /// Experiments that could not run, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_run: Vec<String>,
    /// Attempts the diagnosis ran, and how long it took.
    pub attempts: u32,
    pub duration_ms: u64,
}

/// The answer of `flaky diagnose`: a diagnosis per test, as stored and printed as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnoseReport {
    pub schema_version: u32,
    /// The run whose tests were diagnosed.
    pub run_id: String,
    pub command: Vec<String>,
    pub dir: std::path::PathBuf,
    pub framework: Option<String>,
    pub budget_ms: u64,
    pub duration_ms: u64,
    /// Whether the budget ended the experiments before every test was settled.
    pub budget_spent: bool,
    /// Whether Ctrl-C (or SIGTERM) ended them.
    #[serde(default)]
    pub interrupted: bool,
    pub tests: Vec<Diagnosis>,
}

/// How a test did alone (one attempt at a time, new seeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alone {
    /// It passed every time: what made it fail in the suite is outside it.
    Never,
    /// It passed and failed: the cause is in the test, or in what it shares with nothing else.
    Sometimes,
    /// It failed every time, though it passed in the suite: another test sets it up.
    Always,
}

/// How many times the test runs alone, and the rules that end that early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlonePlan {
    /// Passes in a row after which it never fails alone: with the suite's rate `p`, a test
    /// that still failed at `p` alone would have failed once with chance `1 - ALPHA`.
    pub runs: u32,
    /// Failures in a row after which it always fails alone (`p^k < ALPHA`).
    pub all_fail: u32,
}

impl AlonePlan {
    /// For a test that failed `failed` of `runs` times in the suite (0 of 0: not measured).
    pub fn new(failed: u64, runs: u64) -> Self {
        let rate = if runs == 0 {
            0.0
        } else {
            failed as f64 / runs as f64
        };
        let passes = if rate <= 0.0 {
            10
        } else {
            (ALPHA.ln() / (1.0 - rate.min(0.99)).ln()).ceil() as u32
        };
        let fails = if rate <= 0.0 {
            // Never failed in the suite: ten failures alone say it always fails there.
            10
        } else {
            (ALPHA.ln() / rate.clamp(0.05, 0.9).ln()).ceil() as u32
        };
        Self {
            runs: passes.clamp(5, 60),
            all_fail: fails.max(2),
        }
    }

    /// The verdict after these outcomes (`true`: failed), or `None` while more runs are needed.
    pub fn verdict(&self, failed: &[bool]) -> Option<Alone> {
        let fails = failed.iter().filter(|f| **f).count();
        if fails > 0 && fails < failed.len() {
            Some(Alone::Sometimes)
        } else if fails > 0 && fails >= self.all_fail as usize {
            Some(Alone::Always)
        } else if fails == 0 && failed.len() >= self.runs as usize {
            Some(Alone::Never)
        } else {
            None
        }
    }
}

/// How many replays of failing seeds prove the seed decides the outcome: a test that failed at
/// rate `p` whatever the seed would fail them all with chance `p^k < ALPHA`.
pub fn seed_replays(failed: u64, runs: u64) -> u32 {
    let rate = failed as f64 / runs.max(1) as f64;
    ((ALPHA.ln() / rate.clamp(0.05, 0.9).ln()).ceil() as u32).max(2)
}

/// Replays of seeds on which the test passed: each must pass again for the seed to decide.
pub const PASSING_SEED_REPLAYS: u32 = 2;

/// Whether `failed` of `runs` under a change is more failure than the baseline's beyond chance,
/// held to [`ALPHA`] over `looks` looks at the data (Bonferroni): the p-value when it is.
pub fn rises(failed: u32, runs: u32, base_failed: u32, base_runs: u32, looks: u32) -> Option<f64> {
    let p = fisher_more(
        u64::from(failed),
        u64::from(runs),
        u64::from(base_failed),
        u64::from(base_runs),
    );
    (p < ALPHA / f64::from(looks.max(1))).then_some(p)
}

/// Whether the outcome under a change differs from the baseline's beyond chance, either way
/// (more failures, or more passes), over `looks` looks: the p-value when it does.
pub fn changes(
    failed: u32,
    runs: u32,
    base_failed: u32,
    base_runs: u32,
    looks: u32,
) -> Option<f64> {
    let more = fisher_more(
        u64::from(failed),
        u64::from(runs),
        u64::from(base_failed),
        u64::from(base_runs),
    );
    let fewer = fisher_more(
        u64::from(runs - failed),
        u64::from(runs),
        u64::from(base_runs - base_failed),
        u64::from(base_runs),
    );
    // Two one-sided tests at half the level each.
    let p = (2.0 * more.min(fewer)).min(1.0);
    (p < ALPHA / f64::from(looks.max(1))).then_some(p)
}

/// The fix a cause suggests, naming what the experiments found.
pub fn fix(d: &Diagnosis) -> String {
    let list = |tests: &[String]| ticked_with(tests, " and ");
    match d.cause {
        Cause::Random => "seed the random source the test draws from with the run's seed (FLAKY_SEED, TEST_SEED), or make the assertion hold for every value it can draw; the failing seeds above replay the failure".to_owned(),
        Cause::Order => {
            let mut s = format!(
                "make {} leave no state behind (reset what it changes in a teardown or fixture), or give the test its own fresh state instead of relying on what earlier tests left",
                list(&d.polluters)
            );
            if !d.cleaners.is_empty() {
                s.push_str(&format!(
                    "; {} already resets it: do the same after the polluter",
                    list(&d.cleaners)
                ));
            }
            s
        }
        Cause::Brittle => format!(
            "set up in the test itself (or a fixture it asks for) what {} sets up for it, so it passes alone and in any order",
            list(&d.state_setters)
        ),
        Cause::Contention => "give each run its own copy of what copies of the test share: a temporary directory (TMPDIR, tmp_path), port 0 instead of a fixed port, a database or cache name that includes FLAKY_RUN_ID and FLAKY_ATTEMPT".to_owned(),
        Cause::Timing => "wait for the condition instead of sleeping a fixed time, and do not assert on elapsed time or rates; where a deadline is the point of the test, make it generous or use a fake clock".to_owned(),
        Cause::TimeZone => "build dates in an explicit time zone (UTC) in the test and the code, or pin TZ in the test's setup".to_owned(),
        Cause::Locale => "format and parse with an explicit locale (or C/en_US) instead of the process's default".to_owned(),
        Cause::Network => "replace the network call with a local server or a mock; a test that needs the internet belongs in a separate, marked suite".to_owned(),
        Cause::Inside => "the test fails alone at its own rate: look for an unseeded random source, threads or tasks without a join or wait, iteration over a set or map whose order counts, and the clock".to_owned(),
        Cause::SuiteDependent => "it fails only in the full suite: look for state shared across the suite (module globals, class attributes, files, environment variables) and run the suite with the tests of one file to narrow it".to_owned(),
        Cause::NotReproduced => "no experiment made it fail: run `flaky run` with more attempts (or `--until settled`) to measure its rate first".to_owned(),
        Cause::Undetermined if nothing_ran(d) => "make the test run as the stored run ran it (the reason is under \"not run\"; `flaky detect-framework` shows how flaky runs the framework), then diagnose again".to_owned(),
        Cause::Undetermined => "give `flaky diagnose` a larger --budget".to_owned(),
    }
}

/// The first sentence of a diagnosis: the cause and its strongest evidence.
pub fn summary(d: &Diagnosis) -> String {
    let exp = |step: Step| d.experiments.iter().rev().find(|e| e.step == step);
    let counts = |e: &Experiment| format!("{}/{}", e.failed, e.runs);
    let alone = exp(Step::Alone);
    match d.cause {
        Cause::Random => format!(
            "random: fails on every replay of seed{} {} and never of {}",
            if d.failing_seeds.len() == 1 { "" } else { "s" },
            join_seeds(&d.failing_seeds),
            join_seeds(&d.passing_seeds)
        ),
        Cause::Order => format!(
            "order: fails after {} and never alone{}",
            ticked(&d.polluters),
            alone.map_or(String::new(), |a| format!(" ({})", counts(a)))
        ),
        Cause::Brittle => format!(
            "brittle: passes only after {}; alone it fails{}",
            ticked(&d.state_setters),
            alone.map_or(String::new(), |a| format!(" ({})", counts(a)))
        ),
        Cause::Contention | Cause::Timing | Cause::TimeZone | Cause::Locale | Cause::Network => {
            let step = match d.cause {
                Cause::Contention => Step::Contention,
                Cause::Timing => Step::Load,
                Cause::TimeZone => Step::TimeZone,
                Cause::Locale => Step::Locale,
                _ => Step::Network,
            };
            let what = match d.cause {
                Cause::Contention => "with copies running at once",
                Cause::Timing => "under load",
                Cause::TimeZone => "in another time zone",
                Cause::Locale => "in another locale",
                _ => "without a network",
            };
            let base = alone.map_or(String::new(), |a| format!("{} alone → ", counts(a)));
            format!(
                "{}: {base}{} {what}",
                d.cause.as_str(),
                exp(step).map_or(String::new(), counts)
            )
        }
        Cause::Inside => format!(
            "inside: fails alone at its own rate{} and no outside change moved it",
            alone.map_or(String::new(), |a| format!(" ({})", counts(a)))
        ),
        Cause::SuiteDependent => "suite-dependent: fails in the suite, never alone, and no order of the tests before it reproduced it".to_owned(),
        Cause::NotReproduced => "not reproduced: no experiment made it fail".to_owned(),
        // Experiments that ran and saw no result for the test: something stopped it running.
        Cause::Undetermined if nothing_ran(d) => {
            "undetermined: no experiment could run the test (see not run)".to_owned()
        }
        Cause::Undetermined => "undetermined: the budget ran out first".to_owned(),
    }
}

/// Test ids as code, joined: "`a` + `b`".
pub fn ticked(ids: &[String]) -> String {
    ticked_with(ids, " + ")
}

/// Test ids as code, joined with `sep`.
fn ticked_with(ids: &[String], sep: &str) -> String {
    ids.iter()
        .map(|id| crate::render::quote_code(id))
        .collect::<Vec<_>>()
        .join(sep)
}

/// Whether experiments were tried and none got a result for the test (not the budget: something
/// kept the test from running).
pub fn nothing_ran(d: &Diagnosis) -> bool {
    !d.not_run.is_empty() && d.experiments.iter().all(|e| e.runs == 0)
}

fn join_seeds(seeds: &[u64]) -> String {
    if seeds.is_empty() {
        return "any other".to_owned();
    }
    let shown: Vec<String> = seeds.iter().take(SEEDS_SHOWN).map(u64::to_string).collect();
    match seeds.len().saturating_sub(SEEDS_SHOWN) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// Seeds a summary names; the JSON lists them all.
const SEEDS_SHOWN: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alone_plan_sizes_follow_the_suite_rate() {
        // 25% in the suite: 11 passes in a row are 0.75^11 = 4.2% < 5%; 3 failures 1.6%.
        assert_eq!(
            AlonePlan::new(5, 20),
            AlonePlan {
                runs: 11,
                all_fail: 3
            }
        );
        // 50%: 5 passes (3.1%), 5 failures (3.1%).
        assert_eq!(
            AlonePlan::new(10, 20),
            AlonePlan {
                runs: 5,
                all_fail: 5
            }
        );
        // 2%: capped at 60 runs.
        assert_eq!(AlonePlan::new(2, 100).runs, 60);
        // Never failed (named with --test): ten of each.
        assert_eq!(
            AlonePlan::new(0, 20),
            AlonePlan {
                runs: 10,
                all_fail: 10
            }
        );
        assert_eq!(
            AlonePlan::new(0, 0),
            AlonePlan {
                runs: 10,
                all_fail: 10
            }
        );
    }

    #[test]
    fn alone_verdicts() {
        let plan = AlonePlan {
            runs: 4,
            all_fail: 3,
        };
        assert_eq!(plan.verdict(&[]), None);
        assert_eq!(plan.verdict(&[false, false, false]), None);
        assert_eq!(plan.verdict(&[false; 4]), Some(Alone::Never));
        assert_eq!(plan.verdict(&[false, true]), Some(Alone::Sometimes));
        assert_eq!(plan.verdict(&[true, false]), Some(Alone::Sometimes));
        assert_eq!(plan.verdict(&[true, true]), None);
        assert_eq!(plan.verdict(&[true, true, true]), Some(Alone::Always));
    }

    #[test]
    fn seed_replays_bound_the_error() {
        // 25%: 0.25^3 = 1.6%; 50%: 0.5^5 = 3.1%; a rare failure still needs two.
        assert_eq!(seed_replays(5, 20), 3);
        assert_eq!(seed_replays(10, 20), 5);
        assert_eq!(seed_replays(1, 100), 2);
        // 90% and above: 0.9^29 < 5%.
        assert_eq!(seed_replays(19, 20), 29);
    }

    #[test]
    fn a_rise_needs_more_than_chance() {
        // 3 of 3 under load against 0 of 10 alone: 1/286.
        assert!(rises(3, 3, 0, 10, 4).is_some());
        // 1 of 3 against 0 of 10: 3/13, chance.
        assert_eq!(rises(1, 3, 0, 10, 1), None);
        // The same rate is no rise.
        assert_eq!(rises(3, 10, 3, 10, 1), None);
        // More looks need stronger evidence: 2 of 2 against 0 of 10 is 1/66 = 0.015.
        assert!(rises(2, 2, 0, 10, 1).is_some());
        assert_eq!(rises(2, 2, 0, 10, 4), None);
    }

    #[test]
    fn a_change_either_way() {
        // Always failing here, passing 3 of 3 in another zone.
        assert!(changes(0, 3, 10, 10, 1).is_some());
        assert!(changes(3, 3, 0, 10, 1).is_some());
        assert_eq!(changes(1, 3, 2, 10, 1), None);
    }

    fn diagnosis(cause: Cause) -> Diagnosis {
        Diagnosis {
            test: "t".into(),
            cause,
            proven: true,
            summary: String::new(),
            experiments: vec![Experiment {
                step: Step::Alone,
                setup: String::new(),
                runs: 11,
                failed: 0,
                p_value: None,
                finding: String::new(),
            }],
            failing_seeds: vec![7, 9],
            passing_seeds: vec![8],
            polluters: vec!["tests/a.py::test_register".into()],
            state_setters: vec!["tests/a.py::test_setup".into()],
            cleaners: vec![],
            repro: None,
            fix: String::new(),
            evidence: vec![],
            not_run: vec![],
            attempts: 0,
            duration_ms: 0,
        }
    }

    #[test]
    fn summaries_name_the_evidence() {
        assert_eq!(
            summary(&diagnosis(Cause::Random)),
            "random: fails on every replay of seeds 7, 9 and never of 8"
        );
        assert_eq!(
            summary(&diagnosis(Cause::Order)),
            "order: fails after `tests/a.py::test_register` and never alone (0/11)"
        );
        assert!(fix(&diagnosis(Cause::Order)).contains("`tests/a.py::test_register`"));
        assert!(fix(&diagnosis(Cause::Brittle)).contains("`tests/a.py::test_setup`"));
        let mut timing = diagnosis(Cause::Timing);
        timing.experiments.push(Experiment {
            step: Step::Load,
            setup: String::new(),
            runs: 3,
            failed: 3,
            p_value: Some(0.0035),
            finding: String::new(),
        });
        assert_eq!(summary(&timing), "timing: 0/11 alone → 3/3 under load");
    }
}
