//! cargo test (libtest's stable text output, stdout and stderr merged) and cargo nextest (JUnit).

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, program_name,
    strip_flags, tool_args_start, without_positionals, words,
};
use crate::parse::{Parsed, cargo, junit};

pub struct CargoTest;

/// The options of `cargo test` and `cargo nextest run` written `--flag value`: their values are
/// not name filters.
const CARGO_VALUE_FLAGS: &[&str] = &[
    "-p",
    "--package",
    "--exclude",
    "--test",
    "--bin",
    "--example",
    "--bench",
    "-F",
    "--features",
    "--target",
    "--target-dir",
    "--manifest-path",
    "-j",
    "--jobs",
    "--profile",
    "--cargo-profile",
    "--color",
    "--config",
    "-Z",
    "--test-threads",
    "--partition",
    "--run-ignored",
    "--status-level",
    "--final-status-level",
    "--archive-file",
    "--workspace-remap",
];

/// libtest's options written `--flag value`.
const LIBTEST_VALUE_FLAGS: &[&str] = &[
    "--skip",
    "--test-threads",
    "--logfile",
    "--color",
    "--shuffle-seed",
    "-Z",
];

impl Driver for CargoTest {
    fn framework(&self) -> Framework {
        Framework::Cargo
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        let Some(text) = dir.read_text("Cargo.toml") else {
            return Vec::new();
        };
        let name = text
            .lines()
            .skip_while(|l| l.trim() != "[package]")
            .find_map(|l| {
                l.trim().strip_prefix("name").map(|v| {
                    v.trim_start_matches([' ', '='])
                        .trim()
                        .trim_matches('"')
                        .to_owned()
                })
            });
        vec![match name {
            Some(n) => format!("Cargo.toml (package {n})"),
            None => "Cargo.toml".to_owned(),
        }]
    }

    fn default_command(&self, _dir: &ProjectDir) -> Vec<String> {
        words("cargo test --no-fail-fast")
    }

    fn install_command(&self, _dir: &ProjectDir) -> Option<Vec<String>> {
        Some(words("cargo fetch"))
    }

    fn recognise(&self, argv: &[String]) -> bool {
        argv.first().map(|p| program_name(p)) == Some("cargo")
            && argv.get(1).map(String::as_str) == Some("test")
    }

    fn can_shuffle(&self) -> bool {
        // libtest's --shuffle-seed is unstable: only when asked (see `shuffles_when_asked`).
        false
    }

    fn shuffles_when_asked(&self) -> Option<&'static str> {
        Some(
            "cargo test shuffles through libtest's unstable `-Z unstable-options --shuffle-seed`, which a stable toolchain's test executables take with RUSTC_BOOTSTRAP=1: flaky gives it to the test executables alone (cargo runs them under `env RUSTC_BOOTSTRAP=1`, so nothing is rebuilt), the processes the tests start see it too, and shuffled attempts run no doc-tests (rustdoc's harness would need it on cargo itself)",
        )
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        let (cargo_args, test_args) = match argv.iter().position(|w| w == "--") {
            Some(i) => (&argv[..i], argv[i + 1..].to_vec()),
            None => (argv, Vec::new()),
        };
        let mut a = strip_flags(
            cargo_args,
            &["--no-fail-fast", "--quiet", "-q"],
            &["--message-format"],
        );
        // Without it, cargo stops at the first failing test binary and the others never run.
        a.push("--no-fail-fast".into());
        let mut test_args = strip_flags(&test_args, &["--exact", "-q", "--quiet"], &["--format"]);
        let env = vec![("CARGO_TERM_COLOR".into(), "never".into())];
        if let Some(seed) = ctx.shuffle {
            shuffle(&mut a, &mut test_args, seed);
        }
        if let Some(ids) = ctx.select {
            // The names replace the command's name filters (cargo's TESTNAME, libtest's).
            a = without_positionals(
                &a,
                tool_args_start(&a, &["test"]),
                CARGO_VALUE_FLAGS,
                |_| true,
            );
            test_args = without_positionals(&test_args, 0, LIBTEST_VALUE_FLAGS, |_| true);
            test_args.push("--exact".into());
            // After `--`, a name that starts with `-` is a name, never an option.
            test_args.push("--".into());
            test_args.extend(ids.iter().map(|id| libtest_name(id).to_owned()));
        }
        if !test_args.is_empty() {
            a.push("--".into());
            a.extend(test_args);
        }
        Prepared {
            argv: a,
            env,
            report: ReportSource::Stdout { merge_stderr: true },
            files: Vec::new(),
        }
    }

    fn parse(&self, report: &[u8], _project: &Path) -> Parsed {
        cargo::parse(report)
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            report_flags: "--no-fail-fast; libtest's stable text output, stdout and stderr merged",
            order: "name order, on threads in one process; shuffled only when asked (--order shuffle|alternate), by libtest's -Z unstable-options --shuffle-seed with RUSTC_BOOTSTRAP=1",
            select_one: "cargo test -- --exact module::test_name",
            seed_variable: "RUST_TEST_SEED",
        }
    }
}

