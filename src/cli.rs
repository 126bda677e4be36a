//! The command-line surface: clap types only. `config` resolves them into plain plans.

use std::path::PathBuf;
use std::time::Duration;

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Runs a test command many times and tells, with evidence, which tests are flaky.
#[derive(Debug, Parser)]
#[command(name = "flaky", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Exit status: 0 nothing at or above --fail-on, 1 flaky or failing tests found, \
2 usage/configuration/infrastructure error, 130 interrupted by Ctrl-C, 143 terminated (SIGTERM, \
SIGHUP, SIGQUIT); when interrupted or terminated, what finished is printed and stored."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// The command line as users see it: each subcommand's help leaves out the global options it
/// has no use for (they still parse, as anywhere on the line).
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    // clap gives a subcommand each global option it does not have already: a hidden copy keeps
    // the option (and its value reaching `GlobalArgs`) without showing it. Nested subcommands
    // get the copy from theirs.
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    for id in globals.iter().map(|a| a.get_id().clone()) {
        cmd = cmd.mut_arg(id, |a| a.help_heading("Global options"));
    }
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    for name in ["run", "ci"] {
        cmd = cmd.mut_subcommand(name, |mut sub| {
            for (heading, ids) in HEADINGS {
                for id in *ids {
                    if sub.get_arguments().any(|a| a.get_id() == id) {
                        sub = sub.mut_arg(id, |a| a.help_heading(*heading));
                    }
                }
            }
            sub
        });
    }
    for (name, unused) in UNUSED_GLOBALS {
        cmd = cmd.mut_subcommand(name, |sub| {
            globals
                .iter()
                .filter(|a| unused.contains(&a.get_id().as_str()))
                .fold(sub, |sub, a| sub.arg(a.clone().hide(true)))
        });
    }
    cmd
}

/// The options of `run` and `ci` (by id) under headings, as their help groups them.
pub const HEADINGS: &[(&str, &[&str])] = &[
    (
        "Attempts",
        &["runs", "until", "max_runs", "budget", "retries", "strict"],
    ),
    (
        "Running",
        &[
            "jobs", "timeout", "seed", "env", "dir", "shell", "config", "order", "batch",
        ],
    ),
    ("Frameworks", &["framework", "junit", "tests_from"]),
    (
        "Output",
        &[
            "format",
            "output",
            "fail_on",
            "report",
            "report_output",
            "junit_output",
            "github",
            "no_scan",
            "diagnose",
            "no_history",
        ],
    ),
    (
        "Shards and remote workers",
        &[
            "shard",
            "remote",
            "endpoint",
            "shards",
            "queue_timeout",
            "shard_size",
        ],
    ),
    ("Posting", &["post", "pr", "mention_map"]),
];

/// By subcommand, the global options (by id) that do nothing for it.
const UNUSED_GLOBALS: &[(&str, &[&str])] = &[
    ("merge", &["no_progress"]),
    ("quarantine", &["no_progress"]),
    ("history", &["no_progress"]),
    ("report", &["no_progress"]),
    ("detect-framework", &["db", "no_progress"]),
    ("scan", &["db", "no_progress"]),
    ("completions", &["db", "no_progress", "quiet", "color"]),
];
impl Cli {
    /// Parses the process's arguments, exiting as clap does on an error (status 2), with better
    /// tips for a new user's usual first mistakes (see [`refine_error`]).
    pub fn parse_args() -> Self {
        let args: Vec<OsString> = std::env::args_os().collect();
        command()
            .try_get_matches_from(&args)
            .and_then(|matches| Self::from_arg_matches(&matches))
            .unwrap_or_else(|e| refine_error(e, &args).exit())
    }
}

/// Makes clap's tip right for a misspelt subcommand (its Jaro similarity offers `quarantine` for
/// `rn`) and for a test command given without `--` (it offers nothing).
fn refine_error(mut e: clap::Error, args: &[OsString]) -> clap::Error {
    let typed = |e: &clap::Error, kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    match e.kind() {
        ErrorKind::InvalidSubcommand => {
            let closest =
                typed(&e, ContextKind::InvalidSubcommand).and_then(|t| closest_subcommand(&t));
            e.remove(ContextKind::SuggestedSubcommand);
            if let Some(name) = closest {
                e.insert(
                    ContextKind::SuggestedSubcommand,
                    ContextValue::Strings(vec![name]),
                );
            }
        }
        ErrorKind::UnknownArgument => {
            if let Some(line) = typed(&e, ContextKind::InvalidArg)
                .and_then(|arg| with_command_after_dashes(args, &arg))
            {
                e.remove(ContextKind::SuggestedArg);
                e.insert(
                    ContextKind::Suggested,
                    ContextValue::StyledStrs(vec![
                        format!("put the command after `--`: {line}").into(),
                    ]),
                );
            }
        }
        _ => {}
    }
    e
}

