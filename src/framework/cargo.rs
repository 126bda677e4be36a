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
        // libtest's --shuffle-seed needs a nightly toolchain.
        false
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
            env: vec![("CARGO_TERM_COLOR".into(), "never".into())],
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
            order: "none: libtest shuffles only on nightly (--shuffle-seed), and runs tests on threads in one process",
            select_one: "cargo test -- --exact module::test_name",
            seed_variable: "RUST_TEST_SEED",
        }
    }
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

pub struct Nextest;

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
        Prepared {
            argv: a,
            env: vec![("CARGO_TERM_COLOR".into(), "never".into())],
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