/// The variable that lets a test executable built by a stable toolchain take libtest's unstable
/// options (`-Z unstable-options --shuffle-seed N`): libtest reads it when it starts.
pub const UNSTABLE_OPTIONS: (&str, &str) = ("RUSTC_BOOTSTRAP", "1");

/// The cargo flag that runs each test executable under `env RUSTC_BOOTSTRAP=1`
/// ([`UNSTABLE_OPTIONS`]) and nothing else with it: cargo and rustc never see the variable,
/// so nothing is rebuilt (with it, proc-macro2, anyhow and others rebuild with nightly features).
/// On prebuilt executables, flaky sets the variable on the executables itself.
pub const BOOTSTRAP_RUNNER: &str =
    r#"--config=target.'cfg(all())'.runner=["env","RUSTC_BOOTSTRAP=1"]"#;

/// Makes `cargo test`'s flags (`cargo`, before `--`) and libtest's (`test`) run the tests in
/// the order libtest's shuffle `seed` gives them. Doc-tests cannot take the option without the
/// variable on cargo itself: a command that runs them runs its other targets alone (a command
/// of doc-tests only, `--doc`, is left in name order).
fn shuffle(cargo: &mut Vec<String>, test: &mut Vec<String>, seed: u64) {
    let picked = |w: &String| {
        let name = w.split_once('=').map_or(w.as_str(), |(n, _)| n);
        TARGET_FLAGS.contains(&name) || name == "--doc"
    };
    if cargo.iter().any(|w| w == "--doc") {
        return;
    }
    if !cargo.iter().any(picked) {
        cargo.extend(["--lib", "--bins", "--tests"].map(String::from));
    }
    cargo.retain(|w| w != BOOTSTRAP_RUNNER);
    cargo.push(BOOTSTRAP_RUNNER.to_owned());
    *test = strip_flags(test, &["--shuffle"], &["--shuffle-seed", "-Z"]);
    test.extend(["-Z", "unstable-options", "--shuffle-seed"].map(String::from));
    test.push(seed.to_string());
}

/// `cargo test ...` with its tests run one at a time in the order libtest's shuffle `seed` gives
/// the selected tests (see [`BOOTSTRAP_RUNNER`]): the only way to run one test before another
/// that sorts after it by name, as libtest otherwise runs tests in name order.
pub fn with_shuffle_seed(argv: &[String], seed: u64) -> Vec<String> {
    let (cargo_args, test_args) = match argv.iter().position(|w| w == "--") {
        Some(i) => (&argv[..i], &argv[i + 1..]),
        None => (argv, &[][..]),
    };
    let mut cargo_args = cargo_args.to_vec();
    let mut test_args = strip_flags(test_args, &[], &["--test-threads"]);
    test_args.extend(["--test-threads", "1"].map(String::from));
    shuffle(&mut cargo_args, &mut test_args, seed);
    cargo_args.push("--".into());
    cargo_args.extend(test_args);
    cargo_args
}

/// `src/lib.rs::tests::adds` → `tests::adds`: the name libtest matches with `--exact`.
fn libtest_name(id: &str) -> &str {
    match id.split_once("::") {
        Some((first, rest))
            if first.contains('/') || first.ends_with(".rs") || first.starts_with("doc:") =>
        {
            rest
        }
        _ => id,
    }
}