/// The visible subcommand `typed` most likely meant.
fn closest_subcommand(typed: &str) -> Option<String> {
    let cli = Cli::command();
    let visible = cli.get_subcommands().filter(|c| !c.is_hide_set());
    crate::suggest::closest(typed, visible.map(|c| c.get_name())).map(str::to_owned)
}

/// The command line again with `--` before `stray`, when `stray` is the first word of a test
/// command given to a subcommand that takes one after `--` (`flaky run -n 5 ./t.sh`).
fn with_command_after_dashes(args: &[OsString], stray: &str) -> Option<String> {
    if stray.starts_with('-') || args.iter().any(|a| a == "--") {
        return None;
    }
    let cli = Cli::command();
    let (at, sub) = args
        .iter()
        .enumerate()
        .skip(1)
        .find_map(|(i, a)| cli.find_subcommand(a).map(|sub| (i, sub)))?;
    if !sub.get_positionals().any(|p| p.is_last_set()) {
        return None;
    }
    let from = at + 1 + args[at + 1..].iter().position(|a| a == stray)?;
    let words = std::iter::once("flaky".to_owned())
        .chain(
            args[1..from]
                .iter()
                .map(|a| a.to_string_lossy().into_owned()),
        )
        .chain(std::iter::once("--".to_owned()))
        .chain(
            args[from..]
                .iter()
                .map(|a| a.to_string_lossy().into_owned()),
        )
        .collect::<Vec<_>>();
    Some(crate::config::display_command(&words))
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// SQLite history database [default: the user data directory's flaky/history.db]
    #[arg(long, global = true, env = "FLAKY_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Print nothing on stderr but errors
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Hide the progress bar (it is hidden anyway when stderr is not a terminal)
    #[arg(long, global = true, env = "FLAKY_NO_PROGRESS", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_progress: bool,

    /// When to colour the output (NO_COLOR is honoured with `auto`)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a test command many times and report how flaky it is
    Run(Box<RunArgs>),
    /// The CI step: run the suite once, rerun what failed, and tell a real failure from a flaky one
    Ci(Box<CiArgs>),
    /// Join the JSON reports of a run's shards (`flaky run --shard K/N`) into one run
    Merge(MergeArgs),
    /// The quarantine of `.flaky.yml`: known flaky tests whose failures do not fail `flaky ci`
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
    /// List the runs stored in the history database
    History(HistoryArgs),
    /// Write the history as one self-contained HTML page: trend, most flaky tests, runs
    Dashboard(DashboardArgs),
    /// Render a stored run (default: the last one) as a report
    Report(ReportArgs),
    /// Say which test frameworks a project uses and how `flaky run` will drive them
    DetectFramework(DetectArgs),
    /// Find the usual causes of flakiness in test code (sleeps, clocks, randomness, network, shared state...)
    Scan(ScanArgs),
    /// Prove why each flaky test of a stored run is flaky, by experiments (seeds, alone, order and the polluter, copies, load, time zone, locale, network)
    Diagnose(DiagnoseArgs),
    /// Print the completion script for a shell
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Write the man pages (for packagers and this repository)
    #[command(hide = true)]
    Generate(GenerateArgs),
    /// Run one remote job: read it as JSON on stdin, write the result as JSON on stdout
    #[command(hide = true)]
    Worker(WorkerArgs),
    /// Scan DIR and join what it finds to the measured tests read as JSON on stdin; `run` does
    /// this in a child process, so nothing the scan does can take the run down
    #[command(hide = true)]
    LikelyCauses(LikelyCausesArgs),
    /// Run a command pinned to one CPU and/or without a network (diagnose's experiments use it)
    #[command(hide = true)]
    Isolate(IsolateArgs),
}

/// `flaky run`
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  flaky run -n 100 -j 4 -- ./run-my-tests.sh\n  flaky run --seed 42 --format json -- pytest tests/\n  flaky run -j 4 -- ./integration.sh --workdir {tmpdir} --port-offset {attempt}\n  flaky run --shell -- 'make test | tee log'"
)]
pub struct RunArgs {
    /// How many times to run the command (with --until: at most, as --max-runs) [default: 100]
    #[arg(short = 'n', long, env = "FLAKY_RUNS", value_parser = count::<100_000>, allow_negative_numbers = true)]
    pub runs: Option<u32>,

    /// Stop early: as soon as every test's verdict is settled (a sequential test per band boundary; see the README), or at the first failing attempt
    #[arg(long, value_enum, value_name = "WHEN")]
    pub until: Option<UntilArg>,

    /// With --until: the most attempts to run [default: 1000]
    #[arg(long, value_name = "N", value_parser = count::<100_000>, allow_negative_numbers = true)]
    pub max_runs: Option<u32>,

    /// With --until: start no new attempt after this long, e.g. 10m (a bare number is seconds)
    #[arg(long, value_parser = parse_duration, allow_negative_numbers = true, value_name = "DURATION")]
    pub budget: Option<Duration>,

