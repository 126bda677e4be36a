//! node:test: flaky's own reporter (`node_reporter.mjs`, written to the run's support directory)
//! to a file, and the spec reporter to stdout for people.

use std::path::Path;

use super::{
    AttemptCtx, Driver, Framework, Knobs, Prepared, ProjectDir, ReportSource, exact_alternation,
    js_default, js_detect, node_bin_path, path_arg, program_name, split_ids, strip_flags,
    tool_args_start, without_positionals, words,
};
use crate::parse::{Parsed, node};

pub struct NodeTest;

/// flaky's reporter: node's JUnit reporter has no file, and says less of how a test failed.
const REPORTER: &str = "node/flaky-reporter.mjs";
const REPORTER_SOURCE: &str = include_str!("node_reporter.mjs");

/// The flags flaky sets itself.
const OWN_VALUE_FLAGS: &[&str] = &["--test-reporter", "--test-reporter-destination"];
/// The command's own name filter: replaced when flaky selects tests, kept otherwise.
const NAME_FLAGS: &[&str] = &["--test-name-pattern"];

/// node's options written `--flag value`: their values are not test files.
const VALUE_FLAGS: &[&str] = &[
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "-C",
    "--conditions",
    "--input-type",
    "--inspect-port",
    "--title",
    "--redirect-warnings",
    "--disable-warning",
    "--test-concurrency",
    "--test-timeout",
    "--test-shard",
    "--test-skip-pattern",
    "--test-coverage-include",
    "--test-coverage-exclude",
    "--watch-path",
    "--env-file",
    "--env-file-if-exists",
    "--test-coverage-lines",
    "--test-coverage-branches",
    "--test-coverage-functions",
    "--test-isolation",
    "--experimental-default-type",
    "--unhandled-rejections",
    "--stack-size",
];

impl Driver for NodeTest {
    fn framework(&self) -> Framework {
        Framework::Node
    }

    fn detect(&self, dir: &ProjectDir) -> Vec<String> {
        js_detect(dir, "node", None)
    }

    fn default_command(&self, dir: &ProjectDir) -> Vec<String> {
        js_default(dir, "node", "node --test")
    }

    fn install_command(&self, dir: &ProjectDir) -> Option<Vec<String>> {
        dir.has("package-lock.json").then(|| dir.js_install())
    }

    fn recognise(&self, argv: &[String]) -> bool {
        argv.first().map(|p| program_name(p)) == Some("node") && argv.iter().any(|w| w == "--test")
    }

    fn can_shuffle(&self) -> bool {
        false
    }

    fn prepare(&self, argv: &[String], ctx: &AttemptCtx<'_>) -> Prepared {
        let report = ctx.dir.join("report.jsonl");
        let mut argv = strip_flags(argv, &[], OWN_VALUE_FLAGS);
        if ctx.select.is_some() {
            argv = strip_flags(&argv, &[], NAME_FLAGS);
        }
        // node takes its options before the test files: they go right after `node` (behind a
        // wrapper such as c8 too). A package.json script run through npm gets them at its end
        // (after `--`), where npm puts them.
        let at = tool_args_start(&argv, &["node"]);
        let mut flags = Vec::new();
        if ctx.with_report {
            flags.extend(words(
                "--test-reporter=spec --test-reporter-destination=stdout",
            ));
            flags.push(format!(
                "--test-reporter={}",
                ctx.support.join(REPORTER).display()
            ));
            flags.push(format!("--test-reporter-destination={}", report.display()));
        }
        let mut files = None;
        if let Some(ids) = ctx.select {
            let (in_files, names) = split_ids(ids);
            // Node 20 matches the pattern against each test's own name, and runs a test's
            // subtests only when the test itself matches: every name on the path goes in.
            // A name may itself hold ` > `: every run of consecutive parts goes in too.
            let mut segments: Vec<String> = Vec::new();
            for name in &names {
                let parts: Vec<&str> = name.split(" > ").collect();
                for i in 0..parts.len() {
                    for j in i..parts.len() {
                        let part = parts[i..=j].join(" > ");
                        if !segments.contains(&part) {
                            segments.push(part);
                        }
                    }
                }
            }
            flags.push(format!(
                "--test-name-pattern={}",
                exact_alternation(&segments)
            ));
            files = in_files.map(|f| f.iter().map(|f| path_arg(f)).collect::<Vec<_>>());
        }
        let mut a = argv[..at].to_vec();
        a.extend(flags);
        a.extend(match &files {
            // The files replace the command's own test paths.
            Some(_) => without_positionals(&argv[at..], 0, VALUE_FLAGS, |_| true),
            None => argv[at..].to_vec(),
        });
        a.extend(files.unwrap_or_default());
        Prepared {
            argv: a,
            env: vec![node_bin_path(ctx.project)],
            report: ReportSource::File(report),
            files: Vec::new(),
        }
    }

    fn parse(&self, report: &[u8], project: &Path) -> Parsed {
        // node writes real paths: a project reached through a symlink is relative to its target.
        let real = std::fs::canonicalize(project);
        node::parse_relative_to(report, real.as_deref().unwrap_or(project))
    }

    fn selection_runs_more(&self) -> bool {
        true
    }

    fn support_files(&self) -> &'static [(&'static str, &'static str)] {
        &[(REPORTER, REPORTER_SOURCE)]
    }

    fn knobs(&self) -> Knobs {
        Knobs {
            report_flags: "--test-reporter=<flaky's reporter> --test-reporter-destination=<attempt dir>/report.jsonl (and spec to stdout)",
            order: "none on Node 20 (--test-randomize needs a newer Node)",
            select_one: "node --test --test-name-pattern='^(suite|test name)$' test/file.test.js",
            seed_variable: "TEST_SEED",
        }
    }
}