/// `cargo test` flags that pick the targets to test: with any of them cargo runs no doc-tests.
const TARGET_FLAGS: [&str; 10] = [
    "--lib",
    "--bins",
    "--bin",
    "--tests",
    "--test",
    "--examples",
    "--example",
    "--benches",
    "--bench",
    "--all-targets",
];

/// `cargo test` flags that build the tests without picking targets; the second list takes a value.
const BUILD_FLAGS: [&[&str]; 2] = [
    &[
        "--workspace",
        "--all",
        "--all-features",
        "--no-default-features",
        "--release",
        "-r",
        "--locked",
        "--frozen",
        "--offline",
        "--no-fail-fast",
        "--ignore-rust-version",
        "-v",
        "--verbose",
        "-q",
        "--quiet",
    ],
    &[
        "-p",
        "--package",
        "--exclude",
        "--features",
        "-F",
        "--target",
        "--target-dir",
        "--profile",
        "-j",
        "--jobs",
        "--manifest-path",
        "--config",
        "-Z",
        "--bin",
        "--test",
        "--example",
        "--bench",
    ],
];

/// A `cargo test` command taken apart: what builds the test executables once, and what each
/// attempt passes to them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CargoCommand {
    /// Cargo's flags, for `cargo test --no-run` and the doc-tests.
    pub cargo: Vec<String>,
    /// What every test executable gets: the test-name filter, then what followed `--`.
    pub binary: Vec<String>,
    /// Whether the flags pick targets (`--lib`, `--test it`, ...): then cargo runs no doc-tests.
    pub targets_picked: bool,
    /// Whether the executables run with [`UNSTABLE_OPTIONS`] (the command has [`BOOTSTRAP_RUNNER`]).
    pub unstable: bool,
}

impl CargoCommand {
    /// Takes `cargo test ...` apart; `Err` says what the test executables cannot be run
    /// without cargo for (flaky then runs `cargo test` itself on each attempt).
    pub fn parse(argv: &[String]) -> Result<Self, String> {
        let mut cmd = Self::default();
        let mut words = argv.iter().skip(2);
        while let Some(w) = words.next() {
            if w == "--" {
                cmd.binary.extend(words.by_ref().cloned());
                break;
            }
            if w == BOOTSTRAP_RUNNER {
                cmd.unstable = true;
                continue;
            }
            if !w.starts_with('-') {
                if cmd.binary.is_empty() {
                    cmd.binary.push(w.clone());
                    continue;
                }
                return Err(format!("a second test-name filter ({w})"));
            }
            let (name, inline) = match w.split_once('=') {
                Some((n, _)) => (n, true),
                None => (w.as_str(), false),
            };
            cmd.targets_picked |= TARGET_FLAGS.contains(&name);
            if BUILD_FLAGS[0].contains(&name) {
                cmd.cargo.push(w.clone());
            } else if BUILD_FLAGS[1].contains(&name) {
                cmd.cargo.push(w.clone());
                if !inline {
                    let value = words
                        .next()
                        .ok_or_else(|| format!("the flag {w} without its value"))?;
                    cmd.cargo.push(value.clone());
                }
            } else if TARGET_FLAGS.contains(&name) {
                cmd.cargo.push(w.clone());
            } else {
                return Err(format!("the flag {w}"));
            }
        }
        Ok(cmd)
    }
}

/// `cargo nextest run` flags that only drive the run (never the build); the second list takes
/// a value. An attempt with only these can run on binaries listed once per run.
const NEXTEST_RUN_FLAGS: [&[&str]; 2] = [
    &[
        "--no-fail-fast",
        "--no-capture",
        "--nocapture",
        "--hide-progress-bar",
    ],
    &[
        "--tool-config-file",
        "--profile",
        "-P",
        "-E",
        "--filterset",
        "--filter-expr",
        "--test-threads",
        "-j",
        "--retries",
        "--run-ignored",
        "--partition",
        "--status-level",
        "--final-status-level",
        "--success-output",
        "--failure-output",
        "--color",
    ],
];