    /// How many attempts run at once [default: the number of available cores]
    #[arg(short = 'j', long, env = "FLAKY_JOBS", value_parser = count::<1024>, allow_negative_numbers = true)]
    pub jobs: Option<u32>,

    /// Run the K-th of N equal shares of the attempts (1-based), e.g. 2/4; read from GitLab's CI_NODE_INDEX/CI_NODE_TOTAL, Buildkite's BUILDKITE_PARALLEL_JOB/_COUNT or a Kubernetes Indexed Job's JOB_COMPLETION_INDEX (with FLAKY_SHARD_TOTAL) when not given. Every shard needs the same --seed
    #[arg(long, value_name = "K/N", env = "FLAKY_SHARD", value_parser = parse_shard, conflicts_with = "until")]
    pub shard: Option<(u32, u32)>,

    /// Leave the CI's shard variables alone (`flaky ci` runs the suite, not a share of attempts).
    #[arg(skip)]
    pub ignore_ci_shard: bool,

    /// Run K attempts in each pytest process, each with its own seed and order, a fresh process every K: faster, but state outlives a test between them (module globals, caches, PYTHONHASHSEED); see the README
    #[arg(long, value_name = "K", value_parser = count::<1000>, allow_negative_numbers = true)]
    pub batch: Option<u32>,

    /// Kill an attempt's whole process tree after this long, e.g. 90s, 10m (a bare number is seconds) [default: 10m; when flaky chose the command itself, the attempts started after the first one ended get 10× its time, at least 1m]
    #[arg(long, env = "FLAKY_TIMEOUT", value_parser = parse_duration, allow_negative_numbers = true, value_name = "DURATION")]
    pub timeout: Option<Duration>,

    /// Base seed; every attempt's seed derives from it and the attempt index [default: random, recorded]
    #[arg(long)]
    pub seed: Option<u64>,

    /// Set a variable for every attempt (repeatable)
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env_pair)]
    pub env: Vec<(String, String)>,

    /// Run the command in this directory (and look for the config file there)
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Run the command as one string with `sh -c` (never done unless asked)
    #[arg(long)]
    pub shell: bool,

    /// Exit 1 when a test is at or above this severity (`none`: never) [default: low]
    #[arg(long, env = "FLAKY_FAIL_ON", value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOnArg>,

    /// The report format on stdout
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Write the report to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Do not store this run in the history database
    #[arg(long)]
    pub no_history: bool,

    /// Do not scan the test code for the likely causes of flaky tests after the run
    #[arg(long)]
    pub no_scan: bool,

    /// Read the configuration from this file instead of .flaky.yml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The test framework, when flaky cannot tell it from the command or the project
    #[arg(long, value_name = "NAME", value_parser = parse_framework)]
    pub framework: Option<String>,

    /// Test order per attempt: keep it, shuffle it, or alternate (even attempts keep it) [default: alternate where the framework can shuffle]
    #[arg(long, value_enum, value_name = "MODE")]
    pub order: Option<OrderArg>,

    /// Rerun only the tests that failed or errored in this JUnit report (as CI writes it)
    #[arg(long, value_name = "REPORT.xml")]
    pub tests_from: Option<PathBuf>,

    /// Read per-test results from a JUnit file the command writes itself ({attempt} and {tmpdir} are replaced per attempt)
    #[arg(long, value_name = "PATH", conflicts_with = "framework")]
    pub junit: Option<String>,

    /// Run the attempts on RunPod Serverless workers (key from RUNPOD_API_KEY)
    #[arg(long, value_enum, value_name = "BACKEND", conflicts_with = "junit")]
    pub remote: Option<RemoteArg>,

    /// The RunPod endpoint id
    #[arg(
        long,
        env = "RUNPOD_ENDPOINT_ID",
        value_name = "ID",
        requires = "remote"
    )]
    pub endpoint: Option<String>,

    /// After the run, render the report in this format too: to --report-output, or to stdout when the main report goes to -o FILE (`github` appends to $GITHUB_STEP_SUMMARY)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub report: Option<ReportFormat>,

    /// Where --report writes
    #[arg(long, value_name = "FILE", requires = "report")]
    pub report_output: Option<PathBuf>,

    #[command(flatten)]
    pub publish: PublishArgs,

    /// Split the attempts into this many remote jobs [default: one per worker of the endpoint]
    #[arg(long, value_name = "K", requires = "remote", value_parser = count::<1000>, allow_negative_numbers = true)]
    pub shards: Option<u32>,

    /// Give a remote shard up when its job waits longer than this in RunPod's queue, e.g. 30m (a bare number is seconds) [default: 1h]
    #[arg(long, value_name = "DURATION", requires = "remote", value_parser = parse_duration, allow_negative_numbers = true)]
    pub queue_timeout: Option<Duration>,

    /// Put this many attempts in each remote job (instead of --shards)
    #[arg(long, value_name = "N", requires = "remote", conflicts_with = "shards", value_parser = count::<100_000>, allow_negative_numbers = true)]
    pub shard_size: Option<u32>,

    /// After the run, diagnose its flaky tests by experiment, within this budget, e.g. 20m (a bare number is seconds; see `flaky diagnose`)
    #[arg(long, value_name = "BUDGET", num_args = 0..=1, default_missing_value = "10m", value_parser = parse_duration, allow_negative_numbers = true, conflicts_with_all = ["remote", "no_history"])]
    pub diagnose: Option<Duration>,

    /// The test command and its arguments; `{attempt}` and `{tmpdir}` in them are replaced per attempt by its index and its private temporary directory [default: the config file's `command`]
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// `flaky ci`
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 every test passed, or every failure was flaky (passed on a rerun) or quarantined; \
1 a test failed every rerun (or was flaky, with --strict); 2 nothing was measured, or a usage, configuration \
or infrastructure error; 130/143 interrupted.\n\nExamples:\n  flaky ci -- pytest tests/\n  \
flaky ci --retries 5 --junit-output flaky-junit.xml -- cargo test\n  flaky ci --until settled --max-runs 50 --strict -- go test ./..."
)]
pub struct CiArgs {
    /// How many times to rerun each test that failed [default: 3]
    #[arg(long, value_name = "N", value_parser = count::<1000>, allow_negative_numbers = true, conflicts_with = "until")]
    pub retries: Option<u32>,

    /// Rerun the failed tests until each one's verdict is settled (at most --max-runs reruns)
    #[arg(long, value_enum, value_name = "WHEN")]
    pub until: Option<CiUntilArg>,

    /// With --until settled: the most reruns [default: 100]
    #[arg(long, value_name = "N", requires = "until", value_parser = count::<100_000>, allow_negative_numbers = true)]
    pub max_runs: Option<u32>,

    /// With --until settled: start no new rerun after this long, e.g. 10m (a bare number is seconds)
    #[arg(long, value_parser = parse_duration, allow_negative_numbers = true, value_name = "DURATION", requires = "until")]
    pub budget: Option<Duration>,

    /// Exit 1 when a test is flaky too, not only when one fails every rerun
    #[arg(long)]
    pub strict: bool,

    /// Write a JUnit report of the whole suite: flaky tests pass with Surefire's flakyFailure elements, failed ones carry rerunFailure
    #[arg(long, value_name = "FILE")]
    pub junit_output: Option<PathBuf>,

    /// GitHub Actions annotations (on stdout; on stderr when the JSON report is) and the verdicts in the step summary
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = AnnotateArg::Auto)]
    pub github: AnnotateArg,

    /// How many reruns run at once [default: the number of available cores]
    #[arg(short = 'j', long, env = "FLAKY_JOBS", value_parser = count::<1024>, allow_negative_numbers = true)]
    pub jobs: Option<u32>,

    /// Kill an attempt's whole process tree after this long, e.g. 90s, 10m (a bare number is seconds) [default: 10m; when flaky chose the command itself, the reruns get 10× the first run's time, at least 1m]
    #[arg(long, env = "FLAKY_TIMEOUT", value_parser = parse_duration, allow_negative_numbers = true, value_name = "DURATION")]
    pub timeout: Option<Duration>,

    /// Base seed; the first run and every rerun derive their seeds from it [default: random, recorded]
    #[arg(long)]
    pub seed: Option<u64>,

    /// Set a variable for every attempt (repeatable)
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env_pair)]
    pub env: Vec<(String, String)>,

    /// Run the command in this directory (and look for the config file there)
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Run the command as one string with `sh -c` (never done unless asked)
    #[arg(long)]
    pub shell: bool,

    /// The report format on stdout
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Write the report to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Do not store this run in the history database
    #[arg(long)]
    pub no_history: bool,

    /// Read the configuration (and the quarantine) from this file instead of .flaky.yml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The test framework, when flaky cannot tell it from the command or the project
    #[arg(long, value_name = "NAME", value_parser = parse_framework)]
    pub framework: Option<String>,

    #[command(flatten)]
    pub publish: PublishArgs,

    /// The test command and its arguments; `{attempt}` and `{tmpdir}` in them are replaced per attempt by its index and its private temporary directory [default: the config file's `command`]
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnnotateArg {
    /// When GITHUB_ACTIONS is `true`
    Auto,
    Always,
    Never,
}

/// `flaky merge`
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  flaky merge shard-*.json\n  flaky merge --format json -o run.json shard-1.json shard-2.json"
)]
pub struct MergeArgs {
    /// The shards' JSON reports (`flaky run --shard K/N --format json`)
    #[arg(value_name = "REPORT.json", required = true)]
    pub reports: Vec<PathBuf>,

    /// Exit 1 when a test is at or above this severity (`none`: never) [default: the shards' own]
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOnArg>,

    /// The report format on stdout
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Write the report to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Do not store the merged run in the history database
    #[arg(long)]
    pub no_history: bool,

    /// Render the merged report in this format too: to --report-output, or to stdout when the main report goes to -o FILE
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub report: Option<ReportFormat>,