/// An attempt's `cargo nextest run ...` as `cargo-nextest nextest run ...` on the build that
/// `reuse` names (`--binaries-metadata`, `--cargo-metadata`): no cargo, no build check. `Err`
/// says which flag could change the build (flaky then runs the command itself).
pub fn nextest_on_build(argv: &[String], reuse: &[String]) -> Result<Vec<String>, String> {
    let start = match argv.first().map(|p| program_name(p)) {
        Some("cargo") if argv.get(1).map(String::as_str) == Some("nextest") => 2,
        Some("cargo-nextest") if argv.get(1).map(String::as_str) == Some("nextest") => 2,
        _ => return Err("words before `cargo nextest`".to_owned()),
    };
    if argv.get(start).map(String::as_str) != Some("run") {
        return Err("a nextest command other than `run`".to_owned());
    }
    let mut words = argv[start + 1..].iter();
    while let Some(w) = words.next() {
        if w == "--" {
            break;
        }
        if !w.starts_with('-') {
            continue;
        }
        let (name, inline) = match w.split_once('=') {
            Some((n, _)) => (n, true),
            None => (w.as_str(), false),
        };
        if NEXTEST_RUN_FLAGS[1].contains(&name) {
            if !inline {
                words.next();
            }
        } else if !NEXTEST_RUN_FLAGS[0].contains(&name) {
            return Err(format!("the flag {w}"));
        }
    }
    let mut out = vec!["cargo-nextest".to_owned(), "nextest".to_owned()];
    out.extend(argv[start..].iter().cloned());
    // After the run's own flags, before any `--`: options of nextest, not test arguments.
    let at = out.iter().position(|w| w == "--").unwrap_or(out.len());
    out.splice(at..at, reuse.iter().cloned());
    Ok(out)
}

pub struct Nextest;

/// nextest's switch for its double spawn (`0` turns it off).
const NEXTEST_DOUBLE_SPAWN: &str = "NEXTEST_DOUBLE_SPAWN";

impl Driver for Nextest {
    fn framework(&self) -> Framework {
        Framework::Nextest
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        if dir.has("Cargo.toml") && dir.path.join(".config/nextest.toml").is_file() {
            vec![".config/nextest.toml".to_owned()]
        } else {
            Vec::new()
        }
    }

    fn default_command(&self, _dir: &ProjectDir) -> Vec<String> {
        words("cargo nextest run --no-fail-fast")
    }

    fn install_command(&self, _dir: &ProjectDir) -> Option<Vec<String>> {
        Some(words("cargo fetch"))
    }

    fn recognise(&self, argv: &[String]) -> bool {
        (argv.first().map(|p| program_name(p)) == Some("cargo")
            && argv.get(1).map(String::as_str) == Some("nextest"))
            || argv.first().map(|p| program_name(p)) == Some("cargo-nextest")
    }

    fn can_shuffle(&self) -> bool {
        false
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        // A tool config adds a profile whose JUnit report lands in the attempt's directory; its
        // path is absolute, so parallel attempts never share a report.
        let config = ctx.dir.join("nextest.toml");
        let profile = "flaky";
        let mut a = strip_flags(
            argv,
            &["--no-fail-fast"],
            &["--profile", "-P", "--tool-config-file", "--retries"],
        );
        a.push("--no-fail-fast".into());
        if ctx.with_report {
            a.push(format!("--tool-config-file=flaky:{}", config.display()));
            a.extend(["--profile".to_owned(), format!("flaky:{profile}")]);
        }
        if let Some(ids) = ctx.select {
            // The selection replaces the command's own filters (nextest runs a test that matches
            // any of them).
            a = strip_flags(&a, &[], &["-E", "--filterset", "--filter-expr"]);
            a = without_positionals(&a, tool_args_start(&a, &["run"]), CARGO_VALUE_FLAGS, |_| {
                true
            });
            let filters: Vec<String> = ids
                .iter()
                .map(|id| format!("test(={})", libtest_name(id)))
                .collect();
            a.extend(["-E".to_owned(), filters.join(" | ")]);
        }
        let report = ctx.dir.join("junit.xml");
        let toml = format!(
            "[profile.\"flaky:{profile}\"]\nretries = 0\n[profile.\"flaky:{profile}\".junit]\npath = {:?}\n",
            report.display().to_string()
        );
        let mut env = vec![("CARGO_TERM_COLOR".to_owned(), "never".to_owned())];
        // nextest starts every test (and every listing) through a second copy of itself, so that
        // a Ctrl-Z (SIGTSTP) arriving while a test is being spawned cannot leave nextest stuck.
        // An attempt runs in a process group of its own, which a terminal's Ctrl-Z never
        // reaches: the copy is a 23 MB executable started for nothing, a third of nextest's CPU
        // per attempt on a small suite. A user's own setting wins.
        if ctx.with_report && std::env::var_os(NEXTEST_DOUBLE_SPAWN).is_none() {
            env.push((NEXTEST_DOUBLE_SPAWN.to_owned(), "0".to_owned()));
        }
        Prepared {
            argv: a,
            env,
            report: ReportSource::File(report),
            files: if ctx.with_report {
                vec![(config, toml)]
            } else {
                Vec::new()
            },
        }
    }