    /// Where --report writes
    #[arg(long, value_name = "FILE", requires = "report")]
    pub report_output: Option<PathBuf>,

    #[command(flatten)]
    pub publish: PublishArgs,
}

/// `flaky quarantine`
#[derive(Debug, Subcommand)]
pub enum QuarantineCommand {
    /// Show the quarantine; an expired entry is an error (exit 2)
    List(QuarantineListArgs),
    /// Quarantine a test (an id or a glob) in the config file
    Add(QuarantineAddArgs),
    /// Take a test out of the quarantine
    Remove(QuarantineRemoveArgs),
    /// Propose the tests the history measured flaky (never the ones that always fail)
    Suggest(QuarantineSuggestArgs),
}

/// Where the quarantine is: shared by the `flaky quarantine` subcommands.
#[derive(Debug, Args)]
pub struct QuarantineFile {
    /// The project directory whose .flaky.yml holds the quarantine
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The config file instead of DIR/.flaky.yml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct QuarantineListArgs {
    #[command(flatten)]
    pub file: QuarantineFile,

    /// The output format
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  flaky quarantine add 'tests/test_api.py::test_login' --reason 'races the cache, #123' --owner @ana --until 30d\n  flaky quarantine add 'tests/legacy/*' --reason 'being rewritten' --until 2027-01-31"
)]
pub struct QuarantineAddArgs {
    /// The test id, or a glob of ids (`*` within a part, `**` across)
    #[arg(value_name = "TEST")]
    pub test: String,

    /// Why it is quarantined (an issue link, say)
    #[arg(long, value_name = "TEXT")]
    pub reason: String,

    /// Who fixes it
    #[arg(long, value_name = "WHO")]
    pub owner: Option<String>,

    /// When the quarantine ends: a date (2027-01-31) or a time from today (30d, 2w; a bare number is days) [default: 30d]
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,

    #[command(flatten)]
    pub file: QuarantineFile,
}

#[derive(Debug, Args)]
pub struct QuarantineRemoveArgs {
    /// The test id or glob, as the entry has it
    #[arg(value_name = "TEST")]
    pub test: String,

    #[command(flatten)]
    pub file: QuarantineFile,
}

#[derive(Debug, Args)]
pub struct QuarantineSuggestArgs {
    /// Only runs started within this long, e.g. 14d, 12h (a bare number is days)
    #[arg(long, value_name = "DURATION", value_parser = parse_age, allow_negative_numbers = true)]
    pub since: Option<Duration>,

    /// The output format
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    #[command(flatten)]
    pub file: QuarantineFile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Critical,
    High,
    Medium,
    Low,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UntilArg {
    /// Every test's verdict is settled
    Settled,
    /// An attempt failed: no new attempt starts, the running ones are stopped, and the report
    /// shows the failure with its replay line (as `go test -failfast` in a loop)
    FirstFailure,
}

/// `flaky ci --until`: its reruns stop only when settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiUntilArg {
    /// Every rerun test's verdict is settled
    Settled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RemoteArg {
    Runpod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrderArg {
    Same,
    Shuffle,
    Alternate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
}

/// `flaky scan`
#[derive(Debug, Args)]
#[command(
    after_help = "Silence one finding with a comment on its line or the line above: `flaky: ignore`, or \
`flaky: ignore[sleep, py/time-sleep]` for some categories or rules.\n\nExit status: 0 no finding at or above \
--fail-on, 1 some are, 2 error.\n\nExamples:\n  flaky scan\n  flaky scan tests/ --fail-on medium\n  \
flaky scan --format sarif --output flaky.sarif --ignore 'tests/legacy/**'"
)]
pub struct ScanArgs {
    /// The project directory or file to scan
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    /// The output format (SARIF 2.1.0 for code-scanning tools)
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,

    /// Exit 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOnArg::High, value_name = "SEVERITY")]
    pub fail_on: FailOnArg,

    /// Leave out files matching this glob (relative to PATH; repeatable), e.g. 'tests/legacy/**'
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,

    /// Write the output to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Files parsed at once [default: available cores]
    #[arg(short = 'j', long, value_parser = count::<1024>, allow_negative_numbers = true)]
    pub jobs: Option<u32>,

    /// Show every finding: each repeat of a rule in one test (else one counts the others), and
    /// context: the random values, clock reads and state of the code tests reach, and processes
    /// run to their end (marked "context")
    #[arg(long)]
    pub every: bool,

    /// Print what a rule finds, why that makes tests flaky, an example and the fix, then exit
    #[arg(long, value_name = "RULE", conflicts_with = "list_rules")]
    pub explain: Option<String>,

    /// List the rules (id, category, severity, languages, what each finds), then exit
    #[arg(long)]
    pub list_rules: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other tools
    Sarif,
}

/// `flaky history`
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  flaky history --since 7d --branch main\n  flaky history --tests --limit 10\n  flaky history --test 'tests/test_api.py::test_login'\n  flaky history --trend --per run"
)]
pub struct HistoryArgs {
    /// Show the most flaky tests across the selected runs
    #[arg(long, group = "view")]
    pub tests: bool,

    /// With --tests: scan DIR's test code (default: the current directory) and show each
    /// test's likely cause, as `flaky scan` finds it
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = ".", requires = "tests")]
    pub causes: Option<PathBuf>,

    /// Show one test's timeline: rate per run, direction, and when it became flaky
    #[arg(long, value_name = "ID", group = "view")]
    pub test: Option<String>,

    /// Show the suite's flakiness over time and overall statistics
    #[arg(long, group = "view")]
    pub trend: bool,

    /// Group the trend per day or per run
    #[arg(long, value_enum, default_value_t = PerArg::Day, requires = "trend")]
    pub per: PerArg,

    #[command(flatten)]
    pub select: RunSelectArgs,

    /// Show at most this many rows (runs, tests, or trend points)
    #[arg(long, default_value_t = 20, value_parser = count::<{ u32::MAX }>, allow_negative_numbers = true)]
    pub limit: u32,

    /// The output format
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
}

/// Which stored runs `flaky history` and `flaky dashboard` read.
#[derive(Debug, Args)]
pub struct RunSelectArgs {
    /// Runs of every directory, not only of the current project (the git repository the
    /// current directory is in, else the current directory and below)
    #[arg(long)]
    pub all: bool,

    /// Only runs whose repository URL contains this, in any directory
    #[arg(long, value_name = "TEXT")]
    pub repo: Option<String>,

    /// Only runs on this branch
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,

    /// Only runs whose command line contains this
    #[arg(long, value_name = "TEXT")]
    pub command: Option<String>,

    /// Only runs from this long ago until now, e.g. 30d, 12h (a bare number is days)
    #[arg(long, value_parser = parse_age, allow_negative_numbers = true, value_name = "DURATION")]
    pub since: Option<Duration>,
}

/// `flaky dashboard`
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  flaky dashboard\n  flaky dashboard --since 30d --branch main -o flaky.html\n  flaky dashboard --all -o - > dashboard.html"
)]
pub struct DashboardArgs {
    #[command(flatten)]
    pub select: RunSelectArgs,

    /// Scan DIR's test code (default: the current directory) for each test's likely cause, as
    /// `flaky scan` finds it, instead of the causes stored with the runs
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = ".")]
    pub causes: Option<PathBuf>,

    /// Write the page to this file (`-` for stdout)
    #[arg(
        short,
        long,
        value_name = "FILE",
        default_value = "flaky-dashboard.html"
    )]
    pub output: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PerArg {
    Day,
    Run,
}

/// `flaky report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run's id, or the start of it [default: the current project's last run]
    #[arg(value_name = "RUN")]
    pub run: Option<String>,

    /// The report format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,

    /// Write the report to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub publish: PublishArgs,
}

/// Where a report goes besides stdout: shared by `flaky report` and `flaky run`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Post the report: `github` creates or updates the pull request's flaky comment
    /// (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL;
    /// `discord` posts to DISCORD_WEBHOOK_URL
    #[arg(long, value_enum, value_name = "WHERE")]
    pub post: Vec<PostArg>,

    /// The pull request to comment on [default: from the GitHub Actions event file]
    #[arg(long, value_name = "NUMBER", value_parser = clap::value_parser!(u64).range(1..))]
    pub pr: Option<u64>,

    /// Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]
    #[arg(long, value_name = "FILE")]
    pub mention_map: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PostArg {
    Github,
    Slack,
    Discord,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// The terminal report `flaky run` prints
    Table,
    /// The JSON document of `flaky run --format json`
    Json,
    /// A pull-request comment
    Markdown,
    /// JUnit XML with Surefire's flakyFailure/rerunFailure elements, for CI test views
    Junit,
    /// A Slack Block Kit message (JSON)
    Slack,
    /// The GitHub Actions step summary (appended to $GITHUB_STEP_SUMMARY when it is set)
    Github,
    /// One self-contained HTML page with charts
    Html,
}

/// `flaky detect-framework`
#[derive(Debug, Args)]
pub struct DetectArgs {
    /// The project directory (monorepos: every framework below it is listed)
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    /// The output format
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
}

/// `flaky worker`
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Accept file:// repositories (local setups and tests)
    #[arg(long)]
    pub allow_file_urls: bool,

    /// Where checkouts go [default: the temporary directory]
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
}

/// `flaky diagnose`
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  flaky diagnose\n  flaky diagnose 3f2a --test 'tests/test_cache.py::test_lookup' --budget 20m\n  flaky diagnose --format json > diagnosis.json"
)]
pub struct DiagnoseArgs {
    /// The stored run whose tests to diagnose: its id, or the start of it [default: the current project's last run]
    #[arg(value_name = "RUN")]
    pub run: Option<String>,

    /// Diagnose this test (repeatable) [default: the run's flaky, order-dependent and contention tests]
    #[arg(long = "test", value_name = "ID")]
    pub tests: Vec<String>,