    fn parse(&self, report: &[u8], _project: &Path) -> Parsed {
        junit::parse(report)
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            report_flags: "a flaky tool-config profile writing JUnit, --retries 0 (flaky counts every attempt itself)",
            order: "none: nextest runs each test in its own process",
            select_one: "cargo nextest run -E 'test(=module::test_name)'",
            seed_variable: "RUST_TEST_SEED",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cargo_test_command_is_taken_apart_into_cargo_and_executable_arguments() {
        let cmd = CargoCommand::parse(&words(
            "cargo test -p demo --features x adds --no-fail-fast -- --exact --test-threads 1",
        ))
        .unwrap();
        assert_eq!(cmd.cargo, words("-p demo --features x --no-fail-fast"));
        assert_eq!(cmd.binary, words("adds --exact --test-threads 1"));
        assert!(!cmd.targets_picked);
        assert!(
            CargoCommand::parse(&words("cargo test --test it"))
                .unwrap()
                .targets_picked
        );
        assert_eq!(
            CargoCommand::parse(&words("cargo test --timings")),
            Err("the flag --timings".to_owned())
        );
    }

    #[test]
    fn a_shuffle_seed_goes_to_the_test_executables_one_thread_at_a_time() {
        assert_eq!(
            with_shuffle_seed(&words("cargo test --release"), 3).join(" "),
            format!(
                "cargo test --release --lib --bins --tests {BOOTSTRAP_RUNNER} -- --test-threads 1 \
                 -Z unstable-options --shuffle-seed 3"
            )
        );
        assert_eq!(
            with_shuffle_seed(
                &words("cargo test -p a --test it -- --test-threads 4 --shuffle --nocapture"),
                9
            )
            .join(" "),
            format!(
                "cargo test -p a --test it {BOOTSTRAP_RUNNER} -- --nocapture --test-threads 1 \
                 -Z unstable-options --shuffle-seed 9"
            )
        );
        // Doc-tests alone cannot shuffle without the variable on cargo: left in name order.
        assert_eq!(
            with_shuffle_seed(&words("cargo test --doc"), 2).join(" "),
            "cargo test --doc -- --test-threads 1"
        );
        // The executables get the variable; cargo, building them, does not.
        let cmd = CargoCommand::parse(&with_shuffle_seed(&words("cargo test"), 4)).unwrap();
        assert!(cmd.unstable && cmd.targets_picked);
        assert!(!cmd.cargo.iter().any(|w| w.contains("RUSTC_BOOTSTRAP")));
    }

    #[test]
    fn a_nextest_attempt_runs_cargo_nextest_on_the_listed_build() {
        let reuse = words("--binaries-metadata b.json --cargo-metadata m.json");
        assert_eq!(
            nextest_on_build(
                &words("cargo nextest run --no-fail-fast -E test(=a) -- --x"),
                &reuse
            ),
            Ok(words(
                "cargo-nextest nextest run --no-fail-fast -E test(=a) --binaries-metadata b.json --cargo-metadata m.json -- --x"
            ))
        );
        assert_eq!(
            nextest_on_build(&words("cargo nextest run --release"), &reuse),
            Err("the flag --release".to_owned())
        );
    }
}