    /// Start no new experiment after this long, e.g. 20m (a bare number is seconds) [default: 10m]
    #[arg(long, value_parser = parse_duration, allow_negative_numbers = true, value_name = "DURATION")]
    pub budget: Option<Duration>,

    /// The output format
    #[arg(long, value_enum, default_value_t = DiagnoseFormat::Table)]
    pub format: DiagnoseFormat,

    /// Write the diagnosis to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Set a variable for every attempt (repeatable), as `flaky run --env` (secret values are not stored with a run)
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env_pair)]
    pub env: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnoseFormat {
    Table,
    Json,
    Markdown,
    Html,
}

/// `flaky isolate`
#[derive(Debug, Args)]
pub struct IsolateArgs {
    /// Pin the command (and what it starts) to this CPU
    #[arg(long, value_name = "N")]
    pub cpu: Option<usize>,

    /// Give the command a network namespace of its own, with only a loopback
    #[arg(long)]
    pub no_network: bool,

    /// The command
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// `flaky likely-causes`
#[derive(Debug, Args)]
pub struct LikelyCausesArgs {
    /// The project to scan
    pub dir: PathBuf,
}

/// `flaky completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

const COMPLETIONS_HELP: &str = "Install it where your shell looks (new shells pick it up):\n  \
bash        flaky completions bash > ~/.local/share/bash-completion/completions/flaky\n  \
zsh         flaky completions zsh > ~/.zfunc/_flaky  (fpath+=~/.zfunc before compinit)\n  \
fish        flaky completions fish > ~/.config/fish/completions/flaky.fish\n  \
powershell  flaky completions powershell >> $PROFILE\n  \
elvish      flaky completions elvish >> ~/.config/elvish/rc.elv";

/// `flaky generate`
#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: GenerateWhat,
}

#[derive(Debug, Subcommand)]
pub enum GenerateWhat {
    /// Write the man pages into a directory
    Man {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

/// `K/N` with 1 <= K <= N.
pub fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let hint = "expected K/N with 1 <= K <= N, such as 2/4 (the second of four shares)";
    let (k, n) = s.split_once('/').ok_or_else(|| hint.to_owned())?;
    match (k.trim().parse::<u32>(), n.trim().parse::<u32>()) {
        (Ok(k), Ok(n)) if k >= 1 && k <= n => Ok((k, n)),
        _ => Err(hint.to_owned()),
    }
}

/// A count from 1 to `MAX`. Negative numbers reach it too (`allow_negative_numbers`), so `-n -3`
/// is told what a count is rather than to pass `-3` after `--`.
fn count<const MAX: u32>(s: &str) -> Result<u32, String> {
    let digits = s.trim().trim_start_matches('+');
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.bytes().all(|b| b == b'0')
    {
        return Err("the count must be a positive whole number, such as 10".to_owned());
    }
    digits
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= MAX)
        .ok_or_else(|| format!("the count must be at most {MAX}"))
}

/// A timeout or budget: `90s`, `10m`, `1h30m`, or a bare number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::config::parse_duration(s, crate::config::BareNumber::Seconds)
}

/// How far back to look: `30d`, `12h`, or a bare number of days.
fn parse_age(s: &str) -> Result<Duration, String> {
    crate::config::parse_duration(s, crate::config::BareNumber::Days)
}

fn parse_framework(s: &str) -> Result<String, String> {
    crate::framework::Framework::parse(s)
        .map(|f| f.name().to_owned())
        .ok_or_else(|| {
            let names: Vec<&str> = crate::framework::Framework::ALL
                .iter()
                .map(|f| f.name())
                .collect();
            format!(
                "`{s}` is not a framework flaky knows; write one of {}",
                names.join(", ")
            )
        })
}

fn parse_env_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !k.contains('\0') && !v.contains('\0') => {
            Ok((k.to_owned(), v.to_owned()))
        }
        _ => Err(format!(
            "`{s}` is not KEY=VALUE; write e.g. --env RUST_LOG=debug"
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn valid_command_lines_parse() {
        let valid: &[&[&str]] = &[
            &["flaky", "run", "--", "true"],
            &[
                "flaky",
                "run",
                "--until",
                "first-failure",
                "--max-runs",
                "500",
                "--",
                "x",
            ],
            &["flaky", "run", "-n", "1", "--", "true"],
            &["flaky", "run", "-n", "100000", "-j", "4", "--", "true"],
            &[
                "flaky",
                "run",
                "--timeout",
                "1h30m",
                "--seed",
                "18446744073709551615",
                "--",
                "x",
            ],
            &["flaky", "run", "--env", "A=1", "--env", "B=", "--", "x"],
            &[
                "flaky",
                "run",
                "-C",
                "/tmp",
                "--shell",
                "--",
                "echo hi | cat",
            ],
            &[
                "flaky",
                "run",
                "--fail-on",
                "none",
                "--format",
                "json",
                "-o",
                "f.json",
                "--",
                "x",
            ],
            &[
                "flaky",
                "run",
                "--no-history",
                "--quiet",
                "--no-progress",
                "--config",
                "c.yml",
            ],
            &[
                "flaky", "--db", "h.db", "history", "--limit", "5", "--format", "json",
            ],
            &["flaky", "history", "--color", "never"],
            &[
                "flaky", "history", "--tests", "--since", "30d", "--branch", "main", "--repo",
                "o/r",
            ],
            &[
                "flaky",
                "history",
                "--test",
                "a::b",
                "--command",
                "pytest",
                "--format",
                "json",
            ],
            &[
                "flaky", "history", "--trend", "--per", "run", "--limit", "50",
            ],
            &["flaky", "detect-framework"],
            &["flaky", "report"],
            &[
                "flaky", "report", "1a2b", "--format", "json", "-o", "r.json",
            ],
            &["flaky", "detect-framework", "examples", "--format", "json"],
            &["flaky", "completions", "zsh"],
            &["flaky", "generate", "man", "man"],
        ];
        for args in valid {
            if let Err(e) = Cli::try_parse_from(*args) {
                panic!("{args:?} should parse: {e}");
            }
        }
    }

    #[test]
    fn invalid_command_lines_are_rejected_with_the_right_kind() {
        let invalid: &[(&[&str], ErrorKind)] = &[
            (
                &["flaky", "run", "-n", "0", "--", "x"],
                ErrorKind::ValueValidation,
            ),
            (
                &["flaky", "run", "-n", "100001", "--", "x"],
                ErrorKind::ValueValidation,
            ),
            (
                &["flaky", "run", "-n", "ten", "--", "x"],
                ErrorKind::ValueValidation,
            ),
            (
                &["flaky", "run", "-j", "0", "--", "x"],
                ErrorKind::ValueValidation,
            ),
            (
                &["flaky", "run", "-n", "-3", "--", "x"],
                ErrorKind::ValueValidation,
            ),
            (
                &["flaky", "run", "--timeout", "soon", "--", "x"],
                ErrorKind::ValueValidation,
            ),
            (
                &["flaky", "run", "--timeout", "0s", "--", "x"],
                ErrorKind::ValueValidation,
            ),
            (
                &["flaky", "run", "--seed", "-1", "--", "x"],
                ErrorKind::UnknownArgument,
            ),
            (
                &["flaky", "run", "--env", "NOEQUALS", "--", "x"],
                ErrorKind::ValueValidation,
            ),
            (
                &["flaky", "run", "--env", "=v", "--", "x"],
                ErrorKind::ValueValidation,
            ),
            (
                &["flaky", "run", "--fail-on", "severe", "--", "x"],
                ErrorKind::InvalidValue,
            ),
            (
                &["flaky", "run", "--format", "xml", "--", "x"],
                ErrorKind::InvalidValue,
            ),
            (
                &["flaky", "run", "--bogus", "--", "x"],
                ErrorKind::UnknownArgument,
            ),
            (
                &["flaky", "history", "--limit", "0"],
                ErrorKind::ValueValidation,
            ),
            (
                &["flaky"],
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand,
            ),
            (&["flaky", "frobnicate"], ErrorKind::InvalidSubcommand),
            (
                &["flaky", "ci", "--until", "first-failure", "--", "x"],
                ErrorKind::InvalidValue,
            ),
        ];
        for (args, kind) in invalid {
            match Cli::try_parse_from(*args) {
                Ok(_) => panic!("{args:?} should be rejected"),
                Err(e) => assert_eq!(e.kind(), *kind, "{args:?}: {e}"),
            }
        }
    }

    #[test]
    fn a_misspelt_subcommand_gets_the_nearest_one() {
        for (typed, meant) in [
            ("rn", Some("run")),
            ("histroy", Some("history")),
            ("reprot", Some("report")),
            ("detect", Some("detect-framework")),
            ("r", None),
            ("frobnicate", None),
            // Hidden subcommands are not offered.
            ("workr", None),
        ] {
            assert_eq!(closest_subcommand(typed).as_deref(), meant, "{typed}");
        }
    }

    #[test]
    fn a_command_without_dashes_is_shown_after_them() {
        let args = |words: &[&str]| words.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            with_command_after_dashes(
                &args(&["flaky", "run", "-n", "5", "./t.sh", "a b"]),
                "./t.sh"
            )
            .as_deref(),
            Some("flaky run -n 5 -- ./t.sh 'a b'")
        );
        // Not a command: an option, a subcommand that takes none, or `--` already there.
        assert_eq!(
            with_command_after_dashes(&args(&["flaky", "run", "-x"]), "-x"),
            None
        );
        assert_eq!(
            with_command_after_dashes(&args(&["flaky", "history", "x"]), "x"),
            None
        );
        assert_eq!(
            with_command_after_dashes(&args(&["flaky", "run", "x", "--", "y"]), "x"),
            None
        );
    }
}
